package dev.vahost.examples.zonecount;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.synth.SyntheticClip;
import dev.vahost.pipelines.PluginJars;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The plugin as a user deploys it: this module's classes packed into a jar, the service started in
 * its own JVM (CPU path, the built-in test detector, a synthetic camera) with {@code --plugin JAR}
 * and two zone-count stages. The counts in the JSON lines are checked against the camera's ground
 * truth (its clip's exact object boxes), not against this code's own rule.
 */
class ZoneCountPluginJarTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path CLASSES = Path.of("target/classes"), TEST_CLASSES = Path.of("target/test-classes");
    static final Path CLIPS = Path.of(System.getProperty("vahost.testClips", "target/test-clips"));

    @Test
    void loadsFromAJarOnTheCommandLineAndCountsWhatTheGroundTruthSays(@TempDir Path dir) throws Exception {
        Path jar = PluginJars.jar(CLASSES, dir.resolve("zone-count.jar"));
        String cp = PluginJars.classPathWithout(CLASSES, TEST_CLASSES);

        PluginJars.Result without = PluginJars.runMain(cp, Duration.ofSeconds(60), "--list-stages");
        assertFalse(without.output().contains("zone-count"), "the child's class path lacks the plugin: " + without.output());
        PluginJars.Result listed = PluginJars.runMain(cp, Duration.ofSeconds(60), "--list-stages", "--plugin", jar.toString());
        assertEquals(0, listed.exit(), listed.output());
        assertTrue(listed.output().contains("zone-count       objects per polygon zone"), listed.output());
        assertTrue(listed.output().contains("from file:" + jar.toAbsolutePath()), listed.output());

        SourceSpec cam = SourceSpec.parse("a=synthetic:320x240@30", "a");
        Path clip = SyntheticCameras.clip(cam, 0, CLIPS); // the child plays the same clip (camera 0, same cache)
        List<List<double[]>> truth = new ArrayList<>();
        for (String line : Files.readAllLines(SyntheticClip.boxesPath(clip))) {
            List<double[]> boxes = new ArrayList<>();
            for (JsonNode b : JSON.readTree(line).get("boxes")) {
                boxes.add(new double[] {b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble(),
                        b.get(4).asDouble()});
            }
            truth.add(boxes);
        }
        Path out = dir.resolve("out.jsonl");
        // Stage 1 counts objects whose bottom-centre is in the left half; stage 2 then keeps only
        // detections whose bottom-centre is in the top two thirds (and counts them).
        String left = "{\"zones\":[{\"name\":\"left\",\"polygon\":[[0,0],[160,0],[160,240],[0,240]]}]}";
        Path topFile = Files.writeString(dir.resolve("top.yaml"), """
                keep_only_inside: true
                zones:
                  - name: top
                    polygon: [[0, 0], [1, 0], [1, 0.6667], [0, 0.6667]]
                    normalized: true
                """);
        PluginJars.Result run = PluginJars.runMain(cp, Duration.ofSeconds(120), "--gpu", "off", "--model", "builtin",
                "--source", "a=synthetic:320x240@30", "--clip-cache", CLIPS.toString(), "--batch-size", "4", "--all-frames",
                "--plugin", jar.toString(), "--stage", "zone-count:left=" + left, "--stage", "zone-count:top=" + topFile,
                "--output", out.toString(), "--duration-s", "8", "--perf-interval-s", "2");
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("stage left"), "final figures list the stages: " + run.output());

        int frames = 0, checked = 0, leftSeen = 0, outsideSeen = 0;
        for (String line : Files.readAllLines(out)) {
            JsonNode n = JSON.readTree(line);
            if (!"detections".equals(n.get("type").asText())) continue;
            frames++;
            List<double[]> gt = truth.get((int) (n.get("frame").asLong() % truth.size()));
            int wantLeft = 0;
            boolean ambiguous = false;
            for (double[] b : gt) {
                double cx = (b[1] + b[3]) / 2;
                ambiguous |= Math.abs(cx - 160) < 6; // a few pixels of box error could move it across the line
                if (cx < 160) wantLeft++;
            }
            int gotLeft = n.at("/meta/zone_counts/left").asInt(-1);
            assertTrue(gotLeft >= 0, "every frame has the left count: " + line);
            if (!ambiguous) {
                assertEquals(wantLeft, gotLeft, "frame " + n.get("frame") + ": " + line);
                checked++;
            }
            if (wantLeft > 0) leftSeen++;
            if (wantLeft < gt.size()) outsideSeen++;
            // Stage 2 ran after stage 1 on the same frames and dropped what is below its zone.
            for (JsonNode d : n.get("detections")) assertTrue(d.get("box").get(3).asDouble() < 240 * 0.6667 + 1e-6, line);
            assertEquals(n.get("detections").size(), n.at("/meta/zone_counts/top").asInt(), line);
        }
        assertTrue(frames >= 10, "frames processed in 8 s on the CPU path: " + frames + "\n" + run.output());
        assertTrue(checked >= frames / 2, checked + " of " + frames + " frames unambiguous");
        assertTrue(leftSeen > 0 && outsideSeen > 0, "the scene has objects on both sides of the line");
    }

    @Test
    void aBadConfigStopsTheServiceWithTheKeyNamed(@TempDir Path dir) throws Exception {
        Path jar = PluginJars.jar(CLASSES, dir.resolve("zone-count.jar"));
        PluginJars.Result r = PluginJars.runMain(PluginJars.classPathWithout(CLASSES, TEST_CLASSES), Duration.ofSeconds(60),
                "--gpu", "off", "--model", "none", "--synthetic", "1", "--clip-cache", CLIPS.toString(), "--plugin", jar.toString(),
                "--stage", "zone-count:z={\"zones\":[{\"name\":\"a\",\"polygon\":[[0,0],[1,1]]}]}", "--duration-s", "5");
        assertEquals(2, r.exit(), r.output());
        assertTrue(r.output().contains("vahost: stage 'z' (zone-count): zones[0].polygon: at least 3 points [x, y]"), r.output());
        PluginJars.Result missing = PluginJars.runMain(PluginJars.classPathWithout(CLASSES, TEST_CLASSES), Duration.ofSeconds(60),
                "--gpu", "off", "--model", "none", "--synthetic", "1", "--stage", "zone-count", "--duration-s", "5");
        assertEquals(2, missing.exit(), missing.output());
        assertTrue(missing.output().contains("stage 'zone-count': no stage type 'zone-count' (known: "), missing.output());
    }
}
