package dev.vahost.ops.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.ops.DecodedFrames;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.LetterboxResize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.Rect;
import dev.vahost.ops.cpu.LetterboxResizeCpu;
import dev.vahost.nvmm.Half;

import jcuda.driver.CUdevice_attribute;

/**
 * Fused NV12 1080p → 640x640 letterbox fp16 NCHW (ops' default config: RGB, bilinear, pad 114,
 * x/255) at batch 1, 8 and 32, on 32 distinct decoded frames uploaded at pitch 2048 (NVDEC's pitch).
 *
 * <p>Three timings per batch size, each with CUDA events over {@code --iters} submits:
 * <ul>
 * <li><b>gpu</b>: the launches are queued behind a kernel that spins for 50 ms, so the events see
 *     the kernels back to back: GPU execution time. Achieved bandwidth = (NV12 frame bytes +
 *     tensor bytes) per frame / time, against {@link Cuda#peakBandwidth()}.</li>
 * <li><b>stream</b>: the same without the spin: includes the host's launch rate (JCuda).</li>
 * <li><b>new table</b>: as stream, but every submit alternates between two copies of the frames
 *     (other plane addresses), so the parameter table is uploaded every time, as with a decoder's
 *     rotating buffers.</li>
 * </ul>
 * Also: one CPU-reference frame for scale, a GPU-vs-CPU check of the batch-32 output, and (with
 * {@code --frames-out DIR}) the frames and results for tools/gpu/ops_torch_baseline.py.
 *
 * <pre>java -cp ... dev.vahost.ops.bench.LetterboxResizeBench [--iters 200] [--frames-out DIR]</pre>
 */
public final class LetterboxResizeBench {
    private static final int W = 1920;
    private static final int H = 1080;
    private static final int[] BATCHES = {1, 8, 32};

    private LetterboxResizeBench() {}

