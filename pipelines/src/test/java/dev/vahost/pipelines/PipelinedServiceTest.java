package dev.vahost.pipelines;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.source.SourceSpec;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The service with a detector that keeps several batches in flight (as the GPU path does), on the
 * CPU with real decoded frames: a fake detector whose batches finish on a worker thread, in an order
 * of their own, after a delay. The service must hand results on in submission order (per stream,
 * frames in sequence), from its results thread, never have more than the detector's slots in
 * flight, count a batch that fails while awaited and go on, and close the detector only after every
 * submitted batch was finished with, with no frame left held.
 */
class PipelinedServiceTest {
    /** A detector with {@code slots} slots whose batches complete on their own threads after {@code delayMs}. */
    static final class SlowSlots implements FrameDetector<VideoFrame> {
        final int slots;
        final long delayMs;
        final int failEvery;
        final Semaphore free;
        final AtomicInteger inFlight = new AtomicInteger(), maxInFlight = new AtomicInteger();
        final AtomicLong submitted = new AtomicLong(), closedBatches = new AtomicLong(), failed = new AtomicLong();
        final AtomicBoolean closed = new AtomicBoolean(), closedWithBatchesOpen = new AtomicBoolean();
        final List<String> awaitThreads = new CopyOnWriteArrayList<>();
        volatile CountDownLatch hold; // when set, awaits block on it (a stuck device)

        SlowSlots(int slots, long delayMs, int failEvery) {
            this.slots = slots;
            this.delayMs = delayMs;
            this.failEvery = failEvery;
            this.free = new Semaphore(slots);
        }

        public boolean gpu() { return false; }
        public VideoFrame adopt(VideoFrame f) { return f; }
        public long ptsNanos(VideoFrame f) { return f.ptsNanos(); }
        public void release(VideoFrame f) { f.close(); }
        public String describe() { return "slow slots"; }
        public int maxInFlight() { return slots; }

        public List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch) {
            throw new AssertionError("a detector with batches in flight is driven through submit()");
        }

        @Override
        public InFlight submit(List<Batcher.Entry<VideoFrame>> batch, boolean[] keep) {
            free.acquireUninterruptibly();
            long number = submitted.incrementAndGet();
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            List<FrameResult> results = new ArrayList<>();
            for (Batcher.Entry<VideoFrame> e : batch) {
                results.add(new FrameResult(e.streamId(), e.frame().sequence(), e.frame().ptsNanos(), 0, 0, List.of()));
            }
            // The "device" reads the frames, then they go back (as the GPU path releases them after preprocessing).
            List<VideoFrame> frames = batch.stream().map(Batcher.Entry::frame).toList();
            long readyAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delayMs - (number % 3) * delayMs / 3);
            return new InFlight() {
                final AtomicBoolean done = new AtomicBoolean();

                public List<FrameResult> await() {
                    awaitThreads.add(Thread.currentThread().getName());
                    try {
                        CountDownLatch h = hold;
                        if (h != null && !h.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("never released");
                        long wait = readyAt - System.nanoTime();
                        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        frames.forEach(VideoFrame::close);
                    }
                    if (failEvery > 0 && number % failEvery == 0) {
                        failed.incrementAndGet();
                        throw new IllegalStateException("batch " + number + " failed on purpose");
                    }
                    return results;
                }

                public CudaStream stream() { return null; }

                public void close() {
                    if (done.compareAndSet(false, true)) {
                        closedBatches.incrementAndGet();
                        inFlight.decrementAndGet();
                        free.release();
                    }
                }
            };
        }

        public void close() {
            if (closedBatches.get() != submitted.get()) closedWithBatchesOpen.set(true);
            closed.set(true);
        }
    }

    @Test
    void resultsComeInOrderFromTheResultsThreadWithTheSlotsInUseAndFailuresCounted() throws Exception {
        SlowSlots det = new SlowSlots(3, 60, 7);
        Map<String, List<Long>> seen = new ConcurrentHashMap<>();
        List<String> listenerThreads = new CopyOnWriteArrayList<>();
        CountDownLatch hold = new CountDownLatch(1);
        det.hold = hold; // the first batch's results are held back: the batch thread must go on submitting
        AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0), det);
        try {
            s.addListener(r -> {
                listenerThreads.add(Thread.currentThread().getName());
                seen.computeIfAbsent(r.streamId(), k -> new CopyOnWriteArrayList<>()).add(r.frameNumber());
            });
            s.addSource(SourceSpec.parse("a=synthetic:160x120@30", "x"));
            s.addSource(SourceSpec.parse("b=synthetic:160x120@30", "x"));
            await("3 batches in flight while the first is held", Duration.ofSeconds(60), () -> det.inFlight.get() == 3);
            assertEquals(0, s.batches(), "nothing can have been delivered while the first batch is held");
            det.hold = null;
            hold.countDown();
            await("batches delivered and some failed", Duration.ofSeconds(60), () -> s.batches() >= 20 && s.failedBatches() >= 2);
        } finally {
            s.close();
        }
        assertEquals(3, det.maxInFlight.get(), "at most the detector's 3 slots in flight");
        assertTrue(listenerThreads.stream().allMatch("results"::equals), "listeners ran on " + new java.util.TreeSet<>(listenerThreads));
        assertTrue(det.awaitThreads.stream().allMatch("results"::equals), "awaited on " + new java.util.TreeSet<>(det.awaitThreads));
        for (Map.Entry<String, List<Long>> e : seen.entrySet()) {
            List<Long> seq = e.getValue();
            for (int i = 1; i < seq.size(); i++) {
                assertTrue(seq.get(i) > seq.get(i - 1), "stream " + e.getKey() + ": frame " + seq.get(i) + " handed on after " + seq.get(i - 1));
            }
        }
        assertEquals(det.failed.get(), s.failedBatches(), "failed batches counted by the service");
        assertEquals(det.submitted.get(), s.batches() + s.failedBatches(), "every submitted batch delivered or counted as failed");
        assertTrue(det.closed.get(), "close() returned without closing the detector");
        assertFalse(det.closedWithBatchesOpen.get(), "the detector was closed with batches not yet finished with");
        assertEquals(0, s.batchesInFlight());
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }

    @Test
    void aBatchStuckInAwaitPastTheGraceKeepsTheDetectorOpenUntilItReturns() throws Exception {
        SlowSlots det = new SlowSlots(2, 5, 0);
        AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0)
                .withShutdownGrace(Duration.ofMillis(300)), det);
        CountDownLatch hold = new CountDownLatch(1);
        try {
            s.addSource(SourceSpec.parse("a=synthetic:160x120@30", "x"));
            await("batches", Duration.ofSeconds(60), () -> s.batches() >= 3);
            det.hold = hold;
            await("a batch stuck", Duration.ofSeconds(30), () -> det.inFlight.get() == 2);
            s.close(); // returns after the grace with the results thread stuck in await
            assertFalse(det.closed.get(), "close() freed the detector under a batch being awaited");
        } finally {
            hold.countDown();
            s.close();
        }
        await("the detector closed once the stuck batches were finished", Duration.ofSeconds(30), det.closed::get);
        assertFalse(det.closedWithBatchesOpen.get(), "the detector was closed with batches not yet finished with");
        await("every frame released", Duration.ofSeconds(10), () -> StreamPipeline.liveSamples() == 0);
    }
}
