package dev.vahost.pipelines.stage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.prometheus.metrics.expositionformats.ExpositionFormats;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.output.JsonLinesWriter;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The stage SPI without video: specs from the command line, loading by type with typed config and
 * its errors, the runner's order, isolation of failures, metadata and metrics. (Stages in a running
 * service: ServiceStagesTest; plugin jars in a separate process: the examples' tests.)
 */
class StagesTest {
    static FrameResult result(String stream, long n, float... scores) {
        List<FrameResult.Detection> ds = new ArrayList<>();
        for (float s : scores) ds.add(new FrameResult.Detection(0, "disc", s, 10, 10, 20, 20));
        return new FrameResult(stream, n, n * 33_333_333L, 320, 240, ds);
    }

    @Test
    void specsParseFromTheCommandLineForm(@TempDir Path dir) throws Exception {
        StageSpec a = StageSpec.parse("test-tag");
        assertEquals("test-tag", a.type());
        assertEquals("test-tag", a.name(), "the name defaults to the type");
        assertTrue(a.config().isEmpty());
        StageSpec b = StageSpec.parse("test-tag:door={\"label\": \"a:b=c\", \"min_score\": 0.5}");
        assertEquals("door", b.name());
        assertEquals("a:b=c", b.config().get("label").asText(), "':' and '=' inside the JSON stay there");
        assertEquals(b, StageSpec.parse(b.argument()), "argument() parses back to the same spec");
        Path yaml = Files.writeString(dir.resolve("tag.yaml"), "label: from-file\nmin_score: 0.25\n");
        assertEquals("from-file", StageSpec.parse("test-tag:f=" + yaml).config().get("label").asText());

        assertTrue(assertThrows(IllegalArgumentException.class, () -> StageSpec.parse("Bad Type")).getMessage()
                .contains("stage type 'Bad Type'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StageSpec.parse("test-tag:x={\"label\": }")).getMessage()
                .contains("stage x (test-tag): cannot read its config"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StageSpec.parse("test-tag:x=" + dir.resolve("none.yaml")))
                .getMessage().contains("no config file"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StageSpec.parse("test-tag:x=[1,2]")).getMessage()
                .contains("no config file"), "a config that is neither {...} nor a file is refused");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StageSpec.parse("test-tag:x=" +
                Files.writeString(dir.resolve("list.json"), "[1]"))).getMessage().contains("must be a mapping of keys, not array"));
    }

    @Test
    void typesComeFromTheServiceLoaderAndConfigIsBoundTyped() {
        Map<String, StageFactory<?>> f = Stages.factories(Stages.class.getClassLoader());
        assertTrue(f.keySet().containsAll(List.of("test-tag", "test-throw", "test-pixels")), f.keySet().toString());
        try (StageRunner r = Stages.create(List.of(StageSpec.parse("test-tag:t={\"label\":\"L\",\"min_score\":0.5}")), List.of(),
                false, 4)) {
            List<FrameResult> out = r.run(List.of(result("a", 0, 0.9f, 0.3f, 0.6f)), null, null);
            assertEquals(2, out.get(0).detections().size(), "min_score 0.5 drops one of three");
            assertEquals(new TestStages.Tag("L", 2, 1), out.get(0).meta().get("test_tag"));
        }
    }

    @Test
    void loadingErrorsNameTheStageAndWhatIsWrong(@TempDir Path dir) throws Exception {
        String unknownType = assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("no-such:x")), List.of(), false, 4)).getMessage();
        assertTrue(unknownType.contains("stage 'x': no stage type 'no-such' (known: ") && unknownType.contains("test-tag"), unknownType);
        assertTrue(unknownType.contains("--plugin"), unknownType);

        String unknownKey = assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("test-tag:t={\"lable\":\"L\"}")), List.of(), false, 4)).getMessage();
        assertTrue(unknownKey.contains("stage 't' (test-tag): unknown config key 'lable' (known: label, min_score)"), unknownKey);

        String badValue = assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("test-tag:t={\"min_score\":\"high\"}")), List.of(), false, 4)).getMessage();
        assertTrue(badValue.contains("stage 't' (test-tag): config key 'min_score': "), badValue);

        String rule = assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("test-tag:t={\"min_score\":2}")), List.of(), false, 4)).getMessage();
        assertEquals("stage 't' (test-tag): minScore must be within 0..1, got 2.0", rule);

        String twice = assertThrows(IllegalArgumentException.class, () -> Stages.create(
                List.of(StageSpec.parse("test-tag"), StageSpec.parse("test-throw:test-tag")), List.of(), false, 4)).getMessage();
        assertTrue(twice.contains("two stages are named 'test-tag'"), twice);

        String gpuOnly = assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("test-pixels")), List.of(), true, 4)).getMessage();
        assertTrue(gpuOnly.contains("stage 'test-pixels' (test-pixels): test-pixels reads system-memory frames"), gpuOnly);

        assertTrue(assertThrows(IllegalArgumentException.class, () -> Stages.pluginLoader(List.of(dir.resolve("x.jar"))))
                .getMessage().contains("no such file or directory"));
        Path notJar = Files.writeString(dir.resolve("plugin.txt"), "x");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Stages.pluginLoader(List.of(notJar))).getMessage()
                .contains("expected a .jar file"));
        Path broken = Files.writeString(dir.resolve("broken.jar"), "not a zip");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Stages.pluginLoader(List.of(broken))).getMessage()
                .contains("not a readable jar"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Stages.pluginLoader(List.of(empty))).getMessage()
                .contains("holds no .jar file"));
        Path noServices = dir.resolve("plain.jar");
        try (var z = new java.util.zip.ZipOutputStream(Files.newOutputStream(noServices))) {
            z.putNextEntry(new java.util.zip.ZipEntry("a.txt"));
            z.write('x');
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Stages.pluginLoader(List.of(noServices))).getMessage()
                .contains("the jar declares no stage"));
    }

    @Test
    void aThrowingStageIsCountedAndIsolatedAndStagesRunInOrder() throws Exception {
        try (StageRunner r = Stages.create(List.of(StageSpec.parse("test-throw:t={\"every\":2}"),
                StageSpec.parse("test-tag:after={\"min_score\":0.5}")), List.of(), false, 4)) {
            for (int b = 0; b < 4; b++) {
                List<FrameResult> out = r.run(List.of(result("a", b, 0.9f), result("b", b, 0.2f)), null, null);
                // test-throw adds a score-1 box before it throws (or not); test-tag runs after it either way.
                assertEquals(List.of(0, 99), out.get(0).detections().stream().map(FrameResult.Detection::classId).toList());
                assertEquals(List.of(99), out.get(1).detections().stream().map(FrameResult.Detection::classId).toList());
                assertEquals(new TestStages.Tag("after", 1, 1), out.get(1).meta().get("test_tag"));
            }
            List<StageRunner.Stats> st = r.stats();
            assertEquals(List.of("t", "after"), st.stream().map(StageRunner.Stats::name).toList());
            assertEquals(4, st.get(0).batches());
            assertEquals(2, st.get(0).failures(), "batches 2 and 4 threw");
            assertEquals(0, st.get(1).failures());
            var out = new java.io.ByteArrayOutputStream();
            ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, r.metrics().collect());
            String text = out.toString();
            assertTrue(text.contains("vahost_stage_seconds_count{stage=\"t\",type=\"test-throw\"} 4"), text);
            assertTrue(text.contains("vahost_stage_seconds_count{stage=\"after\",type=\"test-tag\"} 4"), text);
            assertTrue(text.contains("vahost_stage_failures_total{stage=\"t\",type=\"test-throw\"} 2.0"), text);
            assertTrue(text.contains("vahost_stage_failures_total{stage=\"after\",type=\"test-tag\"} 0.0"), text);
            assertTrue(r.summary().contains("failures 2"), r.summary());
        }
    }

    @Test
    void framesAreUnavailableUnlessAStageAskedForThem() {
        StageFrame f = new StageFrame(result("a", 7), null);
        IllegalStateException e = assertThrows(IllegalStateException.class, f::deviceFrame);
        assertTrue(e.getMessage().contains("stream a frame 7: deviceFrame() is unavailable: frames are kept for stages only when"),
                e.getMessage());
        assertThrows(IllegalStateException.class, f::videoFrame);
    }

    @Test
    void publishedMetadataReachesTheJsonLineAndInternalDoesNot() throws Exception {
        StageFrame f = new StageFrame(result("a", 1, 0.5f), null);
        f.meta().put(TestStages.TAG, new TestStages.Tag("x", 1, 0));
        f.meta().put(TestStages.LUMA, 12.5);
        f.meta().put(MetaKey.published("unwritable", Object.class), new Object());
        String line = JsonLinesWriter.detectionsLine(f.toResult());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertEquals("x", json.at("/meta/test_tag/label").asText(), line);
        assertEquals(1, json.at("/meta/test_tag/kept").asInt(), line);
        assertTrue(json.at("/meta/test_luma").isMissingNode(), "internal metadata stays inside: " + line);
        assertTrue(json.at("/meta/unwritable/error").asText().startsWith("cannot be written as JSON"), line);
        assertTrue(JsonLinesWriter.detectionsLine(result("a", 1)).indexOf("meta") < 0, "no stages, no meta field");

        assertThrows(IllegalArgumentException.class, () -> MetaKey.published("test_tag", String.class),
                "one name, one type");
        assertThrows(IllegalArgumentException.class, () -> MetaKey.published("Bad Name", String.class));
    }
}