    public static void main(String[] args) throws Exception {
        int iters = 200;
        Path framesOut = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--frames-out" -> framesOut = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: LetterboxResizeBench [--iters N] [--frames-out DIR]");
                    System.exit(2);
                }
            }
        }
        int status;
        try {
            status = run(iters, framesOut);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status); // GStreamer's threads would keep the JVM alive
    }

    private static int run(int iters, Path framesOut) throws IOException {
        Cuda.requireAvailable();
        Cuda.ensureCurrent();
        double peak;
        try {
            peak = Cuda.peakBandwidth();
        } catch (RuntimeException e) {
            System.out.println("peak bandwidth unknown: " + e.getMessage());
            peak = Double.NaN;
        }
        System.out.printf(Locale.ROOT, "device: %s, peak DRAM bandwidth %.0f GB/s%n", Cuda.describeDevice(), peak / 1e9);
        int n = BATCHES[BATCHES.length - 1];
        long t = System.nanoTime();
        List<HostImage> host = DecodedFrames.decode(TestClips.scene(W, H, n, 7), PixelFormat.NV12, n, ColorSpec.BT709_LIMITED);
        System.out.printf(Locale.ROOT, "decoded %d frames %dx%d NV12 (openh264dec) in %.1f s%n", n, W, H, (System.nanoTime() - t) / 1e9);

        PreprocessConfig c = PreprocessConfig.letterbox(640, 640);
        long srcBytes = (long) W * H * 3 / 2;
        long dstBytes = 3L * c.width() * c.height() * c.dtype().bytes();
        System.out.printf(Locale.ROOT, "config %s; bytes per frame: %d NV12 read + %d written = %d%n", c, srcBytes, dstBytes,
                srcBytes + dstBytes);

        t = System.nanoTime();
        float[] cpu0 = new float[3 * c.width() * c.height()];
        LetterboxResizeCpu.runOne(host.get(0), Rect.full(W, H), c, cpu0, 0);
        System.out.printf(Locale.ROOT, "CPU reference (plain Java, 1 thread, 1 frame incl. warm-up): %.1f ms%n",
                (System.nanoTime() - t) / 1e6);

        Kernel spin = KernelModule.load("ops", "timing").kernel("spin_cycles");
        long cyclesPerMs; // the SM clock in kHz is cycles per millisecond
        try {
            cyclesPerMs = Cuda.attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
        } catch (RuntimeException e) {
            cyclesPerMs = 2_000_000;
        }
        int spinMs = 50;
        ObjectNode json = new ObjectMapper().createObjectNode().put("device", Cuda.describeDevice())
                .put("peak_gbps", Double.isNaN(peak) ? 0 : peak / 1e9).put("iters", iters);
        ObjectNode results = json.putObject("results");
        boolean ok = true;
        try (GpuImages g = new GpuImages("ops-bench", 2L << 30); CudaStream s = CudaStream.create();
             LetterboxResize op = LetterboxResize.create(c, n, g.pool());
             CudaEvent t0 = CudaEvent.timing(); CudaEvent t1 = CudaEvent.timing(); CudaEvent ts = CudaEvent.timing()) {
            List<DeviceImage> dev = new ArrayList<>();
            List<DeviceImage> alt = new ArrayList<>();
            for (HostImage h : host) {
                dev.add(g.upload(h, 2048 - W));
                alt.add(g.upload(h, 2048 - W));
            }
            DeviceTensor out = g.tensor(s, DType.F16, c.shape(n));
            System.out.println();
            System.out.println("batch | gpu us/batch | gpu us/frame | GB/s  | % of peak | stream us/frame | new-table us/frame | frames/s (gpu)");
            for (int bi = 0; bi < BATCHES.length; bi++) {
                int b = BATCHES[bi];
                List<DeviceImage> frames = dev.subList(0, b);
                List<DeviceImage> frames2 = alt.subList(0, b);
                DeviceTensor o = out.narrow(0, b);
                for (int i = 0; i < 20; i++) {
                    op.submit(s, frames, o);
                }
                s.synchronize();

                ts.record(s);
                spin.launch(s, 1, 1, 1, 1, 1, 1, 0, cyclesPerMs * spinMs);
                long host0 = System.nanoTime();
                t0.record(s);
                for (int i = 0; i < iters; i++) {
                    op.submit(s, frames, o);
                }
                t1.record(s);
                double enqueueMs = (System.nanoTime() - host0) / 1e6;
                t1.synchronize();
                double gpuMs = t1.elapsedSince(t0);
                double spunMs = t0.elapsedSince(ts);
                if (enqueueMs > spunMs) {
                    System.out.printf(Locale.ROOT, "WARNING: enqueueing took %.1f ms > the %.1f ms spin; gpu time includes gaps%n",
                            enqueueMs, spunMs);
                }

                t0.record(s);
                for (int i = 0; i < iters; i++) {
                    op.submit(s, frames, o);
                }
                t1.record(s);
                t1.synchronize();
                double streamMs = t1.elapsedSince(t0);

                long uploads0 = op.tableUploads();
                t0.record(s);
                for (int i = 0; i < iters; i++) {
                    op.submit(s, (i & 1) == 0 ? frames2 : frames, o);
                }
                t1.record(s);
                t1.synchronize();
                double newTableMs = t1.elapsedSince(t0);
                long uploads = op.tableUploads() - uploads0;

                double gpuUsBatch = gpuMs * 1e3 / iters;
                double gpuUsFrame = gpuUsBatch / b;
                double gbps = (srcBytes + dstBytes) * (double) b * iters / (gpuMs * 1e-3) / 1e9;
                double streamUsFrame = streamMs * 1e3 / iters / b;
                double newTableUsFrame = newTableMs * 1e3 / iters / b;
                System.out.printf(Locale.ROOT, "%5d | %12.1f | %12.2f | %5.0f | %8.1f%% | %15.2f | %18.2f | %.0f%n", b, gpuUsBatch,
                        gpuUsFrame, gbps, 100 * gbps * 1e9 / peak, streamUsFrame, newTableUsFrame, 1e6 / gpuUsFrame);
                if (uploads != iters) {
                    System.out.println("WARNING: expected " + iters + " table uploads in the new-table run, saw " + uploads);
                }
                results.putObject(Integer.toString(b)).put("gpu_us_per_frame", gpuUsFrame).put("gpu_gbps", gbps)
                        .put("stream_us_per_frame", streamUsFrame).put("new_table_us_per_frame", newTableUsFrame);
            }
            System.out.println("table uploads: " + op.tableUploads() + ", waits for a free table slot: " + op.tableWaits());

            // The batch-32 output of the last run (frames2 for odd iterations: same pixels) against the CPU reference.
            op.submit(s, dev, out);
            s.synchronize();
            float[] got = GpuImages.download(out);
            int per = cpu0.length;
            float[] cpuLast = new float[per];
            LetterboxResizeCpu.runOne(host.get(n - 1), Rect.full(W, H), c, cpuLast, 0);
            double max = 0;
            for (int i = 0; i < per; i++) {
                max = Math.max(max, Math.abs(got[i] - cpu0[i]) / Half.ulp(cpu0[i]));
                max = Math.max(max, Math.abs(got[(n - 1) * per + i] - cpuLast[i]) / Half.ulp(cpuLast[i]));
            }
            ok = max <= 1;
            System.out.printf(Locale.ROOT, "check: batch-32 frames 0 and 31 vs CPU reference: max %.2f fp16 ulp -> %s%n", max,
                    ok ? "OK" : "FAILED");

            if (framesOut != null) {
                Files.createDirectories(framesOut);
                for (int i = 0; i < n; i++) {
                    HostImage h = host.get(i);
                    byte[] y = h.planeBytes(0);
                    byte[] uv = h.planeBytes(1);
                    ByteBuffer all = ByteBuffer.allocate(y.length + uv.length).put(y).put(uv);
                    Files.write(framesOut.resolve(String.format(Locale.ROOT, "frame_%02d.nv12", i)), all.array());
                }
                ByteBuffer o0 = ByteBuffer.allocate(per * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < per; i++) {
                    o0.putShort(Half.fromFloat(got[i]));
                }
                Files.write(framesOut.resolve("java_frame0_f16_nchw.bin"), o0.array());
                json.put("frames", n).put("width", W).put("height", H).put("matrix", "BT709").put("range", "LIMITED")
                        .put("out", 640).put("pad", c.padValue());
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(framesOut.resolve("index.json").toFile(), json);
                System.out.println("frames and results for ops_torch_baseline.py: " + framesOut.toAbsolutePath());
            }
        }
        return ok ? 0 : 1;
    }
}
