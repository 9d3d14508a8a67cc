package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.prometheus.metrics.expositionformats.ExpositionFormats;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.output.JsonLinesWriter;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.StageSpec;
import dev.vahost.pipelines.stage.Stages;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tracker and the analytics stages together, as a deployment configures them, on a scripted
 * scene whose events follow from its motion: objects walking at constant speed across a line, along
 * it, past its end, and through a zone. The expected events are worked out from the motion here, not
 * taken from the code.
 */
class AnalyticsStageTest {
    static final long FRAME_NS = 33_333_333L;

    /** An object walking in a straight line: its box (40 x 100) at frame n, anchor (bottom-centre) at (x0 + vx n, y0 + vy n). */
    record Walker(double x0, double y0, double vx, double vy, int classId) {
        FrameResult.Detection at(int n) {
            double x = x0 + vx * n, y = y0 + vy * n;
            return new FrameResult.Detection(classId, "c" + classId, 0.9f, (float) (x - 20), (float) (y - 100), (float) (x + 20), (float) y);
        }
    }

    static final String CONFIG = """
            {"lines": [{"name": "door", "line": [[500, 0], [500, 500]], "direction": [[0, 0], [1, 0]]}],
             "zones": [{"name": "hall", "polygon": [[600, 0], [900, 0], [900, 600], [600, 600]], "overcrowd": 2}]}""";

    // The /metrics families are process-wide (stages of one type share them, labelled by stage and
    // stream): each test uses its own stream name.
    @Test
    void lineAndZoneEventsFollowFromTheMotion() throws Exception {
        List<Walker> walkers = List.of(
                new Walker(403, 300, 10, 0, 0),   // A: rightwards through the door (x 500 between frames 9 and 10) and the hall
                new Walker(797, 400, -10, 0, 0),  // B: leftwards, from inside the hall, through the door (frames 29/30)
                new Walker(300, 200, 0, 3, 0),    // C: along the line's side, never crossing
                new Walker(403, 800, 10, 0, 0));  // D: across the line's extension (y 800 is past the segment's end at 500) and below the hall
        int frames = 60;
        List<AnalyticsFactory.Event> events = new ArrayList<>();
        Map<String, Object> lastMeta = null;
        try (StageRunner r = Stages.create(List.of(StageSpec.parse("tracker"), StageSpec.parse("analytics:a=" + CONFIG)), List.of(),
                false, 8)) {
            for (int n = 0; n < frames; n++) {
                List<FrameResult.Detection> ds = new ArrayList<>();
                for (Walker w : walkers) ds.add(w.at(n));
                List<FrameResult> out = r.run(List.of(new FrameResult("cam", n, n * FRAME_NS, 1920, 1080, ds)), null, null);
                @SuppressWarnings("unchecked")
                List<AnalyticsFactory.Event> ev = (List<AnalyticsFactory.Event>) out.get(0).meta().get("events");
                if (ev != null) events.addAll(ev);
                lastMeta = out.get(0).meta();
                if (n == 20) {
                    String line = JsonLinesWriter.detectionsLine(out.get(0));
                    assertTrue(line.contains("\"track\":"), "tracked detections carry their track id: " + line);
                }
            }
            assertEquals(0, r.stats().get(1).failures());
            var text = new java.io.ByteArrayOutputStream();
            ExpositionFormats.init().getPrometheusTextFormatWriter().write(text, r.metrics().collect());
            String metrics = text.toString();
            assertTrue(metrics.contains("vahost_line_crossings_total{direction=\"in\",line=\"door\",stage=\"a\",stream=\"cam\"} 1.0"), metrics);
            assertTrue(metrics.contains("vahost_line_crossings_total{direction=\"out\",line=\"door\",stage=\"a\",stream=\"cam\"} 1.0"), metrics);
            assertTrue(metrics.contains("vahost_zone_entries_total{stage=\"a\",stream=\"cam\",zone=\"hall\"} 2.0"), metrics); // B (first seen inside) and A
        }
        // The tracker confirms a track on its 2nd frame (probation 2): frame 0 has no ids, so motion is seen from frame 1 on.
        // A: anchor x = 403 + 10 n. Crosses x = 500 between n = 9 (493) and 10 (503): "in" (along +x) at frame 10.
        //    Enters the hall (x > 600) at n = 20 (603), leaves it (x > 900) at n = 50 (903): dwell 30 frames.
        // B: anchor x = 797 - 10 n. Inside the hall from frame 1 (its first tracked frame: entered there), leaves (x < 600)
        //    at n = 20 (597), crosses x = 500 between n = 29 (507) and 30 (497): "out" at frame 30.
        // Hall occupancy: B alone until A enters at 20 while B leaves at 20 -> never two inside at once: no overcrowding.
        List<String> got = new ArrayList<>();
        for (AnalyticsFactory.Event e : events) got.add(e.type() + " " + e.name() + " " + (e.direction() == null ? "" : e.direction() + " ") + e.frame());
        assertEquals(List.of("zone_entered hall 1", "line_crossed door in 10", "zone_entered hall 20", "zone_left hall 20",
                "line_crossed door out 30", "zone_left hall 50"), got);
        AnalyticsFactory.Event left = events.get(5);
        assertEquals(30 * FRAME_NS / 1e9, left.dwellSeconds(), 1e-6, "A's dwell: frames 20 to 50");
        assertEquals(Map.of("door", Map.of("in", 1L, "out", 1L)), lastMeta.get("line_counts"));
        assertEquals(Map.of("hall", 0), lastMeta.get("zone_occupancy"));
    }

