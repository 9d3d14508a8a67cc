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
     * Releases frames kept by {@link #submit} once the GPU work enqueued so far on {@code stream}
     * (the batch's {@link InFlight#stream()}: its stages' work) has completed; at once when null.
     */
    default void releaseKept(List<F> frames, CudaStream stream) {
        releaseKept(frames);
    }

    /**
     * How many batches this detector can have in flight at once: with more than one, the service
     * submits a batch ({@link #submit}) and hands its results on from another thread when they are
     * ready, while the batch thread prepares and submits the next one.
     */
    default int maxInFlight() {
        return 1;
    }

    /**
     * A batch submitted and not finished: its results are awaited once, then it is closed, which
     * lets the detector use its buffers for a later batch. Methods are called in that order, by one
     * thread at a time (the service hands the batch from its batch thread to its results thread).
     */
    interface InFlight {
        /**
         * Waits for the batch's results, one per entry, in order. When it throws, the batch's
         * frames were released (kept ones too) and its results are lost.
         */
        List<FrameResult> await();

        /** The CUDA stream the batch ran on (stages enqueue after it), or null on the CPU path. */
        CudaStream stream();

        /** Done with the batch (results read, stages enqueued): its slot takes another batch. Idempotent. */
        void close();
    }

    /**
     * Starts a batch (same ownership as {@link #detect(List, boolean)}; when it throws, the frames
     * were released). Blocks while {@link #maxInFlight} batches are in flight (not yet closed): that
     * is the back-pressure on the batcher. This default runs the batch at once.
     */
    default InFlight submit(List<Batcher.Entry<F>> batch, boolean keepFrames) {
        List<FrameResult> results = keepFrames ? detect(batch, true) : detect(batch);
        CudaStream stream = stageStream();
        return new InFlight() {
            @Override
            public List<FrameResult> await() {
                return results;
            }

            @Override
            public CudaStream stream() {
                return stream;
            }

            @Override
            public void close() {}
        };
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
