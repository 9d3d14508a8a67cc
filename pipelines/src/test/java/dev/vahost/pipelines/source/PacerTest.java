package dev.vahost.pipelines.source;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pacer on a clock of the test's own (sleeping advances it), so nothing depends on the machine's
 * timing: when each frame is due, the interval it takes, and when it goes on without catching up.
 * (Its behaviour in a real pipeline, on the real clock, is PacingTest's.)
 */
class PacerTest {
    static final long MS = 1_000_000L;

    /** A clock that only moves when the pacer sleeps or the test says so. */
    static final class FakeClock {
        long now = 1_000 * MS;
        long slept;
    }

    static Pacer pacer(FakeClock c) {
        return new Pacer(() -> c.now, d -> {
            c.now += d;
            c.slept += d;
        });
    }

    @Test
    void framesAreDueOneIntervalApartAndIntervalsSurviveJumps() {
        FakeClock c = new FakeClock();
        Pacer p = pacer(c);
        assertEquals(Pacer.NOMINAL_INTERVAL, p.interval(), "before any frame: 30 fps");
        long start = c.now;
        for (int i = 0; i < 5; i++) p.await(i * 2 * MS);
        assertEquals(2 * MS, p.interval());
        assertEquals(start + 4 * 2 * MS, c.now, "frames 0..4 handed on 2 ms apart");
        assertEquals(8 * MS, c.slept, "the pacer waited for each");
        p.await(0); // a loop boundary: timestamps start over
        assertEquals(2 * MS, p.interval(), "a jump back keeps the last interval");
        assertEquals(start + 5 * 2 * MS, c.now);
        p.await(5_000 * MS); // a jump forward of seconds
        assertEquals(2 * MS, p.interval(), "a jump beyond 1 s keeps the last interval");
        p.await(-1); // no timestamp
        assertEquals(2 * MS, p.interval());
        assertEquals(start + 7 * 2 * MS, c.now);
        assertEquals(0, p.reanchors(), "never behind");
    }

    @Test
    void aStreamBehindByMoreThanTwoIntervalsGoesOnFromWhereItIs() {
        FakeClock c = new FakeClock();
        Pacer p = pacer(c);
        p.await(0);
        p.await(5 * MS);
        c.now += 2 * 5 * MS; // the next frame is then one interval late: within two, it keeps its timeline
        p.await(10 * MS);
        assertEquals(0, p.reanchors());
        c.now += 50 * MS; // ten intervals behind
        long behind = c.now;
        p.await(15 * MS);
        assertEquals(1, p.reanchors());
        assertEquals(behind, c.now, "handed on at once");
        p.await(20 * MS); // due one interval after the re-anchor: waits for it, no burst
        assertEquals(behind + 5 * MS, c.now);
        assertEquals(1, p.reanchors());
    }
}
