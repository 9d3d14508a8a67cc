package dev.vahost.nvmm.nvbuf;

import java.util.List;

import com.sun.jna.Memory;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.UnsupportedFrameException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * NvBufSurface structures written byte by byte into native memory at the header's offsets (not
 * through the JNA mirrors under test), exactly as DeepStream's nvstreammux lays out a batch.
 */
class NvBufSurfacesTest {
    static final long FAKE_DEVICE_BASE = 0x7f00_0000_0000L;

    /** A surface of {@code batch} entries, {@code filled} of them NV12 w x h, at stride params. */
    static Memory surface(NvBufSurfaceLayout layout, int memType, int batch, int filled, int colorFormat, int w, int h,
                          int pitch, Memory[] keep) {
        Memory list = new Memory((long) batch * layout.paramsSize());
        list.clear();
        for (int i = 0; i < filled; i++) {
            long o = (long) i * layout.paramsSize();
            list.setInt(o, w + i * 2);
            list.setInt(o + 4, h);
            list.setInt(o + 8, pitch);
            list.setInt(o + 12, colorFormat);
            list.setInt(o + 16, 0); // pitch linear
            list.setInt(o + 32, pitch * h * 3 / 2);
            list.setLong(o + 40, FAKE_DEVICE_BASE + i * 0x100_0000L);
            long pp = o + 48;
            list.setInt(pp, 2);                     // num_planes
            list.setInt(pp + 4, w + i * 2);          // width[0]
            list.setInt(pp + 8, (w + i * 2) / 2);    // width[1]
            list.setInt(pp + 20, h);                 // height[0]
            list.setInt(pp + 24, h / 2);             // height[1]
            list.setInt(pp + 36, pitch);             // pitch[0]
            list.setInt(pp + 40, pitch);             // pitch[1]
            list.setInt(pp + 52, 0);                 // offset[0]
            list.setInt(pp + 56, pitch * h);         // offset[1]
        }
        Memory s = new Memory(64);
        s.clear();
        s.setInt(0, 0);
        s.setInt(4, batch);
        s.setInt(8, filled);
        s.setByte(12, (byte) 1);
        s.setInt(16, memType);
        s.setPointer(24, list);
        keep[0] = list;
        return s;
    }

    @ParameterizedTest
    @EnumSource(NvBufSurfaceLayout.class)
    void batchedSurfaceGivesOneImagePerFilledEntry(NvBufSurfaceLayout layout) {
        Memory[] keep = new Memory[1];
        Memory s = surface(layout, 2, 4, 3, 6, 1920, 1080, 2048, keep);
        List<DeviceImage> images = NvBufSurfaces.images("cam", s, layout, ColorSpec.BT709_LIMITED);
        assertEquals(3, images.size());
        for (int i = 0; i < 3; i++) {
            DeviceImage im = images.get(i);
            assertEquals(PixelFormat.NV12, im.format());
            assertEquals(1920 + 2 * i, im.width());
            assertEquals(1080, im.height());
            assertEquals(FAKE_DEVICE_BASE + i * 0x100_0000L, im.plane(0));
            assertEquals(FAKE_DEVICE_BASE + i * 0x100_0000L + 2048L * 1080, im.plane(1));
            assertEquals(2048, im.pitch(0));
            assertEquals(2048, im.pitch(1));
            assertEquals(ColorSpec.BT709_LIMITED, im.color());
        }
    }

    @Test
    void wrongLayoutStrideIsDetectedNotSilentlyMisread() {
        // A DeepStream 8 batch read with the 6.x stride lands entry 1 inside entry 0's padding.
        Memory[] keep = new Memory[1];
        Memory s = surface(NvBufSurfaceLayout.DEEPSTREAM_8, 2, 2, 2, 6, 640, 480, 640, keep);
        assertThrows(UnsupportedFrameException.class,
                () -> NvBufSurfaces.images("cam", s, NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED));
    }

    @Test
    void unifiedAndDefaultMemoryAreAcceptedFullRangeFormatIsHonoured() {
        Memory[] keep = new Memory[1];
        for (int memType : new int[] {0, 3}) {
            Memory s = surface(NvBufSurfaceLayout.DEEPSTREAM_6, memType, 1, 1, 7, 640, 480, 640, keep);
            DeviceImage im = NvBufSurfaces.images("cam", s, NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED).get(0);
            assertEquals(ColorSpec.Range.FULL, im.color().range());
        }
    }

    @Test
    void hostMemoryTypesAreRefusedByName() {
        Memory[] keep = new Memory[1];
        for (int memType : new int[] {1, 4, 5, 6}) {
            Memory s = surface(NvBufSurfaceLayout.DEEPSTREAM_6, memType, 1, 1, 6, 640, 480, 640, keep);
            UnsupportedFrameException e = assertThrows(UnsupportedFrameException.class,
                    () -> NvBufSurfaces.images("cam7", s, NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED));
            assertTrue(e.getMessage().contains("stream cam7"), e.getMessage());
            assertTrue(e.getMessage().contains("NVBUF_MEM_"), e.getMessage());
        }
    }

    @Test
    void badCountsFormatsAndLayoutsAreRefused() {
        Memory[] keep = new Memory[1];
        Memory over = surface(NvBufSurfaceLayout.DEEPSTREAM_6, 2, 2, 2, 6, 64, 64, 64, keep);
        over.setInt(8, 3);
        assertTrue(assertThrows(UnsupportedFrameException.class,
                () -> NvBufSurfaces.images("c", over, NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED))
                .getMessage().contains("numFilled 3 exceeds batchSize 2"));
        Memory fmt = surface(NvBufSurfaceLayout.DEEPSTREAM_6, 2, 1, 1, 29, 64, 64, 64, keep);
        assertTrue(assertThrows(UnsupportedFrameException.class,
                () -> NvBufSurfaces.images("c", fmt, NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED))
                .getMessage().contains("NvBufSurfaceColorFormat 29"));
        Memory bl = surface(NvBufSurfaceLayout.DEEPSTREAM_6, 2, 1, 1, 6, 64, 64, 64, keep);
        keep[0].setInt(16, 1);
        assertTrue(assertThrows(UnsupportedFrameException.class,
                () -> NvBufSurfaces.images("c", bl, NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED))
                .getMessage().contains("block-linear"));
        assertEquals(0, NvBufSurfaces.images("c", surface(NvBufSurfaceLayout.DEEPSTREAM_6, 2, 4, 0, 6, 64, 64, 64, keep),
                NvBufSurfaceLayout.DEEPSTREAM_6, ColorSpec.BT601_LIMITED).size());
    }
}
