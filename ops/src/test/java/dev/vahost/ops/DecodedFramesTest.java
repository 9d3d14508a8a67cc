package dev.vahost.ops;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU tests' source of real frames, checked on the CPU: the NV12 and I420 decodes of one clip
 * carry the same samples plane for plane (so plane offsets and strides are read right), and frames
 * are not blank.
 */
class DecodedFramesTest {
    @Test
    void nv12AndI420DecodesAgree() {
        Path clip = TestClips.scene(96, 54, 3, 5);
        List<HostImage> nv12 = DecodedFrames.decode(clip, PixelFormat.NV12, 3, ColorSpec.BT601_LIMITED);
        List<HostImage> i420 = DecodedFrames.decode(clip, PixelFormat.I420, 3, ColorSpec.BT601_LIMITED);
        assertEquals(3, nv12.size());
        for (int n = 0; n < 3; n++) {
            HostImage a = nv12.get(n), b = i420.get(n);
            assertEquals(96, a.width());
            assertEquals(54, a.height());
            assertArrayEquals(a.planeBytes(0), b.planeBytes(0), "Y of frame " + n);
            int distinct = (int) java.util.stream.IntStream.range(0, 96 * 54).map(i -> a.planeBytes(0)[i]).distinct().count();
            assertTrue(distinct > 10, "frame " + n + " looks blank: " + distinct + " distinct luma values");
            for (int y = 0; y < 27; y++) {
                for (int x = 0; x < 48; x++) {
                    assertEquals(b.get(1, x, y), a.get(1, 2 * x, y), "U " + x + "," + y);
                    assertEquals(b.get(2, x, y), a.get(1, 2 * x + 1, y), "V " + x + "," + y);
                }
            }
        }
    }
}
