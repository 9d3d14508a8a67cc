package dev.vahost.pipelines.bench;

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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.Main;
import dev.vahost.pipelines.detect.Detectors;

/**
 * Plays the service's RTSP out with a GStreamer client ({@code rtspsrc ! rtph264depay ! h264parse !
 * openh264dec}, in this process) for N seconds from its first decoded frame, and prints what arrived
 * beside what was there to send over the same window: the camera's frames (decoded), the detector's
 * (processed; the batcher drops the rest), the stage's (pushed to the encoder, dropped), the client's;
 * the first frame's delay after the client started, the longest gap, the client's ERROR if any, the
 * bytes copied device to host for RTSP out (0 on the CPU path), and the H.264 encoder the server chose
 * (nvh264enc only where that element is registered, else x264enc; the H200 has no NVENC).
 *
 * <pre>java -cp ... dev.vahost.pipelines.bench.RtspOutPlayback [--seconds 30] [--latency-ms 2000] [--serve ID]
 *      [--pictures DIR] [-- SERVICE OPTIONS...]</pre>
 *
 * The service options default to {@code --source a=synthetic:1280x720@30 --source b=synthetic:1280x720@30}
 * (the GPU path where it is available, else the CPU path, as the service chooses); the bench adds
 * {@code --metrics-port}, {@code --rtsp-out ID} (the first stream, or {@code --serve}), {@code --rtsp-port}
 * and {@code --output none}. {@code --pictures DIR} keeps every 30th decoded picture as PNG (at most 10).
 * Exit status 0 when the client decoded at least 90 % of the frames the stage pushed in the window and
 * saw no error, else 1.
 */
