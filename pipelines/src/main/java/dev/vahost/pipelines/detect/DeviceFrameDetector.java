package dev.vahost.pipelines.detect;

import java.util.List;

import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;

/** GPU-path detectors: pulled frames are mapped in place as DeviceFrames (no host copy). */
abstract class DeviceFrameDetector implements FrameDetector<DeviceFrame> {
    @Override
    public final boolean gpu() {
        return true;
    }

    @Override
    public DeviceFrame adopt(VideoFrame frame) {
        return DeviceFrame.fromCuda(frame);
    }

    /** Both paths keep frames for stages on request: see {@link #detect(List, boolean)}. */
    @Override
    public final List<FrameResult> detect(List<Batcher.Entry<DeviceFrame>> batch) {
        return detect(batch, null);
    }

    @Override
    public final boolean canKeepFrames() {
        return true;
    }

    @Override
    public abstract List<FrameResult> detect(List<Batcher.Entry<DeviceFrame>> batch, boolean[] keep);

    @Override
    public final long ptsNanos(DeviceFrame f) {
        return f.ptsNanos();
    }

    @Override
    public final void release(DeviceFrame f) {
        f.close();
    }

    /** Kept frames go back once the work enqueued on {@link #stageStream()} so far (the stages') has completed. */
    @Override
    public void releaseKept(List<DeviceFrame> frames) {
        stageStream().closeWhenDone(frames);
    }

    /** Kept frames of a batch from {@code submit} go back once the work enqueued on its stream so far has completed. */
    @Override
    public void releaseKept(List<DeviceFrame> frames, dev.vahost.nvmm.cuda.CudaStream stream) {
        (stream != null ? stream : stageStream()).closeWhenDone(frames);
    }
}
