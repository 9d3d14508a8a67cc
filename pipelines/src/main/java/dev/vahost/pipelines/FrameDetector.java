package dev.vahost.pipelines;

import java.util.List;

import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.pipelines.batch.Batcher;

/**
 * The part of the service that turns batches of frames into results: the GPU path (DeviceFrame →
 * fused preprocessing → engine → decode + NMS) or the CPU path (system-memory frames → CPU
 * references → CPU executor). {@code F} is what a frame becomes before batching.
 *
 * <p>Thread-safety: {@link #adopt} runs on the streams' pull threads; {@link #detect} on the single
 * batch thread.
 */
public interface FrameDetector<F> extends AutoCloseable {
    /** Whether pipelines must decode into CUDA memory (and share the CUDA context). */
    boolean gpu();

    /**
     * Takes ownership of a pulled frame and turns it into a batchable one (e.g. maps CUDA memory).
     * When it throws, whatever the exception, it has released the frame.
     *
     * @throws IllegalArgumentException (e.g. UnsupportedFrameException) for a frame this path cannot
     *                                  use; the frame is released and the stream is failed
     */
    F adopt(VideoFrame frame);

    long ptsNanos(F frame);

    /** Releases a frame that will not be batched (dropped). */
    void release(F frame);

    /** Runs the batch; owns and releases its frames; returns one result per entry, in order. */
    List<FrameResult> detect(List<Batcher.Entry<F>> batch);

    /**
     * Whether {@link #detect(List, boolean)} can keep the frames for the caller (stages that read or
     * write pixels need it).
     */
    default boolean canKeepFrames() {
        return false;
    }

    /**
     * Runs the batch. With {@code keepFrames} the frames are still valid when it returns and the
     * caller releases them with {@link #releaseKept}; when it throws, it has released them either way.
     *
     * @throws UnsupportedOperationException with {@code keepFrames} when {@link #canKeepFrames()} is false
     */
    default List<FrameResult> detect(List<Batcher.Entry<F>> batch, boolean keepFrames) {
        if (keepFrames) throw new UnsupportedOperationException(describe() + " cannot keep frames for stages");
        return detect(batch);
    }

    /**
     * Releases frames kept by {@link #detect(List, boolean)} once the GPU work enqueued so far on
     * {@link #stageStream()} has completed (at once on the CPU path).
     */
    default void releaseKept(List<F> frames) {
        for (F f : frames) release(f);
    }

    /**
     * The CUDA stream batches run on, where stages enqueue their GPU work (ordered after the batch,
     * before the next one), or null on the CPU path.
     */
    default CudaStream stageStream() {
        return null;
    }

    /** The frame as stages see it: a {@code DeviceFrame} (GPU path) or a {@code VideoFrame} (CPU path). */
    default Object stageView(F frame) {
        return frame;
    }

    /** One line for the log: model, input size, device. */
    String describe();

    @Override
    void close();
}
