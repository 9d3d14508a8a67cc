package dev.vahost.pipelines.output;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.pipelines.DetectionListener;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.perf.PerfReporter;

/**
 * Writes results as JSON lines (Jackson): one {@code "type":"detections"} object per frame and one
 * {@code "type":"perf"} object per perf interval. One generator for the writer's life, so a frame
 * costs no allocation beyond Jackson's buffer. Thread-safe; flushed on each perf line and on close.
 *
 * <p>Fields, in this order: {@code {"type":"detections","stream","frame","pts","width","height",
 * "detections":[{"class","label","score","box":[x1,y1,x2,y2],"track"}],"meta":{...}}} ("track" only for a
 * detection a tracker stage put on a track) ("meta" only when stages published
 * metadata for the frame: each key's value as Jackson writes it) and {@code {"type":"perf","time",
 * "streams":[{"stream","fps","avg_fps","frames"}]}}. Box coordinates and FPS are rounded to 2 decimals
 * (whole numbers written without a fraction, as before), scores to 4 and always with a fraction
 * ({@code 1.0}, not {@code 1}); a number that is not finite is written as null.
 */
public final class JsonLinesWriter implements DetectionListener, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(JsonLinesWriter.class);
    /** Turns stages' metadata values (records, maps, lists, scalars) into JSON trees. */
    private static final ObjectMapper META = new ObjectMapper();
    /** Shared and thread-safe; the generators it makes never close what they write to (and can write trees). */
    static final JsonFactory JSON = JsonFactory.builder().disable(StreamWriteFeature.AUTO_CLOSE_TARGET).build().setCodec(META);

    private final OutputStream out;
    private final JsonGenerator gen;
    private final boolean closeUnderlying;
    private final boolean framesWithoutDetections;

    private JsonLinesWriter(OutputStream out, boolean closeUnderlying, boolean framesWithoutDetections) throws IOException {
        this.out = out;
        this.closeUnderlying = closeUnderlying;
        this.framesWithoutDetections = framesWithoutDetections;
        this.gen = JSON.createGenerator(out, JsonEncoding.UTF8);
        gen.setRootValueSeparator(null); // each line ends with its own '\n'
    }

    /** "-" for standard output, else a file (created or truncated). */
    public static JsonLinesWriter open(String target, boolean framesWithoutDetections) {
        try {
            if ("-".equals(target)) return new JsonLinesWriter(System.out, false, framesWithoutDetections);
            Path p = Path.of(target);
            if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
            return new JsonLinesWriter(Files.newOutputStream(p), true, framesWithoutDetections);
        } catch (IOException e) {
            throw new IllegalArgumentException("--output " + target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** One frame's line, without the newline. */
    public static String detectionsLine(FrameResult r) {
        return line(g -> writeDetections(g, r));
    }

    /** One perf line, without the newline. */
    public static String perfLine(long unixMillis, List<PerfReporter.StreamFps> fps) {
        return line(g -> writePerf(g, unixMillis, fps));
    }

    static void writeDetections(JsonGenerator g, FrameResult r) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "detections");
        g.writeStringField("stream", r.streamId());
        g.writeNumberField("frame", r.frameNumber());
        g.writeNumberField("pts", r.ptsNanos());
        g.writeNumberField("width", r.width());
        g.writeNumberField("height", r.height());
        g.writeArrayFieldStart("detections");
        for (FrameResult.Detection d : r.detections()) {
            g.writeStartObject();
            g.writeNumberField("class", d.classId());
            g.writeStringField("label", d.label());
            g.writeFieldName("score");
            score(g, d.score());
            g.writeArrayFieldStart("box");
            rounded(g, d.x1(), 100);
            rounded(g, d.y1(), 100);
            rounded(g, d.x2(), 100);
            rounded(g, d.y2(), 100);
            g.writeEndArray();
            if (d.trackId() >= 0) g.writeNumberField("track", d.trackId());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (!r.meta().isEmpty()) {
            g.writeObjectFieldStart("meta");
            for (Map.Entry<String, Object> e : r.meta().entrySet()) {
                g.writeFieldName(e.getKey());
                g.writeTree(metaTree(e.getKey(), e.getValue()));
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    /**
     * A stage's value as a JSON tree, converted before anything is written so that a value Jackson
     * cannot serialise leaves a valid line (with an error object in its place) rather than a torn one.
     */
    private static JsonNode metaTree(String key, Object value) {
        try {
            return META.valueToTree(value);
        } catch (IllegalArgumentException e) {
            LOG.warn("metadata '{}' ({}) cannot be written as JSON: {}", key, value.getClass().getName(), e.getMessage());
            return META.createObjectNode().put("error", "cannot be written as JSON: " + value.getClass().getName());
        }
    }

    static void writePerf(JsonGenerator g, long unixMillis, List<PerfReporter.StreamFps> fps) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "perf");
        g.writeNumberField("time", unixMillis);
        g.writeArrayFieldStart("streams");
        for (PerfReporter.StreamFps s : fps) {
            g.writeStartObject();
            g.writeStringField("stream", s.streamId());
            g.writeFieldName("fps");
            rounded(g, s.fps(), 100);
            g.writeFieldName("avg_fps");
            rounded(g, s.avgFps(), 100);
            g.writeNumberField("frames", s.frames());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /**
     * {@code v} rounded to 1/{@code scale} (half away from zero), as an integer when it is one; null
     * when not finite (JSON has no NaN or infinity).
     */
    static void rounded(JsonGenerator g, double v, double scale) throws IOException {
        if (!Double.isFinite(v)) {
            g.writeNull();
            return;
        }
        double r = Math.abs(v) < 1e12 ? Math.round(v * scale) / scale : v;
        if (r == Math.rint(r) && Math.abs(r) < 1e15) g.writeNumber((long) r);
        else g.writeNumber(r);
    }

    /** A score rounded to 4 decimals, always written as a fraction; null when not finite. */
    static void score(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(Math.round(v * 1e4) / 1e4);
        else g.writeNull();
    }

    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static String line(Body body) {
        StringWriter w = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return w.toString();
    }

    @Override
    public void onResult(FrameResult r) {
        if (!framesWithoutDetections && r.detections().isEmpty()) return;
        write(g -> writeDetections(g, r), false);
    }

    public void perf(List<PerfReporter.StreamFps> fps) {
        long now = System.currentTimeMillis();
        write(g -> writePerf(g, now, fps), true);
    }

    private synchronized void write(Body body, boolean flush) {
        try {
            body.write(gen);
            gen.writeRaw('\n');
            if (flush) gen.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing results failed", e);
        }
    }

    @Override
    public synchronized void close() {
        IOException first = null;
        try {
            gen.close(); // flushes; leaves the stream open
        } catch (IOException e) {
            first = e;
        }
        try {
            if (closeUnderlying) out.close(); else out.flush();
        } catch (IOException e) {
            if (first == null) first = e; else first.addSuppressed(e);
        }
        if (first != null) throw new UncheckedIOException(first);
    }
}
