package dev.vahost.pipelines.cli;

import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * {@code --gpu-id N}: makes this process see one GPU only, before anything initialises CUDA or
 * GStreamer, by setting {@code CUDA_VISIBLE_DEVICES} in its own environment (libc's setenv, which the
 * CUDA driver reads at cuInit and GStreamer's plugin scanner inherits). Every part then uses that
 * GPU as device 0: the service's CUDA context, the nvcodec decoders (which would otherwise register
 * per-GPU element names such as nvh264device1dec), cuDNN and cuBLAS.
 */
public final class GpuSelection {
    private GpuSelection() {}

    private static volatile String applied;

    /** The CUDA_VISIBLE_DEVICES value {@link #apply} set (a GPU index or UUID, as nvidia-smi -i takes), or null. */
    public static String applied() {
        return applied;
    }

    interface LibC extends Library {
        int setenv(String name, String value, int overwrite);
    }

    /**
     * The value {@code CUDA_VISIBLE_DEVICES} gets for {@code gpuId}: the id itself, or the id-th entry of
     * {@code visible} (the variable as the process was started with) when that is set.
     *
     * @throws IllegalArgumentException when {@code visible} lists fewer GPUs
     */
    public static String visibleDevices(int gpuId, String visible) {
        if (gpuId < 0) throw new IllegalArgumentException("--gpu-id " + gpuId + ": expected 0 or more");
        if (visible == null || visible.isBlank()) return Integer.toString(gpuId);
        String[] ids = visible.split(",");
        if (gpuId >= ids.length) {
            throw new IllegalArgumentException("--gpu-id " + gpuId + ": CUDA_VISIBLE_DEVICES=" + visible + " makes only " + ids.length
                    + " GPU(s) visible to this process (ids 0.." + (ids.length - 1) + ")");
        }
        return ids[gpuId].strip();
    }

    /**
     * Applies {@code --gpu-id} (nothing for -1); call first thing in main.
     *
     * @return what was set, for the log, or null
     */
    public static String apply(int gpuId) {
        if (gpuId < 0) return null;
        String value = visibleDevices(gpuId, System.getenv("CUDA_VISIBLE_DEVICES"));
        applied = value;
        LibC c = Native.load("c", LibC.class);
        if (c.setenv("CUDA_VISIBLE_DEVICES", value, 1) != 0) {
            throw new IllegalStateException("--gpu-id " + gpuId + ": setenv(CUDA_VISIBLE_DEVICES) failed (errno " + Native.getLastError() + ")");
        }
        return "CUDA_VISIBLE_DEVICES=" + value;
    }
}
