package dev.vahost.nvmm.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

import jcuda.Pointer;

import static jcuda.driver.JCudaDriver.*;

/** Page-locked host memory (cuMemHostAlloc) for asynchronous copies through {@link Transfers}. */
public final class PinnedHostBuffer implements AutoCloseable {
    private final Pointer pointer = new Pointer();
    private final long bytes;
    private final ByteBuffer view;
    private final AtomicBoolean closed = new AtomicBoolean();

    public PinnedHostBuffer(long bytes) {
        if (bytes <= 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pinned buffer size must be within 1.." + Integer.MAX_VALUE + ", got " + bytes);
        }
        Cuda.ensureCurrent();
        CudaException.check(cuMemHostAlloc(pointer, bytes, 0), () -> "cuMemHostAlloc(" + bytes + " bytes)");
        this.bytes = bytes;
        this.view = pointer.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder());
    }

    public Pointer pointer() {
        check();
        return pointer;
    }

    public long bytes() {
        return bytes;
    }

    /** A native-order view of the whole buffer (absolute gets/puts; position is shared, so avoid it). */
    public ByteBuffer buffer() {
        check();
        return view;
    }

    private void check() {
        if (closed.get()) {
            throw new IllegalStateException("pinned host buffer is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Cuda.ensureCurrent();
            cuMemFreeHost(pointer);
        }
    }
}