    @Test
    void overcrowdingIsOneEventPerRise() {
        List<Walker> walkers = List.of(new Walker(700, 300, 0, 0, 0), new Walker(800, 500, 0, 0, 0));
        List<String> got = new ArrayList<>();
        try (StageRunner r = Stages.create(List.of(StageSpec.parse("tracker"), StageSpec.parse("analytics:a=" + CONFIG)), List.of(),
                false, 8)) {
            for (int n = 0; n < 10; n++) {
                List<FrameResult.Detection> ds = new ArrayList<>();
                // Frames 0-3 both, 4-5 one, 6-9 both: two rises to 2.
                for (int k = 0; k < walkers.size(); k++) if (k == 0 || n < 4 || n > 5) ds.add(walkers.get(k).at(n));
                List<FrameResult> out = r.run(List.of(new FrameResult("crowd", n, n * FRAME_NS, 1920, 1080, ds)), null, null);
                @SuppressWarnings("unchecked")
                List<AnalyticsFactory.Event> ev = (List<AnalyticsFactory.Event>) out.get(0).meta().get("events");
                if (ev != null) for (var e : ev) if (e.type().equals("zone_overcrowded")) got.add(e.frame() + ":" + e.occupancy());
                if (n == 0) {
                    String line = JsonLinesWriter.detectionsLine(out.get(0));
                    assertTrue(line.contains("{\"type\":\"zone_overcrowded\",\"stream\":\"crowd\",\"frame\":0,\"pts\":0,\"name\":\"hall\","
                            + "\"direction\":null,\"track\":null,\"classId\":null,\"label\":null,\"x\":null,\"y\":null,\"dwellSeconds\":null,"
                            + "\"occupancy\":2}"), "fields that do not apply are null: " + line);
                }
            }
        }
        assertEquals(List.of("0:2", "6:2"), got, "occupancy counts every object inside, tracked or not");
    }

    @Test
    void configErrorsNameTheKey() {
        assertEquals("stage 'a' (analytics): lines, zones: give at least one line or zone",
                assertThrows(IllegalArgumentException.class, () -> Stages.create(List.of(StageSpec.parse("analytics:a")), List.of(), false, 4))
                        .getMessage());
        assertEquals("stage 'a' (analytics): lines[0].line: exactly 2 points [x, y]", assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("analytics:a={\"lines\":[{\"name\":\"l\",\"line\":[[0,0],[1,1],[2,2]]}]}")),
                        List.of(), false, 4)).getMessage());
        assertEquals("stage 'a' (analytics): zones[0].name: 'l' is used twice (lines and zones share names)",
                assertThrows(IllegalArgumentException.class, () -> Stages.create(List.of(StageSpec.parse("analytics:a={\"lines\":[{\"name\":"
                        + "\"l\",\"line\":[[0,0],[1,1]]}],\"zones\":[{\"name\":\"l\",\"polygon\":[[0,0],[1,0],[1,1]]}]}")), List.of(), false, 4))
                        .getMessage());
    }
}
