package dev.vahost.nvmm.cuda;

import java.util.concurrent.atomic.AtomicLong;

import jcuda.Pointer;

import static jcuda.driver.JCudaDriver.*;

/**
 * The one place where bytes cross between host and device. Every copy in the project goes through
 * here and is counted, so "no host copy on the frame path" is a number a test and a benchmark can
 * read: {@link #bytesToHost()} stays flat while frames flow.
 */
public final class Transfers {
    private static final AtomicLong TO_HOST_BYTES = new AtomicLong();
    private static final AtomicLong TO_HOST_COPIES = new AtomicLong();
    private static final AtomicLong TO_DEVICE_BYTES = new AtomicLong();
    private static final AtomicLong TO_DEVICE_COPIES = new AtomicLong();

    private Transfers() {}

    public static long bytesToHost() { return TO_HOST_BYTES.get(); }

    public static long copiesToHost() { return TO_HOST_COPIES.get(); }

    public static long bytesToDevice() { return TO_DEVICE_BYTES.get(); }

    public static long copiesToDevice() { return TO_DEVICE_COPIES.get(); }

    /** A snapshot of the four counters: bytes/copies to host, bytes/copies to device. */
    public record Counts(long bytesToHost, long copiesToHost, long bytesToDevice, long copiesToDevice) {
        public Counts minus(Counts o) {
            return new Counts(bytesToHost - o.bytesToHost, copiesToHost - o.copiesToHost,
                    bytesToDevice - o.bytesToDevice, copiesToDevice - o.copiesToDevice);
        }
    }

    public static Counts counts() {
        return new Counts(bytesToHost(), copiesToHost(), bytesToDevice(), copiesToDevice());
    }

    private static void checkRange(long offset, long bytes, long capacity, String what) {
        if (bytes < 0 || offset < 0 || offset + bytes > capacity) {
            throw new IllegalArgumentException(what + ": " + bytes + " bytes at offset " + offset
                    + " do not fit in " + capacity + " bytes");
        }
    }

    /** Asynchronous host→device copy from pinned memory. */
    public static void toDeviceAsync(CudaStream stream, long dstDevice, PinnedHostBuffer src, long srcOffset, long bytes) {
        checkRange(srcOffset, bytes, src.bytes(), "toDeviceAsync source");
        Cuda.ensureCurrent();
        CudaException.check(cuMemcpyHtoDAsync(Ptr.device(dstDevice), src.pointer().withByteOffset(srcOffset), bytes,
                stream.handle()), () -> "cuMemcpyHtoDAsync(" + bytes + " bytes)");
        TO_DEVICE_BYTES.addAndGet(bytes);
        TO_DEVICE_COPIES.incrementAndGet();
    }

    /** Asynchronous device→host copy into pinned memory; read it after the stream is synchronised. */
    public static void toHostAsync(CudaStream stream, PinnedHostBuffer dst, long dstOffset, long srcDevice, long bytes) {
        checkRange(dstOffset, bytes, dst.bytes(), "toHostAsync destination");
        Cuda.ensureCurrent();
        CudaException.check(cuMemcpyDtoHAsync(dst.pointer().withByteOffset(dstOffset), Ptr.device(srcDevice), bytes,
                stream.handle()), () -> "cuMemcpyDtoHAsync(" + bytes + " bytes)");
        TO_HOST_BYTES.addAndGet(bytes);
        TO_HOST_COPIES.incrementAndGet();
    }

    // Synchronous copies of Java arrays: for setup (weights, tables) and tests, never per frame.

    public static void toDevice(long dstDevice, byte[] src) {
        copyIn(dstDevice, Pointer.to(src), src.length);
    }

    public static void toDevice(long dstDevice, float[] src) {
        copyIn(dstDevice, Pointer.to(src), 4L * src.length);
    }

    public static void toDevice(long dstDevice, int[] src) {
        copyIn(dstDevice, Pointer.to(src), 4L * src.length);
    }

    public static void toDevice(long dstDevice, short[] src) {
        copyIn(dstDevice, Pointer.to(src), 2L * src.length);
    }

    public static void toDevice(long dstDevice, long[] src) {
        copyIn(dstDevice, Pointer.to(src), 8L * src.length);
    }

