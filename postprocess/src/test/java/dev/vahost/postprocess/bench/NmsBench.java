package dev.vahost.postprocess.bench;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.CpuPostprocessor;
import dev.vahost.postprocess.Detection;
import dev.vahost.postprocess.GoldenWriter;
import dev.vahost.postprocess.GpuPostprocessor;
import dev.vahost.postprocess.HostTensor;
import dev.vahost.postprocess.InputMapping;
import dev.vahost.postprocess.NmsConfig;
import dev.vahost.postprocess.TestData;
import dev.vahost.postprocess.YoloV8Decode;
import dev.vahost.postprocess.internal.Candidates;
import dev.vahost.postprocess.internal.CudaBackend;
import dev.vahost.postprocess.internal.PostprocessEngine;
import dev.vahost.postprocess.internal.CpuDecode;
import dev.vahost.nvmm.Half;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * YOLOv8-style decode + batched class-aware NMS + top-k + letterbox mapping + compaction + the
 * results copy to pinned memory, for 32 images x {1,000, 10,000} anchors x 80 classes, timed with CUDA
 * events around {@code submit} (median of many iterations, warm-up excluded). Every anchor's best
 * score is above the threshold, so NMS sees 32 x A candidates. The decoded candidates are written to
 * --out so tools/gpu/nms_torchvision_bench.py times torchvision.ops.batched_nms on exactly those
 * boxes; bench.json carries this side's numbers and kept indices.
 *
 * <p>Usage: NmsBench [--out DIR] [--iters N] [--sizes 1000,10000]
 */
