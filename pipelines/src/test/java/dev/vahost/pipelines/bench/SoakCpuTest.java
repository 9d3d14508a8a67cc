package dev.vahost.pipelines.bench;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static org.junit.jupiter.api.Assertions.*;

/**
 * SoakBench's soak on the CPU path, small and short, as a check of what it does and reports (no
 * timing or trend is asserted): an RTSP camera killed and restarted by the chaos thread comes back,
 * a corrupt file and a clean one keep running, every frame is released after close, and no thread is
 * left behind.
 */
class SoakCpuTest {
    @Test
    void aShortSoakWithOneKilledCameraEndsClean(@TempDir Path dir) throws Exception {
        Path clip = SyntheticCameras.clip(SourceSpec.parse("a=synthetic:320x240@30", "a"), 0, Path.of("target/test-clips"));
        CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--model", "none", "--batch-size", "4"});
        SoakBench.Result r = SoakBench.soak(o, false, clip, dir, 4, 1, 1, 0.5, 8, 5, 4, 8, 0);
        assertTrue(r.kills() >= 1, "the chaos thread killed the RTSP camera at least once: " + r.kills());
        assertFalse(r.samples().isEmpty());
        for (Map.Entry<String, String> e : r.group().entrySet()) {
            StreamStatus s = r.end().get(e.getKey());
            assertNotNull(s, e.getKey());
            if (e.getValue().equals("rtsp")) {
                assertTrue(s.reconnects() >= 1, e.getKey() + " was killed but never reconnected: " + s);
                assertTrue(s.state().equals("RUNNING") || s.state().equals("RECONNECTING"), s.toString());
            } else {
                assertEquals("RUNNING", s.state(), e.getKey() + " (" + e.getValue() + "): " + s);
                assertTrue(s.framesProcessed() > 0, s.toString());
            }
        }
        assertEquals(0, r.failedBatches());
        assertEquals(0, r.framesUnreleased(), "frames left after close");
        assertTrue(r.threadsAfter() <= r.threadsBefore() + 16, "threads before " + r.threadsBefore() + ", after " + r.threadsAfter());
    }
}
