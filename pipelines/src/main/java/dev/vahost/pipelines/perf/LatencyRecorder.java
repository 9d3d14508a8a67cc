package dev.vahost.pipelines.perf;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

import io.prometheus.metrics.core.metrics.Histogram;

/**
 * Per-stream latency of frames, from the moment a frame left its decoder (offered to the batcher)
 * to the moment its results were handed to the listeners. Two views of the same samples: the
 * Prometheus histogram {@code vahost_stream_latency_seconds{stream}} for /metrics, and fine
 * geometric buckets (4 % wide, 0.1 ms to ~100 s) from which p50/p95/p99 are read for the final
 * figures and /streams (a percentile is the upper bound of its bucket: at most 4 % high).
 * Thread-safe; recording allocates nothing.
 */
public final class LatencyRecorder {
    private static final double BASE_S = 1e-4, GROWTH = 1.04;
    private static final int BUCKETS = 1 + (int) Math.ceil(Math.log(1e6) / Math.log(GROWTH)); // up to 100 s
    private static final double LOG_GROWTH = Math.log(GROWTH);

    private final Histogram histogram = Histogram.builder().name("vahost_stream_latency_seconds")
            .help("Time from a frame leaving its decoder to its results being delivered").labelNames("stream")
            .classicOnly().classicUpperBounds(0.005, 0.01, 0.02, 0.033, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2, 5).build();
    private final Map<String, AtomicLongArray> fine = new ConcurrentHashMap<>();

    /** The percentiles of one stream, in milliseconds (NaN when it has no sample yet). */
    public record Percentiles(long count, double p50Ms, double p95Ms, double p99Ms, double maxMs) {}

    public void addStream(String id) {
        fine.put(id, new AtomicLongArray(BUCKETS + 1)); // last slot: the largest sample, in microseconds
        histogram.labelValues(id);
    }

    public void removeStream(String id) {
        fine.remove(id);
        histogram.remove(id);
    }

    /** One frame's latency; ignored for a stream that is not (or no longer) recorded. */
    public void record(String id, long nanos) {
        AtomicLongArray b = fine.get(id);
        if (b == null) return;
        double s = Math.max(0, nanos) * 1e-9;
        b.incrementAndGet(bucket(s));
        long us = nanos / 1000;
        for (long m = b.get(BUCKETS); us > m && !b.compareAndSet(BUCKETS, m, us); m = b.get(BUCKETS)) {
            // retry until the max holds
        }
        histogram.labelValues(id).observe(s);
    }

    static int bucket(double seconds) {
        if (seconds <= BASE_S) return 0;
        return Math.min(BUCKETS - 1, (int) Math.ceil(Math.log(seconds / BASE_S) / LOG_GROWTH));
    }

    /** The upper bound of bucket {@code i}, in seconds. */
    static double upper(int i) {
        return BASE_S * Math.pow(GROWTH, i);
    }

    public Percentiles percentiles(String id) {
        AtomicLongArray b = fine.get(id);
        if (b == null) return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        long[] c = new long[BUCKETS];
        long n = 0;
        for (int i = 0; i < BUCKETS; i++) n += c[i] = b.get(i);
        if (n == 0) return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        return new Percentiles(n, at(c, n, 0.50), at(c, n, 0.95), at(c, n, 0.99), b.get(BUCKETS) / 1e3);
    }

    private static double at(long[] c, long n, double q) {
        long rank = (long) Math.ceil(q * n), seen = 0;
        for (int i = 0; i < c.length; i++) {
            seen += c[i];
            if (seen >= Math.max(1, rank)) return upper(i) * 1e3;
        }
        return upper(c.length - 1) * 1e3;
    }

    /** Forgets the samples behind {@link #percentiles} (e.g. a benchmark's warm-up); /metrics keeps counting. */
    public void reset() {
        for (AtomicLongArray b : fine.values()) for (int i = 0; i < b.length(); i++) b.set(i, 0);
    }

    /** The Prometheus histogram (for a registry or a collector). */
    public Histogram histogram() {
        return histogram;
    }
}
