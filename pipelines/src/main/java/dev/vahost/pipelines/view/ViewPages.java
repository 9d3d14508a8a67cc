package dev.vahost.pipelines.view;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.vahost.pipelines.StreamStatus;

/**
 * The web view on the service's HTTP port (loopback clients only: the pictures show what the cameras
 * see; reach it from elsewhere through an SSH tunnel or a reverse proxy that authenticates):
 * <ul>
 * <li>{@code GET /view}: a grid of every camera, each tile a picture refreshed at the view rate and the
 *     stream's fps, latency p99, dropped frames, state and last error (from {@code /streams}, each second);</li>
 * <li>{@code GET /view/camera/ID}: one camera larger, with its stats and recent analytics events;</li>
 * <li>{@code GET /view/snapshot/ID.jpg}: the stream's latest annotated picture ({@code X-Vahost-Frame}:
 *     its frame number); asking marks the stream watched. 404 naming the known streams for an unknown
 *     one; 503 with the reason (and {@code Retry-After}) when there is no picture yet;</li>
 * <li>{@code GET /view/events/ID.json}: {@code {"stream", "events": [...]}}, the recent events.</li>
 * </ul>
 * Pictures served and their bytes are counted ({@code vahost_view_served_total},
 * {@code vahost_view_jpeg_bytes_served_total}).
 */
public final class ViewPages {
    private static final Pattern SNAPSHOT = Pattern.compile("/view/snapshot/([A-Za-z0-9_.-]+)\\.jpg");
    private static final Pattern CAMERA = Pattern.compile("/view/camera/([A-Za-z0-9_.-]+)");
    private static final Pattern EVENTS = Pattern.compile("/view/events/([A-Za-z0-9_.-]+)\\.json");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ViewStage view;
    private final Supplier<List<StreamStatus>> streams;
    private final String gridPage, cameraPage;

    public ViewPages(ViewStage view, Supplier<List<StreamStatus>> streams) {
        this.view = java.util.Objects.requireNonNull(view, "view");
        this.streams = java.util.Objects.requireNonNull(streams, "streams");
        String fps = String.format(Locale.ROOT, "%.3f", view.fps());
        this.gridPage = resource("view.html").replace("{{VIEW_FPS}}", fps);
        this.cameraPage = resource("camera.html").replace("{{VIEW_FPS}}", fps);
    }

    private static String resource(String name) {
        try (InputStream in = ViewPages.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("resource " + name + " is missing from the pipelines jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds {@code /view} and everything under it to {@code server}. */
    public void register(HttpServer server) {
        server.createContext("/view", this::handle);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            InetSocketAddress from = ex.getRemoteAddress();
            if (from == null || from.getAddress() == null || !from.getAddress().isLoopbackAddress()) {
                text(ex, 403, "the web view answers loopback clients only (reach it through an SSH tunnel or a reverse proxy)\n");
                return;
            }
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                text(ex, 405, "use GET\n");
                return;
            }
            String path = ex.getRequestURI().getPath();
            Matcher m;
            if (path.equals("/view") || path.equals("/view/")) {
                reply(ex, 200, "text/html; charset=utf-8", gridPage.getBytes(StandardCharsets.UTF_8));
            } else if ((m = SNAPSHOT.matcher(path)).matches()) {
                snapshot(ex, m.group(1));
            } else if ((m = CAMERA.matcher(path)).matches()) {
                String id = m.group(1);
                if (status(id) == null) {
                    unknown(ex, id);
                    return;
                }
                view.touch(id);
                reply(ex, 200, "text/html; charset=utf-8", cameraPage.replace("{{CAMERA}}", id).getBytes(StandardCharsets.UTF_8));
            } else if ((m = EVENTS.matcher(path)).matches()) {
                String id = m.group(1);
                if (status(id) == null) {
                    unknown(ex, id);
                    return;
                }
                reply(ex, 200, "application/json", JSON.writeValueAsBytes(events(id)));
            } else {
                text(ex, 404, "not found: " + path + " (the view has /view, /view/camera/ID, /view/snapshot/ID.jpg, /view/events/ID.json)\n");
            }
        } finally {
            ex.close();
        }
    }

    private Map<String, Object> events(String id) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("stream", id);
        m.put("events", view.recentEvents(id));
        return m;
    }

    private void snapshot(HttpExchange ex, String id) throws IOException {
        StreamStatus s = status(id);
        if (s == null) {
            unknown(ex, id);
            return;
        }
        view.touch(id);
        ViewStage.Picture p = view.picture(id);
        if (p == null) {
            ex.getResponseHeaders().set("Retry-After", "1");
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            text(ex, 503, "no picture of stream '" + id + "' yet: " + why(s) + "\n");
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Vahost-Frame", Long.toString(p.frameNumber()));
        ex.getResponseHeaders().set("X-Vahost-Pts", Long.toString(p.ptsNanos()));
        ex.getResponseHeaders().set("X-Vahost-Age-Ms", Long.toString(Math.max(0, System.currentTimeMillis() - p.madeAtMillis())));
        reply(ex, 200, "image/jpeg", p.jpeg());
        if (!"HEAD".equals(ex.getRequestMethod())) view.served(p.jpeg().length);
    }

    private String why(StreamStatus s) {
        if (!"RUNNING".equals(s.state())) {
            return "the stream is " + s.state() + (s.lastError() == null ? "" : " (last error: " + s.lastError() + ")");
        }
        if (s.framesProcessed() == 0) return "no frame of it has been through the detector yet";
        return String.format(Locale.ROOT, "nobody watched it until now; the first picture comes within about %.1f s", 1 / view.fps() + 0.5);
    }

    private StreamStatus status(String id) {
        for (StreamStatus s : streams.get()) if (s.id().equals(id)) return s;
        return null;
    }

    private void unknown(HttpExchange ex, String id) throws IOException {
        List<String> ids = streams.get().stream().map(StreamStatus::id).toList();
        text(ex, 404, "no stream named '" + id + "' (streams: " + (ids.isEmpty() ? "none" : String.join(", ", ids)) + ")\n");
    }

    private static void text(HttpExchange ex, int code, String body) throws IOException {
        reply(ex, code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void reply(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head) {
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        }
    }
}
