package dev.vahost.pipelines.source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.FrameListener;
import dev.vahost.gst.PipelineOptions;
import dev.vahost.gst.StreamPipeline;

import static dev.vahost.gst.Await.until;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A source on its own (no service): the locking between the pull thread and the lifecycle, and
 * the back-off between failed attempts. The launch strings are videotestsrc; the spec only says
 * the source is live (an rtsp:// URL nothing listens on is never opened: the factory decides).
 */
class StreamSourceTest {
    static final String LIVE_TEST = "videotestsrc is-live=true ! video/x-raw,width=32,height=32,framerate=30/1 ! appsink name=sink";
    static final SourceSpec LIVE = SourceSpec.parse("cam=rtsp://127.0.0.1:9/never-opened", "x");

    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "test-source-timer");
        t.setDaemon(true);
        return t;
    });
    private final List<StreamSource> sources = new ArrayList<>();

    @AfterEach
    void tearDown() {
        sources.forEach(StreamSource::close);
        timer.shutdownNow();
        until("every frame released", Duration.ofSeconds(10), () -> StreamPipeline.liveSamples() == 0);
    }

    private StreamSource source(StreamSource.Factory factory, FrameListener frames, Duration interval, Backoff backoff) {
        StreamSource s = new StreamSource(LIVE, LIVE_TEST, PipelineOptions.defaults(), factory, frames, timer, interval, -1,
                backoff, false, id -> {});
        sources.add(s);
        return s;
    }

    private static StreamSource.Factory real() {
        return StreamPipeline::fromLaunch;
    }

    /** Whether {@code t} is waiting in StreamPipeline's join of a pull thread. */
    static boolean joiningPuller(Thread t) {
        if (t == null || t.getState() != Thread.State.TIMED_WAITING) return false;
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getMethodName().equals("joinPuller")) return true;
        }
        return false;
    }

    static Thread threadJoiningPuller() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (joiningPuller(t)) return t;
        }
        return null;
    }

    /**
     * The pull thread fails its stream (what the service does with a frame the detector cannot use)
     * while close() holds the source's monitor and joins that thread. Before the fix, fail() waited
     * for the monitor: the join ran into its 10 s timeout and fail() returned only after close().
     * Now fail() returns while close() is still waiting for the pull thread, which is deterministic:
     * close() cannot leave the join before the pull thread (this listener) returns.
     */
    @Test
    void failFromThePullThreadDoesNotWaitForACloseThatJoinsIt() throws Exception {
        AtomicReference<Thread> closer = new AtomicReference<>();
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<Boolean> closerStillJoining = new AtomicReference<>();
        StreamSource[] self = new StreamSource[1];
        java.util.concurrent.CountDownLatch firstFrame = new java.util.concurrent.CountDownLatch(1);
        self[0] = source(real(), f -> {
            f.close();
            if (!first.getAndSet(false)) return;
            firstFrame.countDown();
            until("close() to join this pull thread", Duration.ofSeconds(30), () -> joiningPuller(closer.get()));
            self[0].fail("test", "a frame the consumer cannot use, on purpose");
            closerStillJoining.set(joiningPuller(closer.get()));
        }, Duration.ofSeconds(30), Backoff.defaults());
        self[0].start();
        assertTrue(firstFrame.await(30, java.util.concurrent.TimeUnit.SECONDS));
        Thread t = new Thread(self[0]::close, "test-closer");
        closer.set(t);
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive());
        assertEquals(Boolean.TRUE, closerStillJoining.get(),
                "fail() on the pull thread returned only after close() had given up joining that thread");
        assertEquals(StreamSource.State.STOPPED, self[0].state());
    }

    /** The same with the watchdog: it resets a silent live source under the monitor and joins its pull thread. */
    @Test
    void failFromThePullThreadDoesNotWaitForAWatchdogResetThatJoinsIt() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        AtomicReference<Boolean> watchdogStillJoining = new AtomicReference<>();
        StreamSource[] self = new StreamSource[1];
        self[0] = source(real(), f -> {
            f.close();
            if (!first.getAndSet(false)) return;
            // Hold the pull thread: no frame comes, so the watchdog resets the source after 300 ms.
            until("the watchdog to join this pull thread", Duration.ofSeconds(30), () -> threadJoiningPuller() != null);
            Thread watchdog = threadJoiningPuller();
            assertTrue(watchdog.getName().startsWith("test-source-timer"), watchdog.getName());
            self[0].fail("test", "a frame the consumer cannot use, on purpose");
            watchdogStillJoining.set(joiningPuller(watchdog));
        }, Duration.ofMillis(300), Backoff.defaults());
        self[0].start();
        until("the listener to have run", Duration.ofSeconds(60), () -> watchdogStillJoining.get() != null);
        assertEquals(Boolean.TRUE, watchdogStillJoining.get(),
                "fail() on the pull thread returned only after the watchdog had given up joining that thread");
        until("the reset to be counted", Duration.ofSeconds(30), () -> self[0].lastError() != null);
    }

    /**
     * A live source whose every attempt fails at once (the tightest loop possible): the attempts
     * are spaced by at least the back-off, 50 ms doubling to 400 ms here, and so are few.
     */
    @Test
    void aSourceThatAlwaysFailsBacksOffExponentiallyToTheCap() throws Exception {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(10));
        List<Long> attempts = new CopyOnWriteArrayList<>();
        StreamSource s = source((id, launch, o) -> {
            attempts.add(System.nanoTime());
            throw new IllegalStateException("camera unreachable, on purpose");
        }, f -> f.close(), Duration.ofSeconds(30), b);
        long start = System.nanoTime();
        s.start();
        until("8 attempts", Duration.ofSeconds(30), () -> attempts.size() >= 8);
        Thread.sleep(1000); // a window in which a tight loop would make thousands of attempts
        List<Long> t = List.copyOf(attempts);
        long window = t.get(t.size() - 1) - start;
        // The most attempts the back-off allows in that window: 1 + how many delays fit in it.
        int allowed = 1;
        long sum = 0;
        for (int k = 1; ; k++) {
            sum += b.delay(k).toNanos();
            if (sum > window) break;
            allowed++;
        }
        System.out.printf("always-failing source: %d attempts in %d ms (back-off allows at most %d)%n", t.size(),
                window / 1_000_000, allowed);
        assertTrue(t.size() <= allowed, t.size() + " attempts in " + window / 1_000_000 + " ms, back-off allows " + allowed);
        for (int k = 1; k < t.size(); k++) {
            long gap = t.get(k) - t.get(k - 1);
            assertTrue(gap >= b.delay(k).toNanos(), "attempt " + (k + 1) + " came " + gap / 1_000_000
                    + " ms after the previous one, its back-off is " + b.delay(k).toMillis() + " ms");
        }
        assertEquals(Duration.ofMillis(400), s.lastBackoff());
        assertEquals(StreamSource.State.RECONNECTING, s.state());
        assertEquals("camera unreachable, on purpose", s.lastError());
    }

    /**
     * The back-off starts again from the initial delay after a run that delivered frames for the
     * healthy period, and not after a run that delivered a frame or two and died.
     */
    @Test
    void theBackoffResetsAfterAHealthyRunOnly() throws Exception {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofMillis(300));
        AtomicInteger n = new AtomicInteger();
        List<Duration> waited = new CopyOnWriteArrayList<>(); // the back-off before each attempt
        StreamSource[] self = new StreamSource[1];
        self[0] = source((id, launch, o) -> {
            int attempt = n.incrementAndGet();
            waited.add(self[0].lastBackoff() == null ? Duration.ZERO : self[0].lastBackoff());
            return switch (attempt) {
                // A camera that sends 2 frames (~33 ms) and ends: not healthy.
                case 4 -> StreamPipeline.fromLaunch(id, launch.replace("is-live=true", "is-live=true num-buffers=2"), o);
                // 20 frames at 30 fps: ~633 ms of frames, longer than the 300 ms healthy period.
                case 5 -> StreamPipeline.fromLaunch(id, launch.replace("is-live=true", "is-live=true num-buffers=20"), o);
                default -> throw new IllegalStateException("camera unreachable, on purpose");
            };
        }, f -> f.close(), Duration.ofSeconds(30), b);
        self[0].start();
        until("8 attempts", Duration.ofSeconds(60), () -> n.get() >= 8);
        List<Long> ms = waited.subList(0, 8).stream().map(Duration::toMillis).toList();
        // attempt:            1  2   3    4    5    6   7    8
        assertEquals(List.of(0L, 50L, 100L, 200L, 400L, 50L, 100L, 200L), ms, "back-off before each attempt");
        assertTrue(self[0].frames() >= 22, "frames " + self[0].frames());
    }
}
