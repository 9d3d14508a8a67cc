package dev.vahost.pipelines.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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
import dev.vahost.pipelines.output.messages.MessageSink;
import dev.vahost.pipelines.output.messages.Sinks;
import dev.vahost.pipelines.perf.LatencyRecorder;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.Stages;

/**
 * The service as cameras use it: N streams of one looped file, each paced at the file's frame rate
 * (as the service paces files with --live), swept over N. Per N, the same streams decode-only (the
 * decoders' ceiling under this pacing) and through the full path, in one process; over a window
 * after warm-up: total fps, slowest and fastest stream, frames dropped (of those decoded), latency
 * from the decoder to results (p50, p99, the worst stream's p99), mean batch and the batch thread's
 * time in detect, CPU cores, GPU and NVDEC use (nvidia-smi). Then the largest N at which every
 * stream held >= 29.5 fps with drops <= 0.01 % and p99 <= 100 ms.
 *
 * <pre>java -cp ... dev.vahost.pipelines.bench.LiveBench --clip c.h264 --streams 120,140,150 [--seconds 60] [--warmup 10]
 *      [--batch 32] [--timeout-ms 20] [--queue 4] [--gpu-id N] [--model m.onnx --input-size 640x640 --score-threshold 0.9 ...]
 *      [--launch 'multifilesrc location={clip} loop=true ! h264parse ! clocksync ! nvh264dec ! video/x-raw(memory:CUDAMemory)']</pre>
 *
 * <p>{@code --launch} replaces the service's own source pipeline by a launch string ({clip} stands for
 * the clip), to compare pipeline shapes (e.g. where the pacing sits) in one run.
 */
public final class LiveBench {
    /** One configuration's figures over the window. */
    public record Run(String mode, int n, double agg, double min, double max, long decoded, long dropped, double p50, double p99,
               double worstP99, double meanBatch, double detectBusy, double detectMsPerBatch, double batchBusy, double cpu, String gpu,
               long failed, long messages, long messagesLost) {
        boolean holds(double fps, double dropFraction, double p99Ms) {
            return min >= fps && dropped <= dropFraction * decoded && worstP99 <= p99Ms && failed == 0;
        }
    }

