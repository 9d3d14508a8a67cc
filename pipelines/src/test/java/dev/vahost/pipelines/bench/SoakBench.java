package dev.vahost.pipelines.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import dev.vahost.gst.PipelineRunner;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.detect.CpuDetector;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.detect.GpuDetector;
import dev.vahost.pipelines.detect.ModelSpec;
import dev.vahost.pipelines.faults.Bitstream;
import dev.vahost.pipelines.faults.ProcessProbe;
import dev.vahost.pipelines.rtsp.RtspTestServer;
import dev.vahost.pipelines.source.SourceSpec;

/**
 * A soak under faults (issue 13), in two phases, in one process.
 *
 * <p><b>Undecodable inputs</b>: {@code --fault-streams} looped sources at once, half an AVC
 * (length-prefixed) H.264 file without codec data, half a file whose parameter sets are fine and
 * whose data is random bytes: how long until every one is FAILED, the last error of each kind,
 * and the process's CPU use afterwards (an idle process: nothing left spinning), threads, and frames
 * left unreleased.
 *
 * <p><b>Soak</b>: N paced live streams for {@code --minutes}: {@code --rtsp} RTSP cameras (each
 * its own server process, live 320x240 H.264), {@code --corrupt} looped copies of the clip with
 * random bytes flipped (every ~64 KiB), the rest the clean clip. A chaos thread kills one RTSP
 * server with SIGKILL every {@code --chaos-every-s} (at random among those up) and starts it again
 * on the same port 3 to 8 s later. Every {@code --sample-s}: GPU memory in use, RSS, the Java
 * heap in use, threads, open file descriptors, total fps, streams running, reconnects. At the end:
 * start vs end vs the fitted trend of each (over the samples after the first minute), and per group
 * of streams (clean, corrupt, RTSP) the slowest stream, the frames lost against the source rate
 * and the frames dropped; then, after closing, frames left and threads (again 20 s later: GLib keeps idle
 * pool threads for a while).
 *
 * <pre>java -cp ... dev.vahost.pipelines.bench.SoakBench --clip c.h264 [--streams 128] [--rtsp 13] [--corrupt 6]
 *      [--minutes 8] [--chaos-every-s 20] [--sample-s 10] [--fault-streams 128] [--batch 32] [--queue 8] [--gpu off]
 *      [--model m.onnx|none --input-size 640x640 ...]</pre>
 */
public final class SoakBench {
    record Sample(double t, long gpuMiB, long rssMiB, long heapMiB, int threads, int fds, double fps, int running, long reconnects) {}

