package dev.vahost.postprocess;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.Half;
import dev.vahost.postprocess.internal.PostprocessEngine;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real kernel sources (decode.cu, batched_nms.cu), compiled for the CPU by src/test/emu and run
 * through the same {@link PostprocessEngine} launch sequence and workspace layout as on the GPU,
 * against {@link CpuPostprocessor}: exact equality of every detection (candidate, class, score, box).
 * The emulation checks barrier and warp-intrinsic convergence, kernel argument counts and kinds, and
 * out-of-buffer writes. Not covered here: real GPU concurrency between blocks and the memory model,
 * CUDA's own float intrinsics (emulated by host IEEE arithmetic), performance; the GPU tests cover
 * those on the GPU machine. A compile error in the kernel sources fails these tests; they are skipped
 * only where no C++ compiler is installed, and then one line in the build log says what did not run.
 */
class EmulatedKernelsTest {
    private static String skipped;

    /** Builds the emulation; a failed build fails here. Without a compiler, one line in the build log. */
    @BeforeAll
    static void emulation() {
        skipped = EmuBackend.skipReason();
        if (skipped != null) {
            // The forked JVM's own stderr reaches the build log (System.err goes to surefire-reports). Not closed: fd 2.
            PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
            console.println("[vahost] " + skipped);
            console.flush();
        }
    }

    @BeforeEach
    void needsTheEmulation() {
        assumeTrue(skipped == null, skipped);
    }

    private static List<InputMapping> identity(int n, int size) {
        List<InputMapping> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(InputMapping.identity(size, size));
        return l;
    }

    private static List<InputMapping> letterboxes(int n, int in) {
        List<InputMapping> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(InputMapping.letterbox(1920 - 160 * i, 1080 + 37 * i, in, in));
        return l;
    }

    /** Runs the engine over the emulation; tensors are contiguous, dtype by array type. */
    private static BatchDetections emulate(DecoderConfig d, NmsConfig nms, int maxBatch, List<InputMapping> maps,
                                           Object[] data, long[][] shapes) {
        EmuBackend be = new EmuBackend();
        try (PostprocessEngine e = new PostprocessEngine(be, d, nms, maxBatch, Integer.MAX_VALUE)) {
            DeviceTensor[] t = new DeviceTensor[data.length];
            for (int i = 0; i < data.length; i++) {
                Object o = data[i];
                if (o instanceof float[] f) t[i] = DeviceTensor.contiguous(be.copyIn(f), DType.F32, "test", shapes[i]);
                else if (o instanceof short[] s) t[i] = DeviceTensor.contiguous(be.copyIn(s), DType.F16, "test", shapes[i]);
                else t[i] = DeviceTensor.contiguous(be.copyIn((int[]) o), DType.I32, "test", shapes[i]);
            }
            e.submit(null, maps, t);
            BatchDetections r = e.results();
            // A second batch through the same workspace must give the same answer (state reset by pack).
            e.submit(null, maps, t);
            Checks.assertSameResults(r, e.results(), "second submit");
            return r;
        }
    }

    /** CPU reference and emulated kernels on the same fp32 data, and again on its binary16 rounding. */
    private static BatchDetections checkBothDtypes(DecoderConfig d, NmsConfig nms, List<InputMapping> maps, float[][] data,
                                                   long[][] shapes, String what) {
        HostTensor[] h = new HostTensor[data.length], h16 = new HostTensor[data.length];
        Object[] in16 = new Object[data.length];
        for (int i = 0; i < data.length; i++) {
            int[] shape = Arrays.stream(shapes[i]).mapToInt(x -> (int) x).toArray();
            h[i] = HostTensor.f32(data[i], shape);
            short[] half = Half.fromFloats(data[i]);
            in16[i] = half;
            h16[i] = HostTensor.f32(Half.toFloats(half), shape);
        }
        CpuPostprocessor cpu = new CpuPostprocessor(d, nms);
        BatchDetections expected = cpu.run(maps, h);
        Checks.assertSameResults(expected, emulate(d, nms, maps.size(), maps, data, shapes), what + " f32");
        Checks.assertSameResults(cpu.run(maps, h16), emulate(d, nms, maps.size() + 1, maps, in16, shapes), what + " f16");
        return expected;
    }

