package dev.vahost.pipelines.source;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The pacer's bookkeeping (its timing is PacingTest's): the interval it takes and when it re-anchors. */
class PacerTest {
    static final long MS = 1_000_000L;

    @Test
    void intervalsComeFromTimestampsAndSurviveJumps() {
        Pacer p = new Pacer();
        assertEquals(Pacer.NOMINAL_INTERVAL, p.interval(), "before any frame: 30 fps");
        for (int i = 0; i < 5; i++) p.await(i * 2 * MS);
        assertEquals(2 * MS, p.interval());
        p.await(0); // a loop boundary: timestamps start over
        assertEquals(2 * MS, p.interval(), "a jump back keeps the last interval");
        p.await(5_000 * MS); // a jump forward of seconds
        assertEquals(2 * MS, p.interval(), "a jump beyond 1 s keeps the last interval");
        p.await(-1); // no timestamp
        assertEquals(2 * MS, p.interval());
        assertEquals(0, p.reanchors(), "never behind so far");
    }

    @Test
    void aStreamBehindByMoreThanTwoIntervalsGoesOnFromWhereItIs() throws Exception {
        Pacer p = new Pacer();
        p.await(0);
        p.await(5 * MS);
        Thread.sleep(50); // ten intervals behind
        p.await(10 * MS);
        assertEquals(1, p.reanchors());
        p.await(15 * MS); // due one interval after the re-anchor: waits, no second re-anchor
        assertEquals(1, p.reanchors());
    }
}
