package dev.vahost.pipelines.bench;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LiveBench's sweep on the CPU path with small N, as a correctness check of what it reports (no
 * timing is asserted: a 2-core CI machine detects a few frames per second): paced streams, decode-only
 * then the test detector, figures that are consistent with each other and with pacing.
 */
class LiveSweepCpuTest {
    @Test
    void aSmallPacedSweepReportsConsistentFigures() throws Exception {
        Path clip = SyntheticCameras.clip(SourceSpec.parse("a=synthetic:320x240@30", "a"), 0, Path.of("target/test-clips"));
        CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--batch-size", "4"});
        List<LiveBench.Run> runs = LiveBench.sweep(new int[] {1, 2}, clip.toAbsolutePath().toString(), o, false, 4, 20, 4, 2, 3);
        assertEquals(4, runs.size(), "decode-only and the full path per N");
        for (int i = 0; i < runs.size(); i++) {
            LiveBench.Run r = runs.get(i);
            assertEquals(i < 2 ? 1 : 2, r.n());
            assertEquals(i % 2 == 0, r.mode().startsWith("decode-only"), r.mode());
            assertTrue(r.decoded() > 0 && r.agg() > 0, r.toString());
            assertTrue(r.min() <= r.max(), r.toString());
            // Paced at 30 fps: no stream processes more than its rate (plus what was queued at the window's start).
            assertTrue(r.max() <= 30 * 1.5, r.toString());
            assertTrue(r.dropped() <= r.decoded(), r.toString());
            assertTrue(Double.isFinite(r.p50()) && r.p50() <= r.p99() && r.p99() <= r.worstP99() + 1e-9, r.toString());
            assertTrue(r.meanBatch() >= 1 && r.meanBatch() <= 4, r.toString());
            assertEquals(0, r.failed(), r.toString());
            assertEquals("GPU use: n/a", r.gpu());
            assertEquals(r.min() >= 29.5 && r.dropped() <= 1e-4 * r.decoded() && r.worstP99() <= 100, r.holds(29.5, 1e-4, 100));
        }
    }

    /**
     * With a tracker, a line and a Kafka sink against a real (embedded) broker: a third run per N,
     * whose streams hold the same pace and whose messages are counted as delivered.
     */
    @Test
    void stagesAndAKafkaSinkMakeAThirdRunPerN() throws Exception {
        Path clip = SyntheticCameras.clip(SourceSpec.parse("a=synthetic:320x240@30", "a"), 0, Path.of("target/test-clips"));
        try (EmbeddedKafka k = EmbeddedKafka.start()) {
            CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--batch-size", "4", "--stage", "tracker",
                    "--stage", "analytics={\"lines\": [{\"name\": \"mid\", \"line\": [[160, 0], [160, 240]]}]}",
                    "--sink", "kafka:k={\"bootstrap\": \"" + k.bootstrap() + "\", \"topic\": \"bench\", \"all_frames\": true}"});
            List<LiveBench.Run> runs = LiveBench.sweep(new int[] {2}, clip.toAbsolutePath().toString(), o, false, 4, 20, 4, 2, 3);
            assertEquals(3, runs.size(), "decode-only, the full path, and the full path with stages and sinks");
            LiveBench.Run full = runs.get(1), extra = runs.get(2);
            assertTrue(extra.mode().contains("tracker") && extra.mode().contains("sinks [k]"), extra.mode());
            assertEquals(0, extra.failed(), extra.toString());
            assertEquals(0, full.messages(), "no sink in the plain full path");
            // all_frames: one message per processed frame; the window's deliveries trail its frames by the sink's queue.
            long frames = Math.round(extra.agg() * 3);
            assertTrue(extra.messages() > 0 && extra.messages() <= frames + 40, extra + " vs frames " + frames);
            assertEquals(0, extra.messagesLost(), extra.toString());
        }
    }
}
