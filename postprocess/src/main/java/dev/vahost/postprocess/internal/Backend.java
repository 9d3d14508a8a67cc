package dev.vahost.postprocess.internal;

import java.nio.ByteBuffer;

/**
 * What {@link PostprocessEngine} needs from a device: the CUDA implementation ({@link CudaBackend})
 * and, in this module's tests, a CPU emulation of the same kernels. {@code stream} is the backend's
 * own stream object (a CudaStream for CUDA).
 */
public interface Backend extends AutoCloseable {
    /** Device memory for the engine's lifetime (setup only). */
    long allocate(long bytes, String purpose);

    /** Host-side buffers: the results area and the per-batch upload staging, allocated once. */
    void reserveHost(long resultBytes, int uploadFloats);

    /** Checks that a kernel exists (at construction, so a missing kernel fails early). */
    void requireKernel(String module, String kernel);

    void launch(Object stream, String module, String kernel, int gx, int gy, int gz, int bx, int by, int bz,
                Object... args);

    /** Synchronous upload (setup). */
    void upload(long dst, float[] src);

    /** Asynchronous upload of {@code count} floats of {@code src} through the staging buffer. */
    void uploadAsync(Object stream, long dst, float[] src, int count);

    /** Enqueues the copy of {@code bytes} at {@code src} into the results area; returns that area. */
    ByteBuffer downloadAsync(Object stream, long src, long bytes);

    /** Marks the end of a batch on the stream. */
    void markDone(Object stream);

    /** True when the work up to the last {@link #markDone} has completed. */
    boolean isDone();

    /** What the backend can tell about a completion marker found unreached (diagnosis; empty when nothing). */
    default String diagnoseLateMarker() {
        return "";
    }

    @Override
    void close();
}
