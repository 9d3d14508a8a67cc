package dev.vahost.inference;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.CudaStream;

/**
 * A model loaded on the GPU for batches of up to {@link #maxBatch()} images. {@link #infer} only
 * enqueues work on the caller's stream (no host synchronisation, no allocation once the batch size
 * has been prepared); the outputs are valid when the stream reaches that point.
 *
 * <p>Thread-safety: an engine owns one set of activation buffers, so {@code infer} calls are
 * serialised (synchronized); when consecutive calls use different streams the engine orders the
 * second stream after the first call's work (an event wait), so buffers are never overwritten while
 * in use. For parallel inference, load one engine per stream. Implementations: {@link CudnnEngine}
 * (cuDNN + cuBLAS + own kernels); TensorRT or ONNX Runtime engines can implement this where a host
 * has them.
 */
public interface InferenceEngine extends AutoCloseable {
    OnnxModel model();

    int maxBatch();

    /** Storage type of activations and weights (F16 or F32). */
    DType precision();

    /** Shape of the (first) input at {@code batch}, e.g. [N, 3, 320, 320]. */
    default long[] inputShape(int batch) {
        return model().inputShape(batch);
    }

    /** Shape of output {@code index} at {@code batch}, e.g. [N, 7, 2000]. */
    default long[] outputShape(int index, int batch) {
        return model().outputShape(index, batch);
    }

    /**
     * Builds what batch sizes need (descriptors, algorithm choice, index tables) ahead of time, so
     * that the first {@code infer} at that size does not; the max batch is always prepared.
     */
    void prepare(int... batches);

    /**
     * Enqueues inference of a single-input, single-output model on {@code stream}. The batch N is
     * {@code input.dim(0)} (1..maxBatch). {@code input}: contiguous F32 or F16 of
     * {@link #inputShape(int) inputShape(N)}; {@code output}: contiguous F32 or F16 of
     * {@code outputShape(0, N)}; both are converted to and from {@link #precision()} on the GPU.
     */
    void infer(CudaStream stream, DeviceTensor input, DeviceTensor output);

    /** As {@link #infer(CudaStream, DeviceTensor, DeviceTensor)} for several inputs and outputs, in model order. */
    void infer(CudaStream stream, DeviceTensor[] inputs, DeviceTensor[] outputs);

    /** Waits for the engine's last enqueued work and frees its device memory. Idempotent. */
    @Override
    void close();
}