public final class NmsBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NmsBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(System.getenv().getOrDefault("VAHOST_BENCH_OUT", "target/nms-bench"));
        int iters = 300;
        int[] sizes = {1000, 10_000};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[++i]);
                case "--iters" -> iters = Integer.parseInt(args[++i]);
                case "--sizes" -> sizes = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        Cuda.requireAvailable();
        System.out.println("device: " + Cuda.describeDevice());
        int n = 32, cls = 80, topK = 300;
        float thr = 0.25f, iou = 0.5f;
        ArrayNode json = JSON.createArrayNode();
        try (DevicePool pool = DevicePool.create("nms-bench", 3L << 30); CudaStream stream = CudaStream.create();
             CudaEvent start = CudaEvent.timing(); CudaEvent end = CudaEvent.timing()) {
            for (int a : sizes) {
                float[] raw = TestData.yolov8(1000 + a, n, cls, a, 640, 0.3f);
                YoloV8Decode d = new YoloV8Decode(cls, a, thr);
                NmsConfig nms = NmsConfig.classAware(iou, a, topK);
                List<InputMapping> maps = new ArrayList<>();
                for (int b = 0; b < n; b++) maps.add(InputMapping.letterbox(1920, 1080, 640, 640));

                // The candidates torchvision gets: exactly what the decoder produces (all anchors).
                float[] boxes = new float[n * a * 4], scores = new float[n * a];
                int[] classes = new int[n * a];
                HostTensor host = HostTensor.f32(raw, n, 4 + cls, a);
                for (int b = 0; b < n; b++) {
                    Candidates c = CpuDecode.decode(d, b, host);
                    if (c.size() != a) throw new IllegalStateException("image " + b + ": " + c.size() + " of " + a + " anchors passed");
                    System.arraycopy(c.boxes(), 0, boxes, b * a * 4, a * 4);
                    System.arraycopy(c.scores(), 0, scores, b * a, a);
                    System.arraycopy(c.classes(), 0, classes, b * a, a);
                }
                String name = "bench-" + a;
                GoldenWriter.write(out.resolve(name + ".boxes.f32"), boxes);
                GoldenWriter.write(out.resolve(name + ".scores.f32"), scores);
                GoldenWriter.write(out.resolve(name + ".classes.i32"), classes);

                try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool);
                     DeviceBuffer in32 = pool.allocate(4L * raw.length, "bench f32 input");
                     DeviceBuffer in16 = pool.allocate(2L * raw.length, "bench f16 input")) {
                    Transfers.toDevice(in32.address(), raw);
                    short[] half = Half.fromFloats(raw);
                    Transfers.toDevice(in16.address(), half);
                    DeviceTensor t32 = DeviceTensor.of(in32, DType.F32, n, 4 + cls, a);
                    DeviceTensor t16 = DeviceTensor.of(in16, DType.F16, n, 4 + cls, a);

                    post.submit(stream, maps, t32);
                    stream.synchronize();
                    BatchDetections gpu = post.results();
                    BatchDetections cpu = new CpuPostprocessor(d, nms).run(maps, host);
                    String check = compare(cpu, gpu);
                    List<Integer> kept = new ArrayList<>();
                    List<Integer> counts = new ArrayList<>();
                    for (int b = 0; b < n; b++) {
                        gpu.detections(b).forEach(x -> kept.add(x.candidate()));
                        counts.add(gpu.detections(b).size());
                    }
                    GoldenWriter.write(out.resolve(name + ".kept.i32"), kept.stream().mapToInt(Integer::intValue).toArray());

                    double[] gpu32 = time(post, stream, maps, t32, start, end, iters, false);
                    double[] gpu16 = time(post, stream, maps, t16, start, end, iters, false);
                    double[] host32 = time(post, stream, maps, t32, start, end, iters, true);
                    String stages = stages(pool, d, nms, n, maps, t32, stream, iters);
                    System.out.println("  per stage (CUDA events, medians, ms): " + stages);
                    System.out.printf(Locale.ROOT, "%d x %d candidates, %d classes, IoU %.2f, top %d: decode+NMS+compaction+copy"
                                    + " fp32 median %.3f ms (p10 %.3f, p90 %.3f), fp16 median %.3f ms; submit..results wall %.3f ms;"
                                    + " copy %d bytes; %d detections; GPU vs CPU reference: %s%n",
                            n, a, cls, iou, topK, gpu32[0], gpu32[1], gpu32[2], gpu16[0], host32[0], post.resultBytes(n),
                            gpu.totalDetections(), check);
                    ObjectNode row = json.addObject().put("name", name).put("images", n).put("candidates", a)
                            .put("classes", cls).put("iou", iou).put("top_k", topK).put("gpu_ms_median", gpu32[0])
                            .put("gpu_ms_p10", gpu32[1]).put("gpu_ms_p90", gpu32[2]).put("gpu_fp16_ms_median", gpu16[0])
                            .put("host_wall_ms_median", host32[0]).put("result_bytes", post.resultBytes(n))
                            .put("stages_ms", stages).put("iterations", iters).put("cpu_reference", check)
                            .put("device", Cuda.describeDevice());
                    ArrayNode keptCounts = row.putArray("kept_counts");
                    counts.forEach(keptCounts::add);
                }
            }
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("bench.json").toFile(), json);
        System.out.println("inputs and bench.json written to " + out.toAbsolutePath());
    }

    /** Median time of each stage (decode, sort, mask, reduce, select, pack, copy) over {@code iters} batches. */
    private static String stages(DevicePool pool, YoloV8Decode d, NmsConfig nms, int n, List<InputMapping> maps, DeviceTensor t,
                                 CudaStream stream, int iters) {
        List<String> names = new ArrayList<>();
        List<CudaEvent> events = new ArrayList<>();
        int[] at = {0};
        double[][] ms = new double[8][iters];
        try (PostprocessEngine e = new PostprocessEngine(new CudaBackend(pool, "bench-stages"), d, nms, n, Integer.MAX_VALUE);
             CudaEvent begin = CudaEvent.timing()) {
            e.setStageListener((s, name) -> {
                if (events.size() <= at[0]) events.add(CudaEvent.timing());
                if (names.size() <= at[0]) names.add(name);
                events.get(at[0]++).record((CudaStream) s);
            });
            for (int i = -10; i < iters; i++) {
                at[0] = 0;
                begin.record(stream);
                e.submit(stream, maps, t);
                stream.synchronize();
                e.results();
                if (i < 0) continue;
                for (int k = 0; k < events.size(); k++) {
                    ms[k][i] = events.get(k).elapsedSince(k == 0 ? begin : events.get(k - 1));
                }
            }
        } finally {
            events.forEach(CudaEvent::close);
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < names.size(); k++) {
            double[] v = ms[k].clone();
            Arrays.sort(v);
            sb.append(k == 0 ? "" : ", ").append(names.get(k)).append(String.format(Locale.ROOT, " %.4f", v[iters / 2]));
        }
        return sb.toString();
    }

    private static String compare(BatchDetections cpu, BatchDetections gpu) {
        for (int b = 0; b < cpu.images(); b++) {
            List<Detection> x = cpu.detections(b), y = gpu.detections(b);
            if (!x.equals(y)) return "DIFFERENT (image " + b + ")";
        }
        return "identical";
    }

    /** {median, p10, p90} in ms: CUDA events around submit, or host wall time of submit..results. */
    private static double[] time(GpuPostprocessor post, CudaStream stream, List<InputMapping> maps, DeviceTensor t,
                                 CudaEvent start, CudaEvent end, int iters, boolean wall) {
        int warm = Math.max(10, iters / 10);
        double[] ms = new double[iters];
        for (int i = -warm; i < iters; i++) {
            long t0 = System.nanoTime();
            start.record(stream);
            post.submit(stream, maps, t);
            end.record(stream);
            stream.synchronize();
            post.results();
            long t1 = System.nanoTime();
            if (i >= 0) ms[i] = wall ? (t1 - t0) / 1e6 : end.elapsedSince(start);
        }
        Arrays.sort(ms);
        return new double[] {ms[iters / 2], ms[iters / 10], ms[iters * 9 / 10]};
    }
}