    public static void main(String[] args) throws Exception {
        int[] counts = {120, 140, 150};
        double seconds = 60, warm = 10;
        int batch = 32, timeoutMs = 20, queue = 4;
        Path clip = null;
        String launch = null;
        boolean gpu = true, kafka = false;
        List<String> serviceArgs = new ArrayList<>();
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--streams" -> counts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--warmup" -> warm = Double.parseDouble(args[i + 1]);
                case "--clip" -> clip = Path.of(args[i + 1]);
                case "--batch" -> batch = Integer.parseInt(args[i + 1]);
                case "--timeout-ms" -> timeoutMs = Integer.parseInt(args[i + 1]);
                case "--queue" -> queue = Integer.parseInt(args[i + 1]);
                case "--launch" -> launch = args[i + 1];
                case "--gpu" -> gpu = !"off".equals(args[i + 1]);
                case "--gpu-id" -> System.out.println("LiveBench --gpu-id " + args[i + 1] + ": "
                        + dev.vahost.pipelines.cli.GpuSelection.apply(Integer.parseInt(args[i + 1])));
                case "--kafka" -> {
                    if (!"embedded".equals(args[i + 1])) throw new IllegalArgumentException("--kafka: only 'embedded' is known");
                    kafka = true;
                }
                default -> ServiceBench.passThrough(args, i, serviceArgs);
            }
        }
        if (clip == null || !Files.isRegularFile(clip)) throw new IllegalArgumentException("--clip FILE.h264 is required (got " + clip + ")");
        if (gpu) Cuda.requireAvailable();
        serviceArgs.addAll(List.of("--batch-size", Integer.toString(batch)));
        // An embedded single-node KRaft broker (Kafka's own test kit, on the class path of the tests):
        // {bootstrap} in --sink values stands for its address.
        AutoCloseable broker = null;
        if (kafka) {
            EmbeddedKafka k = EmbeddedKafka.start();
            broker = k;
            serviceArgs.replaceAll(a -> a.replace("{bootstrap}", k.bootstrap()));
            System.out.println("embedded Kafka broker (KRaft, one node, in this JVM) at " + k.bootstrap());
        }
        CliOptions o = CliOptions.parse(serviceArgs.toArray(new String[0]));
        System.out.printf(Locale.ROOT, "LiveBench on %s, %d CPU cores, clip %s (%d KiB), paced live, batch %d, push timeout %d ms, "
                        + "queue %d, window %.0f s after %.0f s%n", gpu ? Cuda.describeDevice() : "the CPU path",
                Runtime.getRuntime().availableProcessors(), clip, Files.size(clip) / 1024, batch, timeoutMs, queue, seconds, warm);
        String source = launch == null ? clip.toAbsolutePath().toString() : "launch:" + launch.replace("{clip}", clip.toAbsolutePath().toString());
        if (launch != null) System.out.println("sources: " + source);
        sweep(counts, source, o, gpu, batch, timeoutMs, queue, warm, seconds);
        if (broker != null) broker.close();
        System.exit(0);
    }

    /**
     * Per N: decode-only, then the full path, then (when {@code o} names stages or sinks) the full path
     * with them; prints each and the verdicts; returns the runs in that order.
     */
    public static List<Run> sweep(int[] counts, String source, CliOptions o, boolean gpu, int batch, int timeoutMs, int queue, double warm,
                                  double seconds) throws Exception {
        List<Run> runs = new ArrayList<>();
        int best = 0;
        for (int n : counts) {
            Run base = run(n, source, o, gpu, null, batch, timeoutMs, queue, warm, seconds, false);
            print(base);
            Run full = run(n, source, o, gpu, ModelSpec.of(o), batch, timeoutMs, queue, warm, seconds, false);
            print(full);
            runs.add(base);
            runs.add(full);
            if (!o.stages().isEmpty() || !o.sinks().isEmpty()) {
                Run extra = run(n, source, o, gpu, ModelSpec.of(o), batch, timeoutMs, queue, warm, seconds, true);
                print(extra);
                runs.add(extra);
                System.out.printf(Locale.ROOT, "N=%d: with stages and sinks %.1f%% of the full path's fps (slowest stream %.1f vs %.1f);"
                                + " batch thread busy %.1f%% vs %.1f%% (+%.1f points); %d messages delivered (%.0f/s), %d lost%n", n,
                        100 * extra.agg() / full.agg(), extra.min(), full.min(), 100 * extra.batchBusy(), 100 * full.batchBusy(),
                        100 * (extra.batchBusy() - full.batchBusy()), extra.messages(), extra.messages() / seconds, extra.messagesLost());
            }
            boolean ok = full.holds(29.5, 1e-4, 100);
            System.out.printf(Locale.ROOT, "N=%d: full path %.1f%% of decode-only; every stream >= 29.5 fps, drops <= 0.01 %%, p99 <= 100 ms:"
                    + " %s (decode-only: %s)%n", n, 100 * full.agg() / base.agg(), ok ? "yes" : "NO", base.holds(29.5, 1e-4, 100) ? "yes" : "NO");
            if (ok) best = Math.max(best, n);
        }
        System.out.println("LIVE_CAPACITY largest N holding every stream at >= 29.5 fps, drops <= 0.01 %, p99 <= 100 ms: "
                + (best == 0 ? "none of those tried" : best));
        return runs;
    }

    static void print(Run r) {
        System.out.printf(Locale.ROOT, "%-40s N=%3d  %7.0f fps  per-stream %5.1f..%5.1f  dropped %d of %d (%.3f%%)  latency p50 %5.1f"
                        + " p99 %6.1f ms (worst stream %6.1f)  batch %4.1f  detect %4.1f%% busy (%.2f ms/batch), batch+results threads %4.1f%%  CPU %4.1f cores"
                        + "  %s%s%n",
                r.mode(), r.n(), r.agg(), r.min(), r.max(), r.dropped(), r.decoded(), r.decoded() == 0 ? 0 : 100.0 * r.dropped() / r.decoded(),
                r.p50(), r.p99(), r.worstP99(), r.meanBatch(), 100 * r.detectBusy(), r.detectMsPerBatch(), 100 * r.batchBusy(), r.cpu(), r.gpu(),
                r.failed() > 0 ? "  FAILED STREAMS/BATCHES " + r.failed() : "");
    }

    static Run run(int n, String source, CliOptions o, boolean gpu, ModelSpec model, int batch, int timeoutMs, int queue, double warm,
                   double seconds, boolean extras) throws Exception {
        FrameDetector<?> det = gpu ? (model != null ? GpuDetector.create(model, batch, GpuDetector.Settings.of(o)) : DecodeOnlyDetector.gpu())
                : (model != null ? CpuDetector.create(model, batch) : DecodeOnlyDetector.cpu());
        AnalyticsService.Options opts = new AnalyticsService.Options(new Batcher.Config(batch, Duration.ofMillis(timeoutMs), queue, 0),
                true, true, Duration.ofSeconds(30), -1, Path.of("target/test-clips"), 4);
        StageRunner stages = extras ? Stages.create(o.stages(), o.plugins(), gpu, batch) : StageRunner.none();
        List<MessageSink> sinks = extras ? Sinks.create(o.sinks(), det.describe()) : List.of();
        Run result;
        try (AnalyticsService<?> s = new AnalyticsService<>(opts, det, stages)) {
            for (MessageSink m : sinks) s.addListener(m);
            for (int i = 0; i < n; i++) s.addSource(SourceSpec.parse("s" + i + "=" + source, "x"));
            Thread.sleep((long) (warm * 1000));
            Map<String, StreamStatus> a = byId(s.status());
            long[] re0 = reanchors(s, a.keySet());
            s.latency().reset();
            long cpu0 = ServiceBench.cpuNanos(), t0 = System.nanoTime(), b0 = s.batches(), f0 = s.framesBatched();
            double d0 = s.detectSeconds(), busy0 = s.batchSeconds();
            long[] m0 = delivered(sinks);
            GpuSampler sampler = new GpuSampler();
            if (gpu) sampler.start();
            Thread.sleep((long) (seconds * 1000));
            sampler.stop();
            double dt = (System.nanoTime() - t0) / 1e9;
            Map<String, StreamStatus> b = byId(s.status());
            long[] re1 = reanchors(s, b.keySet());
            if (re1[0] > re0[0]) {
                System.out.printf(Locale.ROOT, "N=%d %s: paced streams fell behind by > 2 frame intervals and went on from there %d times"
                        + " in the window (%d streams at least once over the run)%n", n, model == null ? "decode-only" : "full path",
                        re1[0] - re0[0], re1[1]);
            }
            double cpu = (ServiceBench.cpuNanos() - cpu0) / 1e9 / dt;
            long batches = s.batches() - b0, framesBatched = s.framesBatched() - f0;
            double detect = s.detectSeconds() - d0, busy = s.batchSeconds() - busy0;
            long[] m1 = delivered(sinks);
            double min = Double.MAX_VALUE, max = 0, total = 0, worstP99 = 0;
            long decoded = 0, dropped = 0;
            for (StreamStatus x : b.values()) {
                StreamStatus y = a.get(x.id());
                long processed = x.framesProcessed() - (y == null ? 0 : y.framesProcessed());
                double fps = processed / dt;
                min = Math.min(min, fps);
                max = Math.max(max, fps);
                total += processed;
                decoded += x.framesDecoded() - (y == null ? 0 : y.framesDecoded());
                dropped += x.dropped() - (y == null ? 0 : y.dropped());
                if (Double.isFinite(x.latencyP99Ms())) worstP99 = Math.max(worstP99, x.latencyP99Ms());
            }
            LatencyRecorder.Percentiles all = pooled(s, b.keySet());
            long failed = b.values().stream().filter(x -> x.state().equals("FAILED")).count() + s.failedBatches();
            String mode = model == null ? "decode-only (paced, same service)" : "full path (" + model.name().replaceFirst(" \\(.*", "") + ")";
            if (extras) mode = "full path + " + stages.stages().stream().map(StageRunner.Named::name).toList() + " + sinks "
                    + sinks.stream().map(MessageSink::name).toList();
            result = new Run(mode, n, total / dt, min, max, decoded, dropped, all.p50Ms(), all.p99Ms(), worstP99,
                    batches == 0 ? 0 : framesBatched / (double) batches, detect / dt, batches == 0 ? 0 : detect * 1e3 / batches, busy / dt,
                    cpu, sampler.summary(), failed, m1[0] - m0[0], m1[1] - m0[1]);
        } finally {
            for (MessageSink m : sinks) m.close(10_000);
        }
        if (det instanceof GpuDetector g) {
            System.out.printf(Locale.ROOT, "N=%d %s: %d batches over the run, up to %d in flight; results read before their completion"
                    + " marker was reached: %d%n", n, result.mode(), g.batches(), g.maxInFlight(), g.lateMarkers());
        }
        if (extras) {
            System.out.printf(Locale.ROOT, "N=%d stages (host time per batch, whole run):%n%s", n, stages.summary());
            for (MessageSink m : sinks) System.out.printf(Locale.ROOT, "N=%d sink %s after close: %s%n", n, m.name(), m.counts());
        }
        return result;
    }

    /** Pace re-anchors (a stream behind went on without catching up) so far: {total, streams with any}. */
    static long[] reanchors(AnalyticsService<?> s, Iterable<String> ids) {
        long total = 0, streams = 0;
        for (String id : ids) {
            var src = s.source(id);
            long r = src == null ? 0 : src.paceReanchors();
            total += r;
            if (r > 0) streams++;
        }
        return new long[] {total, streams};
    }

    /** Messages the sinks delivered so far, and those they lost (failed or dropped). */
    static long[] delivered(List<MessageSink> sinks) {
        long ok = 0, lost = 0;
        for (MessageSink m : sinks) {
            MessageSink.Counts c = m.counts();
            ok += c.delivered();
            lost += c.failed() + c.dropped();
        }
        return new long[] {ok, lost};
    }

    /** p50 and p99 over every stream's samples: the mean of the streams' percentiles is not one, so take the median stream's. */
    static LatencyRecorder.Percentiles pooled(AnalyticsService<?> s, Iterable<String> ids) {
        List<LatencyRecorder.Percentiles> ps = new ArrayList<>();
        for (String id : ids) ps.add(s.latency().percentiles(id));
        ps.sort((x, y) -> Double.compare(x.p99Ms(), y.p99Ms()));
        return ps.isEmpty() ? new LatencyRecorder.Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN) : ps.get(ps.size() / 2);
    }

    static Map<String, StreamStatus> byId(List<StreamStatus> ss) {
        Map<String, StreamStatus> m = new HashMap<>();
        for (StreamStatus x : ss) m.put(x.id(), x);
        return m;
    }

    /** GPU and NVDEC use from nvidia-smi, sampled every second while a window runs. */
    static final class GpuSampler {
        private Process p;
        private final List<double[]> samples = new ArrayList<>();
        private Thread reader;

        void start() {
            try {
                // With --gpu-id, this process's GPU only (nvidia-smi ignores CUDA_VISIBLE_DEVICES; -i takes the same id).
                List<String> cmd = new ArrayList<>(List.of("nvidia-smi", "--query-gpu=utilization.gpu,utilization.decoder",
                        "--format=csv,noheader,nounits", "-lms", "1000"));
                String gpu = dev.vahost.pipelines.cli.GpuSelection.applied();
                if (gpu != null) cmd.addAll(List.of("-i", gpu));
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (Exception e) {
                return; // no nvidia-smi: the summary says so
            }
            reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        String[] f = line.split(",");
                        if (f.length < 2) continue;
                        try {
                            synchronized (samples) {
                                samples.add(new double[] {Double.parseDouble(f[0].strip()), Double.parseDouble(f[1].strip())});
                            }
                        } catch (NumberFormatException ignored) {
                            // a header or a message
                        }
                    }
                } catch (Exception ignored) {
                    // the process was stopped
                }
            }, "nvidia-smi");
            reader.setDaemon(true);
            reader.start();
        }

        void stop() throws InterruptedException {
            if (p == null) return;
            p.destroy();
            reader.join(2000);
        }

        String summary() {
            synchronized (samples) {
                if (samples.isEmpty()) return "GPU use: n/a";
                double g = 0, d = 0;
                for (double[] s : samples) {
                    g += s[0];
                    d += s[1];
                }
                return String.format(Locale.ROOT, "GPU %.0f%% NVDEC %.0f%%", g / samples.size(), d / samples.size());
            }
        }
    }
}
