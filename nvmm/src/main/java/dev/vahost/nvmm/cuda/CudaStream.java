package dev.vahost.nvmm.cuda;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;

import static jcuda.driver.JCudaDriver.*;

/**
 * A CUDA stream of the shared context. Besides ordering work, it releases things after the GPU has
 * finished with them without a host sync per frame: {@link #closeWhenDone} records one event and
 * closes the given resources (e.g. the GstBuffers behind a batch of frames) once it completes.
 * Completed releases are reaped on each later {@code closeWhenDone}, on {@link #synchronize()},
 * and by a background reaper, so a stream that goes idle still lets its frames go.
 */
public final class CudaStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CudaStream.class);
    private final CUstream stream = new CUstream();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>(); // guarded by itself
    private final ArrayDeque<CudaEvent> spareEvents = new ArrayDeque<>(); // guarded by pending

    private record Pending(CudaEvent event, List<? extends AutoCloseable> resources) {}

    private CudaStream() {
        Cuda.ensureCurrent();
        // Non-blocking: never serialise with the legacy default stream that other libraries may use.
        CudaException.check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
    }

    public static CudaStream create() {
        return new CudaStream();
    }

    public CUstream handle() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA stream is closed");
        }
        return stream;
    }

    /** Blocks until all work on this stream has completed, then releases what was waiting for it. */
    public void synchronize() {
        Cuda.ensureCurrent();
        CudaException.check(cuStreamSynchronize(handle()), "cuStreamSynchronize");
        reap(true);
    }

    /**
     * Closes {@code resources} once all work enqueued on this stream so far has completed.
     * One event per call: call it once per batch, not per frame.
     */
    public void closeWhenDone(List<? extends AutoCloseable> resources) {
        if (resources.isEmpty()) {
            return;
        }
        Cuda.ensureCurrent();
        CudaEvent e;
        synchronized (pending) {
            e = spareEvents.isEmpty() ? CudaEvent.marker() : spareEvents.poll();
            e.record(this);
            pending.add(new Pending(e, List.copyOf(resources)));
        }
        reap(false);
        if (backgroundReaping) Reaper.watch(this);
    }

    /** Resources still waiting for GPU work. */
    public int pendingReleases() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** Releases everything whose work has completed (all of it when {@code all}); true if any remain. */
    boolean reap(boolean all) {
        while (true) {
            Pending p;
            synchronized (pending) {
                p = pending.peek();
                if (p == null) {
                    return false;
                }
                if (!all && !p.event().isComplete()) {
                    return true;
                }
                // After cuStreamSynchronize every event is normally complete; on the H200 (driver 580)
                // a marker recorded after a CUDA graph replay was seen unreached for ~0.1 ms after it.
                // Release nothing before its own event says so.
                if (all) p.event().synchronize();
                pending.poll();
                spareEvents.add(p.event());
            }
            for (AutoCloseable r : p.resources()) {
                try {
                    r.close();
                } catch (Exception ex) {
                    LOG.error("releasing {} after GPU work failed", r, ex);
                }
            }
        }
    }

    /** Waits for the stream's work, releases pending resources and destroys the stream. Idempotent. */
    @Override
    public void close() {
        if (closed.get()) {
            return;
        }
        Cuda.ensureCurrent();
        cuStreamSynchronize(stream);
        reap(true);
        if (closed.compareAndSet(false, true)) {
            synchronized (pending) {
                spareEvents.forEach(CudaEvent::close);
                spareEvents.clear();
            }
            cuStreamDestroy(stream);
        }
    }

    private static volatile boolean backgroundReaping = true;

    /**
     * Whether the background reaper releases completed work (default on). Off, releases happen only
     * in {@link #closeWhenDone}, {@link #synchronize()} and {@link #close()} on the caller's thread:
     * for diagnosing interactions between the reaper's event queries and GstBuffer unrefs and the
     * stream's own thread (benchmarks); an idle stream then holds its last releases.
     */
    public static void setBackgroundReaping(boolean on) {
        backgroundReaping = on;
    }

    /** One daemon thread that reaps streams with pending releases every half millisecond. */
    private static final class Reaper {
        private static final java.util.Set<CudaStream> WATCHED = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private static volatile Thread thread;

        static void watch(CudaStream s) {
            WATCHED.add(s);
            Thread t = thread;
            if (t == null) {
                synchronized (Reaper.class) {
                    if (thread == null) {
                        t = new Thread(Reaper::run, "cuda-stream-reaper");
                        t.setDaemon(true);
                        thread = t;
                        t.start();
                    }
                }
            }
        }

        private static void run() {
            while (true) {
                try {
                    if (WATCHED.isEmpty()) {
                        Thread.sleep(1);
                        continue;
                    }
                    for (CudaStream s : WATCHED) {
                        if (s.closed.get() || !s.reap(false)) {
                            WATCHED.remove(s);
                            if (!s.closed.get() && s.pendingReleases() > 0) {
                                WATCHED.add(s); // a release arrived between the reap and the removal
                            }
                        }
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(500_000);
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable t) {
                    LOG.error("stream reaper", t);
                }
            }
        }
    }
}
