package dev.vahost.nvmm.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.StreamState;
import dev.vahost.gst.synth.SyntheticClip;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.nvmm.gst.GstCudaContextSharing;

/**
 * N streams of one 1080p30 H.264 clip (looped) in ONE process, ONE shared CUDA context:
 * decode-only (pull and release) vs decode + map + one NV12→RGB 640x640 kernel per frame with
 * stream-ordered release. Aggregate and per-stream fps over a timed window after warm-up, GPU
 * memory in use sampled every second, CPU time of the process, and bytes copied to the host.
 *
 * <pre>java -cp ... dev.vahost.nvmm.bench.DecodeBench --clip c.h264 --streams 1,8,16,32 --seconds 10 --flat-seconds 60</pre>
 */
public final class DecodeBench {
    record Result(String mode, int streams, double aggregate, double minStream, double maxStream, long memMinMiB,
                  long memMaxMiB, double cpuCores, long hostBytes, int failed) {}

    public static void main(String[] args) throws Exception {
        Path clip = null;
        int[] counts = {1, 8, 16, 32};
        double seconds = 10, flatSeconds = 0, warm = 3;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--clip" -> clip = Path.of(args[i + 1]);
                case "--streams" -> counts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--flat-seconds" -> flatSeconds = Double.parseDouble(args[i + 1]);
                case "--warmup" -> warm = Double.parseDouble(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Cuda.requireAvailable();
        if (clip == null || !Files.exists(clip)) {
            clip = clip == null ? Path.of("target/bench-1080p.h264") : clip;
            System.out.println("making " + clip + " (1080p30, 8 Mbit/s, x264 ultrafast, 600 frames)");
            SyntheticClip.make(new SyntheticClip.Spec(clip, 1920, 1080, 30, 8000, 600, "scene", 42));
        }
        System.out.println("DecodeBench on " + Cuda.describeDevice() + ", clip " + clip + " (" + Files.size(clip) / 1024 + " KiB), "
                + Runtime.getRuntime().availableProcessors() + " CPU cores");
        List<Result> rows = new ArrayList<>();
        for (int n : counts) {
            rows.add(run(clip, n, false, warm, seconds));
            rows.add(run(clip, n, true, warm, seconds));
            printRow(rows.get(rows.size() - 2), null);
            printRow(rows.get(rows.size() - 1), rows.get(rows.size() - 2));
        }
        if (flatSeconds > 0) {
            Result r = run(clip, 16, true, warm, flatSeconds);
            System.out.printf(Locale.ROOT, "memory over %.0f s at 16 streams (full path): %d..%d MiB in use%n", flatSeconds,
                    r.memMinMiB(), r.memMaxMiB());
            printRow(r, null);
        }
        System.exit(0);
    }

    static void printRow(Result r, Result baseline) {
        System.out.printf(Locale.ROOT, "%-28s N=%3d  aggregate %7.0f fps  per-stream %6.1f..%6.1f fps  GPU mem %5d..%5d MiB"
                        + "  CPU %4.1f cores  host bytes %d%s%s%n", r.mode(), r.streams(), r.aggregate(), r.minStream(),
                r.maxStream(), r.memMinMiB(), r.memMaxMiB(), r.cpuCores(), r.hostBytes(),
                baseline == null ? "" : String.format(Locale.ROOT, "  = %.1f%% of decode-only", 100 * r.aggregate() / baseline.aggregate()),
                r.failed() > 0 ? "  FAILED STREAMS " + r.failed() : "");
    }

    static Result run(Path clip, int n, boolean full, double warm, double seconds) throws Exception {
        List<StreamPipeline> ps = new ArrayList<>();
        List<CudaStream> streams = new ArrayList<>();
        AtomicLong[] counts = new AtomicLong[n];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Kernel k = KernelModule.load("nvmm", "frame_probe").kernel("nv12_to_rgb_f32_nearest");
        String launch = "multifilesrc location=" + clip + " loop=true ! h264parse ! nvh264dec ! "
                + "video/x-raw(memory:CUDAMemory),format=NV12 ! appsink name=sink";
        try (DevicePool pool = DevicePool.create("decode-bench", 2L * n * 3 * 640 * 640 * 4 + (1 << 20))) {
            List<DeviceBuffer> outs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                counts[i] = new AtomicLong();
                StreamPipeline p = StreamPipeline.fromLaunch("s" + i, launch);
                GstCudaContextSharing.share(p);
                ps.add(p);
                if (full) {
                    streams.add(CudaStream.create());
                    outs.add(pool.allocate(3L * 640 * 640 * 4, "rgb s" + i));
                }
            }
            Transfers.Counts before = Transfers.counts();
            for (int i = 0; i < n; i++) {
                AtomicLong c = counts[i];
                if (full) {
                    CudaStream s = streams.get(i);
                    long out = outs.get(i).address();
                    ps.get(i).start(f -> {
                        try {
                            DeviceFrame df = DeviceFrame.fromCuda(f);
                            DeviceImage im = df.image();
                            // 32x8 threads: a warp per output row segment (coalesced float stores).
                            k.launch(s, 20, 80, 1, 32, 8, 1, 0, im.plane(0), im.plane(1), im.pitch(0), im.width(),
                                    im.height(), out, 640, 640);
                            df.closeAfter(s);
                            c.incrementAndGet();
                        } catch (Throwable t) {
                            failure.compareAndSet(null, t);
                        }
                    });
                } else {
                    ps.get(i).start(f -> {
                        f.close();
                        c.incrementAndGet();
                    });
                }
            }
            Thread.sleep((long) (warm * 1000));
            long[] c0 = Arrays.stream(counts).mapToLong(AtomicLong::get).toArray();
            long cpu0 = cpuNanos(), t0 = System.nanoTime();
            long memMin = Long.MAX_VALUE, memMax = 0;
            long end = t0 + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                long[] m = Cuda.memoryInfo();
                long used = (m[1] - m[0]) >> 20;
                memMin = Math.min(memMin, used);
                memMax = Math.max(memMax, used);
                Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
            double dt = (System.nanoTime() - t0) / 1e9;
            double cpu = (cpuNanos() - cpu0) / 1e9 / dt;
            double[] fps = new double[n];
            double agg = 0;
            for (int i = 0; i < n; i++) {
                fps[i] = (counts[i].get() - c0[i]) / dt;
                agg += fps[i];
            }
            long host = Transfers.counts().minus(before).bytesToHost();
            int failed = 0;
            for (StreamPipeline p : ps) {
                if (p.state() == StreamState.FAILED) failed++;
                p.close();
            }
            for (CudaStream s : streams) s.close();
            for (DeviceBuffer b : outs) b.close();
            if (failure.get() != null) {
                throw new IllegalStateException("frame handling failed", failure.get());
            }
            return new Result(full ? "decode+map+kernel" : "decode-only (baseline)", n, agg,
                    Arrays.stream(fps).min().orElse(0), Arrays.stream(fps).max().orElse(0), memMin, memMax, cpu, host, failed);
        }
    }

    /** User + system CPU time of this process, from /proc/self/stat (clock ticks of 10 ms). */
    static long cpuNanos() throws Exception {
        String[] f = Files.readString(Path.of("/proc/self/stat")).split("\\) ")[1].split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    }
}
