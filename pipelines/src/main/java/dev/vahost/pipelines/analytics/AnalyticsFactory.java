package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.MetaKey;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageBatch;
import dev.vahost.pipelines.stage.StageContext;
import dev.vahost.pipelines.stage.StageFactory;
import dev.vahost.pipelines.stage.StageFrame;

/**
 * {@code type: analytics} (built in): line crossing and zones on tracked objects (put a
 * {@code tracker} stage before it), per stream, as nvdsanalytics does. An object's position is its
 * box's anchor point (bottom-centre by default: where it stands).
 * <ul>
 * <li>lines: a crossing is the anchor's step from one frame to the next passing through the line
 *     segment; it counts as {@code in} when the step goes the way of the line's {@code direction}
 *     (two points; by default the line turned a quarter clockwise, i.e. to the right walking from
 *     its first point to its second, in image coordinates) and {@code out} otherwise.</li>
 * <li>zones: occupancy (objects inside now, tracked or not), {@code zone_entered} and
 *     {@code zone_left} events for tracks (left when outside, or unseen for {@code exit_grace_frames},
 *     with the dwell time), and {@code zone_overcrowded} when the occupancy reaches
 *     {@code overcrowd} (once per rise).</li>
 * </ul>
 * Published per frame: {@code line_counts} {line: {in, out}} (cumulative, the stream's lines),
 * {@code zone_occupancy} {zone: n}, and {@code events} (a list; only in frames that have some).
 * Internal (for the {@code view} stage's drawing): {@link #FIGURES}, the stream's zones and lines in pixels.
 * /metrics: {@code vahost_line_crossings_total{stream,stage,line,direction}},
 * {@code vahost_zone_entries_total{stream,stage,zone}}, {@code vahost_zone_occupancy{stream,stage,zone}}.
 */
public final class AnalyticsFactory implements StageFactory<AnalyticsFactory.Config> {
    public record Config(String anchor, List<LineConfig> lines, List<ZoneConfig> zones, Integer exitGraceFrames) {}

    public record LineConfig(String name, List<double[]> line, List<double[]> direction, boolean normalized, List<Integer> classes,
                             List<String> streams) {}

    public record ZoneConfig(String name, List<double[]> polygon, boolean normalized, List<Integer> classes, List<String> streams,
                             int overcrowd) {}

    /**
     * One event, as the JSON lines and message sinks carry it.
     *
     * @param snapshot the annotated picture of the event's frame that the {@code view} stage wrote
     *                 ({@code --snapshot-dir}), or null (then left out of the JSON)
     */
    public record Event(String type, String stream, long frame, long pts, String name, String direction, Long track, Integer classId,
                        String label, Double x, Double y, Double dwellSeconds, Integer occupancy,
                        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
                        String snapshot) {
        /** An event without a snapshot. */
        public Event(String type, String stream, long frame, long pts, String name, String direction, Long track, Integer classId,
                     String label, Double x, Double y, Double dwellSeconds, Integer occupancy) {
            this(type, stream, frame, pts, name, direction, track, classId, label, x, y, dwellSeconds, occupancy, null);
        }

        /** This event pointing to the snapshot file {@code path}. */
        public Event withSnapshot(String path) {
            return new Event(type, stream, frame, pts, name, direction, track, classId, label, x, y, dwellSeconds, occupancy, path);
        }
    }

