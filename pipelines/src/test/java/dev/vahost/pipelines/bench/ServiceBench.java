package dev.vahost.pipelines.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.vahost.gst.synth.SyntheticClip;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.detect.GpuDetector;
import dev.vahost.pipelines.detect.ModelSpec;
import dev.vahost.pipelines.perf.PerfReporter;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.Stages;

/**
 * The whole service on the GPU: N streams of a 1080p30 H.264 clip (looped, not paced, so decode
 * runs flat out) through NVDEC → batcher → fused preprocessing → the test detector → NMS, next to
 * a decode-only run of the same streams in the same process (same batcher, frames mapped and
 * released). Per configuration: aggregate and per-stream fps over a timed window after warm-up,
 * GPU memory, process CPU use, and bytes copied device→host per frame.
 *
 * <pre>java -cp ... dev.vahost.pipelines.bench.ServiceBench --streams 16,32,64,128 --seconds 15 [--clip c.h264] [--batch 32]
 *      [--model m.onnx --input-size 640x640 --score-threshold 0.25 ...] [--plugin JAR --stage TYPE[:NAME][=CONFIG] ...]
 *      [--reaper off] [--compare-in-flight 1,2]</pre>
 *
 * <p>{@code --compare-in-flight K1,K2,...} runs the full path once per value of {@code --batches-in-flight}
 * (same process, same streams, after the same decode-only run): what pipelining the detector buys.
 *
 * <p>{@code --reaper off} stops the background thread that releases frames whose preprocessing has
 * completed (they are then released on the batch thread): a diagnosis of the late completion marker.
 *
 * <p>With {@code --stage}, each N also runs the full path with those stages after detection (same
 * process, same streams), printed beside the full path without them, with each stage's host time
 * per batch and the totals of the integer metadata the stages published (e.g. boxes pixelated).
 */
public final class ServiceBench {
    record Row(String mode, int n, double agg, double min, double max, long memMiB, double cpu, double hostBytesPerFrame,
               long frameBytesToHost, long dropped, long failed) {}

