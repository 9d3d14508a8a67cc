package dev.vahost.nvmm.lowlevel;

import com.sun.jna.Function;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Direct-mapped bindings of libgstcuda-1.0 (gst/cuda/gstcudacontext.h, gstcudamemory.h,
 * gstcudautils.h; GStreamer 1.22, from gst-plugins-bad).
 */
public final class GstCudaNative {
    private static final NativeLibrary LIB = NativeLibrary.getInstance("gstcuda-1.0");

    static {
        Native.register(GstCudaNative.class, LIB);
    }

    private GstCudaNative() {}

    /** offsetof(GstCudaMemory, info): GstMemory is 112 bytes, then GstCudaContext* context (1.22 x86-64). */
    public static final int CUDA_MEMORY_INFO = 120;

    /** gboolean gst_cuda_load_library(void): loads libcuda for GStreamer's own use. */
    public static native int gst_cuda_load_library();

    /** GstCudaContext* gst_cuda_context_new_wrapped(CUcontext handler, CUdevice device), since 1.22. */
    public static native long gst_cuda_context_new_wrapped(long cuContext, int cuDevice);

    /** GstContext* gst_context_new_cuda_context(GstCudaContext*), since 1.22. */
    public static native long gst_context_new_cuda_context(long cudaContext);

    /** gboolean gst_is_cuda_memory(GstMemory*). */
    public static native int gst_is_cuda_memory(long memory);

    /**
     * gst_cuda_memory_sync(GstMemory*) exists from 1.24, where decoders stop synchronising their
     * stream before pushing; null on 1.22, where no sync is needed.
     */
    public static Function cudaMemorySyncOrNull() {
        try {
            return LIB.getFunction("gst_cuda_memory_sync");
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }
}
