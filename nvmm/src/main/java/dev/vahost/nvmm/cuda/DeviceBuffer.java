package dev.vahost.nvmm.cuda;

import java.util.concurrent.atomic.AtomicBoolean;

import jcuda.driver.CUdeviceptr;

import static jcuda.driver.JCudaDriver.*;

/** Device memory owned by one {@link DevicePool}. Close returns it; close is idempotent. */
public final class DeviceBuffer implements AutoCloseable {
    private final DevicePool pool;
    private final CUdeviceptr pointer;
    private final long address;
    private final long bytes;
    private final String purpose;
    private final AtomicBoolean closed = new AtomicBoolean();

    DeviceBuffer(DevicePool pool, CUdeviceptr pointer, long bytes, String purpose) {
        this.pool = pool;
        this.pointer = pointer;
        this.address = Ptr.address(pointer);
        this.bytes = bytes;
        this.purpose = purpose;
    }

    public long address() {
        check();
        return address;
    }

    public CUdeviceptr pointer() {
        return pointer;
    }

    public long bytes() {
        return bytes;
    }

    public String purpose() {
        return purpose;
    }

    public DevicePool pool() {
        return pool;
    }

    /** Enqueues a byte fill of the whole buffer on {@code stream}. */
    public void fill(CudaStream stream, byte value) {
        check();
        Cuda.ensureCurrent();
        CudaException.check(cuMemsetD8Async(pointer, value, bytes, stream.handle()),
                () -> "cuMemsetD8Async(" + bytes + " bytes of " + purpose + ")");
    }

    public boolean isClosed() {
        return closed.get();
    }

    private void check() {
        if (closed.get()) {
            throw new IllegalStateException("device buffer '" + purpose + "' of pool " + pool.name() + " is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            pool.free(this);
        }
    }

    @Override
    public String toString() {
        return "DeviceBuffer[" + purpose + " " + bytes + " B @0x" + Long.toHexString(address) + "]";
    }
}
