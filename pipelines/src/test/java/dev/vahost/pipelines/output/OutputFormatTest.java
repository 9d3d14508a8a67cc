package dev.vahost.pipelines.output;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.perf.PerfReporter;

import static org.junit.jupiter.api.Assertions.*;

class OutputFormatTest {
    @Test
    @SuppressWarnings("unchecked")
    void detectionLinesParseAndCarryEveryField() {
        FrameResult r = new FrameResult("cam \"1\"", 42, 1_400_000_000L, 1920, 1080, List.of(
                new FrameResult.Detection(2, "triangle", 0.98766f, 10.5f, 20f, 110.25f, 220f),
                new FrameResult.Detection(0, "rectangle", 0.5f, 0f, 0f, 1f, 1f)));
        Map<String, Object> m = MiniJson.object(JsonLinesWriter.detectionsLine(r));
        assertEquals("detections", m.get("type"));
        assertEquals("cam \"1\"", m.get("stream"));
        assertEquals(42.0, m.get("frame"));
        assertEquals(1.4e9, m.get("pts"));
        List<Object> ds = (List<Object>) m.get("detections");
        assertEquals(2, ds.size());
        Map<String, Object> d = (Map<String, Object>) ds.get(0);
        assertEquals(2.0, d.get("class"));
        assertEquals("triangle", d.get("label"));
        assertEquals(0.9877, (Double) d.get("score"), 1e-9);
        assertEquals(List.of(10.5, 20.0, 110.25, 220.0), d.get("box"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void perfLinesParse() {
        Map<String, Object> m = MiniJson.object(JsonLinesWriter.perfLine(123, List.of(new PerfReporter.StreamFps("a", 29.97, 29.5, 100),
                new PerfReporter.StreamFps("b", Double.NaN, 0, 0))));
        assertEquals("perf", m.get("type"));
        List<Map<String, Object>> s = (List<Map<String, Object>>) m.get("streams");
        assertEquals(29.97, s.get(0).get("fps"));
        assertNull(s.get(1).get("fps"), "NaN must become null, not an invalid JSON number");
    }

    /** Prometheus text exposition format 0.0.4: comments, then `name{labels} value` lines. */
    static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)");

    @Test
    void prometheusTextIsWellFormed() {
        List<StreamStatus> ss = List.of(new StreamStatus("cam\"0", "synthetic", "RUNNING", 29.9, 29.8, 1000, 990, 3, 1, "x"),
                new StreamStatus("cam1", "rtsp://h/x", "RECONNECTING", Double.NaN, 0, 10, 10, 0, 2, null));
        String text = MetricsServer.prometheus(ss);
        int samples = 0;
        String lastType = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) continue;
            if (line.startsWith("# TYPE ")) {
                lastType = line.split(" ")[2];
                assertTrue(line.endsWith(" gauge") || line.endsWith(" counter"), line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a Prometheus sample line: " + line);
            assertEquals(lastType, m.group(1), "sample outside its family: " + line);
            samples++;
        }
        assertEquals(14, samples);
        assertTrue(text.contains("vahost_stream_up{stream=\"cam\\\"0\"} 1"), text);
        assertTrue(text.contains("vahost_stream_up{stream=\"cam1\"} 0"), text);
        assertTrue(text.contains("vahost_stream_reconnects_total{stream=\"cam1\"} 2"), text);
    }

    @Test
    @SuppressWarnings("unchecked")
    void streamsJsonParses() {
        Map<String, Object> m = MiniJson.object(MetricsServer.streamsJson(List.of(
                new StreamStatus("a", "src", "FAILED", 0, 0, 5, 4, 1, 0, "filesrc0: Resource not found. (No such file \"x\")"))));
        Map<String, Object> a = ((List<Map<String, Object>>) m.get("streams")).get(0);
        assertEquals("FAILED", a.get("state"));
        assertEquals("filesrc0: Resource not found. (No such file \"x\")", a.get("last_error"));
        assertEquals(1.0, a.get("dropped"));
    }
}
