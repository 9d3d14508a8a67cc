package dev.vahost.postprocess;

import dev.vahost.nvmm.Half;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoders, mapping and the whole CPU path on tiny hand-built outputs with hand-computed answers. */
class CpuPostprocessorTest {
    private static final List<InputMapping> ONE = List.of(InputMapping.identity(100, 100));

    @Test
    void yolov8DecodeBestClassAndThreshold() {
        // [1, 4+2, 3]: anchor 0 box centre (50,40) size 20x10 class 1 at 0.9; anchor 1 below the
        // threshold; anchor 2 class tie 0.6/0.6 -> class 0.
        float[] out = {
                50, 10, 80,   // cx
                40, 10, 80,   // cy
                20, 4, 10,    // w
                10, 4, 10,    // h
                0.1f, 0.2f, 0.6f,  // class 0
                0.9f, 0.3f, 0.6f}; // class 1
        var post = new CpuPostprocessor(new YoloV8Decode(2, 3, 0.5f), NmsConfig.classAware(0.5f, 10, 10));
        List<Detection> d = post.run(ONE, HostTensor.f32(out, 1, 6, 3)).detections(0);
        assertEquals(List.of(new Detection(1, 0.9f, 40, 35, 60, 45, 0), new Detection(0, 0.6f, 75, 75, 85, 85, 2)), d);
    }

    @Test
    void letterboxMappingAndClipping() {
        // 1920x1080 into 640x640: scale 1/3, scaled 640x360, pad y = 140.
        InputMapping m = InputMapping.letterbox(1920, 1080, 640, 640);
        assertEquals(1 / 3f, m.scaleX());
        assertEquals(0f, m.padX());
        assertEquals(140f, m.padY());
        assertEquals(300f, m.toSourceX(100f));
        assertEquals(30f, m.toSourceY(150f), 1e-4f);
        assertEquals(0f, m.toSourceY(100f));     // in the padding: clipped
        assertEquals(1920f, m.toSourceX(700f));  // past the right edge: clipped
        float[] out = {320, 320, 60, 60, 0.9f}; // one anchor, one class, box 290..350 in the input
        List<Detection> d = new CpuPostprocessor(new YoloV8Decode(1, 1, 0.1f), NmsConfig.classAware(0.5f, 5, 5))
                .run(List.of(m), HostTensor.f32(out, 1, 5, 1)).detections(0);
        assertEquals(870f, d.get(0).x1(), 1e-3f);
        assertEquals(450f, d.get(0).y1(), 1e-3f);
        assertEquals(1050f, d.get(0).x2(), 1e-3f);
        assertEquals(630f, d.get(0).y2(), 1e-3f);
    }

    @Test
    void capKeepsTheTopCandidatesThenNmsThenTopK() {
        // 4 disjoint boxes, scores 0.1..0.4: cap 3 drops the 0.1 one; top-k 2 keeps 0.4 and 0.3.
        float[] boxes = {0, 0, 5, 5, 10, 10, 15, 15, 20, 20, 25, 25, 30, 30, 35, 35};
        float[] scores = {0.1f, 0.4f, 0.2f, 0.3f};
        int[] cls = {0, 0, 0, 0};
        HostTensor[] in = {HostTensor.f32(boxes, 1, 4, 4), HostTensor.f32(scores, 1, 4), HostTensor.i32(cls, 1, 4)};
        var d = new CpuPostprocessor(new CandidateBoxes(1, 4, 0f), NmsConfig.classAware(0.5f, 3, 2)).run(ONE, in);
        assertEquals(List.of(1, 3), d.detections(0).stream().map(Detection::candidate).toList());
        assertEquals(4, d.candidatesAboveThreshold(0));
        // Cap 2: only the 0.4 and 0.3 boxes enter NMS.
        var d2 = new CpuPostprocessor(new CandidateBoxes(1, 4, 0f), NmsConfig.classAware(0.5f, 2, 10)).run(ONE, in);
        assertEquals(List.of(1, 3), d2.detections(0).stream().map(Detection::candidate).toList());
    }

