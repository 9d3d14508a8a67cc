package dev.vahost.inference;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.ops.OnnxBuilder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The optimiser takes a residual Add into the Conv before it (y = post(conv(x) + r)), moving the Conv to
 * the Add's place, and leaves the Add alone when the Conv's output is read elsewhere. The numbers are the
 * operator cases' (conv_residual_*, against onnxruntime); here: which nodes remain, and a hand-checked sum.
 */
class ResidualFusionTest {
    /** x [N, 1, 1, 3] through a 1x1 convolution of weight 2 and bias 1, plus r, then {@code post}. */
    private static OnnxBuilder model(String post, boolean convUsedTwice) {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 1, 1, 3).input("r", "N", 1, 1, 3)
                .floats("w", new float[] {2f}, 1, 1, 1, 1).floats("b", new float[] {1f}, 1)
                .node("Conv", new String[] {"x", "w", "b"}, new String[] {"c"})
                .node("Neg", "r", "nr") // the residual is computed after the Conv in node order
                .node("Add", new String[] {"nr", "c"}, new String[] {post == null ? "s" : "t"});
        if (post != null) b.node(post, "t", "s");
        if (convUsedTwice) b.node("Mul", new String[] {"s", "c"}, new String[] {"y"});
        return b.output(convUsedTwice ? "y" : "s");
    }

    @Test
    void theAddAndItsActivationBecomePartOfTheConvolution() {
        OnnxModel m = OnnxModel.parse(model("Relu", false).build(), "conv_add_relu");
        assertEquals(2, m.nodeCount(), "Neg, then the Conv with the Add and the Relu in it");
        try (CpuEngine e = CpuEngine.create(m, 1)) {
            // relu(2x + 1 - r): x = {1, -2, 0.5}, r = {1, 1, 5}
            assertArrayEquals(new float[] {2, 0, 0}, e.runAll(new float[][] {{1, -2, 0.5f}, {1, 1, 5}}, 1)[0]);
        }
    }

    @Test
    void notTakenWhenTheConvolutionsOutputIsReadElsewhere() {
        OnnxModel m = OnnxModel.parse(model(null, true).build(), "conv_add_mul");
        assertEquals(4, m.nodeCount(), "Conv, Neg, Add, Mul");
        try (CpuEngine e = CpuEngine.create(m, 1)) {
            // (2x + 1 - r) * (2x + 1)
            assertArrayEquals(new float[] {6, 12, 0}, e.runAll(new float[][] {{1, -2, 0.5f}, {1, 1, 2}}, 1)[0]);
        }
    }
}
