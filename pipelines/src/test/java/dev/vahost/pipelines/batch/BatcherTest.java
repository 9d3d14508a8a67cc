package dev.vahost.pipelines.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.Await;

import static org.junit.jupiter.api.Assertions.*;

class BatcherTest {
    record TF(String stream, long pts, int width, int height) {}

    final AtomicInteger released = new AtomicInteger();
    final List<List<Batcher.Entry<TF>>> batches = new CopyOnWriteArrayList<>();
    final List<Long> batchTimes = new CopyOnWriteArrayList<>();
    Batcher<TF> batcher;

    final Batcher.Frames<TF> frames = new Batcher.Frames<>() {
        @Override
        public long ptsNanos(TF f) {
            return f.pts();
        }

        @Override
        public void release(TF f) {
            released.incrementAndGet();
        }
    };

    Batcher<TF> batcher(int size, long timeoutMs, int capacity, double fps, Batcher.Sink<TF> sink) {
        batcher = new Batcher<>(new Batcher.Config(size, Duration.ofMillis(timeoutMs), capacity, fps), frames, sink);
        return batcher;
    }

    Batcher.Sink<TF> recording() {
        return b -> {
            batchTimes.add(System.nanoTime());
            batches.add(b);
        };
    }

    @AfterEach
    void close() {
        if (batcher != null) batcher.close();
    }

    static TF f(String s, long i) {
        return new TF(s, i * 33_333_333L, 640, 480);
    }

    /** Waits (generously: a slow machine is no failure) until the sink has seen n batches. */
    void await(int n) {
        Await.until(n + " batches (have " + batches.size() + ")", Duration.ofSeconds(30), () -> batches.size() >= n);
    }

    @Test
    void fullBatchIsPushedAtOnceNotAfterTheTimeout() {
        // A push timeout of an hour: the batch arrives within the wait only if being full pushes it.
        Batcher<TF> b = batcher(4, 3_600_000, 4, 0, recording());
        for (String s : List.of("a", "b", "c", "d")) b.addStream(s);
        b.start();
        for (String s : List.of("a", "b", "c", "d")) b.offer(s, f(s, 0));
        await(1);
        assertEquals(4, batches.get(0).size());
    }

    @Test
    void partialBatchIsPushedWhenTheTimeoutFromItsFirstFrameExpires() throws Exception {
        long timeout = 1_000_000_000L;
        Batcher<TF> b = batcher(8, timeout / 1_000_000, 8, 0, recording());
        b.addStream("a");
        b.addStream("b");
        b.start();
        Thread.sleep(timeout * 3 / 2 / 1_000_000); // longer than the timeout with nothing queued: must not count
        long t0 = System.nanoTime();
        b.offer("a", f("a", 0));
        b.offer("b", f("b", 0));
        // More frames, one every quarter timeout, until the batch comes: a timer restarted by each new
        // frame would never expire and the batch would only come full (8). Fewer than 8 are offered
        // within the timeout after the first, however slow the machine (the sleeps only lengthen).
        for (int i = 1; i <= 3 && batches.isEmpty(); i++) {
            Thread.sleep(timeout / 4 / 1_000_000);
            if (batches.isEmpty()) b.offer("a", f("a", i));
            Thread.sleep(timeout / 4 / 1_000_000);
            if (batches.isEmpty()) b.offer("b", f("b", i));
        }
        await(1);
        List<String> first = batches.get(0).stream().map(e -> e.streamId() + e.frame().pts()).toList();
        assertTrue(first.size() < 8, "pushed only when full: " + first);
        assertTrue(first.containsAll(List.of("a0", "b0")), "the two frames offered together: " + first);
        // Not a speed check: the batcher's deadline is its first frame's arrival + timeout on the same
        // monotonic clock, after t0, so no correct batcher pushes earlier however the machine runs.
        long waited = batchTimes.get(0) - t0;
        assertTrue(waited >= timeout, "pushed " + waited / 1e6 + " ms after its first frame, before the timeout"
                + " (idle time before the first frame counted?)");
    }

