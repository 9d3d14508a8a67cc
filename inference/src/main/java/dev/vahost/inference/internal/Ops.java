package dev.vahost.inference.internal;

import java.util.Set;

/** The documented operator set (README "Operators"); anything else is refused at load. */
public final class Ops {
    private Ops() {}

    public static final Set<String> SUPPORTED = Set.of(
            "Conv", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "HardSwish", "Silu",
            "Add", "Sub", "Mul", "Div", "Concat", "MaxPool", "Resize", "Upsample", "Reshape", "Flatten",
            "Transpose", "Split", "Slice", "Softmax", "Gemm", "MatMul", "Identity", "Dropout", "Constant");
}
