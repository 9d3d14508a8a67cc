package dev.vahost.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.internal.FrameTable;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the GPU ops refuse before launching anything (checked without a GPU: descriptors with
 * made-up device addresses are never dereferenced), the parameter table's byte layout, and crop views.
 */
class ArgumentChecksTest {
    static final long BASE = 0x7f00_0000_0000L;
    static final PreprocessConfig CFG = PreprocessConfig.letterbox(64, 48);

    static DeviceImage nv12(int w, int h, int pitch) {
        return DeviceImage.nv12(BASE, (long) pitch * h, pitch, w, h, ColorSpec.BT709_LIMITED);
    }

    static DeviceTensor tensor(DType d, long... shape) {
        return DeviceTensor.contiguous(BASE + (1L << 32), d, "test", shape);
    }

    @Test
    void acceptsAMixedBatch() {
        DeviceImage bgrx = new DeviceImage(PixelFormat.BGRX, 31, 17, new long[] {BASE}, new int[] {128}, ColorSpec.BT601_LIMITED);
        List<DeviceImage> frames = List.of(nv12(1920, 1080, 2048), bgrx, nv12(3, 5, 4));
        assertEquals(3, LetterboxResize.check(CFG, frames, null, tensor(DType.F16, 3, 3, 48, 64)));
        assertEquals(3, LetterboxResize.check(CFG, frames, Arrays.asList(null, new Rect(1, 1, 30, 16), null),
                tensor(DType.F16, 3, 3, 48, 64)));
        // a prefix of a larger batch buffer is fine
        DeviceTensor big = tensor(DType.F16, 8, 3, 48, 64);
        assertEquals(3, LetterboxResize.check(CFG, frames, null, big.narrow(0, 3)));
    }

