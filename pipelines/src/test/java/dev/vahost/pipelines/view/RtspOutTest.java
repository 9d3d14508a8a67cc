package dev.vahost.pipelines.view;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.Await;
import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.synth.SyntheticClip;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.Main;
import dev.vahost.pipelines.faults.ProcessProbe;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RTSP out on the CPU path, end to end: the service started from its command line with two synthetic
 * cameras and {@code --rtsp-out a}, and a GStreamer client in this JVM ({@code rtspsrc ! rtph264depay
 * ! h264parse ! openh264dec ! appsink}) playing {@code rtsp://127.0.0.1:PORT/a} for 10 s from its first
 * decoded frame. Checked: frames keep arriving (liveness only) with no ERROR on the client's bus; the
 * client decodes at least 90 % of the frames the stage pushed in those 10 s (all but frames in flight
 * at the window's ends); the decoded pictures show each ground-truth box of the camera frame they
 * show outlined within {@value OutlineOracle#TOLERANCE} px ({@link OutlineOracle}) on at least 80 % of
 * them, and the same pictures against the truth moved 8 px fail (the oracle's negative control); the
 * stream not chosen is never served; after the service stops, the server's threads and sockets are gone.
 * The RTSP server library is required: without it the service fails to start and so does this test.
 *
 * <p>How many frames the stage gets is NOT asserted: it is what the detector processes of camera a,
 * which on a small CPU machine is a fraction of its 15 fps (the batcher drops the rest, counted in
 * /streams; see {@link RtspOutStage}). The output line gives the camera's, the detector's, the stage's
 * and the client's counts side by side.
 *
 * <p>Not covered: the GPU path, several clients at once, clients on other hosts, picture-size changes,
 * the labels' text, boxes drawn where no object is.
 */
class RtspOutTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] CAMS = {"a=synthetic:320x240@15", "b=synthetic:320x240@15"};
    /** Pictures kept for the box oracle (every second decoded frame), and how many it needs at least. */
    static final int PICTURES = 30, MIN_PICTURES = 10;
    static final boolean DEBUG = Boolean.getBoolean("vahost.rtspOutTest.debug");

    /** Counters of stream {@code id} at one moment: the camera's (/streams), the rtsp-out stage's (/metrics), the client's. */
    record Counts(long decoded, long processed, long batcherDropped, long pushed, long stageDropped, long client) {
        static Counts read(HttpClient http, int port, String id, long client) throws IOException, InterruptedException {
            JsonNode s = null;
            for (JsonNode n : JSON.readTree(get(http, port, "/streams")).get("streams")) if (n.get("id").textValue().equals(id)) s = n;
            assertNotNull(s, "stream " + id + " in /streams");
            String m = get(http, port, "/metrics");
            return new Counts(s.get("frames_decoded").longValue(), s.get("frames_processed").longValue(), s.get("dropped").longValue(),
                    metric(m, "vahost_rtsp_out_frames_total", id), metric(m, "vahost_rtsp_out_dropped_total", id), client);
        }

        Counts minus(Counts o) {
            return new Counts(decoded - o.decoded, processed - o.processed, batcherDropped - o.batcherDropped, pushed - o.pushed,
                    stageDropped - o.stageDropped, client - o.client);
        }

        static long metric(String text, String name, String id) {
            String prefix = name + "{stream=\"" + id + "\"} ";
            return text.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length())))
                    .findFirst().orElseThrow(() -> new AssertionError(prefix + "not in /metrics"));
        }
    }

    static String get(HttpClient http, int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    static Path clipCache() {
        return Path.of(System.getProperty("vahost.testClips", "target/test-clips"));
    }

    static CliOptions parse(String... args) {
        return CliOptions.parse(args);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Our own threads by name: none may be left. */
    static List<String> rtspThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith("rtsp-out")).toList();
    }

    @Test
    void aClientPlaysTheChosenStreamWithItsBoxesDrawn() throws Exception {
        GstRuntime.init();
        int tasksBefore = ProcessProbe.threads(), socketsBefore = ProcessProbe.sockets();
        List<String> namesBefore = ProcessProbe.threadNameList();
        int metricsPort = freePort(), rtspPort = freePort();
        // The default batch (16) and queue (4): when the detector is behind, a batch brings up to 4 frames of a at once.
        List<String> args = new ArrayList<>(List.of("--gpu", "off", "--metrics-port", Integer.toString(metricsPort),
                "--output", "none", "--perf-interval-s", "5", "--clip-cache", clipCache().toString(), "--view", "false",
                "--rtsp-out", "a", "--rtsp-port", Integer.toString(rtspPort)));
        for (String c : CAMS) args.addAll(List.of("--source", c));
        CliOptions o = CliOptions.parse(args.toArray(String[]::new));
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger exit = new AtomicInteger(-1);
        AtomicReference<Throwable> crashed = new AtomicReference<>();
        Thread service = new Thread(() -> {
            try {
                exit.set(Main.run(o, stop));
            } catch (Throwable t) {
                crashed.set(t);
            }
        }, "service-under-test");
        service.start();
        HttpClient http = HttpClient.newHttpClient();
        StreamPipeline client = null;
        AtomicLong frames = new AtomicLong(), lastAt = new AtomicLong(), maxGap = new AtomicLong();
        List<RgbImage> pictures = new CopyOnWriteArrayList<>();
        try {
            Await.until("both cameras through the detector", Duration.ofSeconds(180), () -> {
                if (crashed.get() != null) throw new AssertionError("the service failed", crashed.get());
                try {
                    JsonNode ss = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/streams")).build(),
                            HttpResponse.BodyHandlers.ofString()).body()).get("streams");
                    int ready = 0;
                    for (JsonNode s : ss) if ("RUNNING".equals(s.get("state").textValue()) && s.get("frames_processed").longValue() > 0) ready++;
                    return ready == CAMS.length;
                } catch (Exception e) {
                    return false;
                }
            });
            String url = "rtsp://127.0.0.1:" + rtspPort + "/a";
            // latency=500: rtspsrc's jitter buffer (default 2000 ms) holds packets this long; one that comes later is dropped
            // as late, and on a loaded 2-core machine 200 ms was close.
            client = StreamPipeline.fromLaunch("client", "rtspsrc location=" + url + " protocols=tcp latency=500 ! rtph264depay ! h264parse"
                    + " ! openh264dec ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink");
            long clientStart = System.nanoTime();
            client.start(f -> {
                try (f) {
                    long now = System.nanoTime(), n = frames.incrementAndGet();
                    if (lastAt.get() != 0) maxGap.accumulateAndGet(now - lastAt.get(), Math::max);
                    lastAt.set(now);
                    if (n % 2 == 0 && pictures.size() < PICTURES) pictures.add(RgbImage.of(FrameCopies.ofSystemFrame(f)));
                }
            });
            StreamPipeline c = client;
            Await.until("a first decoded frame from " + url, Duration.ofSeconds(60), () -> {
                assertNull(c.lastError(), "the client's bus");
                return frames.get() > 0;
            });
            double firstAfter = (System.nanoTime() - clientStart) / 1e9;
            Counts start = Counts.read(http, metricsPort, "a", frames.get());
            maxGap.set(0);
            Thread.sleep(10_000);
            Counts w = Counts.read(http, metricsPort, "a", frames.get()).minus(start);
            System.out.printf(Locale.ROOT, "[rtsp-out] first frame %.2f s after the client started (rtspsrc latency 500 ms)%n", firstAfter);
            System.out.printf(Locale.ROOT, "[rtsp-out] in the 10 s after it: camera a decoded %d frames, the detector processed %d (the batcher"
                    + " dropped %d; stages see processed frames only), the stage pushed %d to the encoder (dropped %d), the client decoded %d:"
                    + " %.0f %% of the camera's frames, %.0f %% of those pushed; longest gap %.2f s; client error %s%n", w.decoded(), w.processed(),
                    w.batcherDropped(), w.pushed(), w.stageDropped(), w.client(), 100.0 * w.client() / Math.max(1, w.decoded()),
                    100.0 * w.client() / Math.max(1, w.pushed()), maxGap.get() / 1e9, client.lastError());
            assertNull(client.lastError(), "an ERROR on the client's bus");
            // Liveness only: how many frames the stage gets is the detector's speed on this machine (see RtspOutStage).
            assertTrue(w.client() >= 10, "frames keep arriving: " + w.client() + " in 10 s");
            assertTrue(maxGap.get() < 5_000_000_000L, "no stall of 5 s: longest gap " + maxGap.get() / 1e9 + " s");
            // What the stage pushes, the client gets: all but frames in flight at the window's two ends.
            assertTrue(w.client() >= w.pushed() - Math.max(3, w.pushed() / 10),
                    "the client decoded " + w.client() + " of the " + w.pushed() + " frames pushed in the window");

            // The boxes: each picture's outlines lie on the ground-truth edges of the camera frame it shows.
            Await.until(MIN_PICTURES + " pictures kept", Duration.ofSeconds(60), () -> pictures.size() >= MIN_PICTURES);
            SourceSpec spec = SourceSpec.parse(CAMS[0], "x");
            OutlineOracle oracle = new OutlineOracle(spec.width(), spec.height(), SyntheticCameras.seed(0),
                    SyntheticClip.boxesPath(SyntheticCameras.clip(spec, 0, clipCache())));
            List<RgbImage> kept = List.copyOf(pictures);
            int passed = 0, shiftedPassed = 0;
            for (int i = 0; i < kept.size(); i++) {
                RgbImage p = kept.get(i);
                OutlineOracle.Match frame = oracle.identify(p);
                OutlineOracle.Verdict v = oracle.check(p, frame, 0, 0);
                if (v.passed()) passed++;
                // The negative control: the same pictures against the truth moved 8 px right, and 8 px down.
                OutlineOracle.Verdict right = oracle.check(p, frame, 8, 0), down = oracle.check(p, frame, 0, 8);
                if (right.passed() || down.passed()) shiftedPassed++;
                System.out.println("[rtsp-out] picture " + i + ": " + (v.passed() ? "passed, " : "FAILED, ") + v);
                if (DEBUG) System.out.println("[rtsp-out]   moved right: " + right + "\n[rtsp-out]   moved down: " + down);
            }
            System.out.printf(Locale.ROOT, "[rtsp-out] box oracle (outline within %d px of the true edges): %d of %d pictures passed; against"
                    + " the truth moved 8 px (right or down): %d passed%n", OutlineOracle.TOLERANCE, passed, kept.size(), shiftedPassed);
            assertTrue(passed >= 0.8 * kept.size(), passed + " of " + kept.size() + " pictures show the true boxes outlined");
            assertTrue(shiftedPassed <= kept.size() / 10, "the oracle cannot tell boxes 8 px off: " + shiftedPassed + " of " + kept.size()
                    + " pictures passed against the moved truth");

            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            System.out.println("[rtsp-out] " + metrics.lines().filter(l -> l.startsWith("vahost_rtsp_out")).toList());
            assertTrue(metrics.contains("vahost_rtsp_out_frames_total{stream=\"a\"}"), "rtsp out counted for a");
            assertFalse(metrics.contains("vahost_rtsp_out_frames_total{stream=\"b\"}"), "b is not served");
        } finally {
            if (client != null) client.close();
            stop.countDown();
            service.join(60_000);
        }
        assertFalse(service.isAlive(), "the service stops");
        assertNull(crashed.get());
        assertEquals(0, exit.get());
        assertEquals(List.of(), rtspThreads(), "our threads are gone");
        // GLib's thread pools let idle threads go after 15 s: a generous wait for the counts to come back.
        // Threads that are not the server's: the JVM's, this test's HTTP client, the client pipeline's jitter buffer, GLib's
        // process-wide workers (gmain, dconf worker: started once by GIO, never stopped) and the service's metrics server.
        java.util.function.Predicate<String> notServers = n -> n.startsWith("HttpClient-") || n.startsWith("G1 ") || n.startsWith("GC Thread")
                || n.startsWith("C1 ") || n.startsWith("C2 ") || n.equals("gmain") || n.equals("dconf worker") || n.equals("rtpjitterbuffer")
                || n.equals("metrics-http") || n.startsWith("prometheus-metr");
        AtomicReference<List<String>> left = new AtomicReference<>();
        // GStreamer's and GLib's thread pools let idle threads go after 15 s: a generous wait.
        Await.until("the server's threads gone", Duration.ofSeconds(60), () -> {
            List<String> now = new ArrayList<>(ProcessProbe.threadNameList());
            for (String n : namesBefore) now.remove(n);
            now.removeIf(notServers);
            left.set(now);
            return now.isEmpty();
        });
        int sockets = ProcessProbe.sockets();
        System.out.printf(Locale.ROOT, "[rtsp-out] after close: %d threads (before %d; new ones, none the server's: %s), %d sockets (before %d)%n",
                ProcessProbe.threads(), tasksBefore, minus(ProcessProbe.threadNameList(), namesBefore), sockets, socketsBefore);
        assertTrue(sockets <= socketsBefore + 2, "sockets after close " + sockets + ", before " + socketsBefore);
    }

    static List<String> minus(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String n : b) out.remove(n);
        return out;
    }

    @Test
    void badValuesAndAnUnknownStreamAreRefusedNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("--rtsp-out", "a", "--rtsp-port", "70000"));
        assertTrue(e.getMessage().contains("--rtsp-port") && e.getMessage().contains("70000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--rtsp-out", "a/b"));
        assertTrue(e.getMessage().contains("--rtsp-out") && e.getMessage().contains("a/b"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--rtsp-port", "8555"));
        assertTrue(e.getMessage().contains("--rtsp-port") && e.getMessage().contains("--rtsp-out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> parse("--rtsp-out", "a", "--stage", "rtsp-out={\"stream\": \"a\"}"));
        assertTrue(e.getMessage().contains("--rtsp-out"), e.getMessage());
        CliOptions o = parse("--gpu", "off", "--source", "a=synthetic:320x240@5", "--rtsp-out", "zzz", "--output", "none",
                "--clip-cache", clipCache().toString());
        e = assertThrows(IllegalArgumentException.class, () -> Main.run(o, new CountDownLatch(1)));
        assertTrue(e.getMessage().contains("--rtsp-out") && e.getMessage().contains("'zzz'") && e.getMessage().contains("a"), e.getMessage());
        assertTrue(CliOptions.usage().contains("--rtsp-out") && CliOptions.usage().contains("x264enc"), "--help tells of it");
        System.out.println("[rtsp-out] unknown stream: " + e.getMessage());
    }
}
