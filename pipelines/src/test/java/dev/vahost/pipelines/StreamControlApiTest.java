package dev.vahost.pipelines;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.detect.Detectors;
import dev.vahost.pipelines.output.MetricsServer;
import dev.vahost.pipelines.output.StreamControlApi;
import dev.vahost.pipelines.source.SourceSpec;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Cameras added and removed through the HTTP API while the service runs (CPU path, synthetic
 * cameras), with DeepStream's request bodies; bad requests get 4xx with a reason; the token and the
 * loopback rule.
 */
class StreamControlApiTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static HttpResponse<String> call(String base, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String sensor(String id, String url, String change) {
        return "{\"key\":\"sensor\",\"value\":{\"camera_id\":\"" + id + "\",\"camera_name\":\"front door\",\"camera_url\":\"" + url
                + "\",\"change\":\"" + change + "\"},\"headers\":{\"source\":\"test\"}}";
    }

    static StreamControlApi api(AnalyticsService<?> s, String token) {
        return new StreamControlApi(StreamControlApi.Control.of(s), s::status, token);
    }

    @Test
    void camerasComeAndGoThroughTheApiWhileRunning() throws Exception {
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0), DecodeOnlyDetector.cpu());
             MetricsServer http = new MetricsServer(0, s::status, Detectors.metrics(s), api(s, null))) {
            String base = "http://127.0.0.1:" + http.port();
            s.addSource(SourceSpec.parse("first=synthetic:160x120@30", "x"));
            HttpResponse<String> add = call(base, "POST", "/api/v1/stream/add", sensor("door", "synthetic:160x120@15", "camera_add"), null);
            assertEquals(200, add.statusCode(), add.body());
            assertEquals("added", JSON.readTree(add.body()).get("status").asText());
            await("the added camera to run", Duration.ofSeconds(60),
                    () -> s.status().stream().anyMatch(x -> x.id().equals("door") && x.framesProcessed() > 5));
            // The value object alone is accepted too.
            assertEquals(200, call(base, "POST", "/api/v1/stream/add", "{\"camera_id\":\"yard\",\"camera_url\":\"synthetic:160x120@10\"}",
                    null).statusCode());
            JsonNode list = JSON.readTree(call(base, "GET", "/api/v1/streams", null, null).body()).get("streams");
            assertEquals(List.of("door", "first", "yard"), ids(list));

            // Bad requests: each a 4xx with its reason.
            assertError(call(base, "POST", "/api/v1/stream/add", sensor("door", "synthetic:160x120@15", "camera_add"), null), 409,
                    "duplicate stream name 'door'");
            assertError(call(base, "POST", "/api/v1/stream/add", "{not json", null), 400, "the body is not JSON");
            assertError(call(base, "POST", "/api/v1/stream/add", "{\"value\":{\"camera_id\":\"x\"}}", null), 400, "'camera_url' is required");
            assertError(call(base, "POST", "/api/v1/stream/add", sensor("x", "synthetic:10x10@30", "camera_add"), null), 400, "camera x: ");
            assertError(call(base, "POST", "/api/v1/stream/add", sensor("x", "synthetic", "camera_remove"), null), 400,
                    "'change' must be camera_add here");
            assertError(call(base, "GET", "/api/v1/stream/add", null, null), 405, "takes POST");
            assertError(call(base, "POST", "/api/v1/stream/add", "{\"camera_id\":\"" + "x".repeat(70_000) + "\"}", null), 413, "over 65536");

            HttpResponse<String> rm = call(base, "POST", "/api/v1/stream/remove", sensor("door", "", "camera_remove"), null);
            assertEquals(200, rm.statusCode(), rm.body());
            assertError(call(base, "POST", "/api/v1/stream/remove", sensor("door", "", "camera_remove"), null), 404, "no stream named 'door'");
            assertEquals(List.of("first", "yard"), ids(JSON.readTree(call(base, "GET", "/api/v1/streams", null, null).body()).get("streams")));
            long first = s.status().stream().filter(x -> x.id().equals("first")).findFirst().orElseThrow().framesProcessed();
            await("the other cameras to go on", Duration.ofSeconds(30),
                    () -> s.status().stream().filter(x -> x.id().equals("first")).findFirst().orElseThrow().framesProcessed() > first + 5);
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }

    @Test
    void aTokenIsRequiredWhenSetAndOtherwiseOnlyLoopbackMayCall() throws Exception {
        String token = "t0ken-abcdefghijklmnop";
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0), DecodeOnlyDetector.cpu());
             MetricsServer http = new MetricsServer(0, s::status, Detectors.metrics(s), api(s, token))) {
            String base = "http://127.0.0.1:" + http.port();
            assertError(call(base, "GET", "/api/v1/streams", null, null), 401, "missing or wrong access token");
            assertError(call(base, "GET", "/api/v1/streams", null, "wrong-token-0123456789"), 401, "missing or wrong access token");
            assertEquals(200, call(base, "GET", "/api/v1/streams", null, token).statusCode());
            assertEquals(200, call(base, "GET", "/metrics", null, null).statusCode(), "/metrics needs no token");
        }
        InetAddress other = nonLoopbackAddress();
        if (other == null) {
            System.out.println("[vahost] not checked here: a call from a non-loopback address (this machine has none)");
            return;
        }
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0), DecodeOnlyDetector.cpu());
             MetricsServer http = new MetricsServer(0, s::status, Detectors.metrics(s), api(s, null))) {
            String base = "http://" + other.getHostAddress() + ":" + http.port();
            assertError(call(base, "GET", "/api/v1/streams", null, null), 403, "loopback clients only");
            assertEquals(200, call(base, "GET", "/streams", null, null).statusCode(), "the read-only endpoints answer everyone");
        }
    }

    static InetAddress nonLoopbackAddress() throws Exception {
        for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!n.isUp() || n.isLoopback()) continue;
            for (InetAddress a : Collections.list(n.getInetAddresses())) if (a instanceof Inet4Address && !a.isLoopbackAddress()) return a;
        }
        return null;
    }

    static void assertError(HttpResponse<String> r, int code, String reason) throws Exception {
        assertEquals(code, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains(reason), r.body());
    }

    static List<String> ids(JsonNode streams) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode n : streams) out.add(n.get("id").asText());
        return out;
    }
}