    @Test
    void mismatchedBatch() {
        List<DeviceImage> two = List.of(nv12(64, 48, 64), nv12(64, 48, 64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LetterboxResize.check(CFG, two, null, tensor(DType.F16, 3, 3, 48, 64)));
        assertTrue(e.getMessage().contains("mismatched batch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LetterboxResize.check(CFG, two, List.of(new Rect(0, 0, 4, 4)), tensor(DType.F16, 2, 3, 48, 64)));
        assertTrue(e.getMessage().contains("1 regions for 2 frames"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LetterboxResize.check(CFG, List.of(), null, tensor(DType.F16, 1, 3, 48, 64)));
    }

    @Test
    void outputTooSmallOrWrongType() {
        List<DeviceImage> one = List.of(nv12(64, 48, 64));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LetterboxResize.check(CFG, one, null, tensor(DType.F16, 1, 3, 32, 64)));
        assertTrue(e.getMessage().contains("[1, 3, 48, 64]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LetterboxResize.check(CFG, one, null, tensor(DType.F16, 1, 48, 64, 3)));
        assertThrows(IllegalArgumentException.class, () -> LetterboxResize.check(CFG, one, null, tensor(DType.F16, 3, 48, 64)));
        e = assertThrows(IllegalArgumentException.class, () -> LetterboxResize.check(CFG, one, null, tensor(DType.F32, 1, 3, 48, 64)));
        assertTrue(e.getMessage().contains("F16"), e.getMessage());
        DeviceTensor strided = new DeviceTensor(DType.F16, new long[] {1, 3, 48, 64}, new long[] {3 * 48 * 128, 48 * 128, 128, 1},
                BASE, "test");
        assertThrows(UnsupportedOperationException.class, () -> LetterboxResize.check(CFG, one, null, strided));
    }

    @Test
    void badFramesAndRegions() {
        DeviceTensor out = tensor(DType.F16, 1, 3, 48, 64);
        // NV12 6 wide needs 6 bytes per chroma row; a descriptor with a 4-byte chroma pitch is refused
        DeviceImage shortChroma = new DeviceImage(PixelFormat.NV12, 6, 4, new long[] {BASE, BASE + 100}, new int[] {6, 4},
                ColorSpec.BT601_LIMITED);
        assertThrows(IllegalArgumentException.class, () -> LetterboxResize.check(CFG, List.of(shortChroma), null, out));
        DeviceImage p010 = new DeviceImage(PixelFormat.P010, 8, 8, new long[] {BASE, BASE + 256}, new int[] {16, 16},
                ColorSpec.BT709_LIMITED);
        assertThrows(UnsupportedOperationException.class, () -> LetterboxResize.check(CFG, List.of(p010), null, out));
        assertThrows(IllegalArgumentException.class,
                () -> LetterboxResize.check(CFG, List.of(nv12(64, 48, 64)), List.of(new Rect(60, 0, 5, 5)), out));
        assertThrows(IllegalArgumentException.class, () -> LetterboxResize.check(CFG, Arrays.asList((DeviceImage) null), null, out));
    }

    @Test
    void singleOpChecks() {
        DeviceImage rgb = new DeviceImage(PixelFormat.RGB, 10, 10, new long[] {BASE}, new int[] {32}, ColorSpec.BT601_LIMITED);
        DeviceImage rgbSmall = new DeviceImage(PixelFormat.RGB, 5, 10, new long[] {BASE}, new int[] {32}, ColorSpec.BT601_LIMITED);
        DeviceImage rgba = new DeviceImage(PixelFormat.RGBA, 10, 10, new long[] {BASE}, new int[] {40}, ColorSpec.BT601_LIMITED);
        ColorConvert.check(nv12(10, 10, 16), rgb);
        assertThrows(IllegalArgumentException.class, () -> ColorConvert.check(nv12(10, 10, 16), rgbSmall));
        assertThrows(UnsupportedOperationException.class, () -> ColorConvert.check(nv12(10, 10, 16), rgba));
        Resize.check(rgb, Rect.full(10, 10), rgbSmall);
        assertThrows(IllegalArgumentException.class, () -> Resize.check(rgb, Rect.full(10, 10), rgba));
        assertThrows(UnsupportedOperationException.class, () -> Resize.check(nv12(10, 10, 16), Rect.full(10, 10), rgb));
        assertThrows(IllegalArgumentException.class, () -> Resize.check(rgb, new Rect(5, 5, 6, 2), rgbSmall));
    }

    /** The record the kernel reads, field by field at pixel.cuh's offsets. */
    @Test
    void frameTableLayout() {
        DeviceImage img = new DeviceImage(PixelFormat.I420, 1281, 721, new long[] {BASE, BASE + 0x10000, BASE + 0x20000},
                new int[] {1536, 768, 800}, ColorSpec.BT709_FULL);
        Rect r = new Rect(3, 5, 300, 200);
        Letterbox box = Letterbox.of(CFG, r);
        ByteBuffer bb = ByteBuffer.allocate(2 * FrameTable.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bb.capacity(); i++) bb.put(i, (byte) 0x5a);
        FrameTable.write(bb, FrameTable.BYTES, img, box);
        int at = FrameTable.BYTES;
        assertEquals(0x5a, bb.get(at - 1), "the previous record is untouched");
        assertEquals(BASE, bb.getLong(at));
        assertEquals(BASE + 0x10000, bb.getLong(at + 8));
        assertEquals(BASE + 0x20000, bb.getLong(at + 16));
        assertEquals(1536, bb.getInt(at + 24));
        assertEquals(768, bb.getInt(at + 28));
        assertEquals(800, bb.getInt(at + 32));
        assertEquals(1, bb.getInt(at + 36), "I420 format code");
        assertEquals(3, bb.getInt(at + 40));
        assertEquals(5, bb.getInt(at + 44));
        assertEquals(300, bb.getInt(at + 48));
        assertEquals(200, bb.getInt(at + 52));
        // r = min(64/300, 48/200) = 0.2133: 64 x 42.67 -> 64x43 at (0, 2)
        assertEquals(0, bb.getInt(at + 56));
        assertEquals(2, bb.getInt(at + 60));
        assertEquals(64, bb.getInt(at + 64));
        assertEquals(43, bb.getInt(at + 68));
        assertEquals(0, bb.getInt(at + 72), "full range: no Y offset");
        assertEquals(1 << 20, bb.getInt(at + 76));
        assertEquals(1651297, bb.getInt(at + 80)); // 1.5748 x 2^20
        assertEquals(1.0 / (64.0 / 300), bb.getDouble(at + 96));
        assertEquals(1.0 / (43.0 / 200), bb.getDouble(at + 104));
        assertEquals(0L, bb.getLong(at + 112));
        assertEquals(0L, bb.getLong(at + 120));
    }

    @Test
    void cropViews() {
        DeviceImage img = nv12(64, 48, 128);
        DeviceImage c = Crop.of(img, new Rect(10, 6, 20, 8));
        assertEquals(BASE + 6 * 128 + 10, c.plane(0));
        assertEquals(BASE + 128L * 48 + 3 * 128 + 10, c.plane(1));
        assertEquals(20, c.width());
        assertEquals(128, c.pitch(1));
        assertThrows(IllegalArgumentException.class, () -> Crop.of(img, new Rect(11, 6, 20, 8)));
        assertThrows(IllegalArgumentException.class, () -> Crop.of(img, new Rect(50, 6, 20, 8)));
        DeviceImage i420 = new DeviceImage(PixelFormat.I420, 64, 48, new long[] {BASE, BASE + 10000, BASE + 20000},
                new int[] {64, 32, 32}, ColorSpec.BT601_LIMITED);
        DeviceImage ci = Crop.of(i420, new Rect(8, 4, 8, 8));
        assertEquals(BASE + 10000 + 2 * 32 + 4, ci.plane(1));
        assertEquals(BASE + 20000 + 2 * 32 + 4, ci.plane(2));
        DeviceImage bgr = new DeviceImage(PixelFormat.BGR, 10, 10, new long[] {BASE}, new int[] {32}, ColorSpec.BT601_LIMITED);
        assertEquals(BASE + 3 * 32 + 3 * 7, Crop.of(bgr, new Rect(7, 3, 3, 3)).plane(0));
    }

    @Test
    void hostImageChecksItsBuffer() {
        assertThrows(IllegalArgumentException.class, () -> new HostImage(PixelFormat.RGB, 4, 4, ByteBuffer.allocate(47),
                new int[] {0}, new int[] {12}, ColorSpec.BT601_LIMITED));
        assertThrows(IllegalArgumentException.class, () -> new HostImage(PixelFormat.RGB, 4, 4, ByteBuffer.allocate(100),
                new int[] {0}, new int[] {11}, ColorSpec.BT601_LIMITED));
        assertThrows(IllegalArgumentException.class, () -> HostImage.allocate(PixelFormat.NV12, 0, 4, ColorSpec.BT601_LIMITED));
        HostImage ok = new HostImage(PixelFormat.RGB, 4, 4, ByteBuffer.allocate(48), new int[] {0}, new int[] {12},
                ColorSpec.BT601_LIMITED);
        assertEquals(48, ok.planeBytes(0).length);
        HostImage nv = HostImage.allocate(PixelFormat.NV12, 5, 3, ColorSpec.BT601_LIMITED);
        assertEquals(6, nv.pitch(1));
        assertEquals(2, nv.planeRows(1));
        assertEquals(5 * 3 + 6 * 2, nv.data().capacity());
    }
}
