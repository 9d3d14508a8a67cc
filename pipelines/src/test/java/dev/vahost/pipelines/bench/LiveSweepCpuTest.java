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
}
