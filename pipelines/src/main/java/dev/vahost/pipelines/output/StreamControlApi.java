package dev.vahost.pipelines.output;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.source.SourceSpec;

/**
 * Adding and removing cameras while the service runs, with DeepStream's REST fields:
 * {@code POST /api/v1/stream/add} and {@code POST /api/v1/stream/remove} take
 * {@code {"key":"sensor","value":{"camera_id","camera_name","camera_url","change"}}} (or the
 * {@code value} object alone); {@code GET /api/v1/streams} lists the streams as {@code /streams}
 * does. {@code camera_id} names the stream; {@code camera_url} is anything {@code --source} takes
 * (rtsp://, file:// or a path, synthetic:WxH@FPS).
 *
 * <p>Access: without a token only loopback clients may call it (403 otherwise); with a token every
 * call needs {@code Authorization: Bearer TOKEN} (401 otherwise). Errors are 4xx with a JSON
 * {@code {"error": reason}}: 400 bad JSON or fields, 404 unknown camera, 405 wrong method, 409 a
 * camera id in use, 413 a body over 64 KiB.
 */
public final class StreamControlApi {
    /** What the API changes: the service's sources. */
    public interface Control {
        /** @throws IllegalArgumentException for a bad or duplicate spec (the message says which) */
        void add(SourceSpec spec);

        /** @throws IllegalArgumentException for an unknown stream */
        void remove(String id);

        /** The service's own sources. */
        static Control of(dev.vahost.pipelines.AnalyticsService<?> service) {
            return new Control() {
                @Override
                public void add(SourceSpec spec) {
                    service.addSource(spec);
                }

                @Override
                public void remove(String id) {
                    service.removeSource(id);
                }
            };
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 64 * 1024;
    private final Control control;
    private final Supplier<List<StreamStatus>> streams;
    private final byte[] token;

    /** @param token the access token, or null: loopback clients only */
    public StreamControlApi(Control control, Supplier<List<StreamStatus>> streams, String token) {
        this.control = control;
        this.streams = streams;
        this.token = token == null || token.isEmpty() ? null : token.getBytes(StandardCharsets.UTF_8);
    }

    /** Adds the API's contexts to {@code server}. */
    public void register(HttpServer server) {
        server.createContext("/api/v1/stream/add", ex -> handle(ex, "POST", this::add));
        server.createContext("/api/v1/stream/remove", ex -> handle(ex, "POST", this::remove));
        server.createContext("/api/v1/streams", ex -> handle(ex, "GET", body -> reply(200, MetricsServer.streamsJson(streams.get()))));
    }

    record Reply(int code, String json) {}

    private static Reply reply(int code, String json) {
        return new Reply(code, json);
    }

    private static Reply error(int code, String reason) {
        ObjectNode n = JSON.createObjectNode().put("error", reason);
        return new Reply(code, n.toString());
    }

    interface Handler {
        Reply handle(byte[] body) throws IOException;
    }

    private void handle(HttpExchange ex, String method, Handler h) throws IOException {
        Reply r;
        try {
            r = check(ex, method);
            if (r == null) {
                byte[] body = readBody(ex.getRequestBody());
                r = body == null ? error(413, "request body over " + MAX_BODY + " bytes") : h.handle(body);
            }
        } catch (RuntimeException e) {
            r = error(500, e.toString());
        }
        byte[] out = (r.json() + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(r.code(), out.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(out);
        }
    }

    /** Access and method; null when the call may go on. */
    private Reply check(HttpExchange ex, String method) {
        if (token != null) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            byte[] given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).strip().getBytes(StandardCharsets.UTF_8) : null;
            if (given == null || !MessageDigest.isEqual(given, token)) return error(401, "missing or wrong access token (Authorization: Bearer TOKEN)");
        } else {
            InetAddress from = ex.getRemoteAddress().getAddress();
            if (from == null || !from.isLoopbackAddress()) {
                return error(403, "the stream API answers loopback clients only; start the service with --api-token to allow others");
            }
        }
        if (!method.equals(ex.getRequestMethod())) return error(405, ex.getRequestURI().getPath() + " takes " + method);
        return null;
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        return b.length > MAX_BODY ? null : b;
    }

    /** The sensor fields: the {@code value} object of DeepStream's envelope, or the body itself. */
    private static JsonNode sensor(byte[] body) throws IOException {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new BadRequest("the body is not JSON (" + e.getOriginalMessage() + ")");
        }
        if (n == null || !n.isObject()) throw new BadRequest("expected a JSON object");
        JsonNode v = n.has("value") ? n.get("value") : n;
        if (!v.isObject()) throw new BadRequest("'value' must be an object with camera_id and camera_url");
        return v;
    }

    private static String text(JsonNode v, String field, boolean required) {
        JsonNode f = v.get(field);
        if (f == null || f.isNull()) {
            if (required) throw new BadRequest("'" + field + "' is required");
            return null;
        }
        if (!f.isTextual() || f.asText().isBlank()) throw new BadRequest("'" + field + "' must be a non-empty string");
        return f.asText().strip();
    }

    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    private Reply add(byte[] body) throws IOException {
        try {
            JsonNode v = sensor(body);
            String change = text(v, "change", false);
            if (change != null && !change.equals("camera_add")) throw new BadRequest("'change' must be camera_add here, got '" + change + "'");
            String id = text(v, "camera_id", true), url = text(v, "camera_url", true);
            String spec = url.startsWith("file://") ? url.substring("file://".length()) : url;
            SourceSpec s;
            try {
                s = SourceSpec.parse(id + "=" + spec, id);
            } catch (IllegalArgumentException e) {
                throw new BadRequest("camera " + id + ": " + e.getMessage());
            }
            if (!s.name().equals(id)) throw new BadRequest("camera_id '" + id + "' may not contain '='");
            try {
                control.add(s);
            } catch (IllegalArgumentException e) {
                return error(e.getMessage() != null && e.getMessage().startsWith("duplicate stream name") ? 409 : 400,
                        "camera " + id + ": " + e.getMessage());
            }
            ObjectNode ok = JSON.createObjectNode().put("status", "added").put("camera_id", id);
            String name = text(v, "camera_name", false);
            if (name != null) ok.put("camera_name", name);
            return reply(200, ok.toString());
        } catch (BadRequest e) {
            return error(400, e.getMessage());
        }
    }

    private Reply remove(byte[] body) throws IOException {
        try {
            JsonNode v = sensor(body);
            String change = text(v, "change", false);
            if (change != null && !change.equals("camera_remove")) {
                throw new BadRequest("'change' must be camera_remove here, got '" + change + "'");
            }
            String id = text(v, "camera_id", true);
            try {
                control.remove(id);
            } catch (IllegalArgumentException e) {
                return error(404, "camera " + id + ": " + e.getMessage());
            }
            return reply(200, JSON.createObjectNode().put("status", "removed").put("camera_id", id).toString());
        } catch (BadRequest e) {
            return error(400, e.getMessage());
        }
    }
}
