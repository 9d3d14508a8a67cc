package dev.vahost.pipelines.perf;

import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Percentiles from the fine buckets against exact percentiles of the same samples (sorted). */
class LatencyRecorderTest {
    @Test
    void percentilesAreWithinOneBucketAboveTheExactOnes() {
        LatencyRecorder r = new LatencyRecorder();
        r.addStream("a");
        Random rnd = new Random(3);
        int n = 20_000;
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            ms[i] = 5 + Math.exp(rnd.nextGaussian()) * 20; // a long right tail, like queueing delays
            r.record("a", (long) (ms[i] * 1e6));
        }
        java.util.Arrays.sort(ms);
        LatencyRecorder.Percentiles p = r.percentiles("a");
        assertEquals(n, p.count());
        check("p50", ms[(int) Math.ceil(0.50 * n) - 1], p.p50Ms());
        check("p95", ms[(int) Math.ceil(0.95 * n) - 1], p.p95Ms());
        check("p99", ms[(int) Math.ceil(0.99 * n) - 1], p.p99Ms());
        assertEquals(ms[n - 1], p.maxMs(), 0.001 + 1e-3, "max to the microsecond");
    }

    private static void check(String what, double exact, double got) {
        assertTrue(got >= exact - 1e-6 && got <= exact * 1.04 + 1e-6, what + ": exact " + exact + " ms, reported " + got + " ms");
    }

    @Test
    void streamsAreApartAndRemovedOnesIgnored() {
        LatencyRecorder r = new LatencyRecorder();
        r.addStream("a");
        r.addStream("b");
        r.record("a", 10_000_000);
        r.record("b", 200_000_000);
        r.record("gone", 1);
        assertTrue(r.percentiles("a").p99Ms() < 11);
        assertTrue(r.percentiles("b").p50Ms() >= 200);
        r.removeStream("b");
        assertEquals(0, r.percentiles("b").count());
        assertTrue(Double.isNaN(r.percentiles("b").p50Ms()));
        r.record("b", 5); // after removal: ignored, no failure
        assertEquals(1, r.histogram().collect().getDataPoints().size(), "b's series left /metrics");
    }
}
