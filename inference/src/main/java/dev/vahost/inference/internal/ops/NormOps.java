package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Normalisations: LayerNormalization (opset 17: axis, epsilon, scale and optional bias broadcast
 * to the normalised shape; also what {@code Optimizer} fuses PyTorch's decomposed LayerNorm into),
 * InstanceNormalization, GroupNormalization (scale and bias per group before opset 21, per channel
 * from 21) and LpNormalization (p = 1, 2). All but Lp are one {@link Norm} step: each row of
 * [rows, len] normalised by its own mean and biased variance, then a per-channel affine map.
 * Mean and variance are accumulated in double on the CPU and in float32 on the GPU, also in fp16
 * engines (two passes over the row: the variance is the mean of squared deviations). Scale and
 * bias must be known at load time. Operands are row-major on the GPU.
 */
final class NormOps {
    private NormOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "LayerNormalization", NormOps::layerNorm);
        Operators.put(ops, "InstanceNormalization", NormOps::instanceNorm);
        Operators.put(ops, "GroupNormalization", NormOps::groupNorm);
        Operators.put(ops, "LpNormalization", NormOps::lpNorm);
    }

    private static int floatInput(Planner p, Node n) {
        int x = p.in(n, 0);
        if (p.isInt(x)) throw n.invalid("input is integer; " + n.op + " takes float tensors");
        return x;
    }

    /**
     * {@code t} broadcast (numpy rules, right-aligned) to {@code shape}, as float32 row-major data:
     * a LayerNormalization scale or bias over the normalised shape.
     */
    static float[] broadcastTo(Node n, Tensor t, long[] shape, String what) {
        long[] ts = t.shape();
        int r = shape.length;
        for (int i = 0; i < ts.length - r; i++) {
            if (ts[i] != 1) throw n.unsupported(what + " " + t.describe() + " does not broadcast to the normalised shape " + Arrays.toString(shape));
        }
        long[] strides = new long[r];
        long[] rm = dev.vahost.inference.internal.Layouts.rowMajor(ts);
        for (int i = 0; i < r; i++) {
            int j = i - (r - ts.length);
            if (j < 0) continue;
            if (ts[j] != 1 && ts[j] != shape[i]) {
                throw n.unsupported(what + " " + t.describe() + " does not broadcast to the normalised shape " + Arrays.toString(shape));
            }
            strides[i] = ts[j] == 1 ? 0 : rm[j];
        }
        float[] src = t.asFloats();
        // Same elements: the tensor's own array (uploads are keyed by identity: one per model, not per batch size).
        if (src.length == Tensor.numel(shape)) return src;
        float[] out = new float[Math.toIntExact(Tensor.numel(shape))];
        for (int k = 0; k < out.length; k++) {
            long rem = k, off = 0;
            for (int i = r - 1; i >= 0; i--) {
                off += rem % shape[i] * strides[i];
                rem /= shape[i];
            }
            out[k] = src[(int) off];
        }
        return out;
    }

    private static void layerNorm(Planner p, Node n) {
        int x = floatInput(p, n);
        long[] xs = p.shape(x);
        if (xs.length == 0) throw n.invalid("input is a scalar; LayerNormalization needs at least one axis");
        int ax = DataMovement.axis(n, n.i("axis", -1), xs.length);
        for (int o = 1; o < n.outputs.size(); o++) {
            if (!n.outputs.get(o).isEmpty()) {
                throw n.unsupported("output " + o + " (" + (o == 1 ? "Mean" : "InvStdDev") + ", '" + n.outputs.get(o)
                        + "') is for training and not supported; only Y is computed");
            }
        }
        long[] ns = Arrays.copyOfRange(xs, ax, xs.length);
        long rows = 1, len = Tensor.numel(ns);
        for (int d = 0; d < ax; d++) rows *= xs[d];
        float[] gamma = broadcastTo(n, p.knownInput(n, 1, "scale"), ns, "scale");
        float[] beta = p.has(n, 2) ? broadcastTo(n, p.knownInput(n, 2, "bias"), ns, "bias") : null;
        int y = p.define(n, 0, xs, ElemType.FLOAT);
        int l = ConvOps.toInt(n, len, "normalised size");
        p.add(new Norm(n.name, x, y, rows, l, 1, l, 1, gamma, beta, n.f("epsilon", 1e-5f)));
    }

    private static void instanceNorm(Planner p, Node n) {
        int x = floatInput(p, n);
        long[] xs = p.shape(x);
        if (xs.length < 3) throw n.invalid("input " + Arrays.toString(xs) + " must be [N, C, D1, ...]");
        int c = ConvOps.toInt(n, xs[1], "channels");
        long spatial = 1;
        for (int d = 2; d < xs.length; d++) spatial *= xs[d];
        float[] gamma = perChannel(n, p.knownInput(n, 1, "scale"), c, "scale");
        float[] beta = perChannel(n, p.knownInput(n, 2, "B"), c, "B");
        int y = p.define(n, 0, xs, ElemType.FLOAT);
        int l = ConvOps.toInt(n, spatial, "spatial size");
        p.add(new Norm(n.name, x, y, xs[0] * c, l, c, 1, l, gamma, beta, n.f("epsilon", 1e-5f)));
    }

    /** Opset 18: scale and bias per group; opset 21: per channel (the model's opset decides). */
    private static void groupNorm(Planner p, Node n) {
        int x = floatInput(p, n);
        long[] xs = p.shape(x);
        if (xs.length < 3) throw n.invalid("input " + Arrays.toString(xs) + " must be [N, C, D1, ...]");
        if (!n.has("num_groups")) throw n.invalid("attribute num_groups is required");
        int c = ConvOps.toInt(n, xs[1], "channels");
        long g = n.i("num_groups", 1);
        if (g < 1 || c % g != 0) throw n.invalid(c + " channels do not divide into num_groups " + g);
        int groups = (int) g, cpg = c / groups;
        long spatial = 1;
        for (int d = 2; d < xs.length; d++) spatial *= xs[d];
        boolean perChannel = p.opset() >= 21;
        int want = perChannel ? c : groups;
        String per = perChannel ? "channel (opset 21)" : "group (opset 18)";
        float[] s = perChannel(n, p.knownInput(n, 1, "scale"), want, "scale (one per " + per + ")");
        float[] b = perChannel(n, p.knownInput(n, 2, "bias"), want, "bias (one per " + per + ")");
        float[] gamma = s, beta = b;
        if (!perChannel) {
            gamma = new float[c];
            beta = new float[c];
            for (int ch = 0; ch < c; ch++) {
                gamma[ch] = s[ch / cpg];
                beta[ch] = b[ch / cpg];
            }
        }
        int y = p.define(n, 0, xs, ElemType.FLOAT);
        int l = ConvOps.toInt(n, cpg * spatial, "group size");
        p.add(new Norm(n.name, x, y, xs[0] * groups, l, groups, cpg, ConvOps.toInt(n, spatial, "spatial size"), gamma, beta,
                n.f("epsilon", 1e-5f)));
    }

    private static float[] perChannel(Node n, Tensor t, int count, String what) {
        if (t.size() != count) throw n.invalid(what + " " + t.describe() + " must have " + count + " elements");
        return t.asFloats(); // never written: shared with the tensor, so every batch size's plan uploads it once
    }

    private static void lpNorm(Planner p, Node n) {
        int x = floatInput(p, n);
        long[] xs = p.shape(x);
        int ax = DataMovement.axis(n, n.i("axis", -1), xs.length);
        long pn = n.i("p", 2);
        if (pn != 1 && pn != 2) throw n.invalid("p must be 1 or 2, got " + pn);
        long outer = 1, inner = 1;
        for (int d = 0; d < ax; d++) outer *= xs[d];
        for (int d = ax + 1; d < xs.length; d++) inner *= xs[d];
        int y = p.define(n, 0, xs, ElemType.FLOAT);
        p.add(new LpNorm(n.name, x, y, outer, ConvOps.toInt(n, xs[ax], "axis length"), inner, (int) pn));
    }

    /**
     * y = (x − mean) / √(var + ε) · γ[c] + β[c] over each row of [rows, len]; the channel of element
     * (row, col) is c = (row mod groups) · cpg + col / inner. γ and β (null: 0) hold one value per
     * channel, groups · cpg of them.
     */
    record Norm(String node, int in, int out, long rows, int len, int groups, int cpg, int inner, float[] gamma,
                float[] beta, float eps) implements Step.OneToOne {
        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            r.parallel(Math.toIntExact(rows), row -> {
                int base = row * len;
                double s = 0;
                for (int a = 0; a < len; a++) s += x[base + a];
                double mean = s / len, q = 0;
                for (int a = 0; a < len; a++) {
                    double d = x[base + a] - mean;
                    q += d * d;
                }
                double rstd = 1 / Math.sqrt(q / len + eps);
                int c0 = (row % groups) * cpg;
                for (int a = 0; a < len; a++) {
                    int c = c0 + a / inner;
                    y[base + a] = (float) ((x[base + a] - mean) * rstd * gamma[c] + (beta == null ? 0 : beta[c]));
                }
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            if (rows == 0 || len == 0) return;
            long x = g.addr(in), y = g.addr(out);
            long gm = g.uploadF32(gamma, gamma, "scale of " + node);
            long bt = beta == null ? 0L : g.uploadF32(beta, beta, "bias of " + node);
            long rs = rows;
            int l = len, gr = groups, cp = cpg, inn = inner;
            float e = eps;
            if (len <= 2048) {
                Kernel k = g.kernel("reduce", "norm_rows_warp" + g.suffix());
                int grid = (int) Math.max(1, Math.min((rows + 7) / 8, 1L << 20));
                g.add("norm", s -> k.launch(s, grid, 1, 1, THREADS, 1, 1, 0, x, y, rs, l, gr, cp, inn, gm, bt, e));
            } else {
                Kernel k = g.kernel("reduce", "norm_rows_block" + g.suffix());
                int grid = (int) Math.max(1, Math.min(rows, 1L << 20));
                g.add("norm", s -> k.launch(s, grid, 1, 1, THREADS, 1, 1, 0, x, y, rs, l, gr, cp, inn, gm, bt, e));
            }
        }

        @Override
        public String toString() {
            return "Norm[" + node + " " + rows + "x" + len + " groups " + groups + " cpg " + cpg + " inner " + inner + "]";
        }
    }

    /** y = x / ‖x‖_p along the middle axis of [outer, len, inner]; 0 where the norm is 0 (onnxruntime). */
    record LpNorm(String node, int in, int out, long outer, int len, long inner, int p) implements Step.OneToOne {
        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    long base = o * len * inner + i;
                    double acc = 0;
                    for (int a = 0; a < len; a++) {
                        double v = x[(int) (base + a * inner)];
                        acc += p == 1 ? Math.abs(v) : v * v;
                    }
                    double norm = p == 1 ? acc : Math.sqrt(acc);
                    for (int a = 0; a < len; a++) {
                        int k = (int) (base + a * inner);
                        y[k] = norm != 0 ? (float) (x[k] / norm) : 0f;
                    }
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out), o = outer, i = inner;
            int l = len, pn = p;
            Kernel k = g.kernel("reduce", "lp_norm" + g.suffix());
            g.add("norm", s -> k.launch(s, blocks(o * i), 1, 1, THREADS, 1, 1, 0, x, y, o, l, i, pn));
        }
    }
}
