package dev.vahost.pipelines.source;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * Paces a file played as a live camera: each frame is handed on one frame interval after the one
 * before it (the interval from the frames' presentation timestamps; the last good one across a loop
 * boundary or another jump), waiting on the stream's own thread, so that the decoder upstream is held
 * back as a camera would hold it. A stream that falls behind by more than two intervals (a decoder
 * slow to start, NVDEC saturated for a moment) continues at its rate from where it is instead of
 * catching up: GStreamer's clocksync, used before, let late frames through at once, and a stream late
 * by seconds then decoded at the decoder's full speed, taking decoder time from every other stream.
 *
 * <p>One per run of a pipeline; called from its pull thread only.
 */
final class Pacer {
    static final long NOMINAL_INTERVAL = 1_000_000_000L / 30;
    private static final long MAX_INTERVAL = 1_000_000_000L;

    private final LongSupplier clock;
    private final LongConsumer sleep;
    private long interval = NOMINAL_INTERVAL;
    private long lastPts = Long.MIN_VALUE;
    private long due;
    private long reanchors;

    /** On {@code System.nanoTime()}, waiting with parkNanos. */
    Pacer() {
        this(System::nanoTime, Pacer::park);
    }

    /** On {@code clock} (nanoseconds), waiting with {@code sleep} (nanoseconds; may return early). */
    Pacer(LongSupplier clock, LongConsumer sleep) {
        this.clock = clock;
        this.sleep = sleep;
    }

    private static void park(long nanos) {
        LockSupport.parkNanos(nanos);
    }

    /**
     * Waits until the frame with presentation time {@code ptsNanos} (negative: none) is due, as seen on
     * the pacer's clock; returns at once for the first frame and for a late one.
     */
    void await(long ptsNanos) {
        long now = clock.getAsLong();
        if (lastPts == Long.MIN_VALUE) {
            due = now;
        } else {
            long d = ptsNanos - lastPts;
            if (ptsNanos >= 0 && lastPts >= 0 && d > 0 && d <= MAX_INTERVAL) interval = d;
            due += interval;
            if (now - due > 2 * interval) {
                due = now; // fell behind: go on from here, at the stream's rate
                reanchors++;
            }
        }
        lastPts = ptsNanos;
        for (long wait = due - clock.getAsLong(); wait > 0; wait = due - clock.getAsLong()) {
            sleep.accept(wait);
            if (Thread.currentThread().isInterrupted()) return;
        }
    }

    /** Times the stream fell behind by more than two intervals and went on from where it was. */
    long reanchors() {
        return reanchors;
    }

    /** The interval used for the last frame, in nanoseconds. */
    long interval() {
        return interval;
    }
}
