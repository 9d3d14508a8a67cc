package dev.vahost.postprocess;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.nvmm.Half;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * GPU postprocessing against {@link CpuPostprocessor} on the GPU machine: the same kept candidates,
 * classes, scores and boxes, exactly (decode and mapping use no transcendental functions for YOLOv8
 * and pre-decoded boxes, and the IoU arithmetic is pinned with _rn intrinsics). SSD and CenterNet use
 * exp: there, problems, counts, indices and classes must match exactly and scores/boxes within 1e-6
 * relative.
 * YOLOv5 and DetectNet_v2 use no transcendental functions (exact); YOLOX (exp) and DETR's sigmoid and
 * softmax are compared like SSD; DETR's identity scores exactly. DETR runs without NMS (four kernels).
 * The large class-aware and class-agnostic cases are also written to $VAHOST_GOLDEN_OUT for
 * tools/gpu/nms_torchvision_check.py. Not covered: multi-GPU, concurrent submits from several threads
 * on one instance (documented as unsupported), timing (NmsBench).
 */
@Tag("gpu")
class GpuPostprocessorTest {
    private static DevicePool pool;
    private static CudaStream stream;
    private static final List<DeviceBuffer> inputs = new ArrayList<>();
    private static GoldenWriter golden;

    @BeforeAll
    static void gpu() throws Exception {
        GpuTests.require("postprocess/decode", "postprocess/batched_nms");
        pool = DevicePool.create("postprocess-gpu-test", 3L << 30);
        stream = CudaStream.create();
        golden = new GoldenWriter(GoldenWriter.defaultDir());
    }

    @AfterAll
    static void release() {
        inputs.forEach(DeviceBuffer::close);
        inputs.clear();
        if (stream != null) stream.close();
        if (pool != null) pool.close();
    }

    private static DeviceTensor upload(float[] d, long... shape) {
        DeviceBuffer b = pool.allocate(4L * d.length, "test input");
        inputs.add(b);
        Transfers.toDevice(b.address(), d);
        return DeviceTensor.of(b, DType.F32, shape);
    }

    private static DeviceTensor upload(short[] d, long... shape) {
        DeviceBuffer b = pool.allocate(2L * d.length, "test input");
        inputs.add(b);
        Transfers.toDevice(b.address(), d);
        return DeviceTensor.of(b, DType.F16, shape);
    }

    private static DeviceTensor upload(int[] d, long... shape) {
        DeviceBuffer b = pool.allocate(4L * d.length, "test input");
        inputs.add(b);
        Transfers.toDevice(b.address(), d);
        return DeviceTensor.of(b, DType.I32, shape);
    }

    private static void freeInputs() {
        inputs.forEach(DeviceBuffer::close);
        inputs.clear();
    }

    private static List<InputMapping> identity(int n, int size) {
        List<InputMapping> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(InputMapping.identity(size, size));
        return l;
    }

    private static List<InputMapping> letterboxes(int n, int in) {
        List<InputMapping> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(InputMapping.letterbox(1920 - 40 * i, 1080 + 9 * i, in, in));
        return l;
    }

    private static BatchDetections gpu(GpuPostprocessor post, List<InputMapping> maps, DeviceTensor... t) {
        post.submit(stream, maps, t);
        stream.synchronize();
        return post.results();
    }

