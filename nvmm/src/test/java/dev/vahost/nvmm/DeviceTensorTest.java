package dev.vahost.nvmm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The view arithmetic of DeviceTensor (no GPU needed: the address is only a number here). */
class DeviceTensorTest {
    static final long BASE = 0x10_0000L;

    @Test
    void contiguousShapesStridesAndSizes() {
        DeviceTensor t = DeviceTensor.contiguous(BASE, DType.F16, "owner", 32, 3, 640, 640);
        assertArrayEquals(new long[] {3L * 640 * 640, 640L * 640, 640, 1}, t.strides());
        assertEquals(32L * 3 * 640 * 640, t.numel());
        assertEquals(2L * 32 * 3 * 640 * 640, t.byteSize());
        assertTrue(t.isContiguous());
        assertEquals("F16[32, 3, 640, 640]", t.describe());
    }

    @Test
    void narrowAndSelectMoveTheAddress() {
        DeviceTensor t = DeviceTensor.contiguous(BASE, DType.F32, null, 8, 7, 2000);
        DeviceTensor n = t.narrow(2, 5);
        assertEquals(BASE + 2L * 7 * 2000 * 4, n.address());
        assertArrayEquals(new long[] {3, 7, 2000}, n.shape());
        assertTrue(n.isContiguous());
        DeviceTensor one = t.narrow(7, 8);
        assertTrue(one.isContiguous(), "a single row is contiguous whatever its outer stride");
        DeviceTensor s = t.select(1);
        assertEquals(BASE + 7L * 2000 * 4, s.address());
        assertArrayEquals(new long[] {7, 2000}, s.shape());
        assertThrows(IndexOutOfBoundsException.class, () -> t.narrow(5, 9));
        assertThrows(IndexOutOfBoundsException.class, () -> t.select(8));
    }

    @Test
    void nonContiguousViewsAreRecognisedAndNotReshaped() {
        // every other column of a [4, 6] matrix
        DeviceTensor t = new DeviceTensor(DType.F32, new long[] {4, 3}, new long[] {6, 2}, BASE, null);
        assertFalse(t.isContiguous());
        assertEquals((3L * 6 + 2L * 2 + 1) * 4, t.byteSize());
        assertThrows(UnsupportedOperationException.class, () -> t.reshape(12));
        assertTrue(t.describe().contains("strides"));
    }

    @Test
    void channelsLastTensorsAreRecognised() {
        long n = 4, c = 3, h = 5, w = 7;
        DeviceTensor cl = new DeviceTensor(DType.F16, new long[] {n, c, h, w}, new long[] {h * w * c, 1, w * c, c}, BASE, null);
        assertTrue(cl.isChannelsLast());
        assertFalse(cl.isContiguous());
        assertEquals(2L * n * c * h * w, cl.byteSize(), "dense: as many bytes as the NCHW tensor");
        assertTrue(cl.narrow(1, 3).isChannelsLast(), "a run of images of a channels-last batch");
        assertFalse(DeviceTensor.contiguous(BASE, DType.F16, null, n, c, h, w).isChannelsLast(), "NCHW with 3 channels");
        assertTrue(DeviceTensor.contiguous(BASE, DType.F16, null, n, 1, h, w).isChannelsLast(), "one channel: both orders at once");
        // channels-last with padded rows is not dense
        assertFalse(new DeviceTensor(DType.F16, new long[] {n, c, h, w}, new long[] {h * (w + 1) * c, 1, (w + 1) * c, c}, BASE, null)
                .isChannelsLast());
        assertFalse(DeviceTensor.contiguous(BASE, DType.F16, null, n, c, h).isChannelsLast(), "rank 3");
    }

    @Test
    void badShapesAndRequirementsNameTheProblem() {
        assertThrows(IllegalArgumentException.class, () -> DeviceTensor.contiguous(BASE, DType.F32, null, 2, -1));
        assertThrows(IllegalArgumentException.class, () -> DeviceTensor.contiguous(0, DType.F32, null, 2));
        DeviceTensor t = DeviceTensor.contiguous(BASE, DType.F32, null, 2, 7, 2000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.require("detector output", DType.F16, 2, 7, 2000));
        assertEquals("detector output: expected F16[2, 7, 2000], got F32[2, 7, 2000]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.reshape(3, 9));
        assertArrayEquals(new long[] {14, 2000}, t.reshape(14, 2000).shape());
    }
}
