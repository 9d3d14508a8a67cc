package dev.vahost.pipelines;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.detect.Detectors;
import dev.vahost.pipelines.output.JsonLinesWriter;
import dev.vahost.pipelines.output.MetricsServer;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.TestStages;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Stages in the running service on the CPU path, set up from the command line as a user would: a
 * stage that reads pixels (frames kept for it, released after), one that throws on every third
 * batch (counted, isolated), one that changes detections and publishes metadata; the JSON lines
 * and /metrics show them. (Plugins from jars in a separate process: the examples' tests.)
 */
class ServiceStagesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void stagesSeeEveryBatchInOrderAndTheirOutputReachesJsonAndMetrics(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.jsonl");
        CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--model", "builtin", "--source", "a=synthetic:320x240@30",
                "--source", "b=synthetic:640x360@30", "--batch-size", "4", "--all-frames", "--clip-cache", clipCache().toString(),
                "--stage", "test-pixels", "--stage", "test-throw:thrower={\"every\": 3}",
                "--stage", "test-tag:tag={\"label\": \"L\", \"min_score\": 0.5}"});
        TestStages.PixelsFactory.SEEN.clear();
        List<FrameResult> results = new CopyOnWriteArrayList<>();
        StageRunner runner;
        try (JsonLinesWriter json = JsonLinesWriter.open(out.toString(), true);
             AnalyticsService<?> s = Detectors.service(o, json);
             MetricsServer http = new MetricsServer(0, s::status, Detectors.metrics(s))) {
            runner = s.stages();
            assertTrue(runner.needsFrames());
            s.addListener(results::add);
            for (SourceSpec spec : Detectors.sources(o)) s.addSource(spec);
            await("12 frames per camera through the stages", Duration.ofSeconds(120),
                    () -> s.status().stream().allMatch(x -> x.framesProcessed() >= 12));
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.matches("(?s).*\nvahost_stage_seconds_count\\{stage=\"tag\",type=\"test-tag\"} [1-9][0-9]*\n.*"), metrics);
            assertTrue(metrics.matches("(?s).*\nvahost_stage_failures_total\\{stage=\"thrower\",type=\"test-throw\"} [1-9][0-9]*\\.0\n.*"),
                    metrics);
            assertTrue(metrics.contains("vahost_stage_seconds_bucket{stage=\"test-pixels\",type=\"test-pixels\",le=\"0.001\"}"), metrics);
        }
        // Every frame a stage saw went back; nothing is held after the service closed.
        assertFalse(TestStages.PixelsFactory.SEEN.isEmpty());
        assertTrue(TestStages.PixelsFactory.SEEN.stream().allMatch(VideoFrame::isClosed), "frames kept for stages are released");
        assertEquals(0, StreamPipeline.liveSamples());

        var stats = runner.stats();
        assertEquals(List.of("test-pixels", "thrower", "tag"), stats.stream().map(StageRunner.Stats::name).toList());
        long batches = stats.get(0).batches();
        assertTrue(stats.stream().allMatch(x -> x.batches() == batches), "every stage ran on every batch: " + stats);
        assertEquals(batches / 3, stats.get(1).failures(), "test-throw throws on every third batch");

        int withDetections = 0;
        for (FrameResult r : results) {
            TestStages.Tag tag = (TestStages.Tag) r.meta().get("test_tag");
            assertNotNull(tag, "test-tag ran after the throwing stage on every frame: " + r);
            assertEquals("L", tag.label());
            assertTrue(r.detections().stream().allMatch(d -> d.score() >= 0.5), "min_score 0.5 dropped lower scores: " + r);
            assertTrue(r.detections().stream().anyMatch(d -> d.classId() == 99), "test-throw's box survives its own throw");
            double luma = (Double) r.meta().get("luma_row0");
            assertTrue(luma >= 0 && luma <= 255, "the pixel stage read the frame: " + luma);
            if (r.detections().size() > 1) withDetections++;
        }
        assertTrue(withDetections > 0, "the builtin detector found the synthetic objects");

        List<String> lines = Files.readAllLines(out);
        int detectionLines = 0;
        for (String line : lines) {
            JsonNode n = JSON.readTree(line);
            if (!"detections".equals(n.get("type").asText())) continue;
            detectionLines++;
            assertEquals("L", n.at("/meta/test_tag/label").asText(), line);
            assertTrue(n.at("/meta/luma_row0").isNumber(), line);
            assertTrue(n.at("/meta/test_luma").isMissingNode(), "internal metadata stays out of the JSON: " + line);
        }
        assertEquals(results.size(), detectionLines, "one JSON line per result (--all-frames)");
    }

    /**
     * A stage that reads the pixels of some streams only (as the web view does of the watched ones):
     * the other streams' frames go back to their decoder before the stages run, and the stage sees
     * them without pixels.
     */
    @Test
    void onlyTheStreamsAStageNeedsKeepTheirFramesThroughTheStages() throws Exception {
        CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--model", "builtin", "--source", "a=synthetic:320x240@30",
                "--source", "b=synthetic:320x240@30", "--batch-size", "4", "--all-frames", "--clip-cache", clipCache().toString(),
                "--stage", "test-pixels={\"streams\": [\"a\"]}"});
        TestStages.PixelsFactory.SEEN.clear();
        TestStages.PixelsFactory.WITHOUT_PIXELS.clear();
        List<FrameResult> results = new CopyOnWriteArrayList<>();
        try (AnalyticsService<?> s = Detectors.service(o, null)) {
            s.addListener(results::add);
            for (SourceSpec spec : Detectors.sources(o)) s.addSource(spec);
            await("10 frames per camera through the stages", Duration.ofSeconds(120),
                    () -> s.status().stream().allMatch(x -> x.framesProcessed() >= 10));
        }
        long a = results.stream().filter(r -> r.streamId().equals("a")).count(), b = results.size() - a;
        assertTrue(TestStages.PixelsFactory.SEEN.stream().allMatch(VideoFrame::isClosed), "frames kept for stages are released");
        assertTrue(TestStages.PixelsFactory.SEEN.size() >= 10, "the stage read a's pixels: " + TestStages.PixelsFactory.SEEN.size());
        assertEquals(a, TestStages.PixelsFactory.SEEN.size(), "every frame of a had its pixels");
        assertNull(TestStages.PixelsFactory.WITHOUT_PIXELS.get("a"), "no frame of a came without pixels");
        assertEquals(b, TestStages.PixelsFactory.WITHOUT_PIXELS.get("b").get(), "no frame of b was kept: " + b + " results of b");
        assertTrue(results.stream().filter(r -> r.streamId().equals("b")).noneMatch(r -> r.meta().containsKey("luma_row0")));
        assertEquals(0, StreamPipeline.liveSamples());
    }

    @Test
    void aStageThatNeedsFramesIsRefusedByADetectorThatCannotKeepThem() {
        FrameDetector<VideoFrame> plain = new FrameDetector<>() {
            @Override public boolean gpu() { return false; }
            @Override public VideoFrame adopt(VideoFrame frame) { return frame; }
            @Override public long ptsNanos(VideoFrame frame) { return 0; }
            @Override public void release(VideoFrame frame) { frame.close(); }
            @Override public List<FrameResult> detect(List<dev.vahost.pipelines.batch.Batcher.Entry<VideoFrame>> batch) { return List.of(); }
            @Override public String describe() { return "a detector without keepFrames"; }
            @Override public void close() {}
        };
        StageRunner r = dev.vahost.pipelines.stage.Stages.create(List.of(dev.vahost.pipelines.stage.StageSpec.parse("test-pixels")),
                List.of(), false, 4);
        String m = assertThrows(IllegalArgumentException.class,
                () -> new AnalyticsService<>(options(false, false, Duration.ofSeconds(5), 0), plain, r)).getMessage();
        assertEquals("a stage reads the frames' pixels but a detector without keepFrames cannot keep frames for stages", m);
        r.close();
    }
}
