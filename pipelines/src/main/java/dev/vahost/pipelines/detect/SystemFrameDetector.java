package dev.vahost.pipelines.detect;

import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameDetector;

/** CPU-path detectors: frames stay the pulled system-memory VideoFrames. */
abstract class SystemFrameDetector implements FrameDetector<VideoFrame> {
    @Override
    public final boolean gpu() {
        return false;
    }

    @Override
    public VideoFrame adopt(VideoFrame frame) {
        return frame;
    }

    @Override
    public final long ptsNanos(VideoFrame f) {
        return f.ptsNanos();
    }

    @Override
    public final void release(VideoFrame f) {
        f.close();
    }
}
