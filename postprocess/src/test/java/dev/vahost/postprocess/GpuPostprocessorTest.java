package dev.vahost.postprocess;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.postprocess.internal.Half;

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

/**
 * GPU postprocessing against {@link CpuPostprocessor} on the GPU machine: the same kept candidates,
 * classes, scores and boxes, exactly (decode and mapping use no transcendental functions for YOLOv8
 * and pre-decoded boxes, and the IoU arithmetic is pinned with _rn intrinsics). SSD and CenterNet use
 * exp: there, indices and classes must match exactly and scores/boxes within 1e-6 relative.
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

    private static void assertClose(BatchDetections e, BatchDetections a, String what) {
        assertEquals(e.images(), a.images());
        for (int b = 0; b < e.images(); b++) {
            assertEquals(e.problem(b), a.problem(b), what);
            List<Detection> x = e.detections(b), y = a.detections(b);
            assertEquals(x.stream().map(Detection::candidate).toList(), y.stream().map(Detection::candidate).toList(), what + " image " + b);
            for (int i = 0; i < x.size(); i++) {
                Detection p = x.get(i), q = y.get(i);
                assertEquals(p.classId(), q.classId());
                float[] u = {p.score(), p.x1(), p.y1(), p.x2(), p.y2()}, v = {q.score(), q.x1(), q.y1(), q.x2(), q.y2()};
                for (int k = 0; k < 5; k++) {
                    assertEquals(u[k], v[k], 1e-6f * Math.max(1f, Math.abs(u[k])), what + " image " + b + " detection " + i);
                }
            }
        }
    }

    @Test
    void ssdAndCenterNetMatchTheCpu() {
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
                SsdDecode d = new SsdDecode(cls, priors, 0.1f, 0.2f, softmax, 0, (float) Math.log(1000.0 / 16), softmax ? 0.2f : 0.99f);
                NmsConfig nms = NmsConfig.classAware(0.45f, 1000, 200);
                try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool)) {
                    BatchDetections e = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(loc, n, a, 4), HostTensor.f32(conf, n, a, cls));
                    assertTrue(e.totalDetections() > 100);
                    assertClose(e, gpu(post, maps, upload(loc, n, a, 4), upload(conf, n, a, cls)), "ssd softmax=" + softmax);
                    short[] l16 = Half.fromFloats(loc), c16 = Half.fromFloats(conf);
                    BatchDetections e16 = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(Half.toFloats(l16), n, a, 4),
                            HostTensor.f32(Half.toFloats(c16), n, a, cls));
                    assertClose(e16, gpu(post, maps, upload(l16, n, a, 4), upload(c16, n, a, cls)), "ssd f16 softmax=" + softmax);
                }
            }
            int c = 80, h = 128, w = 128;
            float[] heat = new float[n * c * h * w], wh = new float[n * 2 * h * w], off = new float[n * 2 * h * w];
            for (int i = 0; i < heat.length; i++) heat[i] = (float) (r.nextGaussian() * 1.5 - 3);
            for (int i = 0; i < wh.length; i++) wh[i] = (float) r.nextDouble(1, 40);
            for (int i = 0; i < off.length; i++) off[i] = (float) r.nextDouble(0, 1);
            CenterNetDecode d = new CenterNetDecode(c, h, w, 4f, true, true, 0.3f, 65536);
            NmsConfig nms = NmsConfig.classAware(0.5f, 4000, 100);
            List<InputMapping> m512 = letterboxes(n, 512);
            try (GpuPostprocessor post = GpuPostprocessor.create(d, nms, n, pool)) {
                BatchDetections e = new CpuPostprocessor(d, nms).run(m512, HostTensor.f32(heat, n, c, h, w),
                        HostTensor.f32(wh, n, 2, h, w), HostTensor.f32(off, n, 2, h, w));
                assertTrue(e.totalDetections() > 100);
                assertClose(e, gpu(post, m512, upload(heat, n, c, h, w), upload(wh, n, 2, h, w), upload(off, n, 2, h, w)), "centernet");
            }
        } finally {
            freeInputs();
        }
    }
}