    private static BatchDetections candidatesCase(String goldenName, TestData.Batch c, NmsConfig nms, List<InputMapping> maps)
            throws Exception {
        CandidateBoxes d = new CandidateBoxes(c.classes(), c.candidates(), 0f);
        long t0 = System.nanoTime();
        BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, c.host());
        long t1 = System.nanoTime();
        BatchDetections actual;
        try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, c.images(), pool)) {
            DeviceTensor[] t = {upload(c.boxes(), c.images(), c.candidates(), 4), upload(c.scores(), c.images(), c.candidates()),
                    upload(c.classIds(), c.images(), c.candidates())};
            actual = gpu(post, maps, t);
            // The same batch again through the same workspace: state is reset on the device.
            Checks.assertSameResults(actual, gpu(post, maps, t), goldenName + ": second batch");
        } finally {
            freeInputs();
        }
        System.out.printf("%s: %d images x %d candidates, %d classes: %d kept (CPU reference %.0f ms)%n", goldenName,
                c.images(), c.candidates(), c.classes(), actual.totalDetections(), (t1 - t0) / 1e6);
        Checks.assertSameResults(expected, actual, goldenName);
        assertTrue(actual.totalDetections() > 0);
        if (nms.maxDetectionsPerImage() >= c.candidates()) golden.addCase(goldenName, c, nms.iouThreshold(), nms.classAgnostic(), 0f, actual);
        return actual;
    }

    @Test
    void classAware32x10000x80FloatCoordinates() throws Exception {
        TestData.Batch c = TestData.candidates(101, 32, 10_000, 80, 640, false, 0);
        candidatesCase("aware_float_32x10000x80", c, NmsConfig.classAware(0.5f, 10_000, 10_000), identity(32, 640));
    }

    @Test
    void classAware32x10000x80IntegerCoordinatesAndTiedScores() throws Exception {
        // Whole-pixel boxes make every IoU comparison exact in any evaluation order (torchvision's too),
        // and IoU == 0.5 happens often; 1000 score levels make ties common.
        TestData.Batch c = TestData.candidates(102, 32, 10_000, 80, 640, true, 1000);
        candidatesCase("aware_int_32x10000x80", c, NmsConfig.classAware(0.5f, 10_000, 10_000), identity(32, 640));
    }

    @Test
    void classAgnostic8x10000() throws Exception {
        TestData.Batch c = TestData.candidates(103, 8, 10_000, 80, 640, true, 0);
        candidatesCase("agnostic_int_8x10000", c, new NmsConfig(0.5f, 10_000, 10_000, true), identity(8, 640));
    }

    @Test
    void capTopKLetterboxAndSmallBatches() throws Exception {
        candidatesCase("cap_topk", TestData.candidates(104, 5, 3000, 80, 640, false, 200),
                NmsConfig.classAware(0.45f, 1000, 100), letterboxes(5, 640));
        candidatesCase("one_box", TestData.candidates(105, 1, 1, 1, 640, false, 0),
                NmsConfig.classAware(0.5f, 1, 1), identity(1, 640));
        candidatesCase("classes_300", TestData.candidates(106, 3, 4000, 300, 640, false, 0),
                NmsConfig.classAware(0.6f, 4000, 4000), identity(3, 640));
        candidatesCase("one_class_20000", TestData.candidates(107, 2, 20_000, 1, 1280, false, 0),
                NmsConfig.classAware(0.5f, 20_000, 300), identity(2, 1280));
    }

    @Test
    void yolov8Fp32AndFp16MatchTheCpuExactly() {
        int n = 32, cls = 80, a = 2100;
        float[] out = TestData.yolov8(201, n, cls, a, 320, 0.1f);
        YoloV8Decode d = new YoloV8Decode(cls, a, 0.25f);
        NmsConfig nms = NmsConfig.classAware(0.45f, a, 300);
        List<InputMapping> maps = letterboxes(n, 320);
        try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool)) {
            BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(out, n, 4 + cls, a));
            Checks.assertSameResults(expected, gpu(post, maps, upload(out, n, 4 + cls, a)), "yolov8 f32");
            assertTrue(expected.totalDetections() > 1000);
            short[] half = Half.fromFloats(out);
            BatchDetections expected16 = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(Half.toFloats(half), n, 4 + cls, a));
            Checks.assertSameResults(expected16, gpu(post, maps, upload(half, n, 4 + cls, a)), "yolov8 f16");
            // A strided view: the first 16 images of a 32-image tensor.
            List<InputMapping> first = maps.subList(0, 16);
            DeviceTensor whole = upload(out, n, 4 + cls, a);
            BatchDetections expectedHalfBatch = new CpuPostprocessor(d, nms).run(first,
                    HostTensor.f32(java.util.Arrays.copyOf(out, 16 * (4 + cls) * a), 16, 4 + cls, a));
            Checks.assertSameResults(expectedHalfBatch, gpu(post, first, whole.narrow(0, 16)), "yolov8 narrowed batch");
        } finally {
            freeInputs();
        }
    }

    @Test
    void oneResultsCopyPerBatchAndNoUploadWhenMappingsRepeat() {
        int n = 8, cls = 80, a = 2100;
        float[] out = TestData.yolov8(202, n, cls, a, 320, 0.1f);
        YoloV8Decode d = new YoloV8Decode(cls, a, 0.25f);
        try (GpuPostprocessor post = GpuPostprocessor.create(d, NmsConfig.classAware(0.45f, a, 100), n, pool)) {
            DeviceTensor t = upload(out, n, 4 + cls, a);
            List<InputMapping> maps = letterboxes(n, 320);
            gpu(post, maps, t);
            Transfers.Counts before = Transfers.counts();
            gpu(post, maps, t);
            Transfers.Counts delta = Transfers.counts().minus(before);
            assertEquals(1, delta.copiesToHost(), "one results copy per batch");
            assertEquals(post.resultBytes(n), delta.bytesToHost());
            assertEquals(0, delta.copiesToDevice(), "unchanged letterbox table is not uploaded again");
            post.submit(stream, maps, t);
            assertThrows(IllegalStateException.class, () -> post.submit(stream, maps, t));
            stream.synchronize();
            post.results();
            assertThrows(IllegalStateException.class, post::results);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> post.submit(stream, maps, t.reshape(n, 4 + cls, a / 2, 2)));
            assertTrue(e.getMessage().contains("expected F32[8, 84, 2100]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> post.submit(stream, maps.subList(0, 4), t));
        } finally {
            freeInputs();
        }
    }

    @Test
    void invalidOutputsAreFlaggedPerImage() {
        int n = 4, cls = 3, a = 500;
        float[] out = TestData.yolov8(203, n, cls, a, 320, 0.3f);
        int rows = 4 + cls;
        out[1 * rows * a + 5 * a + 77] = Float.NaN;        // image 1, anchor 77, class 1 score
        out[2 * rows * a + 2 * a + 123] = -3f;             // image 2, anchor 123, width
        out[3 * rows * a + 0 * a + 9] = Float.POSITIVE_INFINITY; // image 3, anchor 9, cx
        YoloV8Decode d = new YoloV8Decode(cls, a, 0.25f);
        NmsConfig nms = NmsConfig.classAware(0.5f, a, 100);
        List<InputMapping> maps = identity(n, 320);
        try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool)) {
            BatchDetections r = gpu(post, maps, upload(out, n, rows, a));
            Checks.assertSameResults(new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(out, n, rows, a)), r, "invalid values");
            assertFalse(r.problem(0).isPresent());
            assertTrue(r.problem(1).orElseThrow().contains("NaN") && r.problem(1).orElseThrow().contains("candidate 77"));
            assertTrue(r.problem(2).orElseThrow().contains("negative width") && r.problem(2).orElseThrow().contains("candidate 123"));
            assertTrue(r.problem(3).orElseThrow().contains("box coordinate") && r.problem(3).orElseThrow().contains("candidate 9"));
            assertThrows(IllegalArgumentException.class, () -> r.detections(2));
        } finally {
            freeInputs();
        }
    }

    /**
     * CPU reference vs GPU for decoders that use exp (SSD, CenterNet): problems, candidates above the
     * threshold, kept candidate indices and classes exactly; scores and boxes within 1e-6 relative
     * (both sides evaluate exp in double and round once, but CUDA's and fdlibm's double exp may differ
     * in the last bit). Failure messages name the image, the detection and the field that differs.
     */
    private static void assertClose(BatchDetections e, BatchDetections a, String what) {
        assertEquals(e.images(), a.images(), what + ": images");
        for (int b = 0; b < e.images(); b++) {
            String where = what + ", image " + b;
            assertEquals(e.problem(b), a.problem(b), where + ": problem (CPU reference vs GPU)");
            assertEquals(e.candidatesAboveThreshold(b), a.candidatesAboveThreshold(b),
                    where + ": candidates above the score threshold (CPU reference vs GPU)");
            if (e.problem(b).isPresent()) continue;
            List<Detection> x = e.detections(b), y = a.detections(b);
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                String d = difference(x.get(i), y.get(i));
                if (d != null) {
                    fail(where + ": detection " + i + " (of " + x.size() + " CPU / " + y.size() + " GPU): " + d
                            + "; CPU " + x.get(i) + ", GPU " + y.get(i));
                }
            }
            assertEquals(x.size(), y.size(), where + ": number of detections (CPU reference vs GPU)");
        }
    }

    private static String difference(Detection p, Detection q) {
        if (p.candidate() != q.candidate()) return "kept candidate index differs";
        if (p.classId() != q.classId()) return "class differs";
        float[] u = {p.score(), p.x1(), p.y1(), p.x2(), p.y2()}, v = {q.score(), q.x1(), q.y1(), q.x2(), q.y2()};
        String[] name = {"score", "x1", "y1", "x2", "y2"};
        for (int k = 0; k < 5; k++) {
            if (!(Math.abs(u[k] - v[k]) <= 1e-6f * Math.max(1f, Math.abs(u[k])))) {
                return name[k] + " differs by " + (v[k] - u[k]) + " (more than 1e-6 relative)";
            }
        }
        return null;
    }

    /** The CPU reference must keep enough to make the comparison meaningful; says why not otherwise. */
    private static void assertEnough(BatchDetections e, int min, String what) {
        if (e.totalDetections() >= min) return;
        StringBuilder s = new StringBuilder();
        for (int b = 0; b < e.images(); b++) {
            s.append("\n  image ").append(b).append(": ").append(e.candidatesAboveThreshold(b)).append(" above threshold, ")
                    .append(e.problem(b).isPresent() ? e.problem(b).get() : e.detections(b).size() + " kept");
        }
        fail(what + ": the CPU reference kept " + e.totalDetections() + " detections, expected at least " + min
                + " (test data too sparse, or flagged):" + s);
    }

    @Test
    void ssdMatchesTheCpu() {
        int n = 8, a = 3000, cls = 91;
        SplittableRandom r = new SplittableRandom(301);
        float[] priors = new float[4 * a];
        for (int i = 0; i < a; i++) {
            priors[4 * i] = (float) r.nextDouble(0, 300);
            priors[4 * i + 1] = (float) r.nextDouble(0, 300);
            priors[4 * i + 2] = (float) r.nextDouble(10, 150);
            priors[4 * i + 3] = (float) r.nextDouble(10, 150);
        }
        float[] loc = new float[n * a * 4], conf = new float[n * a * cls];
        for (int i = 0; i < loc.length; i++) loc[i] = (float) r.nextGaussian();
        for (int i = 0; i < conf.length; i++) conf[i] = (float) (r.nextGaussian() * 3);
        List<InputMapping> maps = letterboxes(n, 300);
        try {
            for (boolean softmax : new boolean[] {true, false}) {
                String what = "ssd softmax=" + softmax;
                SsdDecode d = new SsdDecode(cls, priors, 0.1f, 0.2f, softmax, 0, (float) Math.log(1000.0 / 16), softmax ? 0.2f : 0.99f);
                NmsConfig nms = NmsConfig.classAware(0.45f, 1000, 200);
                try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool)) {
                    BatchDetections e = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(loc, n, a, 4), HostTensor.f32(conf, n, a, cls));
                    assertEnough(e, 100, what);
                    assertClose(e, gpu(post, maps, upload(loc, n, a, 4), upload(conf, n, a, cls)), what);
                    short[] l16 = Half.fromFloats(loc), c16 = Half.fromFloats(conf);
                    BatchDetections e16 = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(Half.toFloats(l16), n, a, 4),
                            HostTensor.f32(Half.toFloats(c16), n, a, cls));
                    assertClose(e16, gpu(post, maps, upload(l16, n, a, 4), upload(c16, n, a, cls)), "ssd f16 softmax=" + softmax);
                    System.out.printf("%s: %d images x %d priors, %d classes: %d kept (f16 input: %d)%n", what, n, a, cls,
                            e.totalDetections(), e16.totalDetections());
                }
                freeInputs();
            }
        } finally {
            freeInputs();
        }
    }

    /**
     * CenterNet, 8 x 80 x 128 x 128, fp32 and fp16, on a heatmap shaped like a trained model's
     * (sparse blobs, plateaus). Then the dense Gaussian heatmap of the first GPU run (seed 301 data:
     * ~74,000 3x3 peaks above 0.3 per image against a capacity of 65,536): the CPU reference flagged
     * every image there, so that run compared no detections; here it checks that the GPU flags the
     * same overflow with the same count.
     */
    @Test
    void centerNetMatchesTheCpu() {
        int n = 8, c = 80, h = 128, w = 128;
        float[] heat = TestData.centerNetHeat(302, n, c, h, w, 400);
        SplittableRandom r = new SplittableRandom(303);
        float[] wh = new float[n * 2 * h * w], off = new float[n * 2 * h * w];
        for (int i = 0; i < wh.length; i++) wh[i] = (float) r.nextDouble(1, 40);
        for (int i = 0; i < off.length; i++) off[i] = (float) r.nextDouble(0, 1);
        CenterNetDecode d = new CenterNetDecode(c, h, w, 4f, true, true, 0.3f, 4096);
        NmsConfig nms = NmsConfig.classAware(0.5f, 4000, 300);
        List<InputMapping> m512 = letterboxes(n, 512);
        try {
            try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool)) {
                BatchDetections e = new CpuPostprocessor(d, nms).run(m512, HostTensor.f32(heat, n, c, h, w),
                        HostTensor.f32(wh, n, 2, h, w), HostTensor.f32(off, n, 2, h, w));
                assertEnough(e, 1600, "centernet");
                assertClose(e, gpu(post, m512, upload(heat, n, c, h, w), upload(wh, n, 2, h, w), upload(off, n, 2, h, w)), "centernet");
                short[] h16 = Half.fromFloats(heat), w16 = Half.fromFloats(wh), o16 = Half.fromFloats(off);
                BatchDetections e16 = new CpuPostprocessor(d, nms).run(m512, HostTensor.f32(Half.toFloats(h16), n, c, h, w),
                        HostTensor.f32(Half.toFloats(w16), n, 2, h, w), HostTensor.f32(Half.toFloats(o16), n, 2, h, w));
                assertEnough(e16, 1600, "centernet f16");
                assertClose(e16, gpu(post, m512, upload(h16, n, c, h, w), upload(w16, n, 2, h, w), upload(o16, n, 2, h, w)),
                        "centernet f16");
                System.out.printf("centernet: %d images x %dx%dx%d: %d candidates above 0.3 in image 0, %d kept (f16 input: %d)%n",
                        n, c, h, w, e.candidatesAboveThreshold(0), e.totalDetections(), e16.totalDetections());
            }
            freeInputs();

            int nd = 2;
            SplittableRandom q = new SplittableRandom(304);
            float[] dense = new float[nd * c * h * w];
            for (int i = 0; i < dense.length; i++) dense[i] = (float) (q.nextGaussian() * 1.5 - 3);
            CenterNetDecode dd = new CenterNetDecode(c, h, w, 4f, true, true, 0.3f, 65536);
            List<InputMapping> two = m512.subList(0, nd);
            try (GpuPostprocessor post = GpuPostprocessor.create(dd, nms, nd, pool)) {
                float[] whd = java.util.Arrays.copyOf(wh, nd * 2 * h * w), offd = java.util.Arrays.copyOf(off, nd * 2 * h * w);
                BatchDetections e = new CpuPostprocessor(dd, nms).run(two, HostTensor.f32(dense, nd, c, h, w),
                        HostTensor.f32(whd, nd, 2, h, w), HostTensor.f32(offd, nd, 2, h, w));
                for (int b = 0; b < nd; b++) {
                    String p = e.problem(b).orElse("");
                    assertTrue(p.contains("exceed the capacity of 65536"), "dense heatmap, image " + b + ": expected an overflow, got '"
                            + p + "' with " + e.candidatesAboveThreshold(b) + " candidates above the threshold");
                }
                BatchDetections g = gpu(post, two, upload(dense, nd, c, h, w), upload(whd, nd, 2, h, w), upload(offd, nd, 2, h, w));
                assertClose(e, g, "centernet dense heatmap (capacity overflow)");
                System.out.printf("centernet dense: %d and %d candidates above 0.3 (capacity 65536): flagged on both%n",
                        g.candidatesAboveThreshold(0), g.candidatesAboveThreshold(1));
            }
        } finally {
            freeInputs();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // YOLOv5, YOLOX, DETR (no NMS) and DetectNet_v2.

    /** Runs the decoder on fp32 data and on its binary16 rounding, GPU against the CPU reference. */
    private static BatchDetections gpuVsCpu(DecoderConfig d, NmsConfig nms, List<InputMapping> maps, float[][] data, int[][] shapes,
                                            boolean exact, int minDetections, String what) {
        HostTensor[] h = new HostTensor[data.length], h16 = new HostTensor[data.length];
        DeviceTensor[] t = new DeviceTensor[data.length], t16 = new DeviceTensor[data.length];
        for (int i = 0; i < data.length; i++) {
            long[] shape = java.util.Arrays.stream(shapes[i]).asLongStream().toArray();
            short[] half = Half.fromFloats(data[i]);
            h[i] = HostTensor.f32(data[i], shapes[i]);
            h16[i] = HostTensor.f32(Half.toFloats(half), shapes[i]);
            t[i] = upload(data[i], shape);
            t16[i] = upload(half, shape);
        }
        CpuPostprocessor cpu = new CpuPostprocessor(d, nms);
        try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, maps.size(), pool)) {
            BatchDetections e = cpu.run(maps, h), e16 = cpu.run(maps, h16);
            assertEnough(e, minDetections, what);
            BatchDetections g = gpu(post, maps, t), g16 = gpu(post, maps, t16);
            if (exact) {
                Checks.assertSameResults(e, g, what + " f32");
                Checks.assertSameResults(e16, g16, what + " f16");
            } else {
                assertClose(e, g, what + " f32");
                assertClose(e16, g16, what + " f16");
            }
            System.out.printf("%s: %d images: %d candidates above the threshold in image 0, %d detections (f16 input: %d)%n", what,
                    maps.size(), e.candidatesAboveThreshold(0), e.totalDetections(), e16.totalDetections());
            return g;
        } finally {
            freeInputs();
        }
    }

    @Test
    void yolov5MatchesTheCpuExactly() {
        int n = 16, cls = 80, a = 6300;   // 320x320: 3 x (40x40 + 20x20 + 10x10)
        float[] out = TestData.yolov5(501, n, cls, a, 320, 0.1f);
        int[][] shape = {{n, a, 5 + cls}};
        gpuVsCpu(new YoloV5Decode(cls, a, 0.25f), NmsConfig.classAware(0.45f, a, 300), letterboxes(n, 320), new float[][] {out}, shape,
                true, 1000, "yolov5");
        gpuVsCpu(YoloV5Decode.multiLabel(cls, a, 0.1f, 20_000), NmsConfig.classAware(0.45f, 10_000, 300), letterboxes(n, 320),
                new float[][] {out}, shape, true, 1000, "yolov5 multi-label");
    }

    @Test
    void yoloxMatchesTheCpu() {
        int n = 8, cls = 80, w = 640, h = 640;
        int a = YoloXDecode.gridAnchors(w, h, YoloXDecode.defaultStrides());
        float[] out = TestData.yoloxRaw(502, n, cls, a);
        gpuVsCpu(new YoloXDecode(cls, a, w, h, 0.3f), NmsConfig.classAware(0.45f, a, 300), letterboxes(n, 640), new float[][] {out},
                new int[][] {{n, a, 5 + cls}}, false, 1000, "yolox 640");
        int a2 = YoloXDecode.gridAnchors(416, 200, YoloXDecode.defaultStrides());
        gpuVsCpu(new YoloXDecode(7, a2, 416, 200, 0.3f), NmsConfig.classAware(0.45f, a2, 100), letterboxes(3, 416),
                new float[][] {TestData.yoloxRaw(503, 3, 7, a2)}, new int[][] {{3, a2, 12}}, false, 100, "yolox 416x200");
    }

    @Test
    void detrMatchesTheCpuWithoutNms() {
        int n = 16, q = 300, cls = 80;
        TestData.Detr one = TestData.detr(504, n, q, cls, false);
        gpuVsCpu(DetrDecode.oneOutput(cls, q, 640, 640, 0.3f), null, letterboxes(n, 640), new float[][] {one.combined(n, q)},
                new int[][] {{n, q, 4 + cls}}, true, n * 300, "detr identity (ties)");
        TestData.Detr soft = TestData.detr(505, n, 100, 92, true);
        for (int i = 0; i < n * 100; i++) soft.scores()[i * 92 + 91] -= 1;
        gpuVsCpu(DetrDecode.logitsAndBoxes(91, 100, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 800, 800, 0.2f), null,
                letterboxes(n, 800), new float[][] {soft.scores(), soft.boxes()}, new int[][] {{n, 100, 92}, {n, 100, 4}}, false, 50,
                "detr softmax");
        TestData.Detr sig = TestData.detr(506, n, q, cls, true);
        gpuVsCpu(DetrDecode.logitsAndBoxes(cls, q, DetrDecode.ScoreFunction.SIGMOID, 640, 640, 0.3f), null, letterboxes(n, 640),
                new float[][] {sig.scores(), sig.boxes()}, new int[][] {{n, q, cls}, {n, q, 4}}, false, n * 100, "detr sigmoid");
    }

    @Test
    void detrCopiesOncePerBatch() {
        int n = 8, q = 300, cls = 80;
        float[] out = TestData.detr(507, n, q, cls, false).combined(n, q);
        try (GpuPostprocessor post = GpuPostprocessor.create(DetrDecode.oneOutput(cls, q, 640, 640, 0.5f), n, pool)) {
            DeviceTensor t = upload(out, n, q, 4 + cls);
            List<InputMapping> maps = letterboxes(n, 640);
            gpu(post, maps, t);
            Transfers.Counts before = Transfers.counts();
            BatchDetections r = gpu(post, maps, t);
            Transfers.Counts delta = Transfers.counts().minus(before);
            assertEquals(1, delta.copiesToHost(), "one results copy per batch");
            assertEquals(post.resultBytes(n), delta.bytesToHost());
            assertEquals(n * 300, r.totalDetections());
            assertThrows(IllegalArgumentException.class, () -> GpuPostprocessor.create(DetrDecode.oneOutput(cls, q, 640, 640, 0.5f),
                    NmsConfig.classAware(0.5f, 100, 100), n, pool));
        } finally {
            freeInputs();
        }
    }

    @Test
    void detectNetV2MatchesTheCpuExactly() {
        int n = 8, cls = 3, h = 34, w = 60;
        TestData.DetectNet g = TestData.detectNet(508, n, cls, h, w, 60);
        gpuVsCpu(DetectNetV2Decode.of(cls, h, w, 960, 544, 0.4f).withClassThresholds(0.4f, 0.5f, 0.6f),
                NmsConfig.classAware(0.5f, cls * h * w, 300), letterboxes(n, 960), new float[][] {g.cov(), g.bbox()},
                new int[][] {{n, cls, h, w}, {n, 4 * cls, h, w}}, true, 300, "detectnet_v2");
    }

    @Test
    void newDecodersFlagInvalidOutputsLikeTheCpu() {
        int n = 4;
        float[] v5 = TestData.yolov5(509, n, 4, 300, 320, 0.2f);
        v5[(300 + 7) * 9 + 4] = Float.NaN;
        v5[(600 + 11) * 9 + 2] = -5f;
        BatchDetections r = gpuVsCpu(new YoloV5Decode(4, 300, 0.2f), NmsConfig.classAware(0.5f, 300, 50), identity(n, 320),
                new float[][] {v5}, new int[][] {{n, 300, 9}}, true, 0, "yolov5 invalid");
        assertTrue(r.problem(1).orElseThrow().contains("candidate 7") && r.problem(2).orElseThrow().contains("candidate 11"));
        int a = YoloXDecode.gridAnchors(96, 64, YoloXDecode.defaultStrides());
        float[] x = TestData.yoloxRaw(510, n, 4, a);
        x[(a + 5) * 9 + 3] = 120f;
        gpuVsCpu(new YoloXDecode(4, a, 96, 64, 0.3f), NmsConfig.classAware(0.5f, a, 50), identity(n, 96), new float[][] {x},
                new int[][] {{n, a, 9}}, false, 0, "yolox invalid");
        TestData.Detr d = TestData.detr(511, n, 40, 6, true);
        d.boxes()[(40 + 3) * 4 + 3] = -0.1f;
        d.scores()[(80 + 6) * 6 + 5] = Float.NaN;
        gpuVsCpu(DetrDecode.logitsAndBoxes(5, 40, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 320, 320, 0.1f), null,
                identity(n, 320), new float[][] {d.scores(), d.boxes()}, new int[][] {{n, 40, 6}, {n, 40, 4}}, false, 0, "detr invalid");
        TestData.DetectNet g = TestData.detectNet(512, n, 2, 9, 11, 8);
        g.cov()[(2 + 1) * 99 + 40] = Float.NaN;
        gpuVsCpu(DetectNetV2Decode.of(2, 9, 11, 176, 144, 0.5f), NmsConfig.classAware(0.5f, 198, 50), identity(n, 176),
                new float[][] {g.cov(), g.bbox()}, new int[][] {{n, 2, 9, 11}, {n, 8, 9, 11}}, true, 0, "detectnet invalid");
    }
}