    @Test
    void classAgnosticSuppressesAcrossClasses() {
        float[] boxes = {0, 0, 10, 10, 1, 1, 10, 10};
        HostTensor[] in = {HostTensor.f32(boxes, 1, 2, 4), HostTensor.f32(new float[] {0.9f, 0.8f}, 1, 2),
                HostTensor.i32(new int[] {0, 1}, 1, 2)};
        assertEquals(2, new CpuPostprocessor(new CandidateBoxes(2, 2, 0f), NmsConfig.classAware(0.5f, 2, 2))
                .run(ONE, in).detections(0).size());
        assertEquals(1, new CpuPostprocessor(new CandidateBoxes(2, 2, 0f), new NmsConfig(0.5f, 2, 2, true))
                .run(ONE, in).detections(0).size());
    }

    @Test
    void ssdDecodeByHand() {
        // Prior (50,50,20,40); loc (1, -1, log(2)/0.2, 0): cx = 50 + 1*0.1*20 = 52, cy = 50 - 0.1*40 = 46,
        // w = 20*2 = 40, h = 40 -> box (32, 26, 72, 66). Logits (0, 2, 1) softmax with background 0:
        // class 1 with e^2/(1+e^2+e) = 0.6652.
        float[] priors = {50, 50, 20, 40};
        float[] loc = {1, -1, (float) (Math.log(2) / 0.2), 0};
        float[] conf = {0, 2, 1};
        SsdDecode cfg = new SsdDecode(3, priors, 0.1f, 0.2f, true, 0, Float.POSITIVE_INFINITY, 0.5f);
        Detection d = new CpuPostprocessor(cfg, NmsConfig.classAware(0.5f, 5, 5))
                .run(ONE, HostTensor.f32(loc, 1, 1, 4), HostTensor.f32(conf, 1, 1, 3)).detections(0).get(0);
        assertEquals(1, d.classId());
        assertEquals(Math.exp(2) / (1 + Math.exp(2) + Math.exp(1)), d.score(), 1e-6);
        assertEquals(32f, d.x1(), 1e-4f);
        assertEquals(26f, d.y1(), 1e-4f);
        assertEquals(72f, d.x2(), 1e-4f);
        assertEquals(66f, d.y2(), 1e-4f);
        // Sigmoid mode: score = 1/(1+e^-2) = 0.8808.
        SsdDecode sig = new SsdDecode(3, priors, 0.1f, 0.2f, false, 0, Float.POSITIVE_INFINITY, 0.5f);
        assertEquals(1 / (1 + Math.exp(-2)), new CpuPostprocessor(sig, NmsConfig.classAware(0.5f, 5, 5))
                .run(ONE, HostTensor.f32(loc, 1, 1, 4), HostTensor.f32(conf, 1, 1, 3)).detections(0).get(0).score(), 1e-6);
    }

    @Test
    void centerNetPeaksByHand() {
        // 1 class, 3x4 heatmap (scores, no sigmoid): peaks at (y=0,x=1)=0.9 and (y=2,x=3)=0.7; the
        // 0.8 at (1,1) has a greater neighbour. wh 2x1 everywhere, offset (0.5, 0.25), stride 4:
        // (x=1,y=0): cx = 1.5, cy = 0.25 -> box ((1.5-1)*4, (0.25-0.5)*4 clipped to 0, (1.5+1)*4, (0.25+0.5)*4);
        // (x=3,y=2): cx = 3.5, cy = 2.25 -> (10, 7, 18, 11).
        float[] heat = {
                0.1f, 0.9f, 0.1f, 0.1f,
                0.1f, 0.8f, 0.1f, 0.1f,
                0.1f, 0.1f, 0.1f, 0.7f};
        float[] wh = new float[2 * 12];
        java.util.Arrays.fill(wh, 0, 12, 2f);
        java.util.Arrays.fill(wh, 12, 24, 1f);
        float[] off = new float[2 * 12];
        java.util.Arrays.fill(off, 0, 12, 0.5f);
        java.util.Arrays.fill(off, 12, 24, 0.25f);
        CenterNetDecode cfg = new CenterNetDecode(1, 3, 4, 4f, false, true, 0.5f, 100);
        List<Detection> d = new CpuPostprocessor(cfg, NmsConfig.classAware(0.5f, 10, 10)).run(ONE,
                HostTensor.f32(heat, 1, 1, 3, 4), HostTensor.f32(wh, 1, 2, 3, 4), HostTensor.f32(off, 1, 2, 3, 4)).detections(0);
        assertEquals(List.of(new Detection(0, 0.9f, 2f, 0f, 10f, 3f, 1), new Detection(0, 0.7f, 10f, 7f, 18f, 11f, 11)), d);
    }

