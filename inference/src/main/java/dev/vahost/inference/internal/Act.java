package dev.vahost.inference.internal;

/**
 * Element-wise functions of one float, standalone (unary operators) or fused into a Conv. Codes are
 * the kernels' ({@code glue.cu}, {@code act()}); {@code alpha}/{@code beta} are the operator's
 * attributes (LeakyRelu/Elu alpha, HardSigmoid alpha and beta, Clip min and max, the exponent of a
 * Pow by a scalar constant).
 */
public enum Act {
    NONE(0), RELU(1), LEAKY_RELU(2), SIGMOID(3), SILU(4), HARDSWISH(5), CLIP(6), HARDSIGMOID(7), TANH(8), EXP(9),
    LOG(10), SQRT(11), NEG(12), RECIPROCAL(13), ABS(14), ERF(15), GELU(16), GELU_TANH(17), FLOOR(18), CEIL(19),
    ROUND(20), SIN(21), COS(22), SOFTPLUS(23), ELU(24), POW(25), SIGN(26), MISH(27), IDENTITY(28);

    public final int code;

    Act(int code) {
        this.code = code;
    }

    /** The ONNX op of a plain activation (no attribute needing more than alpha/beta), or null. */
    public static Act ofOp(String op) {
        return switch (op) {
            case "Relu" -> RELU;
            case "LeakyRelu" -> LEAKY_RELU;
            case "Sigmoid" -> SIGMOID;
            case "Silu" -> SILU;
            case "HardSwish" -> HARDSWISH;
            case "HardSigmoid" -> HARDSIGMOID;
            case "Tanh" -> TANH;
            case "Exp" -> EXP;
            case "Log" -> LOG;
            case "Sqrt" -> SQRT;
            case "Neg" -> NEG;
            case "Reciprocal" -> RECIPROCAL;
            case "Abs" -> ABS;
            case "Erf" -> ERF;
            case "Floor" -> FLOOR;
            case "Ceil" -> CEIL;
            case "Round" -> ROUND;
            case "Sin" -> SIN;
            case "Cos" -> COS;
            case "Softplus" -> SOFTPLUS;
            case "Elu" -> ELU;
            case "Sign" -> SIGN;
            case "Mish" -> MISH;
            default -> null;
        };
    }

    /** True for the activations a Conv may absorb (those whose value at 0 needs no special handling). */
    public boolean fusable() {
        return this != NONE && this != IDENTITY;
    }

    /** Reference semantics (ONNX), in float (double where that is how ORT computes it). */
    public float apply(float x, float alpha, float beta) {
        switch (this) {
            case RELU: return x > 0 ? x : 0f;
            case LEAKY_RELU: return x >= 0 ? x : alpha * x;
            case SIGMOID: return sigmoid(x);
            case SILU: return x * sigmoid(x);
            case HARDSWISH: return x * Math.max(0f, Math.min(1f, x / 6f + 0.5f));
            case CLIP: return Math.min(beta, Math.max(alpha, x)); // NaN stays NaN (Math.max/min propagate it)
            case HARDSIGMOID: return Math.max(0f, Math.min(1f, alpha * x + beta));
            case TANH: return (float) Math.tanh(x);
            case EXP: return (float) Math.exp(x);
            case LOG: return (float) Math.log(x);
            case SQRT: return (float) Math.sqrt(x);
            case NEG: return -x;
            case RECIPROCAL: return 1f / x;
            case ABS: return Math.abs(x);
            case ERF: return (float) erf(x);
            case GELU: return (float) (0.5 * x * (1.0 + erf(x / Math.sqrt(2.0))));
            case GELU_TANH: return (float) (0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x))));
            case FLOOR: return (float) Math.floor(x);
            case CEIL: return (float) Math.ceil(x);
            case ROUND: return (float) Math.rint(x); // half to even, as ONNX Round
            case SIN: return (float) Math.sin(x);
            case COS: return (float) Math.cos(x);
            case SOFTPLUS: return (float) Math.log1p(Math.exp(x));
            case ELU: return x >= 0 ? x : (float) (alpha * Math.expm1(x));
            case POW: return (float) Math.pow(x, alpha);
            case SIGN: return Math.signum(x);
            case MISH: return (float) (x * Math.tanh(Math.log1p(Math.exp(x))));
            case IDENTITY: return x;
            default: return x;
        }
    }

    static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    /** erf to about 1e-7 (Abramowitz–Stegun 7.1.26 is too coarse for a reference): a series near 0, a continued fraction beyond. */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            // Maclaurin series: erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
            double term = ax, sum = ax, x2 = ax * ax;
            for (int n = 1; n < 60; n++) {
                term *= -x2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
            }
            r = 2.0 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc x = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
            double f = ax;
            for (int k = 60; k >= 1; k--) f = ax + (k / 2.0) / f;
            r = 1.0 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }

    /**
     * exp in float, about 2 ulp: Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, and a degree-6
     * Taylor polynomial for e^r. Several times faster than Math.exp, which dominated the CPU path's
     * SiLU; saturates to 0 below -87.3 and to +inf above 88.7 as float exp does.
     */
    public static float exp(float x) {
        if (x > 88.72f) return Float.POSITIVE_INFINITY;
        if (x < -87.33f) return 0f;
        if (x != x) return x;
        float kf = Math.round(x * 1.44269504f);
        float r = x - kf * 0.693145752f - kf * 1.42860677e-6f;
        float p = 1f + r * (1f + r * (0.5f + r * (1.66666672e-1f + r * (4.16666716e-2f + r * (8.33333377e-3f
                + r * 1.38888892e-3f)))));
        return p * Float.intBitsToFloat(((int) kf + 127) << 23);
    }
}
