package dev.vahost.pipelines.view;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
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
import dev.vahost.ops.HostImage;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.Main;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RTSP out on the CPU path, end to end: the service started from its command line with two synthetic
 * cameras and {@code --rtsp-out a}, and a GStreamer client in this JVM ({@code rtspsrc ! rtph264depay
 * ! h264parse ! openh264dec ! appsink}) playing {@code rtsp://127.0.0.1:PORT/a} for 10 s. Checked: frames
 * keep arriving with no ERROR on the client's bus; the decoded pictures show the boxes' outlines in
 * their class's colour on the synthetic objects (ground truth of the camera); the stream not chosen
 * is never copied; after the service stops, the server's threads and sockets are gone.
 * The RTSP server library is required: without it the service fails to start and so does this test.
 *
 * <p>Not covered: the GPU path, several clients at once, clients on other hosts, picture-size changes.
 */
class RtspOutTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] CAMS = {"a=synthetic:320x240@15", "b=synthetic:320x240@15"};

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

    static int tasks() {
        return Objects.count(Path.of("/proc/self/task"));
    }

    /** The names of this process's threads (as the kernel has them). */
    static List<String> taskNames() {
        List<String> out = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) s::iterator) {
                try {
                    out.add(Files.readString(t.resolve("comm")).trim());
                } catch (IOException ignored) {
                    // ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** Our own threads by name: none may be left. */
    static List<String> rtspThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(n -> n.startsWith("rtsp-out")).toList();
    }

    static final class Objects {
        static int count(Path dir) {
            try (var s = Files.list(dir)) {
                return (int) s.count();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static int sockets() {
            int n = 0;
            try (var s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) s::iterator) {
                    try {
                        if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) n++;
                    } catch (IOException ignored) {
                        // closed meanwhile
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return n;
        }
    }

    @Test
    void aClientPlaysTheChosenStreamWithItsBoxesDrawn() throws Exception {
        GstRuntime.init();
        int tasksBefore = tasks(), socketsBefore = Objects.sockets();
        List<String> namesBefore = taskNames();
        int metricsPort = freePort(), rtspPort = freePort();
        List<String> args = new ArrayList<>(List.of("--gpu", "off", "--metrics-port", Integer.toString(metricsPort), "--batch-size", "4",
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
            client = StreamPipeline.fromLaunch("client", "rtspsrc location=" + url + " protocols=tcp latency=200 ! rtph264depay ! h264parse"
                    + " ! openh264dec ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink");
            client.start(f -> {
                try (f) {
                    long now = System.nanoTime(), n = frames.incrementAndGet();
                    if (lastAt.get() != 0) maxGap.accumulateAndGet(now - lastAt.get(), Math::max);
                    lastAt.set(now);
                    if (n % 15 == 5 && pictures.size() < 8) {
                        HostImage copy = FrameCopies.ofSystemFrame(f);
                        pictures.add(RgbImage.of(copy));
                    }
                }
            });
            StreamPipeline c = client;
            Await.until("a first decoded frame from " + url, Duration.ofSeconds(60), () -> {
                assertNull(c.lastError(), "the client's bus");
                return frames.get() > 0;
            });
            long first = frames.get();
            maxGap.set(0);
            Thread.sleep(10_000);
            long played = frames.get() - first;
            System.out.printf(Locale.ROOT, "[rtsp-out] client: %d frames in 10 s (stream at 15 fps), longest gap %.2f s, error %s%n", played,
                    maxGap.get() / 1e9, client.lastError());
            assertNull(client.lastError(), "an ERROR on the client's bus");
            assertTrue(played >= 30, "frames keep arriving: " + played + " in 10 s");
            assertTrue(maxGap.get() < 5_000_000_000L, "no stall of 5 s: longest gap " + maxGap.get() / 1e9 + " s");
            Await.until("8 pictures kept", Duration.ofSeconds(60), () -> pictures.size() >= 8);

            // The boxes: each picture's outlines lie on the objects of one frame of the camera's ground truth.
            SourceSpec spec = SourceSpec.parse(CAMS[0], "x");
            List<String> truth = Files.readAllLines(SyntheticClip.boxesPath(SyntheticCameras.clip(spec, 0, clipCache())));
            int matched = 0;
            for (RgbImage p : pictures) {
                assertEquals(320, p.width());
                if (outlinedFrame(p, truth) >= 0) matched++;
            }
            System.out.println("[rtsp-out] pictures whose boxes are outlined on the objects of a ground-truth frame: " + matched + " of " + pictures.size());
            assertTrue(matched >= 5, matched + " of " + pictures.size() + " pictures show the true boxes outlined");

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
            List<String> now = new ArrayList<>(taskNames());
            for (String n : namesBefore) now.remove(n);
            now.removeIf(notServers);
            left.set(now);
            return now.isEmpty();
        });
        int sockets = Objects.sockets();
        System.out.printf(Locale.ROOT, "[rtsp-out] after close: %d threads (before %d; new ones, none the server's: %s), %d sockets (before %d)%n",
                tasks(), tasksBefore, minus(taskNames(), namesBefore), sockets, socketsBefore);
        assertTrue(sockets <= socketsBefore + 2, "sockets after close " + sockets + ", before " + socketsBefore);
    }

    static List<String> minus(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        for (String n : b) out.remove(n);
        return out;
    }

    /**
     * The ground-truth frame whose boxes {@code p} shows outlined, or -1. A box is outlined when its
     * left, right and bottom true edges (the top has the label; an edge where another box's label may
     * lie is left out, and at least two must be judged) have the class's colour within {@value #SLACK} px
     * on at least 8 of 11 points each, while the vertical line through its centre
     * (the object's own colours) does not: a vivid object of the same colour is not taken for an
     * outline. Colour is judged by hue dominance, not distance, as 4:2:0 H.264 smears a 2-px outline's
     * chroma with its neighbours: green G - max(R, B) >= 50, magenta min(R, B) - G >= 50, cyan
     * min(G, B) - R >= 50. A frame matches when at least two of its boxes of at least 30 px each way, and 70 % of
     * them, are outlined (a box at the picture's border or under several labels may miss an edge).
     */
    static int outlinedFrame(RgbImage p, List<String> truth) throws IOException {
        for (String line : truth) {
            JsonNode gt = JSON.readTree(line);
            int judged = 0, ok = 0;
            List<int[]> labels = new ArrayList<>(); // {first column, first row, last row} where a label may lie (as ViewBrowserTest)
            for (JsonNode bx : gt.get("boxes")) {
                int l = bx.get(1).intValue(), t = bx.get(2).intValue(), room = t - 9 - SLACK;
                labels.add(room >= 0 ? new int[] {l - SLACK, room, t - 1 + SLACK} : new int[] {l - SLACK, 0, t + 8 + SLACK});
            }
            for (JsonNode bx : gt.get("boxes")) {
                int cls = bx.get(0).intValue(), x1 = bx.get(1).intValue(), y1 = bx.get(2).intValue(), x2 = bx.get(3).intValue() - 1,
                        y2 = bx.get(4).intValue() - 1;
                if (x2 - x1 < 30 || y2 - y1 < 30 || cls > 2) continue;
                judged++;
                // An edge a label may cover is not judged; at least two of the three must be, and pass.
                int edgesJudged = 0, edgesOk = 0;
                for (int[] e : new int[][] {{x1, y1, y2, 1}, {x2, y1, y2, 1}, {y2, x1, x2, 0}}) {
                    if (labelOver(labels, e[0], e[1], e[2], e[3] == 1)) continue;
                    edgesJudged++;
                    if (edge(p, e[0], e[1], e[2], e[3] == 1, cls)) edgesOk++;
                }
                boolean edges = edgesJudged >= 2 && edgesOk == edgesJudged;
                if (DEBUG && edgesOk >= 2) System.out.println("[rtsp-out] frame " + gt.get("frame") + " box " + bx + ": edges " + edgesOk + "/" + edgesJudged
                        + " centre hits " + hits(p, (x1 + x2) / 2, y1, y2, true, cls, 0));
                boolean centre = hits(p, (x1 + x2) / 2, y1, y2, true, cls, 0) >= 4;
                if (edges && !centre) ok++;
            }
            if (ok >= 2 && ok >= 0.7 * judged) return gt.get("frame").intValue();
        }
        return -1;
    }

    static final int SLACK = 6;
    static final boolean DEBUG = false;

    static boolean labelOver(List<int[]> labels, int at, int a, int b, boolean vertical) {
        for (int k = 0; k <= 10; k++) {
            int along = a + (int) Math.round((b - a) * (0.2 + 0.06 * k));
            int x = vertical ? at : along, y = vertical ? along : at;
            if (labels.stream().anyMatch(l -> x >= l[0] && y >= l[1] && y <= l[2])) return true;
        }
        return false;
    }

    static boolean edge(RgbImage p, int at, int a, int b, boolean vertical, int cls) {
        for (int o = -SLACK; o <= SLACK; o++) if (hits(p, at, a, b, vertical, cls, o) >= 8) return true;
        return false;
    }

    /** Of 11 points along the middle of the edge, offset {@code o} across it, those of the class's colour. */
    static int hits(RgbImage p, int at, int a, int b, boolean vertical, int cls, int o) {
        int n = 0;
        for (int k = 0; k <= 10; k++) {
            int along = a + (int) Math.round((b - a) * (0.2 + 0.06 * k));
            int x = vertical ? at + o : along, y = vertical ? along : at + o;
            if (x < 0 || y < 0 || x >= p.width() || y >= p.height()) continue;
            int v = p.get(x, y), r = v >> 16 & 255, g = v >> 8 & 255, bl = v & 255;
            boolean is = switch (cls) {
                case 0 -> g - Math.max(r, bl) >= 50;
                case 1 -> Math.min(r, bl) - g >= 50;
                default -> Math.min(g, bl) - r >= 50;
            };
            if (is) n++;
        }
        return n;
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
