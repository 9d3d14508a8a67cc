package dev.vahost.postprocess;

import dev.vahost.nvmm.Half;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DETR-family outputs through the CPU path without NMS, expected detections worked out by hand
 * (RT-DETR's postprocessor: top-k over (query, class) pairs, or the best real class per query for
 * the softmax with no-object; cxcywh to xyxy scaled to the input). Not covered here: the kernel
 * (EmulatedKernelsTest, GpuPostprocessorTest).
 */
class DetrDecodeTest {
    private static final List<InputMapping> ONE = List.of(InputMapping.identity(100, 50));

    /**
     * One output [2, 3, 4+2], input 100x50, scores as probabilities (exact in binary16). Image 0:
     * q0 box (0.5, 0.5, 0.25, 0.5) -> (37.5, 12.5, 62.5, 37.5), scores (0.875, 0.25); q1 (0.25, 0.25,
     * 0.5, 0.5) -> (0, 0, 50, 25), scores (0.625, 0.875); q2 the box of q0 again, scores (0.125, 0.625).
     */
    static float[] oneOutput() {
        float[] img = {
                0.5f, 0.5f, 0.25f, 0.5f, 0.875f, 0.25f,
                0.25f, 0.25f, 0.5f, 0.5f, 0.625f, 0.875f,
                0.5f, 0.5f, 0.25f, 0.5f, 0.125f, 0.625f};
        float[] out = new float[2 * img.length];
        System.arraycopy(img, 0, out, 0, img.length);
        System.arraycopy(img, 0, out, img.length, img.length);
        return out;
    }

    private static BatchDetections run(DetrDecode d, float[] out) {
        return new CpuPostprocessor(d).run(List.of(ONE.get(0), ONE.get(0)), HostTensor.f32(out, 2, 3, 6));
    }

    @ParameterizedTest(name = "fp16 input = {0}")
    @ValueSource(booleans = {false, true})
    void pairsInScoreOrderTiesByQueryThenClassAndNoNms(boolean fp16) {
        float[] out = oneOutput();
        if (fp16) out = Half.toFloats(Half.fromFloats(out));
        // Candidates above 0.5: (q0, c0) 0.875 slot 0, (q1, c1) 0.875 slot 3, (q1, c0) 0.625 slot 2,
        // (q2, c1) 0.625 slot 5. q2's box equals q0's: without NMS both stay.
        BatchDetections r = run(DetrDecode.oneOutput(2, 3, 100, 50, 0.5f), out);
        assertEquals(List.of(
                new Detection(0, 0.875f, 37.5f, 12.5f, 62.5f, 37.5f, 0),
                new Detection(1, 0.875f, 0, 0, 50, 25, 3),
                new Detection(0, 0.625f, 0, 0, 50, 25, 2),
                new Detection(1, 0.625f, 37.5f, 12.5f, 62.5f, 37.5f, 5)), r.detections(0));
        assertEquals(4, r.candidatesAboveThreshold(0));
    }

    @Test
    void topKCutsInThatOrderAndTheThresholdIsStrict() {
        assertEquals(List.of(0), slots(run(DetrDecode.oneOutput(2, 3, 100, 50, 0.5f).withTopK(1), oneOutput())));
        assertEquals(List.of(0, 3, 2), slots(run(DetrDecode.oneOutput(2, 3, 100, 50, 0.5f).withTopK(3), oneOutput())));
        BatchDetections strict = run(DetrDecode.oneOutput(2, 3, 100, 50, 0.625f), oneOutput());
        assertEquals(List.of(0, 3), slots(strict));
        assertEquals(2, strict.candidatesAboveThreshold(0));
        assertEquals(6, DetrDecode.oneOutput(2, 3, 100, 50, 0.5f).detectionsPerImage(), "top 300 capped at Q x C = 6");
    }

    private static List<Integer> slots(BatchDetections r) {
        return r.detections(0).stream().map(Detection::candidate).toList();
    }

    @Test
    void softmaxWithNoObjectReportsTheBestRealClass() {
        // Logits [1, 3, 2+1], boxes [1, 3, 4]; input 100x50 letterboxed from 200x100 (scale 0.5).
        // q0 (2, 0, 0): class 0, e^2/(e^2+2) = 0.787; q1 (0, 1, 3): the no-object logit is the largest,
        // best real class 1 with e/(1+e+e^3) = 0.114; q2 (0, 0, 5): tie -> class 0, 1/(2+e^5) = 0.0066.
        float[] logits = {2, 0, 0, 0, 1, 3, 0, 0, 5};
        float[] boxes = {0.5f, 0.5f, 0.25f, 0.5f, 0.9f, 0.5f, 0.5f, 0.5f, 0.25f, 0.25f, 0.5f, 0.5f};
        DetrDecode d = DetrDecode.logitsAndBoxes(2, 3, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 100, 50, 0.1f);
        assertEquals(3, d.scoreColumns());
        assertEquals(3, d.candidateCapacity());
        List<InputMapping> lb = List.of(InputMapping.letterbox(200, 100, 100, 50));
        List<Detection> r = new CpuPostprocessor(d).run(lb, HostTensor.f32(logits, 1, 3, 3), HostTensor.f32(boxes, 1, 3, 4))
                .detections(0);
        assertEquals(2, r.size());
        Detection a = r.get(0), b = r.get(1);
        assertEquals(0, a.classId());
        assertEquals(0, a.candidate());
        assertEquals(Math.exp(2) / (Math.exp(2) + 2), a.score(), 1e-6);
        assertEquals(75f, a.x1(), 1e-4f);   // 37.5 / 0.5
        assertEquals(25f, a.y1(), 1e-4f);
        assertEquals(125f, a.x2(), 1e-4f);
        assertEquals(75f, a.y2(), 1e-4f);
        assertEquals(1, b.classId());
        assertEquals(1 * 2 + 1, b.candidate());
        assertEquals(Math.E / (1 + Math.E + Math.exp(3)), b.score(), 1e-6);
        assertEquals(130f, b.x1(), 1e-4f);  // (0.9 - 0.25) * 100 / 0.5
        assertEquals(200f, b.x2(), 1e-4f);  // 230 clipped to the 200-pixel source
        // Threshold 0: every query, never the no-object class.
        List<Detection> all = new CpuPostprocessor(new DetrDecode(2, 3, true, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 100, 50, 10, 0f)).run(lb, HostTensor.f32(logits, 1, 3, 3),
                HostTensor.f32(boxes, 1, 3, 4)).detections(0);
        assertEquals(List.of(0, 3, 4), all.stream().map(Detection::candidate).toList());
        assertEquals(1 / (2 + Math.exp(5)), all.get(2).score(), 1e-7);
        assertTrue(all.stream().allMatch(x -> x.classId() < 2));
    }

