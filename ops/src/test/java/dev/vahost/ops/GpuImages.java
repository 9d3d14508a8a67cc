package dev.vahost.ops;

import java.util.ArrayList;
import java.util.List;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.nvmm.Half;

/**
 * Test-side device memory: uploads host images with chosen pitches, allocates outputs, downloads
 * results (test-only copies through Transfers). Closing frees everything; the pool's leak check
 * then holds.
 */
public final class GpuImages implements AutoCloseable {
    private final DevicePool pool;
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    public GpuImages(String name, long limitBytes) {
        this.pool = DevicePool.create(name, limitBytes);
    }

    public DevicePool pool() {
        return pool;
    }

    private DeviceBuffer allocate(long bytes, String purpose) {
        DeviceBuffer b = pool.allocate(bytes, purpose);
        buffers.add(b);
        return b;
    }

    /** Device image with each plane's pitch = its row bytes + {@code extraPitch}; planes 256-byte aligned. */
    public DeviceImage allocateImage(PixelFormat f, int w, int h, int extraPitch, ColorSpec color) {
        int[] pitches = HostImage.tightPitches(f, w);
        long[] offsets = new long[pitches.length];
        long size = 0;
        for (int p = 0; p < pitches.length; p++) {
            pitches[p] += extraPitch;
            offsets[p] = size;
            size += ((long) pitches[p] * (p == 0 ? h : (h + 1) / 2) + 255) / 256 * 256;
        }
        DeviceBuffer b = allocate(size, f + " " + w + "x" + h);
        long[] planes = new long[pitches.length];
        for (int p = 0; p < planes.length; p++) {
            planes[p] = b.address() + offsets[p];
        }
        return new DeviceImage(f, w, h, planes, pitches, color);
    }

    /** {@code img} uploaded with {@code extraPitch} bytes of padding per row (filled with 0xEE first). */
    public DeviceImage upload(HostImage img, int extraPitch) {
        DeviceImage d = allocateImage(img.format(), img.width(), img.height(), extraPitch, img.color());
        for (int p = 0; p < img.planes(); p++) {
            int rows = img.planeRows(p);
            byte[] padded = new byte[d.pitch(p) * rows];
            java.util.Arrays.fill(padded, (byte) TestImages.PAD_BYTE);
            byte[] dense = img.planeBytes(p);
            int rowBytes = img.planeRowBytes(p);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(dense, r * rowBytes, padded, r * d.pitch(p), rowBytes);
            }
            Transfers.toDevice2D(d.plane(p), d.pitch(p), padded, d.pitch(p), rows);
        }
        return d;
    }

    /** The pixels of {@code d}, tightly packed. */
    public static HostImage download(DeviceImage d) {
        HostImage h = HostImage.allocate(d.format(), d.width(), d.height(), d.color());
        for (int p = 0; p < h.planes(); p++) {
            byte[] dense = new byte[h.planeRowBytes(p) * h.planeRows(p)];
            Transfers.toHost2D(dense, d.plane(p), d.pitch(p), h.planeRowBytes(p), h.planeRows(p));
            h.data().put(h.offset(p), dense);
        }
        return h;
    }

    /** A contiguous tensor, every byte set to 0xFF (NaN in F16 and F32) so unwritten elements show. */
    public DeviceTensor tensor(CudaStream stream, DType dtype, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        DeviceBuffer b = allocate(n * dtype.bytes(), "tensor " + dtype + java.util.Arrays.toString(shape));
        b.fill(stream, (byte) 0xFF);
        return DeviceTensor.of(b, dtype, shape);
    }

    /** The values of an F32 or F16 tensor (the stream must have been synchronised). */
    public static float[] download(DeviceTensor t) {
        int n = Math.toIntExact(t.numel());
        if (t.dtype() == DType.F32) {
            float[] v = new float[n];
            Transfers.toHost(v, t.address());
            return v;
        }
        if (t.dtype() != DType.F16) {
            throw new UnsupportedOperationException("download of " + t.dtype());
        }
        short[] h = new short[n];
        Transfers.toHost(h, t.address());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = Half.toFloat(h[i]);
        }
        return v;
    }

    @Override
    public void close() {
        for (DeviceBuffer b : buffers) {
            b.close();
        }
        buffers.clear();
        pool.close();
    }
}