    @Test
    void roundRobinTakesOneFramePerStreamPerRoundAndRotates() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Batcher<TF> b = batcher(3, 1, 16, 0, batch -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            batches.add(batch);
        });
        for (String s : List.of("a", "b", "c")) b.addStream(s);
        // Stream a floods first; b and c come later: a must not take whole batches.
        for (int i = 0; i < 6; i++) b.offer("a", f("a", i));
        for (int i = 0; i < 6; i++) b.offer("b", f("b", i));
        for (int i = 0; i < 6; i++) b.offer("c", f("c", i));
        b.start();
        go.countDown();
        await(6);
        for (int i = 0; i < 6; i++) {
            List<String> streams = batches.get(i).stream().map(Batcher.Entry::streamId).sorted().toList();
            assertEquals(List.of("a", "b", "c"), streams, "batch " + i);
        }
        // Frames of one stream stay in order.
        List<Long> aPts = new ArrayList<>();
        for (var batch : batches) for (var e : batch) if (e.streamId().equals("a")) aPts.add(e.frame().pts());
        assertEquals(List.of(0L, 33_333_333L, 66_666_666L, 99_999_999L, 133_333_332L, 166_666_665L), aPts);
    }

    @Test
    void rotationSharesSmallBatchesFairlyAmongManyStreams() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Batcher<TF> b = batcher(2, 1, 8, 0, batch -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            batches.add(batch);
        });
        for (String s : List.of("a", "b", "c")) b.addStream(s);
        for (int i = 0; i < 4; i++) for (String s : List.of("a", "b", "c")) b.offer(s, f(s, i));
        b.start();
        go.countDown();
        await(6);
        for (String s : List.of("a", "b", "c")) assertEquals(4, b.counts(s).batched(), s);
    }

    @Test
    void framesOfDifferentSizesShareABatch() throws Exception {
        Batcher<TF> b = batcher(3, 1000, 4, 0, recording());
        b.addStream("hd");
        b.addStream("sd");
        b.addStream("odd");
        b.start();
        b.offer("hd", new TF("hd", 0, 1920, 1080));
        b.offer("sd", new TF("sd", 0, 640, 480));
        b.offer("odd", new TF("odd", 0, 333, 97));
        await(1);
        assertEquals(List.of(1920, 640, 333), batches.get(0).stream().map(e -> e.frame().width()).sorted((x, y) -> y - x).toList());
    }

    @Test
    void whenTheConsumerFallsBehindTheOldestFramesAreDroppedCountedAndReleased() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Batcher<TF> b = batcher(1, 0, 2, 0, batch -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            batches.add(batch);
        });
        b.addStream("a");
        b.start();
        b.offer("a", f("a", 0)); // taken by the blocked sink
        Await.until("the first frame to be batched", Duration.ofSeconds(30), () -> b.counts("a").batched() == 1);
        for (int i = 1; i <= 6; i++) b.offer("a", f("a", i));
        Batcher.StreamCounts c = b.counts("a");
        assertEquals(7, c.offered());
        assertEquals(4, c.droppedQueueFull());
        assertEquals(2, c.queued());
        assertEquals(4, released.get());
        go.countDown();
        await(3);
        assertEquals(List.of(0L, 5 * 33_333_333L, 6 * 33_333_333L), batches.stream().map(x -> x.get(0).frame().pts()).toList());
    }

    @Test
    void frameRateCapDropsFramesThatComeTooFast() throws Exception {
        Batcher<TF> b = batcher(64, 50, 64, 10, recording());
        b.addStream("a");
        for (int i = 0; i < 30; i++) b.offer("a", f("a", i)); // one second of 30 fps
        Batcher.StreamCounts c = b.counts("a");
        assertEquals(30, c.offered());
        assertEquals(10, c.queued(), "10 fps cap over 1 s of 30 fps");
        assertEquals(20, c.droppedRateCap());
        assertEquals(20, released.get());
    }

    @Test
    void endOfOneStreamBatchesItsQueuedFramesThenRemovesItOthersContinue() throws Exception {
        Batcher<TF> b = batcher(4, 30, 8, 0, recording());
        b.addStream("ends");
        b.addStream("goes-on");
        b.offer("ends", f("ends", 0));
        b.offer("ends", f("ends", 1));
        b.endOfStream("ends");
        assertFalse(b.offer("ends", f("ends", 2)), "frames after EOS are refused");
        b.start();
        await(1);
        assertEquals(2, b.counts("ends").batched());
        assertEquals(List.of("goes-on"), b.streams());
        b.offer("goes-on", f("goes-on", 0));
        await(2);
        assertEquals("goes-on", batches.get(batches.size() - 1).get(0).streamId());
    }

    @Test
    void streamsAddedAndRemovedWhileRunning() throws Exception {
        Batcher<TF> b = batcher(2, 20, 8, 0, recording());
        b.addStream("a");
        b.start();
        b.offer("a", f("a", 0));
        await(1);
        b.addStream("late");
        b.offer("late", f("late", 0));
        await(2);
        assertEquals("late", batches.get(1).get(0).streamId());
        assertThrows(IllegalArgumentException.class, () -> b.addStream("late"));
        b.removeStream("late");
        assertFalse(b.offer("late", f("late", 1)));
        assertEquals(List.of("a"), b.streams());
        assertEquals(1, b.counts("late").batched());
    }

    @Test
    void closeReleasesEveryQueuedFrame() {
        Batcher<TF> b = batcher(8, 10_000, 8, 0, recording());
        b.addStream("a");
        for (int i = 0; i < 5; i++) b.offer("a", f("a", i));
        b.close();
        assertEquals(5, released.get());
        assertFalse(b.offer("a", f("a", 9)));
        assertEquals(6, released.get());
    }

    @Test
    void drainWaitsForTheBatchInTheSink() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        Batcher<TF> b = batcher(1, 0, 4, 0, batch -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        b.addStream("a");
        b.start();
        b.offer("a", f("a", 0));
        assertFalse(b.awaitDrained(Duration.ofMillis(100)));
        go.countDown();
        assertTrue(b.awaitDrained(Duration.ofSeconds(30)));
    }

    @Test
    void badConfigNamesTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Batcher.Config(0, Duration.ZERO, 1, 0))
                .getMessage().contains("got 0"));
        assertThrows(IllegalArgumentException.class, () -> new Batcher.Config(4, Duration.ofMillis(-1), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Batcher.Config(4, Duration.ZERO, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Batcher.Config(4, Duration.ZERO, 1, -2));
    }
}