public final class RtspOutPlayback {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        double seconds = 30;
        int latencyMs = 2000;
        String serve = null;
        Path pictures = null;
        List<String> service = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                service.addAll(Arrays.asList(args).subList(i + 1, args.length));
                break;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + a);
            String v = args[++i];
            switch (a) {
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--latency-ms" -> latencyMs = Integer.parseInt(v);
                case "--serve" -> serve = v;
                case "--pictures" -> pictures = Path.of(v);
                default -> throw new IllegalArgumentException("unknown option " + a + " (see the class comment)");
            }
        }
        if (service.isEmpty()) service.addAll(List.of("--source", "a=synthetic:1280x720@30", "--source", "b=synthetic:1280x720@30"));
        if (serve == null) serve = Detectors.sources(CliOptions.parse(service.toArray(String[]::new))).get(0).name();
        int metricsPort = freePort(), rtspPort = freePort();
        List<String> all = new ArrayList<>(service);
        all.addAll(List.of("--metrics-port", Integer.toString(metricsPort), "--rtsp-out", serve, "--rtsp-port", Integer.toString(rtspPort),
                "--output", "none"));
        GstRuntime.init();
        System.out.println("RTSP-OUT service options: " + String.join(" ", all));
        System.out.println("RTSP-OUT nvh264enc " + (registered("nvh264enc") ? "is" : "is not") + " registered here; x264enc "
                + (registered("x264enc") ? "is" : "is not"));
        CliOptions o = CliOptions.parse(all.toArray(String[]::new));
        CountDownLatch stop = new CountDownLatch(1);
        AtomicInteger exit = new AtomicInteger(-1);
        AtomicReference<Throwable> crashed = new AtomicReference<>();
        Thread run = new Thread(() -> {
            try {
                exit.set(Main.run(o, stop));
            } catch (Throwable t) {
                crashed.set(t);
            }
        }, "service");
        run.start();
        HttpClient http = HttpClient.newHttpClient();
        boolean ok = false;
        StreamPipeline client = null;
        try {
            long deadline = System.nanoTime() + 300_000_000_000L;
            while (!running(http, metricsPort)) {
                if (crashed.get() != null) throw new IllegalStateException("the service failed", crashed.get());
                if (System.nanoTime() > deadline) throw new IllegalStateException("the streams did not all run within 300 s");
                Thread.sleep(500);
            }
            String url = "rtsp://127.0.0.1:" + rtspPort + "/" + serve;
            String metrics = get(http, metricsPort, "/metrics");
            Matcher m = Pattern.compile("vahost_rtsp_out_encoder_info\\{[^}]*encoder=\"([^\"]+)\"").matcher(metrics);
            System.out.println("RTSP-OUT encoder " + (m.find() ? m.group(1) : "(not in /metrics)") + "; playing " + url + " with rtspsrc latency="
                    + latencyMs);
            AtomicLong frames = new AtomicLong(), lastAt = new AtomicLong(), maxGap = new AtomicLong();
            AtomicInteger kept = new AtomicInteger();
            Path dir = pictures;
            if (dir != null) Files.createDirectories(dir);
            client = StreamPipeline.fromLaunch("client", "rtspsrc location=" + url + " protocols=tcp latency=" + latencyMs
                    + " ! rtph264depay ! h264parse ! openh264dec ! videoconvert ! video/x-raw,format=BGRx ! appsink name=sink");
            long started = System.nanoTime();
            client.start(f -> {
                try (f) {
                    long now = System.nanoTime(), n = frames.incrementAndGet();
                    if (lastAt.get() != 0) maxGap.accumulateAndGet(now - lastAt.get(), Math::max);
                    lastAt.set(now);
                    if (dir != null && n % 30 == 1 && kept.get() < 10) save(f, dir.resolve(String.format(Locale.ROOT, "rtsp-out-%05d.png", n)), kept);
                }
            });
            while (frames.get() == 0) {
                if (client.lastError() != null) throw new IllegalStateException("the client failed before its first frame: " + client.lastError());
                if (System.nanoTime() - started > 60_000_000_000L) throw new IllegalStateException("no frame from " + url + " within 60 s");
                Thread.sleep(10);
            }
            double first = (System.nanoTime() - started) / 1e9;
            long[] a = counts(http, metricsPort, serve, frames.get());
            maxGap.set(0);
            Thread.sleep(Math.round(seconds * 1000));
            long[] b = counts(http, metricsPort, serve, frames.get());
            long decoded = b[0] - a[0], processed = b[1] - a[1], batcherDropped = b[2] - a[2], pushed = b[3] - a[3], stageDropped = b[4] - a[4],
                    got = b[6] - a[6];
            System.out.printf(Locale.ROOT, "RTSP-OUT first frame %.2f s after the client started%n", first);
            System.out.printf(Locale.ROOT, "RTSP-OUT %.0f s from the first frame: camera %s decoded %d, detector processed %d (batcher dropped %d),"
                    + " stage pushed %d (dropped %d), client decoded %d = %.1f %% of the camera's, %.1f %% of those pushed (%.2f fps);"
                    + " longest gap %.3f s; client error: %s; bytes to host for RTSP out: %d%n", seconds, serve, decoded, processed,
                    batcherDropped, pushed, stageDropped, got, 100.0 * got / Math.max(1, decoded), 100.0 * got / Math.max(1, pushed),
                    got / seconds, maxGap.get() / 1e9, client.lastError() == null ? "none" : client.lastError(), b[5]);
            ok = client.lastError() == null && got >= 0.9 * pushed && got > 0;
        } finally {
            if (client != null) client.close();
            stop.countDown();
            run.join(60_000);
        }
        System.out.println("RTSP-OUT service exit " + exit.get() + (crashed.get() != null ? ", failed: " + crashed.get() : "") + "; "
                + (ok ? "PASS" : "FAIL") + " (the client decoded >= 90 % of the frames pushed, with no error)");
        System.exit(ok && crashed.get() == null ? 0 : 1);
    }

    static boolean registered(String element) {
        try {
            org.freedesktop.gstreamer.ElementFactory.find(element);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A BGRx frame as a PNG. */
    static void save(VideoFrame f, Path file, AtomicInteger kept) {
        try {
            int w = f.info().width(), h = f.info().height(), stride = f.stride(0);
            java.nio.ByteBuffer px = f.map();
            var img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int at = (int) f.planeOffset(0) + y * stride + 4 * x;
                    img.setRGB(x, y, (px.get(at + 2) & 255) << 16 | (px.get(at + 1) & 255) << 8 | px.get(at) & 255);
                }
            }
            javax.imageio.ImageIO.write(img, "png", file.toFile());
            kept.incrementAndGet();
        } catch (IOException | RuntimeException e) {
            System.out.println("RTSP-OUT cannot keep a picture: " + e);
        }
    }

    static boolean running(HttpClient http, int port) {
        try {
            JsonNode ss = JSON.readTree(get(http, port, "/streams")).get("streams");
            if (ss == null || ss.isEmpty()) return false;
            for (JsonNode s : ss) if (!"RUNNING".equals(s.get("state").textValue()) || s.get("frames_processed").longValue() == 0) return false;
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** {decoded, processed, batcher dropped, pushed, stage dropped, bytes to host, client frames} of stream {@code id} now. */
    static long[] counts(HttpClient http, int port, String id, long client) throws IOException, InterruptedException {
        JsonNode s = null;
        for (JsonNode n : JSON.readTree(get(http, port, "/streams")).get("streams")) if (n.get("id").textValue().equals(id)) s = n;
        if (s == null) throw new IllegalStateException("no stream " + id + " in /streams");
        String m = get(http, port, "/metrics");
        return new long[] {s.get("frames_decoded").longValue(), s.get("frames_processed").longValue(), s.get("dropped").longValue(),
                metric(m, "vahost_rtsp_out_frames_total", id), metric(m, "vahost_rtsp_out_dropped_total", id),
                metric(m, "vahost_rtsp_out_bytes_to_host_total", id), client};
    }

    static long metric(String text, String name, String id) {
        String prefix = name + "{stream=\"" + id + "\"} ";
        return text.lines().filter(l -> l.startsWith(prefix)).mapToLong(l -> (long) Double.parseDouble(l.substring(prefix.length()))).findFirst()
                .orElseThrow(() -> new IllegalStateException(prefix + "not in /metrics"));
    }

    static String get(HttpClient http, int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
