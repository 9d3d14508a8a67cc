package dev.vahost.inference;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.internal.ops.Operators;
import dev.vahost.inference.ops.OpCase;
import dev.vahost.inference.ops.OpCases;
import dev.vahost.inference.ops.Ort;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Importer + CPU executor against onnxruntime (run here, at test time, on the same model bytes and
 * inputs) on every operator case ({@link OpCases}). onnxruntime must be available: it is a test
 * dependency, so a missing native library fails this test instead of skipping it.
 */
class OpCasesCpuTest {
    static List<OpCase> cases() {
        return OpCases.all();
    }

    @Test
    void onnxruntimeIsAvailable() {
        assertTrue(Ort.available(), "onnxruntime is the oracle of these tests: " + Ort.unavailableReason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesOnnxruntime(OpCase c) {
        float[][] expected = Ort.run(c.model(), c.inputNames(), c.inputs(), c.shapes());
        float[][] got = run(c);
        assertEquals(expected.length, got.length, c.name() + ": output count");
        for (int o = 0; o < got.length; o++) {
            double err = OpCase.maxError(got[o], expected[o]);
            int w = OpCase.worstIndex(got[o], expected[o]);
            assertTrue(err <= c.tolerance(), c.name() + " output " + o + ": error " + err + " > " + c.tolerance() + " at " + w
                    + " (ours " + got[o][w] + ", onnxruntime " + expected[o][w] + ")");
        }
    }

    /** The case on the CPU executor at the batch of its first input. */
    static float[][] run(OpCase c) {
        OnnxModel m = OnnxModel.parse(c.model(), c.name());
        int batch = c.shapes().get(0).length > 0 ? (int) c.shapes().get(0)[0] : 1;
        try (CpuEngine e = CpuEngine.create(m, 2)) {
            return e.runAll(c.inputs().toArray(new float[0][]), batch);
        }
    }

    @Test
    void everyRegisteredOperatorIsTested() {
        Set<String> covered = new HashSet<>();
        for (OpCase c : OpCases.all()) covered.addAll(c.ops());
        for (Goldens.Case c : Goldens.cases()) covered.addAll(c.ops());
        Set<String> missing = new TreeSet<>(Operators.supported());
        missing.removeAll(covered);
        missing.remove("Silu");     // the optimiser's fused x·Sigmoid(x): covered by the "silu" golden (Sigmoid, Mul)
        missing.remove("Dropout");  // inference identity, the Identity path
        missing.remove("Upsample"); // opset <= 9 spelling of Resize: UnsupportedAndBadModelTest
        assertTrue(missing.isEmpty(), "registered operators without a test case: " + missing);
    }
}
