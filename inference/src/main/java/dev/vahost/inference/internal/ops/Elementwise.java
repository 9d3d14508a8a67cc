package dev.vahost.inference.internal.ops;

import java.util.Map;

import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Element-wise functions of one tensor ({@link Act}: Relu, LeakyRelu, Sigmoid, HardSwish, HardSigmoid,
 * Clip, Tanh, Exp, Log, Sqrt, Neg, Reciprocal, Abs, Erf, Gelu, Floor, Ceil, Round, Sin, Cos, Softplus,
 * Elu, Sign, Mish, and the optimiser's fused Silu), Not, and standalone BatchNormalization (a
 * per-channel affine map). On the GPU one kernel: {@code affine_act} (x · scale[c] + shift[c], then
 * the function), with a unit scale for the plain functions.
 */
public final class Elementwise {
    private Elementwise() {}

    static void register(Map<String, Operator> ops) {
        for (String op : new String[] {"Relu", "LeakyRelu", "Sigmoid", "Silu", "HardSwish", "HardSigmoid", "Tanh", "Exp",
                "Log", "Sqrt", "Neg", "Reciprocal", "Abs", "Erf", "Floor", "Ceil", "Round", "Sin", "Cos", "Softplus", "Elu",
                "Sign", "Mish"}) {
            Operators.put(ops, op, Elementwise::unary);
        }
        Operators.put(ops, "Clip", Elementwise::clip);
        Operators.put(ops, "Gelu", Elementwise::gelu);
        Operators.put(ops, "Not", Elementwise::not);
        Operators.put(ops, "BatchNormalization", Elementwise::batchNorm);
    }

    private static void unary(Planner p, Node n) {
        Act act = Act.ofOp(n.op);
        float alpha = switch (act) {
            case LEAKY_RELU -> n.f("alpha", 0.01f);
            case HARDSIGMOID -> n.f("alpha", 0.2f);
            case ELU -> n.f("alpha", 1f);
            default -> 0f;
        };
        float beta = act == Act.HARDSIGMOID ? n.f("beta", 0.5f) : 0f;
        define(p, n, act, alpha, beta);
    }

    static int define(Planner p, Node n, Act act, float alpha, float beta) {
        int x = p.in(n, 0);
        if (p.isInt(x) && act != Act.NEG && act != Act.ABS && act != Act.SIGN) {
            throw n.unsupported(n.op + " of an integer tensor");
        }
        int y = p.define(n, 0, p.shape(x), p.type(x));
        p.add(new Unary(n.name, x, y, act, alpha, beta));
        return y;
    }

    private static void clip(Planner p, Node n) {
        float lo, hi;
        if (p.opset() < 11) {
            lo = n.f("min", -Float.MAX_VALUE);
            hi = n.f("max", Float.MAX_VALUE);
        } else {
            lo = p.has(n, 1) ? (float) scalar(p.knownInput(n, 1, "min"), n, "min") : Float.NEGATIVE_INFINITY;
            hi = p.has(n, 2) ? (float) scalar(p.knownInput(n, 2, "max"), n, "max") : Float.POSITIVE_INFINITY;
        }
        int x = p.in(n, 0);
        if (p.isInt(x)) {
            // Clip of integers (shape arithmetic in some exports): only at load time.
            Tensor t = p.known(x);
            if (t == null) throw n.unsupported("Clip of a run-time integer tensor");
            long[] v = t.longs().clone();
            for (int i = 0; i < v.length; i++) v[i] = (long) Math.min(hi, Math.max(lo, v[i]));
            p.defineKnown(n, 0, Tensor.ofLongs(v, t.shape()));
            return;
        }
        define(p, n, Act.CLIP, lo, hi);
    }

    private static void gelu(Planner p, Node n) {
        String approx = n.s("approximate", "none");
        Act act = switch (approx) {
            case "none" -> Act.GELU;
            case "tanh" -> Act.GELU_TANH;
            default -> throw n.invalid("approximate must be 'none' or 'tanh', got '" + approx + "'");
        };
        define(p, n, act, 0f, 0f);
    }

    private static void not(Planner p, Node n) {
        int x = p.in(n, 0);
        Tensor t = p.known(x);
        if (t == null) throw n.unsupported("Not of a run-time tensor (only in shape computations known at load time)");
        long[] v = t.asLongs().clone();
        for (int i = 0; i < v.length; i++) v[i] = v[i] == 0 ? 1 : 0;
        p.defineKnown(n, 0, Tensor.ofLongs(v, t.shape()));
    }

