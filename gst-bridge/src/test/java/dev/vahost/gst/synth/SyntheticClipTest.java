package dev.vahost.gst.synth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.LaunchStringException;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticClipTest {
    @Test
    void sceneClipIsAnH264ByteStreamWithOneGroundTruthLinePerFrame(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("c.h264");
        SyntheticClip.make(new SyntheticClip.Spec(clip, 160, 120, 30, 500, 12, "scene", 9));
        byte[] head = Files.readAllBytes(clip);
        // Annex B start code, then an access-unit delimiter (9) or SPS (7), and an SPS before any slice.
        assertArrayEquals(new byte[] {0, 0, 0, 1}, java.util.Arrays.copyOf(head, 4));
        assertTrue((head[4] & 0x1f) == 9 || (head[4] & 0x1f) == 7, "first NAL type " + (head[4] & 0x1f));
        boolean sps = false;
        for (int i = 0; i + 4 < 64 && !sps; i++) {
            sps = head[i] == 0 && head[i + 1] == 0 && head[i + 2] == 1 && (head[i + 3] & 0x1f) == 7;
        }
        assertTrue(sps, "no SPS at the start of the stream");
        List<String> gt = Files.readAllLines(SyntheticClip.boxesPath(clip));
        assertEquals(12, gt.size());
        assertTrue(gt.get(0).startsWith("{\"frame\":0,\"pts\":0,\"boxes\":[["), gt.get(0));
        assertTrue(gt.get(11).startsWith("{\"frame\":11,\"pts\":366666666,"), gt.get(11));
    }

    @Test
    void patternClip(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("p.h264");
        SyntheticClip.make(new SyntheticClip.Spec(clip, 64, 48, 30, 200, 5, "ball", 0));
        assertTrue(Files.size(clip) > 100);
        assertFalse(Files.exists(SyntheticClip.boxesPath(clip)));
    }

    @Test
    void badArgumentsNameTheValue() {
        assertEquals("--width needs an integer, got 'wide'", assertThrows(IllegalArgumentException.class,
                () -> SyntheticClip.parseArgs(new String[] {"--out", "x", "--width", "wide"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SyntheticClip.parseArgs(new String[] {"--out", "x", "--source", "plaid"})).getMessage().contains("'plaid'"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SyntheticClip.parseArgs(new String[] {"--out", "x", "--fps", "0"})).getMessage().contains("--fps"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SyntheticClip.parseArgs(new String[] {"--width", "64"})).getMessage().contains("--out"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SyntheticClip.parseArgs(new String[] {"--out", "x", "--bogus", "1"})).getMessage().contains("--bogus"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SyntheticClip.parseArgs(new String[] {"--out"})).getMessage().contains("missing value"));
        assertThrows(SyntheticClip.HelpRequested.class, () -> SyntheticClip.parseArgs(new String[] {"--help"}));
    }

    @Test
    void unwritableDestinationFailsWithTheReason() {
        Exception e = assertThrows(RuntimeException.class, () -> SyntheticClip.make(
                new SyntheticClip.Spec(Path.of("/proc/nope/c.h264"), 64, 48, 30, 200, 3, "ball", 0)));
        assertTrue(e.getMessage().contains("/proc/nope"), e.getMessage());
    }

    @Test
    void runnerRefusesBadLaunchStrings() {
        assertThrows(LaunchStringException.class,
                () -> dev.vahost.gst.PipelineRunner.runToEos("r", "videotestsrc ! nosuch_el ! fakesink", java.time.Duration.ofSeconds(5)));
    }
}
