package dev.vahost.postprocess;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Exact comparison of two batches' results (floats by ==, so -0 equals +0). */
final class Checks {
    private Checks() {}

    static void assertSameResults(BatchDetections expected, BatchDetections actual, String what) {
        assertEquals(expected.images(), actual.images(), what + ": images");
        for (int b = 0; b < expected.images(); b++) {
            assertEquals(expected.problem(b), actual.problem(b), what + ": problem of image " + b);
            assertEquals(expected.candidatesAboveThreshold(b), actual.candidatesAboveThreshold(b),
                    what + ": candidates above threshold, image " + b);
            if (expected.problem(b).isPresent()) continue;
            assertSameDetections(expected.detections(b), actual.detections(b), what + ", image " + b);
        }
    }

    static void assertSameDetections(List<Detection> e, List<Detection> a, String what) {
        int n = Math.min(e.size(), a.size());
        for (int i = 0; i < n; i++) {
            Detection x = e.get(i), y = a.get(i);
            if (x.candidate() != y.candidate() || x.classId() != y.classId() || x.score() != y.score() || x.x1() != y.x1()
                    || x.y1() != y.y1() || x.x2() != y.x2() || x.y2() != y.y2()) {
                fail(what + ": detection " + i + " of " + e.size() + " differs: expected " + x + ", got " + y);
            }
        }
        assertEquals(e.size(), a.size(), what + ": number of detections");
    }
}
