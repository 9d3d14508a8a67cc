package dev.vahost.pipelines.output;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.vahost.pipelines.StreamStatus;

/**
 * The service's HTTP endpoint (JDK HttpServer): {@code /metrics} in Prometheus text format and
 * {@code /streams} as JSON, both from one snapshot of every stream.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;

    /** Binds {@code port} (0 picks a free one) on all interfaces. */
    public MetricsServer(int port, Supplier<List<StreamStatus>> streams, Supplier<String> extraMetrics) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("metrics port must be within 0..65535, got " + port);
        try {
            server = HttpServer.create(new InetSocketAddress(port), 16);
        } catch (IOException e) {
            throw new IllegalArgumentException("--metrics-port " + port + ": cannot listen (" + e.getMessage() + ")", e);
        }
        server.createContext("/metrics", ex -> reply(ex, "text/plain; version=0.0.4; charset=utf-8",
                prometheus(streams.get()) + extraMetrics.get()));
        server.createContext("/streams", ex -> reply(ex, "application/json", streamsJson(streams.get())));
        server.createContext("/", ex -> reply(ex, 404, "text/plain", "not found: try /metrics or /streams\n"));
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

    private static void reply(HttpExchange ex, String type, String body) throws IOException {
        reply(ex, 200, type, body);
    }

    private static void reply(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    /** Prometheus text exposition: one gauge/counter family per figure, labelled by stream. */
    public static String prometheus(List<StreamStatus> ss) {
        StringBuilder b = new StringBuilder(256 + 512 * ss.size());
        family(b, "vahost_stream_fps", "gauge", "Frames per second through the detector over the last perf interval", ss,
                s -> Json.num(s.fps()));
        family(b, "vahost_stream_avg_fps", "gauge", "Frames per second through the detector since the stream's first frame", ss,
                s -> Json.num(s.avgFps()));
        family(b, "vahost_stream_frames_decoded_total", "counter", "Frames pulled from the decoder", ss,
                s -> Long.toString(s.framesDecoded()));
        family(b, "vahost_stream_frames_processed_total", "counter", "Frames that went through the detector", ss,
                s -> Long.toString(s.framesProcessed()));
        family(b, "vahost_stream_frames_dropped_total", "counter", "Frames dropped because consumers fell behind or over the rate cap",
                ss, s -> Long.toString(s.dropped()));
        family(b, "vahost_stream_reconnects_total", "counter", "Times the source was restarted", ss,
                s -> Long.toString(s.reconnects()));
        family(b, "vahost_stream_up", "gauge", "1 while the stream is running", ss, s -> "RUNNING".equals(s.state()) ? "1" : "0");
        return b.toString();
    }

    private static void family(StringBuilder b, String name, String type, String help, List<StreamStatus> ss,
                               java.util.function.Function<StreamStatus, String> value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        for (StreamStatus s : ss) {
            String v = value.apply(s);
            b.append(name).append("{stream=\"").append(label(s.id())).append("\"} ").append("null".equals(v) ? "NaN" : v).append('\n');
        }
    }

    private static String label(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    public static String streamsJson(List<StreamStatus> ss) {
        StringBuilder b = new StringBuilder("{\"streams\":[");
        for (int i = 0; i < ss.size(); i++) {
            StreamStatus s = ss.get(i);
            if (i > 0) b.append(',');
            b.append("{\"id\":").append(Json.str(s.id())).append(",\"source\":").append(Json.str(s.source()))
                    .append(",\"state\":").append(Json.str(s.state())).append(",\"fps\":").append(Json.num(s.fps()))
                    .append(",\"avg_fps\":").append(Json.num(s.avgFps())).append(",\"frames_decoded\":").append(s.framesDecoded())
                    .append(",\"frames_processed\":").append(s.framesProcessed()).append(",\"dropped\":").append(s.dropped())
                    .append(",\"reconnects\":").append(s.reconnects()).append(",\"last_error\":").append(Json.str(s.lastError()))
                    .append('}');
        }
        return b.append("]}").toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
