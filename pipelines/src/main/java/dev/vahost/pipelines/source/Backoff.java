package dev.vahost.pipelines.source;

import java.time.Duration;

/**
 * How long a source waits before its next attempt after consecutive failures: {@code initial},
 * doubling per failure up to {@code max}; back to {@code initial} once a run has delivered frames
 * for {@code healthyAfter} (a camera that connects, sends one frame and dies again keeps backing off).
 *
 * @param initial      the delay after the first failure
 * @param max          the cap
 * @param healthyAfter how long a run must deliver frames before the next failure starts again at {@code initial}
 */
public record Backoff(Duration initial, Duration max, Duration healthyAfter) {
    public Backoff {
        if (initial == null || initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("back-off initial delay must be positive, got " + initial);
        }
        if (max == null || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("back-off cap " + max + " must be >= the initial delay " + initial);
        }
        if (healthyAfter == null || healthyAfter.isNegative()) {
            throw new IllegalArgumentException("back-off healthy period must be >= 0, got " + healthyAfter);
        }
    }

    /** 0.5 s doubling to 30 s, reset after 10 s of frames. */
    public static Backoff defaults() {
        return new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), Duration.ofSeconds(10));
    }

    /** The delay before the attempt that follows the {@code failures}-th consecutive failure (1-based). */
    public Duration delay(int failures) {
        if (failures < 1) throw new IllegalArgumentException("failures must be >= 1, got " + failures);
        long ms = initial.toMillis();
        long cap = max.toMillis();
        for (int i = 1; i < failures && ms < cap; i++) ms *= 2;
        return Duration.ofMillis(Math.min(ms, cap));
    }
}
