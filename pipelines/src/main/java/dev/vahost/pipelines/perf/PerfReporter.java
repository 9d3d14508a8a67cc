package dev.vahost.pipelines.perf;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Per-stream FPS the way DeepStream reports it: every interval, the windowed FPS of each stream
 * (frames processed in the interval / interval) and its average since its first frame, as a
 * {@code **PERF:} header and a line of {@code fps (avg)} values, tab-separated, in stream order.
 * Time comes from a monotonic clock (injectable for tests).
 */
public final class PerfReporter {
    private static final class Counter {
        final AtomicLong frames = new AtomicLong();
        long firstNanos = -1;
        long lastReportFrames;
        long lastReportNanos = -1;
        double lastFps, avgFps;
    }

    /** The figures of one stream at the last report. */
    public record StreamFps(String streamId, double fps, double avgFps, long frames) {}

    private final Map<String, Counter> counters = new LinkedHashMap<>();
    private final LongSupplier clock;

    public PerfReporter() {
        this(System::nanoTime);
    }

    public PerfReporter(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    public synchronized void addStream(String id) {
        counters.putIfAbsent(id, new Counter());
    }

    public synchronized void removeStream(String id) {
        counters.remove(id);
    }

    /** Counts one processed frame of {@code id} (cheap; any thread). */
    public void frame(String id) {
        Counter c;
        synchronized (this) {
            c = counters.get(id);
            if (c == null) return;
            if (c.firstNanos < 0) {
                c.firstNanos = clock.getAsLong();
                c.lastReportNanos = c.firstNanos;
            }
        }
        c.frames.incrementAndGet();
    }

    /** Closes the current window and returns every stream's figures. */
    public synchronized List<StreamFps> sample() {
        long now = clock.getAsLong();
        List<StreamFps> out = new ArrayList<>(counters.size());
        for (Map.Entry<String, Counter> e : counters.entrySet()) {
            Counter c = e.getValue();
            long f = c.frames.get();
            if (c.firstNanos >= 0) {
                double window = (now - c.lastReportNanos) / 1e9;
                // Before the first frame there is no window; a stream that started mid-window counts from its first frame.
                c.lastFps = window > 0 ? (f - c.lastReportFrames) / window : 0;
                double total = (now - c.firstNanos) / 1e9;
                c.avgFps = total > 0 ? f / total : 0;
                c.lastReportFrames = f;
                c.lastReportNanos = now;
            }
            out.add(new StreamFps(e.getKey(), c.lastFps, c.avgFps, f));
        }
        return out;
    }

    /** The last sampled figures, without closing a window. */
    public synchronized List<StreamFps> last() {
        List<StreamFps> out = new ArrayList<>(counters.size());
        counters.forEach((k, c) -> out.add(new StreamFps(k, c.lastFps, c.avgFps, c.frames.get())));
        return out;
    }

    /** DeepStream's format: {@code **PERF:  FPS 0 (Avg)\tFPS 1 (Avg)\t} then {@code **PERF:  29.97 (29.85)\t...}. */
    public static String format(List<StreamFps> s) {
        StringBuilder head = new StringBuilder("\n**PERF:  ");
        StringBuilder vals = new StringBuilder("**PERF:  ");
        for (int i = 0; i < s.size(); i++) {
            head.append("FPS ").append(i).append(" (Avg)\t");
            vals.append(String.format(Locale.ROOT, "%.2f (%.2f)\t", s.get(i).fps(), s.get(i).avgFps()));
        }
        StringBuilder names = new StringBuilder("**PERF:  streams: ");
        for (int i = 0; i < s.size(); i++) names.append(i).append('=').append(s.get(i).streamId()).append(i + 1 < s.size() ? ", " : "");
        return head.append('\n').append(vals).append('\n').append(names).toString();
    }
}
