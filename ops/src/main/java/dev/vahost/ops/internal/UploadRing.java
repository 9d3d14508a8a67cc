package dev.vahost.ops.internal;

import java.util.Arrays;

import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.PinnedHostBuffer;
import dev.vahost.nvmm.cuda.Transfers;

/**
 * A small parameter table in device memory that is re-uploaded only when its bytes (or the stream
 * that uses it) change. Each version goes to the next of {@code slots} slots of pinned staging and
 * device memory through an asynchronous, stream-ordered copy, so a kernel still reading an older
 * version is never overwritten. A slot is reused only after the event recorded behind its last
 * kernel has completed; if all slots are still in flight (more than {@code slots} table changes
 * queued ahead of the GPU), {@link #publish} waits for the oldest: back-pressure, counted in
 * {@link #waits()}. Not thread-safe: one owner (a batching thread).
 */
public final class UploadRing implements AutoCloseable {
    private final int slotBytes;
    private final int slots;
    private final DeviceBuffer device;
    private final PinnedHostBuffer staging;
    private final CudaEvent[] done;
    private final boolean[] used;
    private final byte[] current;
    private int currentSlot = -1;
    private int currentLength = -1;
    private CudaStream currentStream;
    private long uploads;
    private long waits;
    private volatile boolean closed;

    public UploadRing(DevicePool pool, int slotBytes, int slots, String purpose) {
        if (slotBytes <= 0 || slots < 2) {
            throw new IllegalArgumentException("upload ring needs positive slots of bytes and at least 2 slots, got "
                    + slots + " x " + slotBytes);
        }
        this.slotBytes = slotBytes;
        this.slots = slots;
        this.current = new byte[slotBytes];
        this.done = new CudaEvent[slots];
        this.used = new boolean[slots];
        DeviceBuffer d = pool.allocate((long) slotBytes * slots, purpose);
        PinnedHostBuffer h = null;
        try {
            h = new PinnedHostBuffer((long) slotBytes * slots);
            for (int i = 0; i < slots; i++) {
                done[i] = CudaEvent.marker();
            }
        } catch (RuntimeException e) {
            for (CudaEvent ev : done) {
                if (ev != null) ev.close();
            }
            if (h != null) h.close();
            d.close();
            throw e;
        }
        this.device = d;
        this.staging = h;
    }

    /**
     * The device address of a table holding {@code bytes[0..length)}, valid for work enqueued on
     * {@code stream} after this call. Uploads (asynchronously, on {@code stream}) only when the bytes
     * or the stream differ from the last call's.
     */
    public long publish(CudaStream stream, byte[] bytes, int length) {
        check();
        if (length <= 0 || length > slotBytes) {
            throw new IllegalArgumentException("table of " + length + " bytes does not fit a " + slotBytes + "-byte slot");
        }
        if (currentSlot >= 0 && stream == currentStream && length == currentLength
                && Arrays.equals(bytes, 0, length, current, 0, length)) {
            return address(currentSlot);
        }
        int next = (currentSlot + 1) % slots;
        if (used[next] && !done[next].isComplete()) {
            waits++;
            done[next].synchronize();
        }
        staging.buffer().put(next * slotBytes, bytes, 0, length);
        Transfers.toDeviceAsync(stream, address(next), staging, (long) next * slotBytes, length);
        // Covers the staging bytes until the copy has run, even if no kernel ever follows it.
        done[next].record(stream);
        used[next] = true;
        System.arraycopy(bytes, 0, current, 0, length);
        currentLength = length;
        currentStream = stream;
        currentSlot = next;
        uploads++;
        return address(next);
    }

    /** Records, on {@code stream}, that the work just enqueued reads the current table. */
    public void markUsed(CudaStream stream) {
        check();
        done[currentSlot].record(stream);
        used[currentSlot] = true;
    }

    private long address(int slot) {
        return device.address() + (long) slot * slotBytes;
    }

    /** Uploads so far (each one host-to-device copy). */
    public long uploads() {
        return uploads;
    }

    /** Times {@link #publish} had to wait for the GPU because every slot was in flight. */
    public long waits() {
        return waits;
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("upload ring is closed");
        }
    }

    /** Waits for the work that reads the tables, then frees them. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < slots; i++) {
            if (used[i]) {
                done[i].synchronize();
            }
            done[i].close();
        }
        staging.close();
        device.close();
    }
}
