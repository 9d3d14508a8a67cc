package dev.vahost.pipelines.output;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.perf.PerfReporter;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The service's output formats, read back by independent parsers: JSON lines and /streams by a strict
 * Jackson reader (duplicate keys and trailing tokens rejected), field by field and in order;
 * /metrics line by line against the Prometheus text format's grammar.
 */
class OutputFormatTest {
    /** Strict: a duplicated field or anything after the value fails the read. */
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    static JsonNode read(String line) throws Exception {
        return JSON.readTree(line);
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : n.properties()) names.add(e.getKey());
        return names;
    }

    @Test
    void detectionLinesCarryEveryFieldInOrder() throws Exception {
        FrameResult r = new FrameResult("cam \"1\"\n\u0001", 42, 1_400_000_000_123L, 1920, 1080, List.of(
                new FrameResult.Detection(2, "triangle", 0.98766f, 10.5f, 20f, 110.256f, 219.999f),
                new FrameResult.Detection(0, null, 0.5f, 0f, 0f, 1f, Float.NaN)));
        String line = JsonLinesWriter.detectionsLine(r);
        assertFalse(line.contains("\n"), "one line: " + line);
        JsonNode m = read(line);
        assertEquals(List.of("type", "stream", "frame", "pts", "width", "height", "detections"), fieldNames(m));
        assertEquals("detections", m.get("type").textValue());
        assertEquals("cam \"1\"\n\u0001", m.get("stream").textValue());
        assertTrue(m.get("frame").isIntegralNumber());
        assertEquals(42, m.get("frame").longValue());
        assertEquals(1_400_000_000_123L, m.get("pts").longValue(), "pts is an exact integer, not a double");
        assertEquals(1920, m.get("width").intValue());
        assertEquals(1080, m.get("height").intValue());
        JsonNode ds = m.get("detections");
        assertEquals(2, ds.size());
        JsonNode d = ds.get(0);
        assertEquals(List.of("class", "label", "score", "box"), fieldNames(d));
        assertEquals(2, d.get("class").intValue());
        assertEquals("triangle", d.get("label").textValue());
        assertEquals(0.9877, d.get("score").doubleValue(), 0, "score rounded to 4 decimals");
        JsonNode box = d.get("box");
        assertEquals(4, box.size());
        assertEquals(10.5, box.get(0).doubleValue(), 0);
        assertTrue(box.get(1).isIntegralNumber(), "a whole coordinate is written as an integer: " + box);
        assertEquals(20, box.get(1).intValue());
        assertEquals(110.26, box.get(2).doubleValue(), 0, "coordinates rounded to 2 decimals");
        assertEquals(220, box.get(3).doubleValue(), 0);
        JsonNode e = ds.get(1);
        assertTrue(e.get("label").isNull());
        assertEquals(0.5, e.get("score").doubleValue(), 0);
        // A score that rounds to 1 stays a fraction, as it was when written "%.4f" (readers may type it as a float).
        JsonNode one = read(JsonLinesWriter.detectionsLine(new FrameResult("a", 0, 0, 64, 64,
                List.of(new FrameResult.Detection(0, "x", 0.99996f, 0, 0, 1, 1))))).get("detections").get(0).get("score");
        assertTrue(one.isFloatingPointNumber(), one.toString());
        assertEquals(1.0, one.doubleValue(), 0);
        assertTrue(e.get("box").get(3).isNull(), "NaN must become null, not an invalid JSON number");
        // A frame without detections.
        JsonNode none = read(JsonLinesWriter.detectionsLine(new FrameResult("a", 0, 0, 64, 64, List.of())));
        assertEquals(0, none.get("detections").size());
        assertTrue(none.get("detections").isArray());
    }

    @Test
    void perfLinesCarryEveryFieldInOrder() throws Exception {
        JsonNode m = read(JsonLinesWriter.perfLine(123, List.of(new PerfReporter.StreamFps("a", 29.971, 29.5, 100),
                new PerfReporter.StreamFps("b", Double.NaN, Double.POSITIVE_INFINITY, 0))));
        assertEquals(List.of("type", "time", "streams"), fieldNames(m));
        assertEquals("perf", m.get("type").textValue());
        assertEquals(123, m.get("time").longValue());
        JsonNode a = m.get("streams").get(0);
        assertEquals(List.of("stream", "fps", "avg_fps", "frames"), fieldNames(a));
        assertEquals("a", a.get("stream").textValue());
        assertEquals(29.97, a.get("fps").doubleValue(), 0);
        assertEquals(29.5, a.get("avg_fps").doubleValue(), 0);
        assertEquals(100, a.get("frames").longValue());
        JsonNode b = m.get("streams").get(1);
        assertTrue(b.get("fps").isNull(), "NaN must become null");
        assertTrue(b.get("avg_fps").isNull(), "infinity must become null");
    }

    @Test
    void theWriterWritesOneParsableLinePerResult(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("sub/results.jsonl");
        FrameResult hit = new FrameResult("a", 1, 33, 320, 240, List.of(new FrameResult.Detection(1, "disc", 0.9f, 1, 2, 3, 4)));
        FrameResult empty = new FrameResult("a", 2, 66, 320, 240, List.of());
        try (JsonLinesWriter w = JsonLinesWriter.open(out.toString(), false)) {
            w.onResult(hit);
            w.onResult(empty); // skipped: no detections
            w.perf(List.of(new PerfReporter.StreamFps("a", 30, 30, 2)));
            w.onResult(hit);
        }
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertEquals(JsonLinesWriter.detectionsLine(hit), lines.get(0));
        assertEquals("perf", read(lines.get(1)).get("type").textValue());
        assertEquals(JsonLinesWriter.detectionsLine(hit), lines.get(2));
        assertTrue(Files.readString(out).endsWith("\n"));
        try (JsonLinesWriter w = JsonLinesWriter.open(out.toString(), true)) {
            w.onResult(empty);
        }
        assertEquals(List.of(JsonLinesWriter.detectionsLine(empty)), Files.readAllLines(out), "--all-frames writes empty frames; the file is truncated");
    }

    @Test
    void standardOutputIsFlushedAndNotClosed() throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(captured, false, StandardCharsets.UTF_8)) {
            System.setOut(p);
            try (JsonLinesWriter w = JsonLinesWriter.open("-", false)) {
                w.perf(List.of());
            }
            System.out.println("after");
        } finally {
            System.setOut(saved);
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\nafter\n"), text);
        assertEquals("perf", read(text.substring(0, text.indexOf('\n'))).get("type").textValue());
    }

    /** Prometheus text exposition format 0.0.4: comments, then `name{labels} value` lines. */
    static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\")*\\})? (-?[0-9.eE+-]+|NaN|\\+Inf|-Inf)");

    /** Every sample line of {@code text}: name, labels text, value; the grammar and the families' TYPE lines checked. */
    static List<String[]> samples(String text) {
        List<String[]> out = new ArrayList<>();
        String lastType = null;
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) continue;
            if (line.startsWith("# TYPE ")) {
                lastType = line.split(" ")[2];
                assertTrue(line.endsWith(" gauge") || line.endsWith(" counter") || line.endsWith(" summary")
                        || line.endsWith(" histogram") || line.endsWith(" untyped"), line);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a Prometheus sample line: " + line);
            assertTrue(m.group(1).startsWith(lastType), "sample outside its family: " + line);
            out.add(new String[] {m.group(1), m.group(2) == null ? "" : m.group(2), m.group(5)});
        }
        return out;
    }

    static double value(List<String[]> samples, String name, String labels) {
        for (String[] s : samples) if (s[0].equals(name) && s[1].equals(labels)) return Double.parseDouble(s[2]);
        throw new AssertionError("no sample " + name + labels);
    }

    @Test
    void prometheusTextKeepsTheNamesAndLabels() {
        List<StreamStatus> ss = List.of(new StreamStatus("cam\"0", "synthetic", "RUNNING", 29.9, 29.8, 1000, 990, 3, 1, "x"),
                new StreamStatus("cam1", "rtsp://h/x", "RECONNECTING", Double.NaN, 0, 10, 10, 0, 2, null));
        String text = MetricsServer.prometheus(ss);
        List<String[]> s = samples(text);
        assertEquals(18, s.size(), text);
        for (String family : List.of("vahost_stream_fps gauge", "vahost_stream_avg_fps gauge", "vahost_stream_frames_decoded_total counter",
                "vahost_stream_frames_processed_total counter", "vahost_stream_frames_dropped_total counter",
                "vahost_stream_reconnects_total counter", "vahost_stream_frames_invalid_total counter",
                "vahost_stream_backoff_seconds gauge", "vahost_stream_up gauge")) {
            assertTrue(text.contains("# TYPE " + family + "\n"), family + " in\n" + text);
        }
        String cam0 = "{stream=\"cam\\\"0\"}", cam1 = "{stream=\"cam1\"}";
        assertEquals(29.9, value(s, "vahost_stream_fps", cam0));
        assertTrue(Double.isNaN(value(s, "vahost_stream_fps", cam1)));
        assertEquals(29.8, value(s, "vahost_stream_avg_fps", cam0));
        assertEquals(1000, value(s, "vahost_stream_frames_decoded_total", cam0));
        assertEquals(990, value(s, "vahost_stream_frames_processed_total", cam0));
        assertEquals(3, value(s, "vahost_stream_frames_dropped_total", cam0));
        assertEquals(1, value(s, "vahost_stream_reconnects_total", cam0));
        assertEquals(2, value(s, "vahost_stream_reconnects_total", cam1));
        assertEquals(1, value(s, "vahost_stream_up", cam0));
        assertEquals(0, value(s, "vahost_stream_up", cam1));
    }

    @Test
    void streamsJsonCarriesEveryFieldInOrder() throws Exception {
        JsonNode m = read(MetricsServer.streamsJson(List.of(
                new StreamStatus("a", "src", "FAILED", 0, 12.345, 5, 4, 1, 0, "filesrc0: Resource not found. (No such file \"x\")",
                        12.34, 40.0, 99.96, 7, 2.5),
                new StreamStatus("b", "rtsp://h/x", "RUNNING", Double.NaN, 1, 2, 2, 0, 3, null))));
        assertEquals(List.of("streams"), fieldNames(m));
        JsonNode a = m.get("streams").get(0);
        assertEquals(List.of("id", "source", "state", "fps", "avg_fps", "frames_decoded", "frames_processed", "dropped", "reconnects",
                "last_error", "frames_invalid", "backoff_s", "latency_ms"), fieldNames(a));
        assertEquals(7, a.get("frames_invalid").longValue());
        assertEquals(2.5, a.get("backoff_s").doubleValue(), 0);
        assertEquals(List.of("p50", "p95", "p99"), fieldNames(a.get("latency_ms")));
        assertEquals(12.3, a.at("/latency_ms/p50").doubleValue(), 0);
        assertEquals(40, a.at("/latency_ms/p95").doubleValue(), 0);
        assertEquals(100, a.at("/latency_ms/p99").doubleValue(), 0);
        assertEquals("a", a.get("id").textValue());
        assertEquals("src", a.get("source").textValue());
        assertEquals("FAILED", a.get("state").textValue());
        assertEquals(0, a.get("fps").doubleValue(), 0);
        assertEquals(12.35, a.get("avg_fps").doubleValue(), 0);
        assertEquals(5, a.get("frames_decoded").longValue());
        assertEquals(4, a.get("frames_processed").longValue());
        assertEquals(1, a.get("dropped").longValue());
        assertEquals(0, a.get("reconnects").longValue());
        assertEquals("filesrc0: Resource not found. (No such file \"x\")", a.get("last_error").textValue());
        JsonNode b = m.get("streams").get(1);
        assertTrue(b.get("fps").isNull());
        assertTrue(b.get("last_error").isNull());
        assertTrue(b.at("/latency_ms/p99").isNull(), "no result yet: no latency");
        assertTrue(b.get("backoff_s").isNull(), "not reconnecting: no back-off");
        assertEquals(3, b.get("reconnects").longValue());
        assertEquals(0, read(MetricsServer.streamsJson(List.of())).get("streams").size());
    }
}
