package dev.vahost.inference.internal;

/** Element-wise activations, standalone or fused into a Conv. Codes are the kernels' ({@code glue.cu}). */
public enum Act {
    NONE(0), RELU(1), LEAKY_RELU(2), SIGMOID(3), SILU(4), HARDSWISH(5);

    public final int code;

    Act(int code) {
        this.code = code;
    }

    /** The ONNX op (or fused pattern) for an activation, or null. */
    public static Act ofOp(String op) {
        return switch (op) {
            case "Relu" -> RELU;
            case "LeakyRelu" -> LEAKY_RELU;
            case "Sigmoid" -> SIGMOID;
            case "Silu" -> SILU;
            case "HardSwish" -> HARDSWISH;
            default -> null;
        };
    }

    /** Reference semantics (ONNX), in float. */
    public float apply(float x, float alpha) {
        switch (this) {
            case RELU: return x > 0 ? x : 0f;
            case LEAKY_RELU: return x >= 0 ? x : alpha * x;
            case SIGMOID: return sigmoid(x);
            case SILU: return x * sigmoid(x);
            case HARDSWISH: return x * Math.max(0f, Math.min(1f, x / 6f + 0.5f));
            default: return x;
        }
    }

    static float sigmoid(float x) {
        // Both branches avoid exp overflow; float precision as onnxruntime's.
        if (x >= 0) return (float) (1.0 / (1.0 + Math.exp(-x)));
        double e = Math.exp(x);
        return (float) (e / (1.0 + e));
    }
}
