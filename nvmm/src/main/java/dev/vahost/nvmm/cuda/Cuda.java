package dev.vahost.nvmm.cuda;

import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

import static jcuda.driver.CUdevice_attribute.*;
import static jcuda.driver.JCudaDriver.*;

/**
 * The process's one CUDA context: device {@code VAHOST_CUDA_DEVICE} (default 0)'s primary context,
 * retained once and shared with GStreamer's decoders (see {@code GstCudaContextSharing}), so every
 * device pointer in the process is valid in every kernel. Any thread that issues CUDA calls calls
 * {@link #ensureCurrent()} first; it costs a thread-local read after the first time.
 */
public final class Cuda {
    private static final Object LOCK = new Object();
    private static volatile State state;
    private static final ThreadLocal<Boolean> CURRENT = ThreadLocal.withInitial(() -> false);

    private record State(CUdevice device, CUcontext context, int ordinal, String name, int ccMajor, int ccMinor,
                         long totalMemory, String unavailable) {}

    private Cuda() {}

    private static State state() {
        State s = state;
        if (s != null) {
            return s;
        }
        synchronized (LOCK) {
            if (state == null) {
                state = init();
            }
            return state;
        }
    }

    private static State init() {
        int ordinal = Integer.parseInt(System.getenv().getOrDefault("VAHOST_CUDA_DEVICE", "0"));
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = cuInit(0);
            if (r != 0) {
                return unavailable("cuInit failed: " + jcuda.driver.CUresult.stringFor(r) + " (no NVIDIA driver or GPU?)");
            }
            int[] count = new int[1];
            cuDeviceGetCount(count);
            if (count[0] <= ordinal) {
                return unavailable("CUDA device " + ordinal + " requested but " + count[0] + " present");
            }
            CUdevice dev = new CUdevice();
            CudaException.check(cuDeviceGet(dev, ordinal), "cuDeviceGet(" + ordinal + ")");
            CUcontext ctx = new CUcontext();
            CudaException.check(cuDevicePrimaryCtxRetain(ctx, dev), "cuDevicePrimaryCtxRetain(device " + ordinal + ")");
            byte[] name = new byte[256];
            cuDeviceGetName(name, name.length, dev);
            int[] major = new int[1], minor = new int[1];
            cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
            cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
            long[] total = new long[1];
            cuDeviceTotalMem(total, dev);
            String n = new String(name, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            return new State(dev, ctx, ordinal, n, major[0], minor[0], total[0], null);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            return unavailable("CUDA driver library not loadable (" + (nl > 0 ? m.substring(0, nl) : m) + "; no NVIDIA driver?)");
        }
    }

    private static State unavailable(String why) {
        return new State(null, null, -1, null, 0, 0, 0, why);
    }

    /** True when a CUDA device and driver are usable in this process. */
    public static boolean isAvailable() {
        return state().unavailable() == null;
    }

    /** Why the GPU path is unavailable, or null when it is available. */
    public static String unavailableReason() {
        return state().unavailable();
    }

    /** Throws {@link GpuUnavailableException} with the reason unless the GPU is usable. */
    public static void requireAvailable() {
        String why = state().unavailable();
        if (why != null) {
            throw new GpuUnavailableException("GPU path unavailable: " + why);
        }
    }

    /** Makes the shared primary context current on this thread (once per thread). */
    public static void ensureCurrent() {
        if (CURRENT.get()) {
            return;
        }
        requireAvailable();
        CudaException.check(cuCtxSetCurrent(state().context()), "cuCtxSetCurrent(primary context)");
        CURRENT.set(true);
    }

    public static CUcontext context() {
        requireAvailable();
        return state().context();
    }

    public static CUdevice device() {
        requireAvailable();
        return state().device();
    }

    public static int deviceOrdinal() {
        requireAvailable();
        return state().ordinal();
    }

    /** e.g. "NVIDIA H200 (sm_90, 139.8 GiB)". */
    public static String describeDevice() {
        State s = state();
        if (s.unavailable() != null) {
            return "no GPU (" + s.unavailable() + ")";
        }
        return String.format(java.util.Locale.ROOT, "%s (sm_%d%d, %.1f GiB)", s.name(), s.ccMajor(), s.ccMinor(),
                s.totalMemory() / (double) (1L << 30));
    }

    /** Free and total device memory in bytes, as the driver reports them. */
    public static long[] memoryInfo() {
        ensureCurrent();
        long[] free = new long[1], total = new long[1];
        CudaException.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** Device attribute (CUdevice_attribute), e.g. memory clock for bandwidth bounds. */
    public static int attribute(int attribute) {
        int[] v = new int[1];
        CudaException.check(cuDeviceGetAttribute(v, attribute, device()), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    /** Theoretical DRAM bandwidth in bytes/s: 2 (DDR) x memory clock x bus width. */
    public static double peakBandwidth() {
        double clockKHz = attribute(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
        double busBits = attribute(CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH);
        return 2.0 * clockKHz * 1e3 * busBits / 8.0;
    }
}
