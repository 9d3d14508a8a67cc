package dev.vahost.nvmm;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.nvmm.gst.GstCudaContextSharing;

/** Frames decoded by NVDEC for GPU tests of the modules above (GPU machine only). */
public final class NvdecFrames {
    private NvdecFrames() {}

    /**
     * Frame {@code n} (0-based) of an NVDEC decode of the H.264 elementary stream {@code clip}, as
     * stream {@code streamId}, kept (retained) after the pipeline is gone; the caller closes it.
     */
    public static DeviceFrame frame(Path clip, String streamId, long n) throws InterruptedException {
        AtomicReference<DeviceFrame> kept = new AtomicReference<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch(streamId, "filesrc location=" + clip
                + " ! h264parse ! nvh264dec ! video/x-raw(memory:CUDAMemory),format=NV12 ! appsink name=sink")) {
            GstCudaContextSharing.share(p);
            p.start(f -> {
                try (DeviceFrame df = DeviceFrame.fromCuda(f)) {
                    if (df.sequence() == n) kept.set(df.retain());
                }
            });
            if (!p.awaitEnd(30, TimeUnit.SECONDS)) throw new AssertionError("NVDEC decode of " + clip + " did not end within 30 s");
        }
        if (kept.get() == null) throw new AssertionError("no frame " + n + " in " + clip);
        return kept.get();
    }
}