    public static void toHost(byte[] dst, long srcDevice) {
        copyOut(Pointer.to(dst), srcDevice, dst.length);
    }

    public static void toHost(float[] dst, long srcDevice) {
        copyOut(Pointer.to(dst), srcDevice, 4L * dst.length);
    }

    public static void toHost(int[] dst, long srcDevice) {
        copyOut(Pointer.to(dst), srcDevice, 4L * dst.length);
    }

    public static void toHost(short[] dst, long srcDevice) {
        copyOut(Pointer.to(dst), srcDevice, 2L * dst.length);
    }

    public static void toHost(long[] dst, long srcDevice) {
        copyOut(Pointer.to(dst), srcDevice, 8L * dst.length);
    }

    /** Copies a pitched device image (rows of {@code rowBytes} every {@code pitch}) into a dense array. */
    public static void toHost2D(byte[] dst, long srcDevice, long pitch, int rowBytes, int rows) {
        if ((long) rowBytes * rows > dst.length) {
            throw new IllegalArgumentException("toHost2D: " + rows + " rows of " + rowBytes + " bytes exceed " + dst.length);
        }
        Cuda.ensureCurrent();
        jcuda.driver.CUDA_MEMCPY2D c = new jcuda.driver.CUDA_MEMCPY2D();
        c.srcMemoryType = jcuda.driver.CUmemorytype.CU_MEMORYTYPE_DEVICE;
        c.srcDevice = Ptr.device(srcDevice);
        c.srcPitch = pitch;
        c.dstMemoryType = jcuda.driver.CUmemorytype.CU_MEMORYTYPE_HOST;
        c.dstHost = Pointer.to(dst);
        c.dstPitch = rowBytes;
        c.WidthInBytes = rowBytes;
        c.Height = rows;
        CudaException.check(cuMemcpy2D(c), () -> "cuMemcpy2D(" + rows + " rows of " + rowBytes + " bytes, pitch " + pitch + ")");
        TO_HOST_BYTES.addAndGet((long) rowBytes * rows);
        TO_HOST_COPIES.incrementAndGet();
    }

    /** Copies a dense array into a pitched device image. */
    public static void toDevice2D(long dstDevice, long pitch, byte[] src, int rowBytes, int rows) {
        if ((long) rowBytes * rows > src.length) {
            throw new IllegalArgumentException("toDevice2D: " + rows + " rows of " + rowBytes + " bytes exceed " + src.length);
        }
        Cuda.ensureCurrent();
        jcuda.driver.CUDA_MEMCPY2D c = new jcuda.driver.CUDA_MEMCPY2D();
        c.srcMemoryType = jcuda.driver.CUmemorytype.CU_MEMORYTYPE_HOST;
        c.srcHost = Pointer.to(src);
        c.srcPitch = rowBytes;
        c.dstMemoryType = jcuda.driver.CUmemorytype.CU_MEMORYTYPE_DEVICE;
        c.dstDevice = Ptr.device(dstDevice);
        c.dstPitch = pitch;
        c.WidthInBytes = rowBytes;
        c.Height = rows;
        CudaException.check(cuMemcpy2D(c), () -> "cuMemcpy2D(" + rows + " rows of " + rowBytes + " bytes, pitch " + pitch + ")");
        TO_DEVICE_BYTES.addAndGet((long) rowBytes * rows);
        TO_DEVICE_COPIES.incrementAndGet();
    }

    private static void copyIn(long dst, Pointer src, long bytes) {
        Cuda.ensureCurrent();
        CudaException.check(cuMemcpyHtoD(Ptr.device(dst), src, bytes), () -> "cuMemcpyHtoD(" + bytes + " bytes)");
        TO_DEVICE_BYTES.addAndGet(bytes);
        TO_DEVICE_COPIES.incrementAndGet();
    }

    private static void copyOut(Pointer dst, long src, long bytes) {
        Cuda.ensureCurrent();
        CudaException.check(cuMemcpyDtoH(dst, Ptr.device(src), bytes), () -> "cuMemcpyDtoH(" + bytes + " bytes)");
        TO_HOST_BYTES.addAndGet(bytes);
        TO_HOST_COPIES.incrementAndGet();
    }
}