    @Test
    void sigmoidLogitsAndBoxes() {
        // q0 (0, 2): 0.5, 0.881; q1 (-1, 1): 0.269, 0.731. Above 0.6: (q0, c1) slot 1, (q1, c1) slot 3.
        float[] logits = {0, 2, -1, 1};
        float[] boxes = {0.5f, 0.5f, 0.25f, 0.5f, 0.25f, 0.25f, 0.5f, 0.5f};
        DetrDecode d = DetrDecode.logitsAndBoxes(2, 2, DetrDecode.ScoreFunction.SIGMOID, 100, 50, 0.6f);
        List<Detection> r = new CpuPostprocessor(d).run(ONE, HostTensor.f32(logits, 1, 2, 2), HostTensor.f32(boxes, 1, 2, 4))
                .detections(0);
        assertEquals(List.of(1, 3), r.stream().map(Detection::candidate).toList());
        assertEquals(1 / (1 + Math.exp(-2)), r.get(0).score(), 1e-7);
        assertEquals(1 / (1 + Math.exp(-1)), r.get(1).score(), 1e-7);
        assertEquals(new Detection(1, r.get(1).score(), 0, 0, 50, 25, 3), r.get(1));
    }

    @Test
    void invalidValuesAreProblemsOfTheirImage() {
        float[] out = oneOutput();
        out[18 + 2] = -0.25f;             // image 1, q0: negative w -> slot 0
        out[18 + 2 * 6 + 5] = Float.NaN;  // image 1, q2, class 1 -> slot 5
        BatchDetections r = run(DetrDecode.oneOutput(2, 3, 100, 50, 0.5f), out);
        assertFalse(r.problem(0).isPresent());
        String p = r.problem(1).orElseThrow();
        assertTrue(p.contains("negative width") && p.contains("NaN") && p.contains("candidate 0"), p);
        assertThrows(IllegalArgumentException.class, () -> r.detections(1));
        // Softmax: a non-finite no-object logit is reported at the query's first slot.
        float[] logits = {2, 0, 0, 0, 1, Float.NEGATIVE_INFINITY};
        DetrDecode d = DetrDecode.logitsAndBoxes(2, 2, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 100, 50, 0.1f);
        BatchDetections s = new CpuPostprocessor(d).run(ONE, HostTensor.f32(logits, 1, 2, 3), HostTensor.f32(new float[8], 1, 2, 4));
        assertTrue(s.problem(0).orElseThrow().contains("candidate 2"), s.problem(0).orElse(""));
    }

    @Test
    void noNmsIsPartOfTheConfigAndTheApiSaysSo() {
        DetrDecode d = DetrDecode.oneOutput(80, 300, 640, 640, 0.5f);
        assertFalse(d.requiresNms());
        assertEquals(300, d.topK());
        assertEquals(24_000, d.candidateCapacity());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CpuPostprocessor(d, NmsConfig.classAware(0.5f, 100, 100)));
        assertTrue(e.getMessage().contains("does not run NMS") && e.getMessage().contains("top 300"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpuPostprocessor(new YoloV8Decode(80, 8400, 0.25f)));
        assertTrue(e.getMessage().contains("needs an NmsConfig"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpuPostprocessor(d).run(List.of(InputMapping.identity(640, 640)),
                HostTensor.f32(new float[300 * 85], 1, 300, 85)));
        assertTrue(e.getMessage().contains("expected F32[1, 300, 84]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CpuPostprocessor(DetrDecode.logitsAndBoxes(91, 100,
                DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 800, 800, 0.5f)).run(List.of(InputMapping.identity(800, 800)),
                HostTensor.f32(new float[100 * 91], 1, 100, 91), HostTensor.f32(new float[400], 1, 100, 4)));
        assertTrue(e.getMessage().contains("logits: expected F32[1, 100, 92]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.withTopK(0));
        assertThrows(IllegalArgumentException.class, () -> DetrDecode.oneOutput(80, 0, 640, 640, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> DetrDecode.oneOutput(80, 300, 0, 640, 0.5f));
        assertThrows(IllegalArgumentException.class, () -> new DetrDecode(80, 300, false, null, 640, 640, 300, 0.5f));
    }
}
