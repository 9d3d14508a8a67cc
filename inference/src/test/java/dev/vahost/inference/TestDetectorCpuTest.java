package dev.vahost.inference;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The built-in test detector on the CPU path the service uses: its output against onnxruntime's on
 * 16 held-out scenes (|ours - ort| / (1 + |ort|) <= 1e-3; boxes are in pixels up to 320), and the
 * detections against the scenes' exact ground truth (recall and precision >= 0.9 at IoU 0.5), and
 * images run one at a time on one engine as the service's CPU path does (each exactly as in a batch).
 * Does not cover the GPU path (TestDetectorGpuTest) or speed (a figure for a benchmark, not a test).
 */
class TestDetectorCpuTest {
    private static final Logger LOG = LoggerFactory.getLogger(TestDetectorCpuTest.class);

    @Test
    void builtInModelDescribesItself() {
        OnnxModel m = TestDetector.model();
        assertEquals(List.of("images"), m.inputNames());
        assertEquals(List.of("output0"), m.outputNames());
        assertArrayEquals(new long[] {4, 3, 320, 320}, m.inputShape(4));
        assertArrayEquals(new long[] {4, 7, 2000}, m.outputShape(4));
        assertEquals(17, m.opset());
        assertEquals(-1, m.fixedBatch());
        assertTrue(m.parameterCount() > 500_000 && m.parameterCount() < 700_000, "parameters " + m.parameterCount());
    }

    @Test
    void matchesOnnxruntimeAndFindsTheShapes() {
        float[] images = Goldens.detectorImages(0, 16);
        float[] expected = Goldens.detectorOutput(0, 16);
        try (CpuEngine engine = CpuEngine.create(TestDetector.model(), 2)) {
            float[] out = engine.run(images, 16);
            assertEquals(16 * 7 * 2000, out.length);
            double err = Goldens.maxError(out, expected);
            int w = Goldens.worstIndex(out, expected);
            assertTrue(err <= 1e-3, "error " + err + " at " + w + ": ours " + out[w] + ", onnxruntime " + expected[w]);

            // batch 1 gives the same numbers as the first image of the batch
            float[] one = engine.run(Arrays.copyOf(images, 3 * 320 * 320), 1);
            assertTrue(Goldens.maxError(one, Arrays.copyOf(expected, one.length)) <= 1e-3);

            List<DetectorReference.Det> dets = DetectorReference.detect(out, 16, 0.25f);
            int[] s = DetectorReference.score(dets, Goldens.detectorBoxes(), 16);
            double recall = s[0] / (double) s[2], precision = s[0] / (double) Math.max(1, s[0] + s[1]);
            LOG.info("test detector on CPU, 16 scenes: tp {} fp {} gt {}: recall {} precision {}", s[0], s[1], s[2],
                    recall, precision);
            assertTrue(s[2] > 40, "ground truth loaded");
            assertTrue(recall >= 0.9 && precision >= 0.9, "recall " + recall + " precision " + precision);
        }
    }

    @Test
    void oneImageAtATimeAsTheServiceCpuPathRunsIt() {
        // The service's CPU path runs one 2-thread engine on one image after another: every image's
        // output must be exactly what the same image gives inside a batch (no state carried from the
        // image before, no row mixed up) and stay within onnxruntime's tolerance.
        int n = 4;
        float[] images = Goldens.detectorImages(0, n);
        float[] expected = Goldens.detectorOutput(0, n);
        int in = 3 * 320 * 320, out = 7 * 2000;
        try (CpuEngine engine = CpuEngine.create(TestDetector.model(), 2)) {
            float[] batch = engine.run(images, n);
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < n; i++) {
                    float[] one = engine.run(Arrays.copyOfRange(images, i * in, (i + 1) * in), 1);
                    float[] row = Arrays.copyOfRange(batch, i * out, (i + 1) * out);
                    assertArrayEquals(row, one, "image " + i + " alone (round " + round + ") vs in a batch of " + n);
                    double err = Goldens.maxError(one, Arrays.copyOfRange(expected, i * out, (i + 1) * out));
                    assertTrue(err <= 1e-3, "image " + i + ": error " + err + " against onnxruntime");
                }
            }
        }
    }
}
