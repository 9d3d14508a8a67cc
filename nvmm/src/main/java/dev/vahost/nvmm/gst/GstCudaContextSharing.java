package dev.vahost.nvmm.gst;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.StreamState;
import dev.vahost.gst.lowlevel.GstNative;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.GpuUnavailableException;
import dev.vahost.nvmm.cuda.Ptr;
import dev.vahost.nvmm.lowlevel.GstCudaNative;

/**
 * Makes every GStreamer CUDA element (nvh264dec, cudaupload, ...) of a pipeline work in this
 * process's primary context, so the device pointers they hand out are valid in our kernels.
 * Without it each decoder creates a private context. One GstCudaContext wraps the primary
 * context for the life of the process.
 */
public final class GstCudaContextSharing {
    private static final Logger LOG = LoggerFactory.getLogger(GstCudaContextSharing.class);
    private static long gstContext; // GstContext* holding our GstCudaContext; guarded by class

    private GstCudaContextSharing() {}

    private static synchronized long context() {
        if (gstContext != 0) {
            return gstContext;
        }
        Cuda.ensureCurrent();
        GstRuntime.init();
        if (GstCudaNative.gst_cuda_load_library() == 0) {
            throw new GpuUnavailableException("GStreamer could not load the CUDA library (gst_cuda_load_library)");
        }
        long cudaCtx = GstCudaNative.gst_cuda_context_new_wrapped(Ptr.handle(Cuda.context()), Cuda.deviceOrdinal());
        if (cudaCtx == 0) {
            throw new GpuUnavailableException("gst_cuda_context_new_wrapped failed for device " + Cuda.deviceOrdinal());
        }
        long ctx = GstCudaNative.gst_context_new_cuda_context(cudaCtx);
        GstNative.gst_object_unref(cudaCtx); // the GstContext holds its own reference
        if (ctx == 0) {
            throw new GpuUnavailableException("gst_context_new_cuda_context failed");
        }
        LOG.info("sharing the primary CUDA context of {} with GStreamer", Cuda.describeDevice());
        preloadNvcodec();
        gstContext = ctx;
        return ctx;
    }

    /**
     * Loads GStreamer's nvcodec plugin here, once, before any pipeline runs. Otherwise a pipeline that
     * autoplugs its decoder (uridecodebin: RTSP and URI sources) loads it on its streaming thread, and
     * with several such pipelines starting at once on the H200 machine (GStreamer 1.22) the process died
     * in the plugin loader ("Caught a segmentation fault while loading plugin file libgstnvcodec.so").
     */
    private static void preloadNvcodec() {
        try {
            GstRuntime.call(() -> org.freedesktop.gstreamer.ElementFactory.find("nvh264dec"));
        } catch (RuntimeException e) {
            LOG.warn("GStreamer's nvcodec plugin could not be loaded ({}): NVDEC decoders will be missing", e.getMessage());
        }
    }

    /**
     * Sets the shared CUDA context on {@code pipeline}; call before {@link StreamPipeline#start}.
     *
     * @throws IllegalStateException when the pipeline has already started
     */
    public static void share(StreamPipeline pipeline) {
        if (pipeline.state() != StreamState.CREATED) {
            throw new IllegalStateException("stream " + pipeline.streamId()
                    + ": the CUDA context must be set before the pipeline starts (state " + pipeline.state() + ")");
        }
        long ctx = context();
        GstRuntime.call(() -> {
            GstNative.gst_element_set_context(pipeline.nativeHandle(), ctx);
            return null;
        });
    }
}