    static double scalar(Tensor t, Node n, String what) {
        if (t.size() != 1) throw n.invalid(what + " must be a scalar, got " + t.describe());
        return t.get(0);
    }

    private static void batchNorm(Planner p, Node n) {
        if (n.i("training_mode", 0) != 0) throw n.unsupported("training_mode 1");
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (xs.length < 2) throw n.invalid("input of rank " + xs.length);
        int c = (int) xs[1];
        float[] gm = p.knownInput(n, 1, "scale").asFloats(), bt = p.knownInput(n, 2, "bias").asFloats(),
                mn = p.knownInput(n, 3, "mean").asFloats(), vr = p.knownInput(n, 4, "variance").asFloats();
        if (gm.length != c || bt.length != c || mn.length != c || vr.length != c) {
            throw n.invalid("parameters must have " + c + " elements (one per channel)");
        }
        float eps = n.f("epsilon", 1e-5f);
        float[] scale = new float[c], shift = new float[c];
        for (int i = 0; i < c; i++) {
            double s = gm[i] / Math.sqrt((double) vr[i] + eps);
            scale[i] = (float) s;
            shift[i] = (float) (bt[i] - mn[i] * s);
        }
        long inner = 1;
        for (int d = 2; d < xs.length; d++) inner *= xs[d];
        int y = p.define(n, 0, xs, ElemType.FLOAT);
        p.add(new Affine(n.name, x, y, xs[0], c, inner, scale, shift, Act.NONE, 0f, 0f));
    }

    /** y = f(x) element by element (FLOAT; NEG, ABS and SIGN also on INT). */
    public record Unary(String node, int in, int out, Act act, float alpha, float beta) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            if (r.plan.isInt(in)) {
                long[] x = r.l(in), y = r.outL(out);
                for (int i = 0; i < x.length; i++) {
                    y[i] = switch (act) {
                        case NEG -> -x[i];
                        case ABS -> Math.abs(x[i]);
                        default -> Long.signum(x[i]);
                    };
                }
                return;
            }
            float[] x = r.f(in), y = r.outF(out);
            int n = x.length, chunk = 1 << 16;
            r.parallel((n + chunk - 1) / chunk, ci -> {
                int e = Math.min(n, (ci + 1) * chunk);
                for (int i = ci * chunk; i < e; i++) y[i] = act.apply(x[i], alpha, beta);
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            if (g.plan().isInt(in)) throw new dev.vahost.inference.UnsupportedModelException(g.modelName() + ": " + node
                    + ": " + act + " of a run-time integer tensor is not supported on the GPU");
            long x = g.addr(in), y = g.addr(out), count = g.plan().numel(out);
            if (g.precision() == DType.F16 && count % 8 == 0 && x % 16 == 0 && y % 16 == 0) {
                // 16 bytes per thread (arena values are 256-byte aligned; never a channel view: Placements)
                Kernel k8 = g.kernel("unary_flat8_f16");
                long n8 = count / 8;
                int code = act.code;
                g.add("activation", s -> k8.launch(s, blocks(n8), 1, 1, THREADS, 1, 1, 0, x, y, n8, code, alpha, beta));
                return;
            }
            // f(x * 1 + 0) over one channel: exact, and one kernel less to maintain.
            long one = g.uploadF32("one", new float[] {1f}, "unit scale"), zero = g.uploadF32("zero", new float[] {0f}, "zero shift");
            Kernel a = g.kernel("affine_act" + g.suffix());
            int code = act.code;
            g.add("activation", s -> a.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, one, zero, count, 1, count, code,
                    alpha, beta));
        }
    }

    /** y = f(x · scale[c] + shift[c]) over channel axis 1 (standalone BatchNormalization). */
    public record Affine(String node, int in, int out, long outer, int channels, long inner, float[] scale, float[] shift,
                  Act act, float alpha, float beta) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            int in1 = (int) inner;
            for (long o = 0; o < outer; o++) {
                for (int ch = 0; ch < channels; ch++) {
                    int base = (int) ((o * channels + ch) * in1);
                    float s = scale[ch], t = shift[ch];
                    for (int i = 0; i < in1; i++) y[base + i] = act.apply(x[base + i] * s + t, alpha, beta);
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out);
            long sc = g.uploadF32(scale, scale, "scale of " + node), sh = g.uploadF32(shift, shift, "shift of " + node);
            long count = outer * channels * inner, in1 = g.nhwc(in) ? 1 : inner;
            int ch = channels, code = act.code;
            Kernel a = g.kernel("affine_act" + g.suffix());
            g.add("affine", s -> a.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, sc, sh, in1, ch, count, code, alpha, beta));
        }
    }
}
