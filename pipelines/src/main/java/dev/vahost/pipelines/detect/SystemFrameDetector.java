package dev.vahost.pipelines.detect;

import java.util.List;

import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;

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

    /** Both paths keep frames for stages on request: see {@link #detect(List, boolean)}. */
    @Override
    public final List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch) {
        return detect(batch, null);
    }

    @Override
    public final boolean canKeepFrames() {
        return true;
    }

    @Override
    public abstract List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch, boolean[] keep);

    @Override
    public final long ptsNanos(VideoFrame f) {
        return f.ptsNanos();
    }

    @Override
    public final void release(VideoFrame f) {
        f.close();
    }
}
