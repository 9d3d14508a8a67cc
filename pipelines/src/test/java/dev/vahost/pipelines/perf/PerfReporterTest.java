package dev.vahost.pipelines.perf;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PerfReporterTest {
    @Test
    void windowedAndAverageFpsPerStreamOnAControlledClock() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        PerfReporter p = new PerfReporter(now::get);
        p.addStream("a");
        p.addStream("b");
        p.frame("a"); // first frame of a at t=1 s
        for (int i = 0; i < 149; i++) p.frame("a");
        now.addAndGet(5_000_000_000L); // 150 frames in 5 s
        List<PerfReporter.StreamFps> s1 = p.sample();
        assertEquals(30.0, s1.get(0).fps(), 1e-9);
        assertEquals(30.0, s1.get(0).avgFps(), 1e-9);
        assertEquals(0.0, s1.get(1).fps(), "a stream with no frame yet reports 0");
        for (int i = 0; i < 50; i++) p.frame("a"); // slows to 10 fps
        now.addAndGet(5_000_000_000L);
        List<PerfReporter.StreamFps> s2 = p.sample();
        assertEquals(10.0, s2.get(0).fps(), 1e-9);
        assertEquals(20.0, s2.get(0).avgFps(), 1e-9);
        assertEquals(200, s2.get(0).frames());
    }

    @Test
    void deepStreamFormat() {
        String s = PerfReporter.format(List.of(new PerfReporter.StreamFps("x", 29.974, 29.851, 5), new PerfReporter.StreamFps("y", 30, 30, 5)));
        assertTrue(s.contains("**PERF:  FPS 0 (Avg)\tFPS 1 (Avg)\t\n"), s);
        assertTrue(s.contains("**PERF:  29.97 (29.85)\t30.00 (30.00)\t\n"), s);
        assertTrue(s.contains("0=x, 1=y"), s);
    }
}