    static final List<String> serviceArgs = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int[] counts = {16, 32, 64, 128};
        double seconds = 15, warm = 5;
        int batch = 32;
        Path clip = Path.of("target/bench-1080p.h264");
        int[] inFlight = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--streams" -> counts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--warmup" -> warm = Double.parseDouble(args[i + 1]);
                case "--clip" -> clip = Path.of(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                // the detector, as the service's CLI takes it (default: the built-in test detector)
                case "--compare-in-flight" -> inFlight = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--reaper" -> dev.vahost.nvmm.cuda.CudaStream.setBackgroundReaping(!"off".equals(args[i + 1]));
                case "--sink" -> throw new IllegalArgumentException("--sink: ServiceBench runs no message sinks (LiveBench does)");
                default -> passThrough(args, i, serviceArgs);
            }
        }
        Cuda.requireAvailable();
        if (!Files.exists(clip)) {
            System.out.println("making " + clip + " (1080p30 scene, 8 Mbit/s target, x264 ultrafast, 600 frames)");
            SyntheticClip.make(new SyntheticClip.Spec(clip, 1920, 1080, 30, 8000, 600, "scene", 42));
        }
        System.out.printf(Locale.ROOT, "ServiceBench on %s, %d CPU cores, clip %s (%d KiB, %.1f Mbit/s), batch %d%n",
                Cuda.describeDevice(), Runtime.getRuntime().availableProcessors(), clip, Files.size(clip) / 1024,
                Files.size(clip) * 8 / 20.0 / 1e6, batch);
        List<Row> rows = new ArrayList<>();
        boolean stages = serviceArgs.contains("--stage");
        if (inFlight != null && serviceArgs.contains("--batches-in-flight")) {
            throw new IllegalArgumentException("--compare-in-flight and --batches-in-flight: give one of them");
        }
        for (int n : counts) {
            Row base = run(n, clip, batch, Mode.DECODE_ONLY, warm, seconds);
            if (inFlight != null) {
                print(base, null);
                Row first = null;
                for (int k : inFlight) {
                    serviceArgs.addAll(List.of("--batches-in-flight", Integer.toString(k)));
                    Row r = run(n, clip, batch, Mode.FULL, warm, seconds);
                    serviceArgs.subList(serviceArgs.size() - 2, serviceArgs.size()).clear();
                    r = new Row(r.mode() + " " + k + " in flight", r.n(), r.agg(), r.min(), r.max(), r.memMiB(), r.cpu(),
                            r.hostBytesPerFrame(), r.frameBytesToHost(), r.dropped(), r.failed());
                    print(r, base);
                    if (first == null) {
                        first = r;
                    } else {
                        System.out.printf(Locale.ROOT, "N=%d: %d batches in flight %.1f%% of %d in flight%n", n, k, 100 * r.agg() / first.agg(),
                                inFlight[0]);
                    }
                }
                continue;
            }
            Row full = run(n, clip, batch, Mode.FULL, warm, seconds);
            Row staged = stages ? run(n, clip, batch, Mode.FULL_WITH_STAGES, warm, seconds) : null;
            print(base, null);
            print(full, base);
            rows.add(base);
            rows.add(full);
            if (staged != null) {
                print(staged, base);
                System.out.printf(Locale.ROOT, "N=%d: with stages %.1f%% of the full path without them%n", n, 100 * staged.agg() / full.agg());
                rows.add(staged);
            }
        }
        System.exit(0);
    }

    static void print(Row r, Row base) {
        System.out.printf(Locale.ROOT, "%-34s N=%3d  aggregate %7.0f fps  per-stream %6.1f..%6.1f  GPU mem %6d MiB  CPU %5.1f cores"
                        + "  D2H %6.1f B/frame (frame bytes: %d)  dropped %d%s%s%n", r.mode(), r.n(), r.agg(), r.min(), r.max(), r.memMiB(), r.cpu(),
                r.hostBytesPerFrame(), r.frameBytesToHost(), r.dropped(), base == null ? "" : String.format(Locale.ROOT, "  = %.1f%% of decode-only", 100 * r.agg() / base.agg()),
                r.failed() > 0 ? "  FAILED STREAMS/BATCHES " + r.failed() : "");
    }

    enum Mode { DECODE_ONLY, FULL, FULL_WITH_STAGES }

    static Row run(int n, Path clip, int batch, Mode mode, double warm, double seconds) throws Exception {
        List<String> a = new ArrayList<>(serviceArgs);
        a.add("--batch-size");
        a.add(Integer.toString(batch));
        CliOptions o = CliOptions.parse(a.toArray(new String[0]));
        ModelSpec spec = ModelSpec.of(o);
        boolean full = mode != Mode.DECODE_ONLY;
        FrameDetector<?> det = full ? GpuDetector.create(spec, batch, GpuDetector.Settings.of(o)) : DecodeOnlyDetector.gpu();
        StageRunner stages = mode == Mode.FULL_WITH_STAGES ? Stages.create(o.stages(), o.plugins(), true, batch) : StageRunner.none();
        java.util.Map<String, java.util.concurrent.atomic.AtomicLong> metaTotals = new java.util.concurrent.ConcurrentHashMap<>();
        AnalyticsService.Options opts = new AnalyticsService.Options(new Batcher.Config(batch, Duration.ofMillis(20), 8, 0),
                false, true, Duration.ofSeconds(30), -1, Path.of("target/test-clips"), 4);
        // Frame bytes to the host are counted over the service's whole life, after it has stopped: a
        // batch's results copy and its accounting are two steps, so a window boundary can split them.
        long hostAll0 = Transfers.bytesToHost();
        Row row;
        try (AnalyticsService<?> s = service(opts, det, stages)) {
            s.addListener(r -> r.meta().forEach((k, v) -> {
                if (v instanceof Integer x) metaTotals.computeIfAbsent(k, q -> new java.util.concurrent.atomic.AtomicLong()).addAndGet(x);
            }));
            for (int i = 0; i < n; i++) s.addSource(SourceSpec.parse("s" + i + "=" + clip.toAbsolutePath(), "x"));
            Thread.sleep((long) (warm * 1000));
            s.perf().sample();
            long f0 = processed(s), cpu0 = cpuNanos(), t0 = System.nanoTime(), h0 = Transfers.bytesToHost();
            long memMax = 0;
            long end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                Thread.sleep(1000);
                long[] m = Cuda.memoryInfo();
                memMax = Math.max(memMax, (m[1] - m[0]) >> 20);
            }
            List<PerfReporter.StreamFps> fps = s.perf().sample();
            double dt = (System.nanoTime() - t0) / 1e9;
            long frames = processed(s) - f0;
            double agg = frames / dt;
            long dropped = s.status().stream().mapToLong(StreamStatus::dropped).sum();
            long failed = s.status().stream().filter(x -> x.state().equals("FAILED")).count() + s.failedBatches();
            long host = Transfers.bytesToHost() - h0;
            double hostPerFrame = frames == 0 ? 0 : host / (double) frames;
            double cpu = (cpuNanos() - cpu0) / 1e9 / dt;
            String name = switch (mode) {
                case DECODE_ONLY -> "decode-only (same service, no model)";
                case FULL -> "full path (" + spec.name().replaceFirst(" \\(.*", "") + ", NMS)";
                case FULL_WITH_STAGES -> "full path + stages " + stages.stages().stream().map(StageRunner.Named::name).toList();
            };
            row = new Row(name, n, agg,
                    fps.stream().mapToDouble(PerfReporter.StreamFps::fps).min().orElse(0),
                    fps.stream().mapToDouble(PerfReporter.StreamFps::fps).max().orElse(0), memMax, cpu, hostPerFrame, 0,
                    dropped, failed);
        }
        long frameBytes = Transfers.bytesToHost() - hostAll0 - (det instanceof GpuDetector g ? g.resultBytesToHost() : 0);
        if (!stages.isEmpty()) {
            System.out.printf(Locale.ROOT, "N=%d stages (host time per batch; whole run):%n%s", n, stages.summary());
            dev.vahost.pipelines.view.ViewStage view = dev.vahost.pipelines.view.ViewStage.find(stages);
            if (view != null) {
                for (int i = 0; i < n; i++) {
                    dev.vahost.pipelines.view.ViewStage.Counts c = view.counts("s" + i);
                    if (c.framesCopied() == 0 && c.dropped() == 0) continue;
                    System.out.printf(Locale.ROOT, "N=%d view s%d: %d frames drawn, %d pictures, %d skipped, %d bytes to the host (%.0f per picture)%n", n, i,
                            c.framesCopied(), c.pictures(), c.dropped(), c.bytesToHost(), c.pictures() == 0 ? 0.0 : c.bytesToHost() / (double) c.pictures());
                }
            }
            System.out.printf(Locale.ROOT, "N=%d published integer metadata, totals over the run: %s%n", n, metaTotals);
        }
        if (det instanceof GpuDetector g) {
            System.out.printf(Locale.ROOT, "N=%d: %d batches, %d in flight at most; results read before their completion marker was"
                    + " reached: %d%n", n, g.batches(), g.maxInFlight(), g.lateMarkers());
        }
        return new Row(row.mode(), row.n(), row.agg(), row.min(), row.max(), row.memMiB(), row.cpu(), row.hostBytesPerFrame(),
                frameBytes, row.dropped(), row.failed());
    }

    private static <F> AnalyticsService<F> service(AnalyticsService.Options opts, FrameDetector<F> det, StageRunner stages) {
        return new AnalyticsService<>(opts, det, stages);
    }

    /** The service's options a benchmark hands on to {@link CliOptions} (the detector, stages, plugins, sinks). */
    static final java.util.Set<String> SERVICE_OPTIONS = java.util.Set.of("--model", "--input-size", "--score-threshold",
            "--iou-threshold", "--max-detections", "--model-type", "--engine-graphs", "--detector-pool-mib", "--batches-in-flight", "--stage", "--plugin", "--sink");

    /** Adds {@code args[i]} and its value to {@code serviceArgs}; an option that is neither the benchmark's nor the service's is refused. */
    static void passThrough(String[] args, int i, List<String> serviceArgs) {
        if (!SERVICE_OPTIONS.contains(args[i])) throw new IllegalArgumentException("unknown option " + args[i]);
        if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + ": a value is missing");
        serviceArgs.add(args[i]);
        serviceArgs.add(args[i + 1]);
    }

    static long processed(AnalyticsService<?> s) {
        return s.status().stream().mapToLong(StreamStatus::framesProcessed).sum();
    }

    static long cpuNanos() throws Exception {
        String[] f = Files.readString(Path.of("/proc/self/stat")).split("\\) ")[1].split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }
}
