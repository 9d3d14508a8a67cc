package dev.vahost.pipelines;

import java.util.List;

import dev.vahost.gst.VideoFrame;
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

    /** One line for the log: model, input size, device. */
    String describe();

    @Override
    void close();
}