    /**
     * A zone (closed polygon) or a line (two points) in source pixels of the frame it came with: what the
     * {@code view} stage draws.
     */
    public record Figure(String name, boolean closed, double[] xs, double[] ys) {}

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final MetaKey<List<Event>> EVENTS = (MetaKey) MetaKey.published("events", List.class);
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final MetaKey<Map<String, Map<String, Long>>> LINE_COUNTS = (MetaKey) MetaKey.published("line_counts", Map.class);
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final MetaKey<Map<String, Integer>> OCCUPANCY = (MetaKey) MetaKey.published("zone_occupancy", Map.class);
    /** Internal (not in the JSON): the zones and lines that apply to the frame's stream, for drawing. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final MetaKey<List<Figure>> FIGURES = (MetaKey) MetaKey.internal("analytics.figures", List.class);

    private static final Counter CROSSINGS = Counter.builder().name("vahost_line_crossings_total")
            .help("Tracked objects that crossed a line, by direction").labelNames("stream", "stage", "line", "direction").build();
    private static final Counter ENTRIES = Counter.builder().name("vahost_zone_entries_total")
            .help("Tracked objects that entered a zone").labelNames("stream", "stage", "zone").build();
    private static final Gauge OCCUPANCY_NOW = Gauge.builder().name("vahost_zone_occupancy")
            .help("Objects inside a zone in the stream's last frame").labelNames("stream", "stage", "zone").build();
    private static final MultiCollector METRICS = () -> MetricSnapshots.of(CROSSINGS.collect(), ENTRIES.collect(), OCCUPANCY_NOW.collect());

    @Override
    public String type() {
        return "analytics";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public String describe() {
        return "line crossing (in/out counts) and zones (occupancy, enter/leave with dwell, overcrowding) on tracks";
    }

    @Override
    public Stage create(Config c, StageContext ctx) {
        boolean centre = switch (c.anchor() == null ? "bottom-centre" : c.anchor().toLowerCase(Locale.ROOT)) {
            case "bottom-centre", "bottom-center" -> false;
            case "centre", "center" -> true;
            default -> throw new IllegalArgumentException("anchor: expected bottom-centre or centre, got '" + c.anchor() + "'");
        };
        List<Line> lines = new ArrayList<>();
        List<Zone> zones = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<LineConfig> lcs = c.lines() == null ? List.of() : c.lines();
        List<ZoneConfig> zcs = c.zones() == null ? List.of() : c.zones();
        if (lcs.isEmpty() && zcs.isEmpty()) throw new IllegalArgumentException("lines, zones: give at least one line or zone");
        for (int i = 0; i < lcs.size(); i++) {
            LineConfig l = lcs.get(i);
            String where = "lines[" + i + "]";
            name(where, l.name(), names);
            Polygon seg = Polygon.of(where + ".line", l.line(), l.normalized(), 2);
            if (seg.xs().length != 2) throw new IllegalArgumentException(where + ".line: exactly 2 points [x, y]");
            Polygon dir = l.direction() == null ? null : Polygon.of(where + ".direction", l.direction(), l.normalized(), 2);
            if (dir != null && dir.xs().length != 2) throw new IllegalArgumentException(where + ".direction: exactly 2 points [x, y]");
            lines.add(new Line(l.name(), seg, dir, set(l.classes()), set(l.streams())));
        }
        for (int i = 0; i < zcs.size(); i++) {
            ZoneConfig z = zcs.get(i);
            String where = "zones[" + i + "]";
            name(where, z.name(), names);
            if (z.overcrowd() < 0) throw new IllegalArgumentException(where + ".overcrowd: expected >= 0 (0: off), got " + z.overcrowd());
            zones.add(new Zone(z.name(), Polygon.of(where + ".polygon", z.polygon(), z.normalized(), 3), set(z.classes()), set(z.streams()),
                    z.overcrowd()));
        }
        int grace = c.exitGraceFrames() == null ? 15 : c.exitGraceFrames();
        if (grace < 1 || grace > 100_000) throw new IllegalArgumentException("exit_grace_frames: expected 1..100000, got " + grace);
        return new AnalyticsStage(ctx.name(), centre, lines, zones, grace);
    }

    private static void name(String where, String name, Set<String> names) {
        if (name == null || name.isBlank()) throw new IllegalArgumentException(where + ".name: required");
        if (!names.add(name)) throw new IllegalArgumentException(where + ".name: '" + name + "' is used twice (lines and zones share names)");
    }

    private static <T> Set<T> set(List<T> l) {
        return l == null ? Set.of() : Set.copyOf(l);
    }

    record Line(String name, Polygon segment, Polygon direction, Set<Integer> classes, Set<String> streams) {}

    record Zone(String name, Polygon polygon, Set<Integer> classes, Set<String> streams, int overcrowd) {}

    /** Per stream: where each track was, the line counts, who is in which zone since when. */
    private static final class StreamState {
        final Map<Long, double[]> last = new HashMap<>();       // track -> last anchor (x, y)
        final Map<Long, Long> lastSeen = new HashMap<>();       // track -> frame number
        final Map<String, long[]> counts = new LinkedHashMap<>(); // line -> {in, out}
        final Map<String, Map<Long, long[]>> inside = new HashMap<>(); // zone -> track -> {first frame, first pts, last frame}
        final Map<String, Boolean> crowded = new HashMap<>();
        List<Figure> figures;          // for the frame size below
        int figuresW, figuresH;
    }

    static final class AnalyticsStage implements Stage {
        private final String stage;
        private final boolean centre;
        private final List<Line> lines;
        private final List<Zone> zones;
        private final int grace;
        private final Map<String, StreamState> streams = new HashMap<>();