    private static void checkCandidates(TestData.Batch c, NmsConfig nms, List<InputMapping> maps, String what) {
        CandidateBoxes d = new CandidateBoxes(c.classes(), c.candidates(), 0f);
        BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, c.host());
        BatchDetections actual = emulate(d, nms, c.images() + 1, maps,
                new Object[] {c.boxes(), c.scores(), c.classIds()},
                new long[][] {{c.images(), c.candidates(), 4}, {c.images(), c.candidates()}, {c.images(), c.candidates()}});
        Checks.assertSameResults(expected, actual, what);
        assertTrue(expected.totalDetections() > 0, what + ": the case must produce detections");
    }

    @Test
    void classAwareWithCapTopKAndTies() {
        TestData.Batch c = TestData.candidates(11, 3, 700, 7, 320, false, 50);
        checkCandidates(c, new NmsConfig(0.5f, 600, 120, false), letterboxes(3, 320), "class-aware, cap 600, top 120");
    }

    @Test
    void classAgnosticManyChunks() {
        // 1500 rows in one segment: 24 words per mask row, suppression across many 64-row chunks.
        TestData.Batch c = TestData.candidates(12, 2, 1500, 5, 320, false, 0);
        checkCandidates(c, new NmsConfig(0.45f, 1500, 1500, true), identity(2, 320), "class-agnostic 1500");
    }

    @Test
    void oneClassMoreThan32MaskWords() {
        // 2200 rows of one class: 35 words per row, so lanes hold a second "removed" register.
        TestData.Batch c = TestData.candidates(13, 1, 2200, 1, 640, true, 0);
        checkCandidates(c, new NmsConfig(0.5f, 4096, 4096, false), identity(1, 640), "one class, 2200 boxes");
    }

    @Test
    void manyClassesNeedTwoSortBytes() {
        TestData.Batch c = TestData.candidates(14, 2, 900, 300, 320, false, 20);
        checkCandidates(c, new NmsConfig(0.3f, 900, 50, false), identity(2, 320), "300 classes");
    }

    @Test
    void earlyStopAtTopK() {
        TestData.Batch c = TestData.candidates(15, 2, 800, 3, 320, false, 0);
        checkCandidates(c, new NmsConfig(0.6f, 800, 5, false), identity(2, 320), "top 5");
        checkCandidates(c, new NmsConfig(0.6f, 800, 70, true), identity(2, 320), "agnostic top 70");
    }

    @Test
    void yolov8Fp32AndFp16() {
        int n = 2, cls = 80, a = 700;
        float[] out = TestData.yolov8(21, n, cls, a, 320, 0.2f);
        YoloV8Decode d = new YoloV8Decode(cls, a, 0.3f);
        NmsConfig nms = NmsConfig.classAware(0.45f, 500, 300);
        List<InputMapping> maps = letterboxes(n, 320);
        BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(out, n, 4 + cls, a));
        Checks.assertSameResults(expected, emulate(d, nms, n, maps, new Object[] {out}, new long[][] {{n, 4 + cls, a}}), "yolov8 f32");
        assertTrue(expected.totalDetections() > 20);

        short[] half = Half.fromFloats(out);
        BatchDetections expected16 = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(Half.toFloats(half), n, 4 + cls, a));
        Checks.assertSameResults(expected16, emulate(d, nms, n, maps, new Object[] {half}, new long[][] {{n, 4 + cls, a}}), "yolov8 f16");
    }

    @Test
    void ssdSoftmaxAndSigmoid() {
        int n = 2, a = 400, cls = 21;
        SplittableRandom r = new SplittableRandom(31);
        float[] priors = new float[4 * a];
        for (int i = 0; i < a; i++) {
            priors[4 * i] = (float) r.nextDouble(0, 300);
            priors[4 * i + 1] = (float) r.nextDouble(0, 300);
            priors[4 * i + 2] = (float) r.nextDouble(10, 120);
            priors[4 * i + 3] = (float) r.nextDouble(10, 120);
        }
        float[] loc = new float[n * a * 4], conf = new float[n * a * cls];
        for (int i = 0; i < loc.length; i++) loc[i] = (float) r.nextGaussian();
        for (int i = 0; i < conf.length; i++) conf[i] = (float) (r.nextGaussian() * 3);
        List<InputMapping> maps = identity(n, 300);
        for (boolean softmax : new boolean[] {true, false}) {
            SsdDecode d = new SsdDecode(cls, priors, 0.1f, 0.2f, softmax, 0, (float) Math.log(1000.0 / 16), softmax ? 0.3f : 0.9f);
            NmsConfig nms = NmsConfig.classAware(0.45f, 200, 100);
            BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(loc, n, a, 4), HostTensor.f32(conf, n, a, cls));
            assertTrue(expected.totalDetections() > 10, "ssd case must produce detections");
            Checks.assertSameResults(expected, emulate(d, nms, n, maps, new Object[] {loc, conf},
                    new long[][] {{n, a, 4}, {n, a, cls}}), "ssd softmax=" + softmax);
        }
    }

    @Test
    void centerNetWithOffsets() {
        int n = 2, cls = 3, h = 24, w = 20;
        SplittableRandom r = new SplittableRandom(41);
        float[] heat = new float[n * cls * h * w], wh = new float[n * 2 * h * w], off = new float[n * 2 * h * w];
        for (int i = 0; i < heat.length; i++) heat[i] = (float) (r.nextGaussian() * 2 - 1);
        for (int i = 0; i < wh.length; i++) wh[i] = (float) r.nextDouble(1, 12);
        for (int i = 0; i < off.length; i++) off[i] = (float) r.nextDouble(0, 1);
        heat[5] = heat[6]; // a plateau: both cells may be peaks
        CenterNetDecode d = new CenterNetDecode(cls, h, w, 4f, true, true, 0.3f, 2000);
        NmsConfig nms = NmsConfig.classAware(0.5f, 300, 100);
        List<InputMapping> maps = letterboxes(n, 96);
        BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(heat, n, cls, h, w),
                HostTensor.f32(wh, n, 2, h, w), HostTensor.f32(off, n, 2, h, w));
        assertTrue(expected.totalDetections() > 10);
        Checks.assertSameResults(expected, emulate(d, nms, n, maps, new Object[] {heat, wh, off},
                new long[][] {{n, cls, h, w}, {n, 2, h, w}, {n, 2, h, w}}), "centernet");
    }

    @Test
    void centerNetFp16SparseBlobsAndPlateaus() {
        // The heatmap shape of the GPU test (sparse blobs, two-cell plateaus), small, fp16 inputs.
        int n = 2, cls = 4, h = 32, w = 32;
        float[] heat = TestData.centerNetHeat(42, n, cls, h, w, 40);
        SplittableRandom r = new SplittableRandom(43);
        float[] wh = new float[n * 2 * h * w], off = new float[n * 2 * h * w];
        for (int i = 0; i < wh.length; i++) wh[i] = (float) r.nextDouble(1, 12);
        for (int i = 0; i < off.length; i++) off[i] = (float) r.nextDouble(0, 1);
        short[] h16 = Half.fromFloats(heat), w16 = Half.fromFloats(wh), o16 = Half.fromFloats(off);
        CenterNetDecode d = new CenterNetDecode(cls, h, w, 4f, true, true, 0.3f, 500);
        NmsConfig nms = NmsConfig.classAware(0.5f, 300, 100);
        List<InputMapping> maps = letterboxes(n, 128);
        BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, HostTensor.f32(Half.toFloats(h16), n, cls, h, w),
                HostTensor.f32(Half.toFloats(w16), n, 2, h, w), HostTensor.f32(Half.toFloats(o16), n, 2, h, w));
        assertTrue(expected.totalDetections() > 40, expected.toString());
        Checks.assertSameResults(expected, emulate(d, nms, n, maps, new Object[] {h16, w16, o16},
                new long[][] {{n, cls, h, w}, {n, 2, h, w}, {n, 2, h, w}}), "centernet f16");
    }

    @Test
    void invalidValuesFlagOnlyTheirImage() {
        TestData.Batch c = TestData.candidates(51, 3, 300, 4, 320, false, 0);
        c.scores()[300 + 17] = Float.NaN;            // image 1
        c.boxes()[(2 * 300 + 40) * 4 + 2] = -1000f;  // image 2: x2 < x1
        c.classIds()[2 * 300 + 90] = 4;              // image 2: class out of range
        NmsConfig nms = NmsConfig.classAware(0.5f, 300, 100);
        CandidateBoxes d = new CandidateBoxes(4, 300, 0f);
        List<InputMapping> maps = identity(3, 320);
        BatchDetections expected = new CpuPostprocessor(d, nms).run(maps, c.host());
        BatchDetections actual = emulate(d, nms, 3, maps, new Object[] {c.boxes(), c.scores(), c.classIds()},
                new long[][] {{3, 300, 4}, {3, 300}, {3, 300}});
        Checks.assertSameResults(expected, actual, "invalid values");
        assertFalse(actual.problem(0).isPresent());
        assertTrue(actual.problem(1).orElseThrow().contains("NaN"), actual.problem(1).orElse(""));
        assertTrue(actual.problem(1).orElseThrow().contains("candidate 17"), actual.problem(1).orElse(""));
        String p2 = actual.problem(2).orElseThrow();
        assertTrue(p2.contains("negative width") && p2.contains("class id") && p2.contains("candidate 40"), p2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> actual.detections(1));
        assertTrue(e.getMessage().startsWith("image 1"), e.getMessage());
    }

    @Test
    void nothingAboveThreshold() {
        TestData.Batch c = TestData.candidates(61, 2, 100, 4, 320, false, 0);
        CandidateBoxes d = new CandidateBoxes(4, 100, 2f);
        BatchDetections actual = emulate(d, NmsConfig.classAware(0.5f, 100, 10), 2, identity(2, 320),
                new Object[] {c.boxes(), c.scores(), c.classIds()}, new long[][] {{2, 100, 4}, {2, 100}, {2, 100}});
        assertEquals(0, actual.totalDetections());
        assertEquals(List.of(), actual.detections(1));
        assertEquals(0, actual.candidatesAboveThreshold(0));
    }

    @Test
    void centerNetCapacityOverflowIsReported() {
        int cls = 1, h = 8, w = 8;
        float[] heat = new float[cls * h * w];
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) heat[y * w + x] = ((x + y) % 2 == 0) ? 2f : -2f;
        float[] wh = new float[2 * h * w];
        Arrays.fill(wh, 1f);
        CenterNetDecode d = new CenterNetDecode(cls, h, w, 4f, true, false, 0.5f, 10);
        BatchDetections actual = emulate(d, NmsConfig.classAware(0.5f, 10, 10), 1, identity(1, 32),
                new Object[] {heat, wh}, new long[][] {{1, cls, h, w}, {1, 2, h, w}});
        assertTrue(actual.problem(0).orElseThrow().contains("exceed the capacity of 10"), actual.problem(0).orElse(""));
        assertEquals(32, actual.candidatesAboveThreshold(0));
    }

    @Test
    void singleBoxAndLargeSingleClassWithEarlyStop() {
        checkCandidates(TestData.candidates(71, 1, 1, 1, 640, false, 0), NmsConfig.classAware(0.5f, 1, 1), identity(1, 640), "one box");
        // 5000 rows of one class: 79 words per row (three "removed" registers per lane), stop at 300.
        checkCandidates(TestData.candidates(72, 1, 5000, 1, 1280, false, 0), NmsConfig.classAware(0.5f, 5000, 300),
                identity(1, 1280), "one class 5000, top 300");
    }

    @Test
    void batchSizesAndMappingsChangeBetweenSubmits() {
        TestData.Batch c = TestData.candidates(81, 3, 400, 6, 320, false, 0);
        CandidateBoxes d = new CandidateBoxes(6, 400, 0.2f);
        NmsConfig nms = NmsConfig.classAware(0.5f, 300, 40);
        EmuBackend be = new EmuBackend();
        try (PostprocessEngine e = new PostprocessEngine(be, d, nms, 4, Integer.MAX_VALUE)) {
            DeviceTensor[] t3 = {DeviceTensor.contiguous(be.copyIn(c.boxes()), DType.F32, "t", 3, 400, 4),
                    DeviceTensor.contiguous(be.copyIn(c.scores()), DType.F32, "t", 3, 400),
                    DeviceTensor.contiguous(be.copyIn(c.classIds()), DType.I32, "t", 3, 400)};
            DeviceTensor[] t1 = {t3[0].narrow(2, 3), t3[1].narrow(2, 3), t3[2].narrow(2, 3)};
            List<List<InputMapping>> mapsSeq = List.of(letterboxes(3, 320), identity(1, 320), identity(3, 320), letterboxes(3, 320));
            for (List<InputMapping> maps : mapsSeq) {
                int n = maps.size();
                DeviceTensor[] t = n == 3 ? t3 : t1;
                e.submit(null, maps, t);
                BatchDetections actual = e.results();
                HostTensor[] h = n == 3 ? c.host() : new HostTensor[] {
                        HostTensor.f32(Arrays.copyOfRange(c.boxes(), 2 * 400 * 4, 3 * 400 * 4), 1, 400, 4),
                        HostTensor.f32(Arrays.copyOfRange(c.scores(), 800, 1200), 1, 400),
                        HostTensor.i32(Arrays.copyOfRange(c.classIds(), 800, 1200), 1, 400)};
                Checks.assertSameResults(new CpuPostprocessor(d, nms).run(maps, h), actual, "batch of " + n);
                assertTrue(actual.totalDetections() > 0);
            }
            assertThrows(IllegalArgumentException.class, () -> e.submit(null, identity(5, 320), t3));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // YOLOv5, YOLOX, DETR (no NMS) and DetectNet_v2 decoders on seeded random data.

    @Test
    void yolov5BestClassAndMultiLabel() {
        int n = 3, cls = 21, a = 701;
        float[] out = TestData.yolov5(401, n, cls, a, 320, 0.2f);
        for (int i = 0; i < n * a; i += 37) {  // score 0.5 * 0.6f = 0.3f exactly: equal to the threshold, not a candidate
            int row = i * (5 + cls);
            out[row + 4] = 0.5f;
            for (int k = 0; k < cls; k++) out[row + 5 + k] = k == i % cls ? 0.6f : 0.1f;
        }
        List<InputMapping> maps = letterboxes(n, 320);
        long[][] shape = {{n, a, 5 + cls}};
        BatchDetections e = checkBothDtypes(new YoloV5Decode(cls, a, 0.3f), NmsConfig.classAware(0.45f, 500, 100), maps,
                new float[][] {out}, shape, "yolov5");
        assertTrue(e.totalDetections() > 100, e.toString());
        BatchDetections m = checkBothDtypes(YoloV5Decode.multiLabel(cls, a, 0.12f, 4000), NmsConfig.classAware(0.45f, 1000, 300),
                maps, new float[][] {out}, shape, "yolov5 multi-label");
        assertTrue(m.candidatesAboveThreshold(0) > a, "multi-label must give more candidates than anchors: " + m.candidatesAboveThreshold(0));
    }

    @Test
    void yoloxOnAnInputThatIsNotAMultipleOf32() {
        int n = 2, cls = 7, w = 200, h = 136;   // grids 25x17 + 13x9 + 7x5 = 577 anchors
        int a = YoloXDecode.gridAnchors(w, h, YoloXDecode.defaultStrides());
        assertEquals(577, a);
        float[] out = TestData.yoloxRaw(402, n, cls, a);
        for (int i = 0; i < n * a; i += 29) {  // obj * score = 0.3f exactly: equal to the threshold
            int row = i * (5 + cls);
            out[row + 4] = 0.5f;
            for (int k = 0; k < cls; k++) out[row + 5 + k] = k == i % cls ? 0.6f : 0.1f;
        }
        List<InputMapping> maps = List.of(InputMapping.letterbox(400, 300, w, h), InputMapping.stretch(190, 140, w, h));
        BatchDetections e = checkBothDtypes(new YoloXDecode(cls, a, w, h, 0.3f), NmsConfig.classAware(0.5f, 577, 100), maps,
                new float[][] {out}, new long[][] {{n, a, 5 + cls}}, "yolox");
        assertTrue(e.totalDetections() > 40, e.toString());
        // P6-style four levels.
        int a4 = YoloXDecode.gridAnchors(w, h, new int[] {8, 16, 32, 64});
        float[] out4 = TestData.yoloxRaw(403, n, cls, a4);
        checkBothDtypes(new YoloXDecode(cls, a4, w, h, new int[] {8, 16, 32, 64}, 0.3f), NmsConfig.classAware(0.5f, 600, 100), maps,
                new float[][] {out4}, new long[][] {{n, a4, 5 + cls}}, "yolox 4 levels");
    }

    @Test
    void detrOneOutputWithTiesTopKAndNoNms() {
        int n = 3, q = 300, cls = 11;
        TestData.Detr d = TestData.detr(404, n, q, cls, false);
        float[] out = d.combined(n, q);
        DetrDecode cfg = DetrDecode.oneOutput(cls, q, 320, 320, 0.5f).withTopK(100);
        BatchDetections e = checkBothDtypes(cfg, null, letterboxes(n, 320), new float[][] {out},
                new long[][] {{n, q, 4 + cls}}, "detr identity");
        for (int b = 0; b < n; b++) {
            assertEquals(100, e.detections(b).size(), "top 100 of image " + b);
            assertTrue(e.candidatesAboveThreshold(b) > 1000, "candidates of image " + b + ": " + e.candidatesAboveThreshold(b));
        }
    }

    @Test
    void detrLogitsAndBoxesSoftmaxAndSigmoid() {
        int n = 2, q = 100, cls = 7;
        TestData.Detr soft = TestData.detr(405, n, q, cls + 1, true);
        for (int i = 0; i < n * q; i++) soft.scores()[i * (cls + 1) + cls] -= 1;  // no-object a little lower: more detections
        checkBothDtypes(DetrDecode.logitsAndBoxes(cls, q, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 416, 320, 0.2f), null,
                letterboxes(n, 416), new float[][] {soft.scores(), soft.boxes()}, new long[][] {{n, q, cls + 1}, {n, q, 4}},
                "detr softmax");
        TestData.Detr sig = TestData.detr(406, n, q, cls, true);
        BatchDetections e = checkBothDtypes(DetrDecode.logitsAndBoxes(cls, q, DetrDecode.ScoreFunction.SIGMOID, 416, 320, 0.3f), null,
                letterboxes(n, 416), new float[][] {sig.scores(), sig.boxes()}, new long[][] {{n, q, cls}, {n, q, 4}}, "detr sigmoid");
        assertTrue(e.totalDetections() > 50, e.toString());
    }

    @Test
    void detrSkipsTheNmsKernelsAndCopiesOncePerBatch() {
        int n = 2, q = 50, cls = 3;
        TestData.Detr d = TestData.detr(407, n, q, cls, false);
        float[] out = d.combined(n, q);
        DetrDecode cfg = DetrDecode.oneOutput(cls, q, 320, 320, 0.4f).withTopK(20);
        EmuBackend be = new EmuBackend();
        try (PostprocessEngine e = new PostprocessEngine(be, cfg, null, n, Integer.MAX_VALUE)) {
            DeviceTensor t = DeviceTensor.contiguous(be.copyIn(out), DType.F32, "test", n, q, 4 + cls);
            e.submit(null, identity(n, 320), t);
            BatchDetections r = e.results();
            assertEquals(List.of("nms_reset_state", "decode_detr_f32", "nms_sort_segments", "nms_select_topk", "nms_pack_results"),
                    be.launched());
            assertEquals(1, be.downloads());
            Checks.assertSameResults(new CpuPostprocessor(cfg).run(identity(n, 320), HostTensor.f32(out, n, q, 4 + cls)), r, "detr");
            assertEquals(20, r.detections(0).size());
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> new PostprocessEngine(new EmuBackend(), cfg, NmsConfig.classAware(0.5f, 10, 10), n, 100));
            assertTrue(x.getMessage().contains("does not run NMS"), x.getMessage());
        }
    }

    @Test
    void detectNetV2WithPerClassThresholds() {
        int n = 2, cls = 3, h = 17, w = 30;
        TestData.DetectNet g = TestData.detectNet(408, n, cls, h, w, 25);
        float[] thresholds = {0.5f, 0.5625f, 0.625f};  // exact in binary16
        for (int i = 0; i < g.cov().length; i += 13) g.cov()[i] = thresholds[(i / (h * w)) % cls];  // coverage = threshold
        DetectNetV2Decode d = DetectNetV2Decode.of(cls, h, w, 480, 272, 0.5f).withClassThresholds(thresholds);
        BatchDetections e = checkBothDtypes(d, NmsConfig.classAware(0.5f, cls * h * w, 100), letterboxes(n, 480),
                new float[][] {g.cov(), g.bbox()}, new long[][] {{n, cls, h, w}, {n, 4 * cls, h, w}}, "detectnet_v2");
        assertTrue(e.totalDetections() > 30 && e.candidatesAboveThreshold(0) > e.detections(0).size(),
                "NMS must have work: " + e.candidatesAboveThreshold(0) + " candidates, " + e.detections(0).size() + " kept");
    }

    @Test
    void newDecodersFlagInvalidValuesLikeTheReference() {
        int n = 3;
        float[] v5 = TestData.yolov5(409, n, 4, 300, 320, 0.2f);
        v5[(300 + 7) * 9 + 4] = Float.NaN;        // image 1, anchor 7: objectness
        v5[(600 + 11) * 9 + 2] = -5f;             // image 2, anchor 11: width
        checkBothDtypes(YoloV5Decode.multiLabel(4, 300, 0.2f, 1200), NmsConfig.classAware(0.5f, 300, 50), identity(n, 320),
                new float[][] {v5}, new long[][] {{n, 300, 9}}, "yolov5 invalid");
        int a = YoloXDecode.gridAnchors(96, 64, YoloXDecode.defaultStrides());
        float[] x = TestData.yoloxRaw(410, n, 4, a);
        x[(a + 5) * 9 + 3] = 120f;                // image 1: exp overflows
        x[(2 * a + 9) * 9 + 6] = Float.POSITIVE_INFINITY; // image 2: class score
        checkBothDtypes(new YoloXDecode(4, a, 96, 64, 0.3f), NmsConfig.classAware(0.5f, a, 50), identity(n, 96),
                new float[][] {x}, new long[][] {{n, a, 9}}, "yolox invalid");
        TestData.Detr d = TestData.detr(411, n, 40, 6, true);
        d.boxes()[(40 + 3) * 4 + 3] = -0.1f;      // image 1, query 3: negative h -> slot 15
        d.scores()[(80 + 6) * 6 + 5] = Float.NaN; // image 2, query 6: no-object logit -> slot 30
        checkBothDtypes(DetrDecode.logitsAndBoxes(5, 40, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 320, 320, 0.1f), null,
                identity(n, 320), new float[][] {d.scores(), d.boxes()}, new long[][] {{n, 40, 6}, {n, 40, 4}}, "detr invalid");
        TestData.DetectNet g = TestData.detectNet(412, n, 2, 9, 11, 8);
        g.cov()[(2 + 1) * 99 + 40] = Float.NaN;   // image 1, class 1
        checkBothDtypes(DetectNetV2Decode.of(2, 9, 11, 176, 144, 0.5f), NmsConfig.classAware(0.5f, 198, 50), identity(n, 176),
                new float[][] {g.cov(), g.bbox()}, new long[][] {{n, 2, 9, 11}, {n, 8, 9, 11}}, "detectnet invalid");
    }
}
