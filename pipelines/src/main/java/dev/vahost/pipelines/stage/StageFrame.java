package dev.vahost.pipelines.stage;

import java.util.ArrayList;
import java.util.List;

import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.pipelines.FrameResult;

/**
 * One frame of a batch as stages see it: where it came from, its detections (a mutable list: remove,
 * replace or add) and its metadata. The frame's pixels are reachable only while the stages run and
 * only when a stage declared {@link Stage#needsFrames()}: {@link #deviceFrame()} on the GPU path,
 * {@link #videoFrame()} (system memory, read-only) on the CPU path.
 */
public final class StageFrame {
    private final String streamId;
    private final long frameNumber;
    private final long ptsNanos;
    private final int width;
    private final int height;
    private final List<FrameResult.Detection> detections;
    private final Metadata meta = new Metadata();
    private Object frame; // DeviceFrame or VideoFrame while the stages run, else null

    StageFrame(FrameResult r, Object frame) {
        this.streamId = r.streamId();
        this.frameNumber = r.frameNumber();
        this.ptsNanos = r.ptsNanos();
        this.width = r.width();
        this.height = r.height();
        this.detections = new ArrayList<>(r.detections());
        this.frame = frame;
    }

    public String streamId() {
        return streamId;
    }

    /** 0-based number of the frame in its stream (as pulled from the decoder). */
    public long frameNumber() {
        return frameNumber;
    }

    /** Presentation timestamp in nanoseconds (-1 when the stream has none). */
    public long ptsNanos() {
        return ptsNanos;
    }

    /** Source frame width in pixels (detection boxes are in these pixels). */
    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The detections, in source pixels; stages may change this list. */
    public List<FrameResult.Detection> detections() {
        return detections;
    }

    public Metadata meta() {
        return meta;
    }

    /**
     * The decoded frame in GPU memory (GPU path). Valid until {@link Stage#process} returns: GPU
     * work enqueued on {@link StageBatch#cudaStream()} is ordered before the frame goes back to the
     * decoder. To keep it longer, take a reference with {@link DeviceFrame#retain()} and close that.
     *
     * @throws IllegalStateException on the CPU path, or when no stage declared {@link Stage#needsFrames()}
     */
    public DeviceFrame deviceFrame() {
        if (frame instanceof DeviceFrame d) return d;
        throw unavailable("deviceFrame()", "the GPU path");
    }

    /**
     * The decoded frame in system memory (CPU path), read-only, valid until {@link Stage#process} returns.
     *
     * @throws IllegalStateException on the GPU path, or when no stage declared {@link Stage#needsFrames()}
     */
    public VideoFrame videoFrame() {
        if (frame instanceof VideoFrame v) return v;
        throw unavailable("videoFrame()", "the CPU path");
    }

    /** Whether this frame's pixels are here ({@link #deviceFrame()} or {@link #videoFrame()} works). */
    public boolean hasFrame() {
        return frame != null;
    }

    private IllegalStateException unavailable(String what, String path) {
        String why = frame == null ? "frames are kept for stages only when a stage's needsFrames() returns true, and only of the"
                + " streams a stage's needsFrames(streamId) asked for (see hasFrame())"
                : "it exists on " + path + " only; this service runs the " + (frame instanceof DeviceFrame ? "GPU" : "CPU") + " path";
        return new IllegalStateException("stream " + streamId + " frame " + frameNumber + ": " + what + " is unavailable: " + why);
    }

    /** After the stages: the frame is gone, the result is what the stages left. */
    FrameResult toResult() {
        frame = null;
        return new FrameResult(streamId, frameNumber, ptsNanos, width, height, List.copyOf(detections), meta.published());
    }
}
