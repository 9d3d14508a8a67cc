package dev.vahost.pipelines.output;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.view.ViewPages;

/**
 * The service's HTTP endpoint (JDK HttpServer): {@code /metrics} from a Prometheus client registry
 * (the per-stream families from one snapshot of every stream, the caller's detector metrics, and the
 * client's JVM and process metrics), in the text format or OpenMetrics as the scraper asks, and
 * {@code /streams} as JSON (Jackson), on the same port; and, when given, the stream control API and the
 * web view ({@code /view}).
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ExpositionFormats formats = ExpositionFormats.init();

    /**
     * Binds {@code port} (0 picks a free one) on all interfaces.
     *
     * @param extraMetrics more families for /metrics (the detector's), collected at each scrape
     */
    public MetricsServer(int port, Supplier<List<StreamStatus>> streams, MultiCollector extraMetrics) {
        this(port, streams, extraMetrics, null);
    }

    /**
     * With the stream control API ({@link StreamControlApi}) on the same port when {@code api} is given.
     */
    public MetricsServer(int port, Supplier<List<StreamStatus>> streams, MultiCollector extraMetrics, StreamControlApi api) {
        this(port, streams, extraMetrics, api, () -> true);
    }

    /**
     * With {@code /healthz} (200 while the server runs: liveness) and {@code /readyz} (200 when
     * {@code ready} says so, 503 otherwise: readiness, e.g. a cluster worker that has not joined its
     * group yet).
     */
    public MetricsServer(int port, Supplier<List<StreamStatus>> streams, MultiCollector extraMetrics, StreamControlApi api,
                         java.util.function.BooleanSupplier ready) {
        this(port, streams, extraMetrics, api, ready, null);
    }

    /**
     * With the web view ({@code /view} and below, {@link ViewPages}) on the same port when {@code view} is given.
     */
    public MetricsServer(int port, Supplier<List<StreamStatus>> streams, MultiCollector extraMetrics, StreamControlApi api,
                         java.util.function.BooleanSupplier ready, ViewPages view) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("metrics port must be within 0..65535, got " + port);
        registry.register(streamMetrics(streams));
        registry.register(extraMetrics);
        JvmMetrics.builder().register(registry);
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new IllegalArgumentException("--metrics-port " + port + ": cannot listen (" + e.getMessage() + ")", e);
        }
        server.createContext("/metrics", this::metrics);
        server.createContext("/streams", ex -> reply(ex, 200, "application/json", utf8(streamsJson(streams.get()))));
        server.createContext("/healthz", ex -> reply(ex, 200, "text/plain", utf8("ok\n")));
        server.createContext("/readyz", ex -> {
            boolean r = ready.getAsBoolean();
            reply(ex, r ? 200 : 503, "text/plain", utf8(r ? "ready\n" : "not ready\n"));
        });
        if (api != null) api.register(server);
        if (view != null) view.register(server);
        server.createContext("/", ex -> reply(ex, 404, "text/plain", utf8("not found: try /metrics, /streams, /healthz, /readyz"
                + (view != null ? ", /view" : "") + (api != null ? " or /api/v1/streams" : "") + "\n")));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void metrics(HttpExchange ex) throws IOException {
        // OpenMetrics when the scraper asks for it, else the Prometheus text format 0.0.4.
        String accept = ex.getRequestHeaders().getFirst("Accept");
        ExpositionFormatWriter w = formats.getOpenMetricsTextFormatWriter().accepts(accept)
                ? formats.getOpenMetricsTextFormatWriter() : formats.getPrometheusTextFormatWriter();
        ByteArrayOutputStream body = new ByteArrayOutputStream(16384);
        w.write(body, registry.scrape());
        reply(ex, 200, w.getContentType(), body.toByteArray());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void reply(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, body.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(body);
        }
    }

    /** The per-stream families, labelled {@code stream}, all from one {@code streams.get()} per scrape. */
    public static MultiCollector streamMetrics(Supplier<List<StreamStatus>> streams) {
        return () -> {
            List<StreamStatus> ss = streams.get();
            return MetricSnapshots.of(
                    gauge("vahost_stream_fps", "Frames per second through the detector over the last perf interval", ss,
                            StreamStatus::fps),
                    gauge("vahost_stream_avg_fps", "Frames per second through the detector since the stream's first frame", ss,
                            StreamStatus::avgFps),
                    counter("vahost_stream_frames_decoded_total", "Frames pulled from the decoder", ss,
                            StreamStatus::framesDecoded),
                    counter("vahost_stream_frames_processed_total", "Frames that went through the detector", ss,
                            StreamStatus::framesProcessed),
                    counter("vahost_stream_frames_dropped_total",
                            "Frames dropped because consumers fell behind or over the rate cap", ss, StreamStatus::dropped),
                    counter("vahost_stream_reconnects_total", "Times the source was restarted", ss, StreamStatus::reconnects),
                    counter("vahost_stream_frames_invalid_total", "Frames from the decoder dropped as unusable (corrupt input)", ss,
                            StreamStatus::framesInvalid),
                    gauge("vahost_stream_backoff_seconds", "While reconnecting: the wait before the next attempt (0 otherwise)", ss,
                            s -> Double.isNaN(s.backoffS()) ? 0 : s.backoffS()),
                    gauge("vahost_stream_up", "1 while the stream is running", ss, s -> "RUNNING".equals(s.state()) ? 1 : 0));
        };
    }

    private static GaugeSnapshot gauge(String name, String help, List<StreamStatus> ss, Function<StreamStatus, Number> value) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (StreamStatus s : ss) {
            b.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("stream", s.id()))
                    .value(value.apply(s).doubleValue()).build());
        }
        return b.build();
    }

    private static CounterSnapshot counter(String name, String help, List<StreamStatus> ss,
                                           Function<StreamStatus, Number> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (StreamStatus s : ss) {
            b.dataPoint(CounterDataPointSnapshot.builder().labels(Labels.of("stream", s.id()))
                    .value(value.apply(s).doubleValue()).build());
        }
        return b.build();
    }

    /** One counter without labels (for callers' metric families). */
    public static CounterSnapshot counter(String name, String help, double value) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().value(value).build()).build();
    }

    /** One gauge without labels (for callers' metric families). */
    public static GaugeSnapshot gauge(String name, String help, double value) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().value(value).build()).build();
    }

    /** The Prometheus text format (0.0.4) of the per-stream families alone. */
    public static String prometheus(List<StreamStatus> ss) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ExpositionFormats.init().getPrometheusTextFormatWriter().write(out, streamMetrics(() -> ss).collect());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * {@code {"streams":[{"id","source","state","fps","avg_fps","frames_decoded","frames_processed",
     * "dropped","reconnects","last_error","frames_invalid","backoff_s","latency_ms":{"p50","p95","p99"}}]}}
     * (backoff_s: while reconnecting, the wait before the next attempt, else null), FPS rounded to 2 decimals,
     * latencies (decoder to results delivered) to 1 (null when not finite: no result yet).
     */
    public static String streamsJson(List<StreamStatus> ss) {
        return JsonLinesWriter.line(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("streams");
            for (StreamStatus s : ss) writeStream(g, s);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    private static void writeStream(JsonGenerator g, StreamStatus s) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", s.id());
        g.writeStringField("source", s.source());
        g.writeStringField("state", s.state());
        g.writeFieldName("fps");
        JsonLinesWriter.rounded(g, s.fps(), 100);
        g.writeFieldName("avg_fps");
        JsonLinesWriter.rounded(g, s.avgFps(), 100);
        g.writeNumberField("frames_decoded", s.framesDecoded());
        g.writeNumberField("frames_processed", s.framesProcessed());
        g.writeNumberField("dropped", s.dropped());
        g.writeNumberField("reconnects", s.reconnects());
        g.writeStringField("last_error", s.lastError());
        g.writeNumberField("frames_invalid", s.framesInvalid());
        g.writeFieldName("backoff_s");
        JsonLinesWriter.rounded(g, s.backoffS(), 1000);
        g.writeObjectFieldStart("latency_ms");
        for (String q : new String[] {"p50", "p95", "p99"}) {
            g.writeFieldName(q);
            JsonLinesWriter.rounded(g, q.equals("p50") ? s.latencyP50Ms() : q.equals("p95") ? s.latencyP95Ms() : s.latencyP99Ms(), 10);
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