        AnalyticsStage(String stage, boolean centre, List<Line> lines, List<Zone> zones, int grace) {
            this.stage = stage;
            this.centre = centre;
            this.lines = lines;
            this.zones = zones;
            this.grace = grace;
        }

        @Override
        public void process(StageBatch batch) {
            for (StageFrame f : batch.frames()) frame(f);
        }

        private static boolean applies(Set<String> streams, String id) {
            return streams.isEmpty() || streams.contains(id);
        }

        private void frame(StageFrame f) {
            StreamState st = streams.computeIfAbsent(f.streamId(), k -> new StreamState());
            String id = f.streamId();
            List<Event> events = new ArrayList<>();
            int w = f.width(), h = f.height();
            Map<String, Integer> occupancy = new LinkedHashMap<>();
            for (Zone z : zones) if (applies(z.streams(), id)) occupancy.put(z.name(), 0);
            for (FrameResult.Detection d : f.detections()) {
                double x = (d.x1() + d.x2()) / 2, y = centre ? (d.y1() + d.y2()) / 2 : d.y2();
                for (Zone z : zones) {
                    if (!applies(z.streams(), id) || !(z.classes().isEmpty() || z.classes().contains(d.classId()))) continue;
                    boolean in = z.polygon().contains(x, y, w, h);
                    if (in) occupancy.merge(z.name(), 1, Integer::sum);
                    if (d.trackId() < 0) continue;
                    Map<Long, long[]> inside = st.inside.computeIfAbsent(z.name(), k -> new HashMap<>());
                    long[] since = inside.get(d.trackId());
                    if (in && since == null) {
                        inside.put(d.trackId(), new long[] {f.frameNumber(), f.ptsNanos(), f.frameNumber()});
                        events.add(new Event("zone_entered", id, f.frameNumber(), f.ptsNanos(), z.name(), null, d.trackId(), d.classId(), d.label(),
                                x, y, null, null));
                        ENTRIES.labelValues(id, stage, z.name()).inc();
                    } else if (in) {
                        since[2] = f.frameNumber();
                    } else if (since != null) {
                        inside.remove(d.trackId());
                        events.add(left(id, f, z.name(), d.trackId(), d.classId(), d.label(), x, y, since));
                    }
                }
                if (d.trackId() < 0) continue;
                double[] prev = st.last.put(d.trackId(), new double[] {x, y});
                st.lastSeen.put(d.trackId(), f.frameNumber());
                if (prev == null) continue;
                for (Line l : lines) {
                    if (!applies(l.streams(), id) || !(l.classes().isEmpty() || l.classes().contains(d.classId()))) continue;
                    String dir = crossing(l, prev[0], prev[1], x, y, w, h);
                    if (dir == null) continue;
                    long[] c = st.counts.computeIfAbsent(l.name(), k -> new long[2]);
                    c[dir.equals("in") ? 0 : 1]++;
                    CROSSINGS.labelValues(id, stage, l.name(), dir).inc();
                    events.add(new Event("line_crossed", id, f.frameNumber(), f.ptsNanos(), l.name(), dir, d.trackId(), d.classId(), d.label(),
                            x, y, null, null));
                }
            }
            // Tracks unseen for the grace period have left their zones (at their last position) and are forgotten.
            for (Zone z : zones) {
                Map<Long, long[]> inside = st.inside.get(z.name());
                if (inside == null) continue;
                for (var it = inside.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    if (f.frameNumber() - e.getValue()[2] < grace) continue;
                    it.remove();
                    double[] p = st.last.get(e.getKey());
                    events.add(left(id, f, z.name(), e.getKey(), null, null, p == null ? null : p[0], p == null ? null : p[1], e.getValue()));
                }
            }
            st.lastSeen.entrySet().removeIf(e -> {
                boolean gone = f.frameNumber() - e.getValue() >= grace;
                if (gone) st.last.remove(e.getKey());
                return gone;
            });
            for (Zone z : zones) {
                Integer n = occupancy.get(z.name());
                if (n == null) continue;
                OCCUPANCY_NOW.labelValues(id, stage, z.name()).set(n);
                boolean crowded = z.overcrowd() > 0 && n >= z.overcrowd();
                Boolean before = st.crowded.put(z.name(), crowded);
                if (crowded && !Boolean.TRUE.equals(before)) {
                    events.add(new Event("zone_overcrowded", id, f.frameNumber(), f.ptsNanos(), z.name(), null, null, null, null, null,
                            null, null, n));
                }
            }
            Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
            for (Line l : lines) {
                if (!applies(l.streams(), id)) continue;
                long[] c = st.counts.getOrDefault(l.name(), new long[2]);
                counts.put(l.name(), Map.of("in", c[0], "out", c[1]));
            }
            List<Figure> figures = figures(st, id, w, h);
            if (!figures.isEmpty()) {
                List<Figure> before = f.meta().get(FIGURES);
                if (before == null) {
                    f.meta().put(FIGURES, figures);
                } else {
                    List<Figure> all = new ArrayList<>(before);
                    all.addAll(figures);
                    f.meta().put(FIGURES, List.copyOf(all));
                }
            }
            if (!counts.isEmpty()) f.meta().put(LINE_COUNTS, merged(f.meta().get(LINE_COUNTS), counts));
            if (!occupancy.isEmpty()) f.meta().put(OCCUPANCY, merged(f.meta().get(OCCUPANCY), occupancy));
            if (!events.isEmpty()) {
                List<Event> all = f.meta().get(EVENTS) == null ? new ArrayList<>() : new ArrayList<>(f.meta().get(EVENTS));
                all.addAll(events);
                f.meta().put(EVENTS, all);
            }
        }

