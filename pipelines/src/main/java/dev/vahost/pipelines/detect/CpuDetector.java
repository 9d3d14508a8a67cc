package dev.vahost.pipelines.detect;

import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameDetector;

/** The CPU path (wired to the ops/inference/postprocess CPU references). */
public final class CpuDetector {
    private CpuDetector() {}

    public static FrameDetector<VideoFrame> create(ModelSpec model) {
        throw new UnsupportedOperationException("CPU model path not wired yet");
    }
}
