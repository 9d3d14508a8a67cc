package dev.vahost.inference;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.ops.OnnxBuilder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The optimiser folds an activation into the node before it: a Conv, or an element-wise Add/Sub/Mul/Div; an
 * activation after reshapes/transposes of a Conv's output moves before them into the Conv (Optimizer.hoistActivations).
 */
class ActivationFusionTest {
    /**
     * Conv 1x1 (2 -> 6 channels) → Reshape [N, 2, 3, 2, 2] → Transpose → Sigmoid (a graph output). {@code variant}
     * "Shape": the Reshape's shape computed from Shape(Conv output) as dynamic exports do; "Neg": the Conv output also
     * read by a Neg (a second output).
     */
    private static OnnxModel head(String variant) {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 2, 2, 2)
                .floats("w", new float[] {1, 0, 0, 1, 1, 1, -1, 0, 0, -1, 0.5f, 0.5f}, 6, 2, 1, 1)
                .floats("bias", new float[] {0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, 6).longs("s5", new long[] {0, 2, 3, 2, 2})
                .longs("i0", new long[] {0}).longs("rest", new long[] {2, 3, 2, 2});
        b.node("Conv", new String[] {"x", "w", "bias"}, new String[] {"c"});
        String shape = "s5";
        if ("Shape".equals(variant)) {
            b.node("Shape", "c", "sh").node("Gather", new String[] {"sh", "i0"}, new String[] {"n"}, "axis", 0L)
                    .node("Concat", new String[] {"n", "rest"}, new String[] {"s5d"}, "axis", 0L);
            shape = "s5d";
        }
        b.node("Reshape", new String[] {"c", shape}, new String[] {"r"})
                .node("Transpose", "r", "t", "perm", new long[] {0, 1, 3, 4, 2})
                .node("Sigmoid", "t", "y").output("y");
        if ("Neg".equals(variant)) b.node("Neg", "c", "z").output("z");
        if ("ShapeOfMove".equals(variant)) {
            // a Shape of the transposed value (what the activation reads) feeding a second output's Reshape
            b.node("Shape", "t", "tsh").node("Reshape", new String[] {"y", "tsh"}, new String[] {"z"}).output("z");
        }
        return OnnxModel.parse(b.build(), "head");
    }

    @Test
    void anActivationAfterAReshapeAndTransposeOfAConvMovesIntoTheConv() {
        OnnxModel plain = head(null);
        assertEquals(3, plain.nodeCount(), "Conv+Sigmoid, Reshape, Transpose");
        // a dynamic export's Shape of the Conv output does not stop it (it reads the fused output: the same shape)
        assertEquals(6, head("Shape").nodeCount(), "Conv+Sigmoid, Shape, Gather, Concat, Reshape, Transpose");
        // another reader of the Conv output does: it needs the value without the activation
        assertEquals(5, head("Neg").nodeCount(), "nothing moved: Conv, Reshape, Transpose, Sigmoid, Neg");
        float[] x = {1, -2, 0.5f, 3, -1, 2, 0, -0.5f}; // [1, 2, 2, 2]
        // reference by definition: c[k][p] = sum_c w[k][c] x[c][p] + bias[k]; y[a][p][j] = sigmoid(c[a * 3 + j][p])
        float[] w = {1, 0, 0, 1, 1, 1, -1, 0, 0, -1, 0.5f, 0.5f}, bias = {0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
        float[] want = new float[24];
        for (int a = 0; a < 2; a++) {
            for (int p = 0; p < 4; p++) {
                for (int j = 0; j < 3; j++) {
                    int k = a * 3 + j;
                    double c = bias[k] + w[2 * k] * x[p] + w[2 * k + 1] * x[4 + p];
                    want[(a * 4 + p) * 3 + j] = (float) (1 / (1 + Math.exp(-c)));
                }
            }
        }
        assertEquals(5, head("ShapeOfMove").nodeCount(), "Conv+Sigmoid, Reshape, Transpose, Shape, Reshape");
        for (OnnxModel m : new OnnxModel[] {plain, head("Shape"), head("Neg"), head("ShapeOfMove")}) {
            try (CpuEngine e = CpuEngine.create(m, 1)) {
                assertArrayEquals(want, e.runAll(new float[][] {x}, 1)[0], 1e-6f);
            }
        }
    }

    @Test
    void reluAfterAResidualAddBecomesPartOfTheAdd() {
        byte[] m = new OnnxBuilder(13).input("a", "N", 4).input("b", "N", 4)
                .node("Add", new String[] {"a", "b"}, new String[] {"s"}).node("Relu", "s", "y").output("y").build();
        OnnxModel model = OnnxModel.parse(m, "add_relu");
        assertEquals(1, model.nodeCount(), "Add and Relu should be one node");
        try (CpuEngine e = CpuEngine.create(model, 1)) {
            assertArrayEquals(new float[] {0, 3, 0, 0.5f}, e.runAll(new float[][] {{-1, 1, -5, 0.25f}, {0.5f, 2, 1, 0.25f}}, 1)[0]);
        }
    }

    @Test
    void notFusedWhenTheSumIsAlsoUsedElsewhere() {
        byte[] m = new OnnxBuilder(13).input("a", "N", 4).input("b", "N", 4)
                .node("Add", new String[] {"a", "b"}, new String[] {"s"}).node("Relu", "s", "r")
                .node("Mul", new String[] {"r", "s"}, new String[] {"y"}).output("y").build();
        assertEquals(3, OnnxModel.parse(m, "add_relu_mul").nodeCount());
    }
}
