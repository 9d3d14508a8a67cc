package dev.vahost.inference;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.internal.Node;
import dev.vahost.inference.ops.OnnxBuilder;
import dev.vahost.inference.ops.Ort;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The optimiser's LayerNorm fusion: PyTorch's opset &lt; 17 decomposition (ReduceMean → Sub → Pow
 * or Mul → ReduceMean → Add(ε) → Sqrt → Div → Mul(γ) → Add(β)) becomes exactly one
 * LayerNormalization node, in every variant it writes, and stays as it is where fusing would change
 * what the graph computes or cannot be proven safe without shapes (an intermediate read elsewhere,
 * positive or non-trailing axes, a γ computed at run time). The numerics of the fused node against
 * onnxruntime on the unfused graph are checked here and by the layernorm_decomposed_* operator cases.
 */
class LayerNormFusionTest {
    private static final int D = 48;

    /** Options of the decomposition. */
    private record Variant(int opset, boolean mulSquare, boolean gamma, boolean beta, long[] axes, boolean extraUse,
                           boolean runtimeGamma, boolean epsFirst) {
        static Variant plain(int opset) {
            return new Variant(opset, false, true, true, new long[] {-1}, false, false, false);
        }
    }

    private static float[] data(int seed, int n, float lo, float hi) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * r.nextFloat();
        return v;
    }

    private static byte[] model(Variant v) {
        OnnxBuilder b = new OnnxBuilder(v.opset()).input("x", "N", 5, D).scalar("two", 2f).scalar("eps", 1e-5f);
        if (v.runtimeGamma()) b.input("g", D);
        if (v.opset() >= 18) {
            b.longs("axes", v.axes());
            b.node("ReduceMean", new String[] {"x", "axes"}, new String[] {"mean"});
        } else {
            b.node("ReduceMean", "x", "mean", "axes", v.axes());
        }
        b.node("Sub", new String[] {"x", "mean"}, new String[] {"d"});
        if (v.mulSquare()) b.node("Mul", new String[] {"d", "d"}, new String[] {"sq"});
        else b.node("Pow", new String[] {"d", "two"}, new String[] {"sq"});
        if (v.opset() >= 18) b.node("ReduceMean", new String[] {"sq", "axes"}, new String[] {"var"});
        else b.node("ReduceMean", "sq", "var", "axes", v.axes());
        b.node("Add", v.epsFirst() ? new String[] {"eps", "var"} : new String[] {"var", "eps"}, new String[] {"ve"})
                .node("Sqrt", "ve", "std").node("Div", new String[] {"d", "std"}, new String[] {"n"});
        String last = "n";
        if (v.gamma()) {
            if (!v.runtimeGamma()) b.floats("g", data(1, D, 0.5f, 1.5f), D);
            b.node("Mul", new String[] {"g", last}, new String[] {"ng"});
            last = "ng";
        }
        if (v.beta()) {
            b.floats("b", data(2, D, -1, 1), D).node("Add", new String[] {last, "b"}, new String[] {"nb"});
            last = "nb";
        }
        b.output(last);
        if (v.extraUse()) b.node("Neg", "d", "nd").output("nd");
        return b.build();
    }

    private static long count(OnnxModel m, String op) {
        return m.graph().nodes.stream().filter(n -> n.op.equals(op)).count();
    }

    private static OnnxModel fusedOnce(Variant v) {
        OnnxModel m = OnnxModel.parse(model(v), "ln.onnx");
        assertEquals(1, count(m, "LayerNormalization"), "one LayerNormalization in " + m.graph().nodes);
        assertEquals(1, m.nodeCount(), "nothing else is left: " + m.graph().nodes);
        return m;
    }

    @Test
    void opset13PowWithScaleAndBias() {
        OnnxModel m = fusedOnce(Variant.plain(13));
        Node ln = m.graph().nodes.get(0);
        assertEquals(-1L, ln.attrs.get("axis"));
        assertEquals(1e-5f, (Float) ln.attrs.get("epsilon"), 0f);
        assertEquals(List.of("x", "g", "b"), ln.inputs);
        assertEquals(List.of("nb"), ln.outputs);
        matchesOnnxruntime(Variant.plain(13), m);
    }

    @Test
    void opset18AxesInputsMulSquareEpsFirst() {
        Variant v = new Variant(18, true, true, true, new long[] {-1}, false, false, true);
        matchesOnnxruntime(v, fusedOnce(v));
    }

    @Test
    void withoutScaleOrBias() {
        Variant none = new Variant(13, false, false, false, new long[] {-1}, false, false, false);
        OnnxModel m = fusedOnce(none);
        assertEquals(2, m.graph().nodes.get(0).inputs.size(), "scale of ones, no bias");
        matchesOnnxruntime(none, m);
        Variant scaleOnly = new Variant(13, false, true, false, new long[] {-1}, false, false, false);
        matchesOnnxruntime(scaleOnly, fusedOnce(scaleOnly));
        Variant biasOnly = new Variant(13, false, false, true, new long[] {-1}, false, false, false);
        matchesOnnxruntime(biasOnly, fusedOnce(biasOnly));
    }

    @Test
    void twoTrailingAxes() {
        Variant v = new Variant(13, false, true, true, new long[] {-1, -2}, false, false, false);
        OnnxModel m = OnnxModel.parse(model(v), "ln2.onnx");
        // γ [48] has rank 1 ≤ 2 normalised axes: fused with axis -2
        assertEquals(1, count(m, "LayerNormalization"));
        assertEquals(-2L, m.graph().nodes.get(0).attrs.get("axis"));
        matchesOnnxruntime(v, m);
    }

    @Test
    void notFusedWhenAnIntermediateIsReadElsewhere() {
        Variant v = new Variant(13, false, true, true, new long[] {-1}, true, false, false);
        OnnxModel m = OnnxModel.parse(model(v), "ln_extra.onnx");
        assertEquals(0, count(m, "LayerNormalization"));
        assertEquals(2, count(m, "ReduceMean"));
    }

    @Test
    void notFusedForPositiveOrNonTrailingAxes() {
        // axis 2 is the last axis of [N, 5, 48], but without shapes the optimiser cannot know it
        Variant positive = new Variant(13, false, true, true, new long[] {2}, false, false, false);
        assertEquals(0, count(OnnxModel.parse(model(positive), "ln_pos.onnx"), "LayerNormalization"));
        Variant middle = new Variant(13, false, false, false, new long[] {-2}, false, false, false);
        assertEquals(0, count(OnnxModel.parse(model(middle), "ln_mid.onnx"), "LayerNormalization"));
    }

    @Test
    void scaleComputedAtRunTimeStaysAMul() {
        Variant v = new Variant(13, false, true, true, new long[] {-1}, false, true, false);
        OnnxModel m = OnnxModel.parse(model(v), "ln_rt.onnx");
        // the normalisation fuses; the run-time γ stays a Mul, so β (after it) stays an Add too
        assertEquals(1, count(m, "LayerNormalization"));
        assertEquals(1, count(m, "Mul"));
        assertEquals(1, count(m, "Add"));
    }

    /** The fused model on the CPU executor against onnxruntime on the original graph. */
    private static void matchesOnnxruntime(Variant v, OnnxModel fused) {
        assertTrue(Ort.available(), Ort.unavailableReason());
        float[] x = data(3, 2 * 5 * D, -2, 3);
        float[] expected = Ort.run(model(v), List.of("x"), List.of(x), List.of(new long[] {2, 5, D}))[0];
        float[] got;
        try (CpuEngine e = CpuEngine.create(fused, 1)) {
            got = e.run(x, 2);
        }
        assertEquals(expected.length, got.length);
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-4 * (1 + Math.abs(expected[i])), "element " + i);
        }
    }
}
