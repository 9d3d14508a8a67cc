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
        return 1f / (1f + exp(-x));
    }

    /**
     * exp in float, about 2 ulp: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, and a degree-6
     * Taylor polynomial for e^r. Several times faster than Math.exp, which dominated the CPU path's
     * SiLU; saturates to 0 below -87.3 and to +inf above 88.7 as float exp does.
     */
    public static float exp(float x) {
        if (x > 88.72f) return Float.POSITIVE_INFINITY;
        if (x < -87.33f) return 0f;
        float kf = Math.round(x * 1.44269504f);
        float r = x - kf * 0.693145752f - kf * 1.42860677e-6f;
        float p = 1f + r * (1f + r * (0.5f + r * (1.66666672e-1f + r * (4.16666716e-2f + r * (8.33333377e-3f
                + r * 1.38888892e-3f)))));
        return p * Float.intBitsToFloat(((int) kf + 127) << 23);
    }
}
