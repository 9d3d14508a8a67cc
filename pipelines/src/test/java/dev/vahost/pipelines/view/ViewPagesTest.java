package dev.vahost.pipelines.view;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.analytics.AnalyticsFactory;
import dev.vahost.pipelines.output.MetricsServer;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageRunner;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The web view's HTTP side on the service's server: the pages, the picture of a stream (404 for an
 * unknown one, 503 with the reason before the first, then the JPEG with its frame number), the
 * events, the bytes served counted in /metrics, and loopback-only access. The page's JavaScript runs
 * in ViewBrowserTest.
 */
class ViewPagesTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    static StreamStatus status(String id, String state, long processed, String error) {
        return new StreamStatus(id, id + " (test)", state, 29.5, 29.9, processed + 3, processed, 7, 0, error, 10, 20, 30);
    }

    HttpResponse<byte[]> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static String body(HttpResponse<byte[]> r) {
        return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Test
    void pagesPicturesEventsAndCounts() throws Exception {
        AtomicLong clock = new AtomicLong(0);
        ViewStage v = new ViewStage("view", 2, 5_000_000_000L, Set.of(), 85, null, clock::get);
        AtomicReference<List<AnalyticsFactory.Event>> nextEvents = new AtomicReference<>();
        Stage events = batch -> {
            List<AnalyticsFactory.Event> e = nextEvents.getAndSet(null);
            if (e != null) batch.frames().get(0).meta().put(AnalyticsFactory.EVENTS, e);
        };
        List<StreamStatus> streams = List.of(status("a", "RUNNING", 100, null), status("b", "RECONNECTING", 0, "boom"));
        try (TestFrames tf = new TestFrames();
             StageRunner runner = StageRunner.of(List.of(new StageRunner.Named("ev", "test", events), new StageRunner.Named("view", "view", v)));
             MetricsServer server = new MetricsServer(0, () -> streams, runner.metrics(), null, () -> true, new ViewPages(v, () -> streams))) {
            int port = server.port();
            List<VideoFrame> a = tf.frames("a", 3, 96, 64);

            HttpResponse<byte[]> page = get(port, "/view");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
            assertTrue(body(page).contains("const FPS = 2.000;") && body(page).contains("/view/snapshot/"), body(page));

            HttpResponse<byte[]> unknown = get(port, "/view/snapshot/nope.jpg");
            assertEquals(404, unknown.statusCode());
            assertEquals("no stream named 'nope' (streams: a, b)\n", body(unknown));

            // Before any picture: 503 with the reason, and asking made the stream watched.
            HttpResponse<byte[]> none = get(port, "/view/snapshot/a.jpg");
            assertEquals(503, none.statusCode());
            assertEquals("1", none.headers().firstValue("Retry-After").orElse(null));
            assertTrue(body(none).startsWith("no picture of stream 'a' yet: nobody watched it until now"), body(none));
            assertTrue(v.watched("a"));
            HttpResponse<byte[]> down = get(port, "/view/snapshot/b.jpg");
            assertEquals(503, down.statusCode());
            assertEquals("no picture of stream 'b' yet: the stream is RECONNECTING (last error: boom)\n", body(down));

            List<FrameResult.Detection> box = List.of(new FrameResult.Detection(2, "thing", 0.8f, 10, 20, 60, 50));
            nextEvents.set(List.of(new AnalyticsFactory.Event("zone_entered", "a", 0, 0, "door", null, 9L, 2, "thing", 35.0, 50.0, null, null)));
            runner.run(List.of(TestFrames.result(a.get(0), box)), List.of(a.get(0)), null);
            assertTrue(v.awaitRendered(20_000));

            long served = 0;
            for (int k = 0; k < 2; k++) {
                HttpResponse<byte[]> pic = get(port, "/view/snapshot/a.jpg");
                assertEquals(200, pic.statusCode(), body(pic));
                assertEquals("image/jpeg", pic.headers().firstValue("Content-Type").orElse(null));
                assertEquals("0", pic.headers().firstValue("X-Vahost-Frame").orElse(null));
                assertEquals("no-store", pic.headers().firstValue("Cache-Control").orElse(null));
                BufferedImage img = ImageIO.read(new ByteArrayInputStream(pic.body()));
                assertEquals(96, img.getWidth());
                served += pic.body().length;
            }
            String metrics = body(get(port, "/metrics"));
            assertTrue(metrics.contains("\nvahost_view_jpeg_bytes_served_total " + served + ".0\n"), metrics);
            assertTrue(metrics.contains("\nvahost_view_served_total 2.0\n"), metrics);
            assertTrue(metrics.contains("\nvahost_view_pictures_total{stream=\"a\"} 1.0\n"), metrics);

            HttpResponse<byte[]> camera = get(port, "/view/camera/a");
            assertEquals(200, camera.statusCode());
            assertTrue(body(camera).contains("const ID = \"a\""), body(camera));
            assertEquals(404, get(port, "/view/camera/zz").statusCode());

            JsonNode ev = JSON.readTree(get(port, "/view/events/a.json").body());
            assertEquals("a", ev.get("stream").textValue());
            assertEquals(1, ev.get("events").size());
            assertEquals("zone_entered", ev.at("/events/0/type").textValue());
            assertEquals("door", ev.at("/events/0/name").textValue());
            assertEquals(0, JSON.readTree(get(port, "/view/events/b.json").body()).get("events").size());
            assertEquals(404, get(port, "/view/events/zz.json").statusCode());

            HttpResponse<byte[]> other = get(port, "/view/what");
            assertEquals(404, other.statusCode());
            assertTrue(body(other).contains("/view/snapshot/ID.jpg"), body(other));
            assertTrue(body(get(port, "/nothing")).contains("/view"), "the server's 404 lists /view");
            HttpResponse<byte[]> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/view"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(405, post.statusCode());
        }
    }

    /** From an address of this machine that is not loopback, the view answers 403 (skipped where the machine has none). */
    @Test
    void loopbackClientsOnly() throws Exception {
        InetAddress external = null;
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isUp() || ni.isLoopback()) continue;
            for (InetAddress ad : Collections.list(ni.getInetAddresses())) if (ad instanceof Inet4Address) external = ad;
        }
        Assumptions.assumeTrue(external != null, "no non-loopback IPv4 address on this machine");
        ViewStage v = new ViewStage("view", 2, 5_000_000_000L, Set.of(), 85, null);
        List<StreamStatus> streams = List.of(status("a", "RUNNING", 1, null));
        try (MetricsServer server = new MetricsServer(0, () -> streams, () -> io.prometheus.metrics.model.snapshots.MetricSnapshots.of(),
                null, () -> true, new ViewPages(v, () -> streams))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + external.getHostAddress() + ":" + server.port()
                    + "/view/snapshot/a.jpg")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(403, r.statusCode());
            assertTrue(r.body().contains("loopback clients only"), r.body());
            assertFalse(v.watched("a"), "a refused request watches nothing");
        } finally {
            v.close();
        }
    }
}
