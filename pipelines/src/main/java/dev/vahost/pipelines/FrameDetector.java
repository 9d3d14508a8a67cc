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
     * Runs the batch. Entry i's frame is still valid when it returns if {@code keep[i]} ({@code keep}
     * null: no frame is kept), and the caller releases it with {@link #releaseKept}; the other frames
     * go back as soon as the detector has read them (before the stages run: only the streams a stage
     * needs pixels of hold their decoder's buffers longer). When it throws, it has released them all.
     *
     * @throws UnsupportedOperationException when a frame is to be kept and {@link #canKeepFrames()} is false
     */
    default List<FrameResult> detect(List<Batcher.Entry<F>> batch, boolean[] keep) {
        if (anyKept(keep)) throw new UnsupportedOperationException(describe() + " cannot keep frames for stages");
        return detect(batch);
    }

    /** Whether {@code keep} (as {@link #detect(List, boolean[])} takes it) keeps any frame. */
    static boolean anyKept(boolean[] keep) {
        if (keep == null) return false;
        for (boolean k : keep) if (k) return true;
        return false;
    }

    /** Whether entry {@code i}'s frame is kept. */
    static boolean kept(boolean[] keep, int i) {
        return keep != null && keep[i];
    }

    /**
     * Releases frames kept by {@link #detect(List, boolean[])} once the GPU work enqueued so far on
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
     * Starts a batch (same ownership as {@link #detect(List, boolean[])}; when it throws, the frames
     * were released). Blocks while {@link #maxInFlight} batches are in flight (not yet closed): that
     * is the back-pressure on the batcher. This default runs the batch at once.
     */
    default InFlight submit(List<Batcher.Entry<F>> batch, boolean[] keep) {
        List<FrameResult> results = anyKept(keep) ? detect(batch, keep) : detect(batch);
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