        /** The stream's zones and lines in pixels of a w x h frame (made again only when the size changes). */
        private List<Figure> figures(StreamState st, String id, int w, int h) {
            if (st.figures == null || st.figuresW != w || st.figuresH != h) {
                List<Figure> out = new ArrayList<>();
                for (Zone z : zones) if (applies(z.streams(), id)) out.add(figure(z.name(), true, z.polygon(), w, h));
                for (Line l : lines) if (applies(l.streams(), id)) out.add(figure(l.name(), false, l.segment(), w, h));
                st.figures = List.copyOf(out);
                st.figuresW = w;
                st.figuresH = h;
            }
            return st.figures;
        }

        private static Figure figure(String name, boolean closed, Polygon p, int w, int h) {
            int n = p.xs().length;
            double[] xs = new double[n], ys = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = p.x(i, w);
                ys[i] = p.y(i, h);
            }
            return new Figure(name, closed, xs, ys);
        }

        private static <V> Map<String, V> merged(Map<String, V> earlier, Map<String, V> mine) {
            if (earlier == null) return mine;
            Map<String, V> m = new LinkedHashMap<>(earlier);
            m.putAll(mine);
            return m;
        }

        private static Event left(String id, StageFrame f, String zone, long track, Integer cls, String label, Double x, Double y,
                                  long[] since) {
            Double dwell = since[1] >= 0 && f.ptsNanos() >= 0 ? (f.ptsNanos() - since[1]) / 1e9 : null;
            return new Event("zone_left", id, f.frameNumber(), f.ptsNanos(), zone, null, track, cls, label, x, y, dwell, null);
        }

        /** "in", "out" or null: whether the step a -> b crosses the line segment, and which way. */
        static String crossing(Line l, double ax, double ay, double bx, double by, int w, int h) {
            double px = l.segment().x(0, w), py = l.segment().y(0, h), qx = l.segment().x(1, w), qy = l.segment().y(1, h);
            // A point on the line counts as on its negative side, so that a step onto the line and the
            // next step off it make one crossing, not none or two.
            double sa = side(px, py, qx, qy, ax, ay), sb = side(px, py, qx, qy, bx, by);
            if (sa > 0 == sb > 0) return null;
            // The step must cut the line's segment, not the line beyond its ends.
            double sp = side(ax, ay, bx, by, px, py), sq = side(ax, ay, bx, by, qx, qy);
            if (sp != 0 && sq != 0 && sp > 0 == sq > 0) return null;
            double dx, dy;
            if (l.direction() != null) {
                dx = l.direction().x(1, w) - l.direction().x(0, w);
                dy = l.direction().y(1, h) - l.direction().y(0, h);
            } else { // a quarter turn clockwise on screen (y down): the walker's right
                dx = -(qy - py);
                dy = qx - px;
            }
            return (bx - ax) * dx + (by - ay) * dy > 0 ? "in" : "out";
        }

        /** The sign of the cross product (q - p) x (r - p). */
        private static double side(double px, double py, double qx, double qy, double rx, double ry) {
            return Math.signum((qx - px) * (ry - py) - (qy - py) * (rx - px));
        }

        @Override
        public void streamEnded(String streamId) {
            streams.remove(streamId);
        }

        @Override
        public MultiCollector metrics() {
            return METRICS;
        }
    }
}
