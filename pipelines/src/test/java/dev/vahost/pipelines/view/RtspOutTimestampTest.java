package dev.vahost.pipelines.view;

import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link RtspServer#timestamp}: the presentation time given to each annotated picture. Table-driven
 * (times in ms, the function takes ns), then a property over a random run: always increasing, never
 * in the past, never more than {@link RtspServer#MAX_LEAD_NANOS} ahead, and a batch's consecutive frames
 * keep their camera interval. Not covered: what the server's sinks and the client do with the times
 * (RtspOutTest plays them).
 */
class RtspOutTimestampTest {
    static final long MS = 1_000_000L;

    static Stream<Arguments> cases() {
        return Stream.of(
                // name, now, cameraPts, lastNow, lastPts, lastCameraPts, expected (ms)
                Arguments.of("the first picture of a media: now", 500, 9_000, -1, -1, -1, 500),
                Arguments.of("a picture at its camera interval: on arrival", 566, 9_066, 500, 500, 9_000, 566),
                Arguments.of("a late one: on arrival, not at its camera time", 640, 9_066, 500, 500, 9_000, 640),
                Arguments.of("the second frame of a batch, 5 ms after the first: camera interval", 505, 9_066, 500, 500, 9_000, 566),
                Arguments.of("third of a batch (at 30 fps): camera interval after the second", 506, 9_066, 505, 533, 9_033, 566),
                Arguments.of("a long burst is squeezed at 200 ms ahead", 510, 9_300, 509, 690, 9_233, 710),
                Arguments.of("beyond the lead already: 1 ms after the one before", 510, 9_300, 509, 720, 9_233, 721),
                Arguments.of("frames skipped (detector behind), arrives 400 ms later: on arrival", 900, 10_000, 500, 500, 9_000, 900),
                Arguments.of("30 ms after the one before, 66 ms camera interval: a burst", 530, 9_066, 500, 500, 9_000, 566),
                Arguments.of("60 ms after, 200 ms camera interval: not a burst (over 50 ms)", 560, 9_200, 500, 500, 9_000, 560),
                Arguments.of("the camera looped (pts back): on arrival", 566, 10, 500, 500, 9_933, 566),
                Arguments.of("a camera jump over 1 s: on arrival", 505, 11_000, 500, 500, 9_000, 505),
                Arguments.of("unknown camera time: on arrival", 505, -1, 500, 500, 9_000, 505),
                Arguments.of("arrival before the last stamp (after a burst): 1 ms after it", 520, 9_400, 450, 566, 9_000, 567),
                Arguments.of("never negative (running time just started)", -3, 0, -1, -1, -1, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void stamps(String name, long now, long cameraPts, long lastNow, long lastPts, long lastCameraPts, long expected) {
        long ns = RtspServer.timestamp(now * MS, cameraPts < 0 ? -1 : cameraPts * MS, lastNow < 0 ? -1 : lastNow * MS,
                lastPts < 0 ? -1 : lastPts * MS, lastCameraPts < 0 ? -1 : lastCameraPts * MS);
        assertEquals(expected * MS, ns, name);
    }

    /**
     * A 15-fps camera whose frames arrive two at a time every 200-1000 ms (a detector behind it), with
     * 0-8 ms between the two, and now and then a loop of the camera: the stamps increase, are never
     * before arrival nor more than 200 ms after it, and the second of each pair keeps its 66.7 ms.
     */
    @Test
    void aRunOfBatchesKeepsTheCameraIntervalWithinEachAndNeverGoesBackward() {
        Random r = new Random(7);
        long now = 0, cam = 0, lastNow = -1, lastPts = -1, lastCam = -1, frame = 1_000_000_000L / 15;
        int pairs = 0, spread = 0;
        for (int i = 0; i < 500; i++) {
            now += (200 + r.nextInt(800)) * MS;
            cam = r.nextInt(20) == 0 ? 0 : cam + (3 + r.nextInt(12)) * frame; // skipped frames; sometimes the loop starts again
            for (int k = 0; k < 2; k++) {
                long t = now + (k == 0 ? 0 : r.nextInt(9) * MS), c = cam + k * frame;
                long pts = RtspServer.timestamp(t, c, lastNow, lastPts, lastCam);
                assertTrue(pts > lastPts, "increasing: " + pts + " after " + lastPts);
                assertTrue(pts >= t, "not before arrival: " + pts + " < " + t);
                assertTrue(pts - t <= RtspServer.MAX_LEAD_NANOS, "at most 200 ms ahead: " + (pts - t));
                if (k == 1) {
                    pairs++;
                    if (pts - lastPts == frame) spread++;
                }
                lastNow = t;
                lastPts = pts;
                lastCam = c;
            }
        }
        assertEquals(pairs, spread, "every pair's second frame one camera interval after the first");
    }
}
