package dev.vahost.pipelines.detect;

import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.pipelines.FrameDetector;

/** The GPU path (wired to ops LetterboxResize, the inference engine and postprocess NMS). */
public final class GpuDetector {
    private GpuDetector() {}

    public static FrameDetector<DeviceFrame> create(ModelSpec model, int maxBatch) {
        throw new UnsupportedOperationException("GPU model path not wired yet");
    }
}
