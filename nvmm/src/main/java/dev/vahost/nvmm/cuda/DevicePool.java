package dev.vahost.nvmm.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jcuda.driver.CUdeviceptr;

import static jcuda.driver.JCudaDriver.*;

/**
 * A named budget of device memory. Every device allocation of the project comes from a pool, so
 * GPU memory use is attributed and bounded: an allocation over the limit throws
 * {@link DeviceOutOfMemoryException} naming the pool, and closing a pool with buffers still
 * outstanding throws (after freeing them), which makes leaks test failures.
 *
 * <p>Allocation is for setup (buffers are reused on the hot path); it is thread-safe.
 */
public final class DevicePool implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DevicePool.class);
    private static final Map<String, DevicePool> LIVE = new ConcurrentHashMap<>();

    private final String name;
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final Map<DeviceBuffer, String> outstanding = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private DevicePool(String name, long limit) {
        this.name = name;
        this.limit = limit;
    }

    /** A pool of at most {@code limitBytes}. Names must be unique among open pools. */
    public static DevicePool create(String name, long limitBytes) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("pool name must not be blank");
        }
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("pool " + name + ": limit must be positive, got " + limitBytes);
        }
        Cuda.requireAvailable();
        DevicePool p = new DevicePool(name, limitBytes);
        if (LIVE.putIfAbsent(name, p) != null) {
            throw new IllegalArgumentException("a device pool named '" + name + "' is already open");
        }
        return p;
    }

    public String name() { return name; }

    public long limit() { return limit; }

    public long used() { return used.get(); }

    public long peak() { return peak.get(); }

    public int outstandingBuffers() { return outstanding.size(); }

    /** Bytes held by all open pools of the process. */
    public static long totalUsed() {
        return LIVE.values().stream().mapToLong(DevicePool::used).sum();
    }

    /** Allocates {@code bytes} of device memory (256-byte aligned, as cuMemAlloc guarantees). */
    public DeviceBuffer allocate(long bytes, String purpose) {
        if (closed.get()) {
            throw new IllegalStateException("pool " + name + " is closed");
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException("pool " + name + ": allocation size must be positive, got " + bytes
                    + " for " + purpose);
        }
        long now = used.addAndGet(bytes);
        if (now > limit) {
            used.addAndGet(-bytes);
            throw new DeviceOutOfMemoryException("pool " + name + ": " + purpose + " needs " + bytes + " bytes but "
                    + (now - bytes) + " of its " + limit + "-byte limit are in use");
        }
        Cuda.ensureCurrent();
        CUdeviceptr p = new CUdeviceptr();
        int r = cuMemAlloc(p, bytes);
        if (r != 0) {
            used.addAndGet(-bytes);
            if (r == jcuda.driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                throw new DeviceOutOfMemoryException("pool " + name + ": " + purpose + " needs " + bytes
                        + " bytes, the device has not that much free (cuMemAlloc: CUDA_ERROR_OUT_OF_MEMORY)");
            }
            CudaException.check(r, () -> "cuMemAlloc(" + bytes + " bytes) for " + purpose + " in pool " + name);
        }
        peak.accumulateAndGet(now, Math::max);
        DeviceBuffer b = new DeviceBuffer(this, p, bytes, purpose);
        outstanding.put(b, purpose);
        return b;
    }

    void free(DeviceBuffer b) {
        if (outstanding.remove(b) != null) {
            Cuda.ensureCurrent();
            int r = cuMemFree(b.pointer());
            used.addAndGet(-b.bytes());
            if (r != 0) {
                LOG.error("pool {}: cuMemFree of {} ({} bytes) failed: {}", name, b.purpose(), b.bytes(), r);
            }
        }
    }

    /**
     * Frees the pool. Throws {@link IllegalStateException} listing what was still outstanding (the
     * memory is freed first, so the leak does not outlive the report). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LIVE.remove(name, this);
        List<String> leaked = new ArrayList<>();
        for (DeviceBuffer b : List.copyOf(outstanding.keySet())) {
            leaked.add(b.purpose() + " (" + b.bytes() + " B)");
            b.close();
        }
        if (!leaked.isEmpty()) {
            throw new IllegalStateException("pool " + name + " closed with " + leaked.size()
                    + " buffer(s) outstanding: " + leaked);
        }
    }

    @Override
    public String toString() {
        return "DevicePool[" + name + " " + used.get() + "/" + limit + " B]";
    }
}