    @Test
    void nanAndNegativeSizesBecomeProblemsOfTheirImageOnly() {
        float[] out = new float[2 * 5 * 2];
        // image 0 fine: anchors (10,10,4,4) 0.9 and (50,50,4,4) 0.8; image 1: NaN score, negative w.
        float[][] img = {{10, 50, 10, 50, 4, 4, 4, 4, 0.9f, 0.8f}, {10, 50, 10, 50, 4, -4, 4, 4, Float.NaN, 0.8f}};
        for (int b = 0; b < 2; b++) System.arraycopy(img[b], 0, out, b * 10, 10);
        var r = new CpuPostprocessor(new YoloV8Decode(1, 2, 0.5f), NmsConfig.classAware(0.5f, 5, 5))
                .run(List.of(InputMapping.identity(100, 100), InputMapping.identity(100, 100)), HostTensor.f32(out, 2, 5, 2));
        assertEquals(2, r.detections(0).size());
        String p = r.problem(1).orElseThrow();
        assertTrue(p.contains("image 1") && p.contains("NaN") && p.contains("negative width") && p.contains("candidate 0"), p);
        assertThrows(IllegalArgumentException.class, () -> r.detections(1));
    }

    @Test
    void wrongShapesAreRejectedNamingTheTensor() {
        var post = new CpuPostprocessor(new YoloV8Decode(80, 2100, 0.25f), NmsConfig.classAware(0.45f, 1000, 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> post.run(ONE, HostTensor.f32(new float[85 * 2100], 1, 85, 2100)));
        assertTrue(e.getMessage().contains("expected F32[1, 84, 2100]") && e.getMessage().contains("F32[1, 85, 2100]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> post.run(ONE));
        assertTrue(e.getMessage().contains("got 0 tensor"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> HostTensor.f32(new float[3], 2, 2));
    }

    @Test
    void configsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> NmsConfig.classAware(Float.NaN, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> NmsConfig.classAware(1.5f, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> NmsConfig.classAware(0.5f, 0, 10));
        assertThrows(IllegalArgumentException.class, () -> NmsConfig.classAware(0.5f, NmsConfig.MAX_CANDIDATES + 1, 10));
        assertThrows(IllegalArgumentException.class, () -> NmsConfig.classAware(0.5f, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new YoloV8Decode(0, 10, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new YoloV8Decode(80, 10, Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> new SsdDecode(3, new float[] {0, 0, -1, 1}, 0.1f, 0.2f, true, 0, 4f, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new SsdDecode(3, new float[] {0, 0, 1}, 0.1f, 0.2f, true, 0, 4f, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new SsdDecode(3, new float[] {0, 0, 1, 1}, 0.1f, 0.2f, true, 3, 4f, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new CenterNetDecode(1, 0, 4, 4f, true, true, 0.5f, 10));
        assertThrows(IllegalArgumentException.class, () -> new InputMapping(0f, 1f, 0f, 0f, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new InputMapping(1f, 1f, Float.NaN, 0f, 10, 10));
    }

    @Test
    void halfConversionKnownValues() {
        assertEquals(1f, Half.toFloat((short) 0x3C00));
        assertEquals(65504f, Half.toFloat((short) 0x7BFF));
        assertEquals(5.9604645e-8f, Half.toFloat((short) 0x0001));
        assertEquals(-2f, Half.toFloat((short) 0xC000));
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat((short) 0x7C00));
        assertTrue(Float.isNaN(Half.toFloat((short) 0x7E00)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Half.toFloat((short) 0x8000)));
        assertEquals((short) 0x3C00, Half.fromFloat(1f));
        assertEquals((short) 0x3555, Half.fromFloat(1 / 3f));
        for (int h = 0; h < 0x7C00; h++) assertEquals((short) h, Half.fromFloat(Half.toFloat((short) h)), "round trip of " + h);
    }
}
