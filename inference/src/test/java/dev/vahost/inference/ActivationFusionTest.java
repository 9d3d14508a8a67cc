package dev.vahost.inference;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.ops.OnnxBuilder;

import static org.junit.jupiter.api.Assertions.*;

/** The optimiser folds an activation into the node before it: a Conv, or an element-wise Add/Sub/Mul/Div. */
class ActivationFusionTest {
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
