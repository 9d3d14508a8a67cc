package dev.vahost.pipelines.batch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-stream batching in the manner of DeepStream's nvstreammux: frames from many streams are
 * queued per stream and gathered round-robin into batches of up to {@code batchSize}; a batch is
 * pushed when full, or when {@code pushTimeout} has passed since its first frame became available.
 *
 * <p>Memory is bounded: each stream's queue holds at most {@code queueCapacity} frames, and when the
 * consumer falls behind the oldest queued frame of that stream is released and counted as
 * dropped. A per-stream frame-rate cap (by pts) drops, and counts, frames that come too fast.
 * Streams may be added and removed while running; a stream that ends has its queued frames batched
 * before it leaves.
 *
 * <p>Thread-safety: {@link #offer} may be called from any number of producer threads; batches are
 * delivered to the {@link Sink} on the batcher's own thread, one at a time.
 *
 * @param <F> the frame type; ownership passes to the batcher on offer and to the sink with a batch
 */
public final class Batcher<F> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    /**
     * @param batchSize     frames per batch, at most
     * @param pushTimeout   how long a partial batch waits after its first frame
     * @param queueCapacity per-stream queue bound (drop oldest beyond it)
     * @param maxFps        per-stream frame-rate cap, 0 for none
     */
    public record Config(int batchSize, Duration pushTimeout, int queueCapacity, double maxFps) {
        public Config {
            if (batchSize < 1 || batchSize > 1024) throw new IllegalArgumentException("batch size must be within 1..1024, got " + batchSize);
            if (pushTimeout == null || pushTimeout.isNegative()) {
                throw new IllegalArgumentException("push timeout must be >= 0, got " + pushTimeout);
            }
            if (queueCapacity < 1) throw new IllegalArgumentException("queue capacity must be >= 1, got " + queueCapacity);
            if (maxFps < 0 || Double.isNaN(maxFps)) throw new IllegalArgumentException("max fps must be >= 0, got " + maxFps);
        }
    }

    /** How the batcher reads and releases frames of type F. */
    public interface Frames<F> {
        long ptsNanos(F frame);

        void release(F frame);
    }

    /** Receives batches; owns the frames of each batch. Runs on the batcher thread. */
    @FunctionalInterface
    public interface Sink<F> {
        void onBatch(List<Entry<F>> batch);
    }

    /**
     * A frame in a batch, with the stream it came from.
     *
     * @param offeredNanos {@link System#nanoTime()} when the frame was offered (it had just left its decoder)
     */
    public record Entry<F>(String streamId, F frame, long offeredNanos) {
        public Entry(String streamId, F frame) {
            this(streamId, frame, System.nanoTime());
        }
    }

    /** A queued frame and when it was offered. */
    private record Queued<F>(F frame, long offeredNanos) {}

    /** Counters of one stream. */
    public record StreamCounts(long offered, long batched, long droppedQueueFull, long droppedRateCap, int queued) {}

    private static final class Lane<F> {
        final String id;
        final ArrayDeque<Queued<F>> queue;
        final AtomicLong offered = new AtomicLong(), batched = new AtomicLong(), droppedFull = new AtomicLong(),
                droppedRate = new AtomicLong();
        long lastAcceptedPts = Long.MIN_VALUE;
        boolean ending;

        Lane(String id, int capacity) {
            this.id = id;
            this.queue = new ArrayDeque<>(capacity);
        }
    }

    private final Config config;
    private final Frames<F> frames;
    private final Sink<F> sink;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Map<String, Lane<F>> lanes = new LinkedHashMap<>(); // guarded by lock; order = round-robin order
    private final Map<String, StreamCounts> finished = new LinkedHashMap<>(); // guarded by lock
    private final long minIntervalNs;
    private final AtomicLong batches = new AtomicLong();
    private int rotation; // guarded by lock
    private long firstAvailableAt = -1; // guarded by lock: when the oldest not-yet-batched frame became available
    private volatile boolean closed;
    private boolean delivering; // guarded by lock: a batch is with the sink
    private boolean threadExited; // guarded by lock
    private final List<Runnable> afterStop = new ArrayList<>(); // guarded by lock
    private Thread thread;

    public Batcher(Config config, Frames<F> frames, Sink<F> sink) {
        this.config = Objects.requireNonNull(config, "config");
        this.frames = Objects.requireNonNull(frames, "frames");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.minIntervalNs = config.maxFps() > 0 ? (long) (1e9 / config.maxFps() * 0.98) : 0;
    }

    public Config config() {
        return config;
    }

    /** Starts the batching thread. */
    public synchronized void start() {
        if (thread != null) throw new IllegalStateException("batcher already started");
        thread = new Thread(this::run, "batcher");
        thread.setDaemon(true);
        thread.start();
    }

    public void addStream(String id) {
        lock.lock();
        try {
            if (lanes.containsKey(id)) throw new IllegalArgumentException("stream " + id + " is already batched");
            lanes.put(id, new Lane<>(id, config.queueCapacity()));
            finished.remove(id);
        } finally {
            lock.unlock();
        }
    }

    /** Removes a stream now, releasing its queued frames. No-op for an unknown stream. */
    public void removeStream(String id) {
        List<F> release = new ArrayList<>();
        lock.lock();
        try {
            Lane<F> l = lanes.remove(id);
            if (l == null) return;
            for (Queued<F> q : l.queue) release.add(q.frame());
            l.queue.clear();
            finished.put(id, counts(l));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        release.forEach(frames::release);
    }

    /** The stream ended: its queued frames are still batched, then it leaves. */
    public void endOfStream(String id) {
        lock.lock();
        try {
            Lane<F> l = lanes.get(id);
            if (l == null) return;
            l.ending = true;
            if (l.queue.isEmpty()) {
                lanes.remove(id);
                finished.put(id, counts(l));
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Hands a frame to the batcher. Returns false (and releases the frame) when the stream is not
     * batched or the frame is over the rate cap.
     */
    public boolean offer(String id, F frame) {
        F dropped = null;
        lock.lock();
        try {
            Lane<F> l = lanes.get(id);
            if (l == null || closed || l.ending) {
                dropped = frame;
                return false;
            }
            l.offered.incrementAndGet();
            if (minIntervalNs > 0) {
                long pts = frames.ptsNanos(frame);
                long t = pts >= 0 ? pts : System.nanoTime();
                if (l.lastAcceptedPts != Long.MIN_VALUE && t - l.lastAcceptedPts < minIntervalNs && t >= l.lastAcceptedPts) {
                    l.droppedRate.incrementAndGet();
                    dropped = frame;
                    return false;
                }
                l.lastAcceptedPts = t;
            }
            if (l.queue.size() >= config.queueCapacity()) {
                dropped = l.queue.pollFirst().frame(); // drop oldest: live analytics wants the newest picture
                l.droppedFull.incrementAndGet();
            }
            l.queue.addLast(new Queued<>(frame, System.nanoTime()));
            if (firstAvailableAt < 0) firstAvailableAt = System.nanoTime();
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
            if (dropped != null) frames.release(dropped);
        }
    }

    public StreamCounts counts(String id) {
        lock.lock();
        try {
            Lane<F> l = lanes.get(id);
            if (l != null) return counts(l);
            StreamCounts f = finished.get(id);
            if (f != null) return f;
            throw new IllegalArgumentException("unknown stream " + id);
        } finally {
            lock.unlock();
        }
    }

    private StreamCounts counts(Lane<F> l) {
        return new StreamCounts(l.offered.get(), l.batched.get(), l.droppedFull.get(), l.droppedRate.get(), l.queue.size());
    }

    public long batches() {
        return batches.get();
    }

    /** Streams currently batched. */
    public List<String> streams() {
        lock.lock();
        try {
            return List.copyOf(lanes.keySet());
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            loop();
        } finally {
            List<Runnable> actions;
            lock.lock();
            try {
                threadExited = true;
                actions = new ArrayList<>(afterStop);
                afterStop.clear();
            } finally {
                lock.unlock();
            }
            actions.forEach(Batcher::runLogged);
        }
    }

    private static void runLogged(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.error("an action after the batch thread stopped failed", e);
        }
    }

    /**
     * Runs {@code action} once the batch thread has exited: now, on the calling thread, if it
     * already has (or was never started), otherwise on the batch thread as it leaves. For releasing
     * what a batch still in progress may be using.
     */
    public void whenStopped(Runnable action) {
        Objects.requireNonNull(action, "action");
        lock.lock();
        try {
            boolean running;
            synchronized (this) {
                running = thread != null;
            }
            if (running && !threadExited) {
                afterStop.add(action);
                return;
            }
        } finally {
            lock.unlock();
        }
        action.run();
    }

    private void loop() {
        while (!closed) {
            List<Entry<F>> batch;
            try {
                batch = next();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) continue;
            try {
                sink.onBatch(batch);
            } catch (Throwable t) {
                LOG.error("batch sink failed on a batch of {} frames", batch.size(), t);
            } finally {
                lock.lock();
                try {
                    delivering = false;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Waits for a batch: full, or the push timeout after the first available frame. */
    private List<Entry<F>> next() throws InterruptedException {
        lock.lock();
        try {
            while (!closed) {
                int available = 0;
                for (Lane<F> l : lanes.values()) available += l.queue.size();
                if (available == 0) {
                    firstAvailableAt = -1;
                    changed.await(100, TimeUnit.MILLISECONDS);
                    continue;
                }
                long waited = System.nanoTime() - firstAvailableAt;
                long remaining = config.pushTimeout().toNanos() - waited;
                if (available >= config.batchSize() || remaining <= 0 || allEnding()) {
                    return take();
                }
                changed.awaitNanos(remaining);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private boolean allEnding() {
        for (Lane<F> l : lanes.values()) if (!l.ending) return false;
        return true;
    }

    /** Round-robin: one frame per stream per round, starting one stream later each batch. */
    private List<Entry<F>> take() {
        List<Lane<F>> order = new ArrayList<>(lanes.values());
        int n = order.size();
        List<Entry<F>> batch = new ArrayList<>(config.batchSize());
        int start = n == 0 ? 0 : Math.floorMod(rotation++, n);
        boolean progress = true;
        while (batch.size() < config.batchSize() && progress) {
            progress = false;
            for (int i = 0; i < n && batch.size() < config.batchSize(); i++) {
                Lane<F> l = order.get((start + i) % n);
                Queued<F> f = l.queue.pollFirst();
                if (f != null) {
                    batch.add(new Entry<>(l.id, f.frame(), f.offeredNanos()));
                    l.batched.incrementAndGet();
                    progress = true;
                }
            }
        }
        for (Lane<F> l : order) {
            if (l.ending && l.queue.isEmpty()) {
                lanes.remove(l.id);
                finished.put(l.id, counts(l));
            }
        }
        boolean more = false;
        for (Lane<F> l : lanes.values()) more |= !l.queue.isEmpty();
        firstAvailableAt = more ? System.nanoTime() : -1;
        batches.incrementAndGet();
        delivering = true;
        return batch;
    }

    /** Stops the thread (the batch being delivered completes) and releases every queued frame. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Stops the thread, waiting up to {@code join} for the batch being delivered to complete, and
     * releases every queued frame.
     *
     * @return true when the batch thread has exited (or never started); false when it is still
     *         inside the sink (see {@link #whenStopped})
     */
    public boolean close(Duration join) {
        closed = true;
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(Math.max(1, join.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<F> release = new ArrayList<>();
        lock.lock();
        try {
            for (Lane<F> l : lanes.values()) {
                for (Queued<F> q : l.queue) release.add(q.frame());
                l.queue.clear();
            }
        } finally {
            lock.unlock();
        }
        release.forEach(frames::release);
        return t == null || !t.isAlive();
    }

    /**
     * Waits until no frame is queued and no batch is with the sink (every frame offered so far has
     * been fully handled), or the timeout passes; true if drained.
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                int q = 0;
                for (Lane<F> l : lanes.values()) q += l.queue.size();
                if (q == 0 && !delivering) return true;
                long left = end - System.nanoTime();
                if (left <= 0) return false;
                changed.awaitNanos(Math.min(left, 5_000_000));
            }
        } finally {
            lock.unlock();
        }
    }
}