    public static void main(String[] args) throws Exception {
        int streams = 128, rtsp = 13, corrupt = 6, faultStreams = 128, batch = 32, queue = 8;
        double minutes = 8, chaosEvery = 20, sampleEvery = 10;
        boolean gpu = true;
        Path clip = null;
        List<String> serviceArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--clip" -> clip = Path.of(args[i + 1]);
                case "--streams" -> streams = Integer.parseInt(args[i + 1]);
                case "--rtsp" -> rtsp = Integer.parseInt(args[i + 1]);
                case "--corrupt" -> corrupt = Integer.parseInt(args[i + 1]);
                case "--fault-streams" -> faultStreams = Integer.parseInt(args[i + 1]);
                case "--minutes" -> minutes = Double.parseDouble(args[i + 1]);
                case "--chaos-every-s" -> chaosEvery = Double.parseDouble(args[i + 1]);
                case "--sample-s" -> sampleEvery = Double.parseDouble(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--queue" -> queue = Integer.parseInt(args[i + 1]);
                case "--gpu" -> gpu = !"off".equals(args[i + 1]);
                case "--stage", "--plugin", "--sink" -> throw new IllegalArgumentException(args[i] + ": SoakBench runs detection only");
                default -> ServiceBench.passThrough(args, i, serviceArgs);
            }
        }
        if (clip == null || !Files.isRegularFile(clip)) throw new IllegalArgumentException("--clip FILE.h264 is required (got " + clip + ")");
        if (rtsp + corrupt > streams) throw new IllegalArgumentException("--rtsp + --corrupt exceed --streams");
        if (gpu) Cuda.requireAvailable();
        serviceArgs.addAll(List.of("--batch-size", Integer.toString(batch)));
        if (!gpu) serviceArgs.addAll(List.of("--gpu", "off"));
        CliOptions o = CliOptions.parse(serviceArgs.toArray(new String[0]));
        Path work = Files.createTempDirectory("soak");
        System.out.printf(Locale.ROOT, "SoakBench on %s, %d CPU cores, clip %s (%d KiB)%n", gpu ? Cuda.describeDevice() : "the CPU path",
                Runtime.getRuntime().availableProcessors(), clip, Files.size(clip) / 1024);
        if (faultStreams > 0) undecodable(faultStreams, clip, work, gpu);
        if (minutes > 0) soak(o, gpu, clip, work, streams, rtsp, corrupt, minutes, chaosEvery, sampleEvery, batch, queue, 20);
        System.exit(0);
    }

    // ---- phase 1: undecodable inputs ----

    static void undecodable(int n, Path clip, Path work, boolean gpu) throws Exception {
        Path avc = work.resolve("avc.h264");
        PipelineRunner.runToEos("avc", "videotestsrc num-buffers=30 ! video/x-raw,format=I420,width=320,height=240,framerate=30/1"
                + " ! x264enc ! h264parse ! filesink location=\"" + avc + "\"", Duration.ofSeconds(60));
        byte[] es = Files.readAllBytes(clip);
        int firstSlice = Bitstream.pictures(es, false).get(0).offset() - 4;
        byte[] junk = new byte[2_000_000];
        new Random(1).nextBytes(junk);
        for (int i = 0; i < junk.length; i++) if (junk[i] == 0) junk[i] = 1; // no start code in the junk
        byte[] bad = Arrays.copyOf(es, firstSlice + junk.length);
        System.arraycopy(junk, 0, bad, firstSlice, junk.length);
        Path headersThenJunk = work.resolve("headers-then-junk.h264");
        Files.write(headersThenJunk, bad);

        int threads0 = ProcessProbe.threads();
        AnalyticsService.Options opts = new AnalyticsService.Options(new Batcher.Config(32, Duration.ofMillis(20), 4, 0),
                true, true, Duration.ofSeconds(2), -1, work, 4);
        FrameDetector<?> det = gpu ? DecodeOnlyDetector.gpu() : DecodeOnlyDetector.cpu();
        long t0 = System.nanoTime();
        Map<String, Double> failedAt = new HashMap<>();
        Map<String, String> errors = new HashMap<>();
        try (AnalyticsService<?> s = new AnalyticsService<>(opts, det)) {
            for (int i = 0; i < n; i++) {
                String id = (i % 2 == 0 ? "avc" : "junk") + i;
                try {
                    s.addSource(SourceSpec.parse(id + "=" + (i % 2 == 0 ? avc : headersThenJunk), "x"));
                } catch (IllegalArgumentException e) {
                    failedAt.put(id, (System.nanoTime() - t0) / 1e9); // refused when added, by name
                    errors.put(id, "refused at add: " + e.getMessage());
                }
            }
            double added = (System.nanoTime() - t0) / 1e9;
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (failedAt.size() < n && System.nanoTime() < deadline) {
                for (StreamStatus x : s.status()) {
                    if (!failedAt.containsKey(x.id()) && (x.state().equals("FAILED") || x.state().equals("ENDED"))) {
                        failedAt.put(x.id(), (System.nanoTime() - t0) / 1e9);
                        errors.put(x.id(), x.state() + ": " + x.lastError());
                    }
                }
                Thread.sleep(100);
            }
            long decoded = s.status().stream().mapToLong(StreamStatus::framesDecoded).sum();
            ProcessProbe.Busiest idle = ProcessProbe.busiestOver(3000);
            for (String kind : List.of("avc", "junk")) {
                List<Double> ts = failedAt.entrySet().stream().filter(e -> e.getKey().startsWith(kind)).map(Map.Entry::getValue).sorted().toList();
                String example = errors.entrySet().stream().filter(e -> e.getKey().startsWith(kind)).map(Map.Entry::getValue).findFirst().orElse("-");
                System.out.printf(Locale.ROOT, "UNDECODABLE %-5s %d of %d streams FAILED/ENDED, the last after %.1f s: %s%n", kind, ts.size(),
                        (n + (kind.equals("avc") ? 1 : 0)) / 2, ts.isEmpty() ? Double.NaN : ts.get(ts.size() - 1), example);
            }
            System.out.printf(Locale.ROOT, "UNDECODABLE %d streams added in %.1f s; every one ended: %s; frames decoded %d; afterwards over 3 s:"
                            + " process %.2f cores, busiest thread %s at %.2f; threads %d (before %d)%n", n, added,
                    failedAt.size() == n ? "yes" : "NO (" + (n - failedAt.size()) + " still running)", decoded, idle.processCoreShare(),
                    idle.thread(), idle.coreShare(), ProcessProbe.threads(), threads0);
        }
        System.out.printf(Locale.ROOT, "UNDECODABLE after close: frames unreleased %d, threads %d (before %d)%n", StreamPipeline.liveSamples(),
                ProcessProbe.threads(), threads0);
        Thread.sleep(20_000); // idle pool threads go after 15 s (GLib's default)
        System.out.printf(Locale.ROOT, "UNDECODABLE 20 s after close: threads %d (before %d); most common: %s; fds by kind: %s%n",
                ProcessProbe.threads(), threads0, ProcessProbe.threadNames(8), ProcessProbe.fdKinds(8));
    }

    // ---- phase 2: the soak ----

    /** What a soak saw: the samples, each stream's state and figures at the end, the kills, and what was left after close. */
    public record Result(List<Sample> samples, Map<String, StreamStatus> end, Map<String, String> group, long kills, long failedBatches,
                         int threadsBefore, int threadsAfter, long framesUnreleased) {}

    static Result soak(CliOptions o, boolean gpu, Path clip, Path work, int n, int rtsp, int corrupt, double minutes, double chaosEvery,
                       double sampleEvery, int batch, int queue, double settleSeconds) throws Exception {
        byte[] bytes = Files.readAllBytes(clip);
        Random rnd = new Random(7);
        for (int off = 4096; off < bytes.length; off += 48 * 1024 + rnd.nextInt(32 * 1024)) {
            bytes[off] ^= (byte) (1 + rnd.nextInt(255)); // one byte changed every ~64 KiB (start codes may break too)
        }
        Path damaged = work.resolve("corrupt.h264");
        Files.write(damaged, bytes);
        List<RtspTestServer.Handle> servers = new ArrayList<>();
        for (int i = 0; i < rtsp; i++) servers.add(RtspTestServer.Handle.start(0));
        int threads0 = ProcessProbe.threads(), fds0 = fds();
        FrameDetector<?> det;
        if ("none".equals(o.model())) {
            det = gpu ? DecodeOnlyDetector.gpu() : DecodeOnlyDetector.cpu();
        } else {
            ModelSpec model = ModelSpec.of(o);
            det = gpu ? GpuDetector.create(model, batch, GpuDetector.Settings.of(o)) : CpuDetector.create(model, batch);
        }
        Map<String, StreamStatus> last;
        long failedBatches;
        AnalyticsService.Options opts = new AnalyticsService.Options(new Batcher.Config(batch, Duration.ofMillis(20), queue, 0),
                true, true, Duration.ofSeconds(5), -1, work, 4);
        Map<String, String> group = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        AtomicLong kills = new AtomicLong();
        System.out.printf(Locale.ROOT, "SOAK %d streams (%d RTSP cameras, killed at random one every %.0f s; %d corrupt; %d clean), %.1f min, %s%n",
                n, rtsp, chaosEvery, corrupt, n - rtsp - corrupt, minutes, det.describe());
        try (AnalyticsService<?> s = new AnalyticsService<>(opts, det)) {
            for (int i = 0; i < n; i++) {
                String id, src;
                if (i < rtsp) {
                    id = "rtsp" + i;
                    src = servers.get(i).url;
                    group.put(id, "rtsp");
                } else if (i < rtsp + corrupt) {
                    id = "corrupt" + i;
                    src = damaged.toString();
                    group.put(id, "corrupt");
                } else {
                    id = "clean" + i;
                    src = clip.toAbsolutePath().toString();
                    group.put(id, "clean");
                }
                s.addSource(SourceSpec.parse(id + "=" + src, "x"));
            }
            Thread chaos = new Thread(() -> chaos(servers, chaosEvery, kills), "chaos");
            chaos.setDaemon(true);
            Thread.sleep(10_000); // warm-up: every source connected, batches at their size
            Map<String, StreamStatus> first = LiveBench.byId(s.status());
            long t0 = System.nanoTime();
            chaos.start();
            long end = t0 + (long) (minutes * 60e9);
            long lastProcessed = ServiceBench.processed(s);
            double lastT = 0;
            while (System.nanoTime() < end) {
                Thread.sleep((long) (sampleEvery * 1000));
                double t = (System.nanoTime() - t0) / 1e9;
                long p = ServiceBench.processed(s);
                List<StreamStatus> st = s.status();
                long[] mem = gpu ? Cuda.memoryInfo() : new long[] {0, 0};
                Runtime rt = Runtime.getRuntime();
                Sample x = new Sample(t, (mem[1] - mem[0]) >> 20, rssMiB(), (rt.totalMemory() - rt.freeMemory()) >> 20, ProcessProbe.threads(),
                        fds(), (p - lastProcessed) / (t - lastT), (int) st.stream().filter(q -> q.state().equals("RUNNING")).count(),
                        st.stream().mapToLong(StreamStatus::reconnects).sum());
                samples.add(x);
                lastProcessed = p;
                lastT = t;
                System.out.printf(Locale.ROOT, "SOAK t=%5.0f s  GPU %6d MiB  RSS %6d MiB  heap %5d MiB  threads %4d  fds %4d  %7.0f fps  running %3d"
                                + "  reconnects %4d  kills %3d%n", x.t(), x.gpuMiB(), x.rssMiB(), x.heapMiB(), x.threads(), x.fds(), x.fps(), x.running(),
                        x.reconnects(), kills.get());
            }
            chaos.interrupt();
            chaos.join(15_000);
            double window = (System.nanoTime() - t0) / 1e9;
            last = LiveBench.byId(s.status());
            failedBatches = s.failedBatches();
            report(samples, minutes);
            for (String g : List.of("clean", "corrupt", "rtsp")) {
                double minFps = Double.MAX_VALUE;
                long lost = 0, dropped = 0, reconnects = 0, count = 0, lossy = 0;
                String worst = "-";
                for (Map.Entry<String, String> e : group.entrySet()) {
                    if (!e.getValue().equals(g)) continue;
                    StreamStatus a = first.get(e.getKey()), b = last.get(e.getKey());
                    if (b == null) continue;
                    long done = b.framesProcessed() - (a == null ? 0 : a.framesProcessed());
                    double fps = done / window;
                    long missing = Math.max(0, Math.round(30 * window) - done);
                    if (fps < minFps) {
                        minFps = fps;
                        worst = e.getKey() + " " + b.state() + (b.lastError() == null ? "" : " (" + b.lastError() + ")");
                    }
                    lost += missing;
                    if (missing > 30 * window * 0.005) lossy++;
                    dropped += b.dropped() - (a == null ? 0 : a.dropped());
                    reconnects += b.reconnects() - (a == null ? 0 : a.reconnects());
                    count++;
                }
                System.out.printf(Locale.ROOT, "SOAK_STREAMS %-7s %3d streams  slowest %5.1f fps (%s)  frames lost vs 30 fps %d (%.3f%%), streams"
                                + " losing > 0.5 %%: %d  dropped before detection %d  reconnects %d%n", g, count, minFps, worst, lost,
                        100.0 * lost / Math.max(1, 30 * window * count), lossy, dropped, reconnects);
            }
            System.out.printf(Locale.ROOT, "SOAK chaos: %d RTSP servers killed with SIGKILL and restarted over %.0f s; failed batches %d%n",
                    kills.get(), window, s.failedBatches());
        } finally {
            for (RtspTestServer.Handle h : servers) h.close();
        }
        long wait = System.nanoTime() + 10_000_000_000L;
        while (StreamPipeline.liveSamples() > 0 && System.nanoTime() < wait) Thread.sleep(100);
        int threads1 = ProcessProbe.threads();
        System.out.printf(Locale.ROOT, "SOAK after close: frames unreleased %d, threads %d (before the service %d), fds %d (before %d)%n",
                StreamPipeline.liveSamples(), threads1, threads0, fds(), fds0);
        if (settleSeconds > 0) {
            // GLib's thread pools keep idle streaming threads for a while (15 s by default): look again later,
            // to tell threads that linger from threads that leak.
            Thread.sleep((long) (settleSeconds * 1000));
            System.out.printf(Locale.ROOT, "SOAK %.0f s after close: threads %d, fds %d; most common threads: %s; fds by kind: %s%n", settleSeconds,
                    ProcessProbe.threads(), fds(), ProcessProbe.threadNames(8), ProcessProbe.fdKinds(8));
        }
        return new Result(samples, last, group, kills.get(), failedBatches, threads0, threads1, StreamPipeline.liveSamples());
    }

    /** Kills one live RTSP server every {@code every} seconds and starts it again on its port 3-8 s later. */
    static void chaos(List<RtspTestServer.Handle> servers, double every, AtomicLong kills) {
        Random r = new Random(11);
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep((long) (every * 1000));
                int i = r.nextInt(servers.size());
                RtspTestServer.Handle h = servers.get(i);
                h.kill();
                kills.incrementAndGet();
                Thread.sleep(3000 + r.nextInt(5000));
                servers.set(i, RtspTestServer.Handle.start(h.port));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.out.println("SOAK chaos thread failed: " + e);
        }
    }

    /** Start, end, max, and the least-squares slope per minute over the samples after the first minute. */
    static void report(List<Sample> samples, double minutes) {
        List<Sample> steady = samples.stream().filter(x -> x.t() >= 60).toList();
        if (steady.size() < 3) steady = samples;
        String[] names = {"GPU MiB", "RSS MiB", "heap MiB", "threads", "fds"};
        for (int k = 0; k < names.length; k++) {
            int kk = k;
            double[] v = steady.stream().mapToDouble(x -> switch (kk) {
                case 0 -> x.gpuMiB();
                case 1 -> x.rssMiB();
                case 2 -> x.heapMiB();
                case 3 -> x.threads();
                default -> x.fds();
            }).toArray();
            double[] t = steady.stream().mapToDouble(Sample::t).toArray();
            double slope = slope(t, v) * 60;
            double max = Arrays.stream(v).max().orElse(0);
            System.out.printf(Locale.ROOT, "SOAK_TREND %-9s first %8.0f  last %8.0f  max %8.0f  slope %+9.2f per minute (%+.2f%% of the first per"
                    + " minute)%n", names[k], v[0], v[v.length - 1], max, slope, v[0] == 0 ? 0 : 100 * slope / v[0]);
        }
    }

    static double slope(double[] x, double[] y) {
        double mx = Arrays.stream(x).average().orElse(0), my = Arrays.stream(y).average().orElse(0), num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            num += (x[i] - mx) * (y[i] - my);
            den += (x[i] - mx) * (x[i] - mx);
        }
        return den == 0 ? 0 : num / den;
    }

    static long rssMiB() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10;
        }
        return -1;
    }

    static int fds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        }
    }
}
