package dev.vahost.pipelines.output;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.vahost.pipelines.DetectionListener;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.perf.PerfReporter;

/**
 * Writes results as JSON lines: one {@code "type":"detections"} object per frame and one
 * {@code "type":"perf"} object per perf interval. Thread-safe; flushed on each perf line and on close.
 */
public final class JsonLinesWriter implements DetectionListener, AutoCloseable {
    private final Writer out;
    private final boolean closeUnderlying;
    private final boolean framesWithoutDetections;

    private JsonLinesWriter(Writer out, boolean closeUnderlying, boolean framesWithoutDetections) {
        this.out = out;
        this.closeUnderlying = closeUnderlying;
        this.framesWithoutDetections = framesWithoutDetections;
    }

    /** "-" for standard output, else a file (created or truncated). */
    public static JsonLinesWriter open(String target, boolean framesWithoutDetections) {
        if ("-".equals(target)) {
            return new JsonLinesWriter(new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16),
                    false, framesWithoutDetections);
        }
        try {
            Path p = Path.of(target);
            if (p.toAbsolutePath().getParent() != null) Files.createDirectories(p.toAbsolutePath().getParent());
            return new JsonLinesWriter(Files.newBufferedWriter(p, StandardCharsets.UTF_8), true, framesWithoutDetections);
        } catch (IOException e) {
            throw new IllegalArgumentException("--output " + target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    public static String detectionsLine(FrameResult r) {
        StringBuilder b = new StringBuilder(128 + 96 * r.detections().size());
        b.append("{\"type\":\"detections\",\"stream\":").append(Json.str(r.streamId()))
                .append(",\"frame\":").append(r.frameNumber())
                .append(",\"pts\":").append(r.ptsNanos())
                .append(",\"width\":").append(r.width()).append(",\"height\":").append(r.height())
                .append(",\"detections\":[");
        for (int i = 0; i < r.detections().size(); i++) {
            FrameResult.Detection d = r.detections().get(i);
            if (i > 0) b.append(',');
            b.append("{\"class\":").append(d.classId()).append(",\"label\":").append(Json.str(d.label()))
                    .append(",\"score\":").append(Json.num4(d.score()))
                    .append(",\"box\":[").append(Json.num(d.x1())).append(',').append(Json.num(d.y1())).append(',')
                    .append(Json.num(d.x2())).append(',').append(Json.num(d.y2())).append("]}");
        }
        return b.append("]}").toString();
    }

    public static String perfLine(long unixMillis, List<PerfReporter.StreamFps> fps) {
        StringBuilder b = new StringBuilder("{\"type\":\"perf\",\"time\":").append(unixMillis).append(",\"streams\":[");
        for (int i = 0; i < fps.size(); i++) {
            PerfReporter.StreamFps s = fps.get(i);
            if (i > 0) b.append(',');
            b.append("{\"stream\":").append(Json.str(s.streamId())).append(",\"fps\":").append(Json.num(s.fps()))
                    .append(",\"avg_fps\":").append(Json.num(s.avgFps())).append(",\"frames\":").append(s.frames()).append('}');
        }
        return b.append("]}").toString();
    }

    @Override
    public void onResult(FrameResult r) {
        if (!framesWithoutDetections && r.detections().isEmpty()) return;
        write(detectionsLine(r), false);
    }

    public void perf(List<PerfReporter.StreamFps> fps) {
        write(perfLine(System.currentTimeMillis(), fps), true);
    }

    private synchronized void write(String line, boolean flush) {
        try {
            out.write(line);
            out.write('\n');
            if (flush) out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("writing results failed", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            out.flush();
            if (closeUnderlying) out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
