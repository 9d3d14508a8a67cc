package dev.vahost.inference.internal.ops;

import java.util.Arrays;
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
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Conv: 1-D and 2-D convolution (groups, dilation, pads, auto_pad), with an activation the optimiser
 * may have fused into it; a 1-D convolution is the 2-D one of height 1 on the same storage. Padding
 * that cuDNN cannot express (asymmetric, where it changes the output size) is split into a zero-pad
 * step and a symmetrically padded convolution. ConvTranspose: {@link ConvTransposeOp}.
 */
public final class ConvOps {
    private ConvOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Conv", ConvOps::conv);
        Operators.put(ops, "ConvTranspose", ConvTransposeOp::plan);
    }

    /** Output size and begin padding per spatial axis; returns {out, padBegin}. Shared with pooling. */
    static int[] window(Node n, String autoPad, int in, int k, int s, int d, long padBegin, long padEnd, boolean ceil) {
        int eff = d * (k - 1) + 1;
        switch (autoPad) {
            case "NOTSET": {
                long span = in + padBegin + padEnd - eff;
                if (span < 0) throw n.invalid("window " + eff + " is larger than the padded input " + (in + padBegin + padEnd));
                long out = ceil ? (span + s - 1) / s + 1 : span / s + 1;
                // PyTorch/onnxruntime: in ceil mode the last window must start inside the input or the begin padding
                if (ceil && (out - 1) * s >= in + padBegin) out--;
                return new int[] {(int) out, (int) padBegin};
            }
            case "VALID":
                if (in < eff) throw n.invalid("window " + eff + " is larger than the input " + in);
                return new int[] {(in - eff) / s + 1, 0};
            case "SAME_UPPER":
            case "SAME_LOWER": {
                int out = (in + s - 1) / s;
                int total = Math.max(0, (out - 1) * s + eff - in);
                int begin = autoPad.equals("SAME_UPPER") ? total / 2 : (total + 1) / 2;
                return new int[] {out, begin};
            }
            default:
                throw n.unsupported("auto_pad '" + autoPad + "'");
        }
    }

    static int toInt(Node n, long v, String what) {
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw n.unsupported(what + " " + v + " is too large");
        return (int) v;
    }

    /**
     * The spatial attributes of a 1-D or 2-D window operator (Conv, ConvTranspose, pooling) as 2-D
     * ones: a 1-D operator on [N, C, L] is the 2-D one on [N, C, 1, L] (a leading axis of size 1,
     * kernel 1, stride 1, dilation 1, no padding). Returns {kernel_shape, strides, dilations, pads}
     * with 2, 2, 2 and 4 ([top, left, bottom, right]) values; {@code kernel} is the kernel from the
     * weight (null for pooling: then kernel_shape is required).
     */
    static long[][] spatial(Node n, int dims, long[] kernel) {
        long[] ks = n.ints("kernel_shape", kernel);
        if (ks == null) throw n.invalid("kernel_shape is required");
        long[] one = new long[dims], zero = new long[2 * dims];
        Arrays.fill(one, 1);
        long[] st = n.ints("strides", one), dl = n.ints("dilations", one), pads = n.ints("pads", zero);
        if (ks.length != dims || st.length != dims || dl.length != dims || pads.length != 2 * dims) {
            throw n.invalid("kernel_shape " + Arrays.toString(ks) + ", strides " + Arrays.toString(st) + ", dilations "
                    + Arrays.toString(dl) + " or pads " + Arrays.toString(pads) + " do not fit " + dims + " spatial axes");
        }
        for (int d = 0; d < dims; d++) {
            if (ks[d] < 1 || st[d] < 1 || dl[d] < 1) throw n.invalid("kernel_shape, strides and dilations must be positive");
            if (pads[d] < 0 || pads[d + dims] < 0) throw n.invalid("pads must not be negative, got " + Arrays.toString(pads));
        }
        if (dims == 2) return new long[][] {ks, st, dl, pads};
        return new long[][] {{1, ks[0]}, {1, st[0]}, {1, dl[0]}, {0, pads[0], 0, pads[1]}};
    }

    private static void conv(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (p.isInt(x)) throw n.invalid("input is integer");
        if (xs.length != 4 && xs.length != 3) {
            throw n.unsupported("only 1-D and 2-D convolution (rank-3 or rank-4 input) are supported, input is " + Arrays.toString(xs));
        }
        int dims = xs.length - 2;
        Tensor w = p.knownInput(n, 1, "weight");
        if (!w.isFloat() || w.rank() != xs.length) {
            throw n.invalid("weight must be a float [K, C/group" + (dims == 2 ? ", kh, kw" : ", k") + "] tensor, got " + w.describe());
        }
        Tensor b = p.has(n, 2) ? p.knownInput(n, 2, "bias") : null;
        int group = toInt(n, n.i("group", 1), "group");
        int c = (int) xs[1], k = (int) w.dim(0);
        int kh = dims == 2 ? (int) w.dim(2) : 1, kw = (int) w.dim(xs.length - 1);
        if (group < 1 || c % group != 0 || k % group != 0 || w.dim(1) * group != c) {
            throw n.invalid("input has " + c + " channels, weight " + w.describe() + ", group " + group + ": inconsistent");
        }
        if (b != null && b.size() != k) throw n.invalid("bias has " + b.size() + " elements for " + k + " output channels");
        long[] kernel = dims == 2 ? new long[] {kh, kw} : new long[] {kw};
        long[][] sp = spatial(n, dims, kernel);
        if (!Arrays.equals(dims == 2 ? sp[0] : new long[] {sp[0][1]}, kernel)) {
            throw n.invalid("kernel_shape " + Arrays.toString(n.ints("kernel_shape", null)) + " differs from the weight " + w.describe());
        }
        long[] st = sp[1], dl = sp[2], pads = sp[3];
        int h = dims == 2 ? (int) xs[2] : 1, wd = (int) xs[xs.length - 1];
        String autoPad = n.s("auto_pad", "NOTSET");
        // a 1-D convolution's leading axis of size 1 is never padded, whatever auto_pad says
        int[] hy = dims == 2 ? window(n, autoPad, h, kh, (int) st[0], (int) dl[0], pads[0], pads[2], false) : new int[] {1, 0};
        int[] wx = window(n, autoPad, wd, kw, (int) st[1], (int) dl[1], pads[1], pads[3], false);
        Act act = n.has("vahost.act") ? Act.valueOf(n.s("vahost.act", "NONE")) : Act.NONE;
        float alpha = n.f("vahost.alpha", 0.01f), beta = n.f("vahost.beta", 0f);
        Tensor bias = b == null ? null : Tensor.ofFloats(b.asFloats(), k);
        long[] ys = dims == 2 ? new long[] {xs[0], k, hy[0], wx[0]} : new long[] {xs[0], k, wx[0]};
        // Input 3: a residual Add fused by Optimizer.fuseResiduals; part of this step when it has the output's shape
        int residual = n.hasInput(3) ? p.in(n, 3) : -1;
        Act postAct = n.has("vahost.post_act") ? Act.valueOf(n.s("vahost.post_act", "NONE")) : Act.NONE;
        float postAlpha = n.f("vahost.post_alpha", 0f), postBeta = n.f("vahost.post_beta", 0f);
        boolean inStep = residual >= 0 && !p.isInt(residual) && Arrays.equals(p.shape(residual), ys);
        int y = residual >= 0 && !inStep ? p.defineNamed(n, n.output() + "/vahost.conv", ys, ElemType.FLOAT) : p.define(n, 0, ys, ElemType.FLOAT);
        // cuDNN's legacy API pads both ends of an axis with the begin padding. Where that gives another
        // output size (TensorFlow's SAME_UPPER with stride 2, hand-written asymmetric pads) the input is
        // zero-padded into a temporary first by the difference, and the convolution pads symmetrically.
        int[] ph = symmetric(h, kh, (int) st[0], (int) dl[0], hy[0], hy[1]);
        int[] pw = symmetric(wd, kw, (int) st[1], (int) dl[1], wx[0], wx[1]);
        int in = x, ih = h, iw = wd, pt = hy[1], pl = wx[1];
        if (ph != null || pw != null) {
            int[] a = ph != null ? ph : new int[] {hy[1], 0, 0}, e = pw != null ? pw : new int[] {wx[1], 0, 0};
            ih = h + a[1] + a[2];
            iw = wd + e[1] + e[2];
            long[] padded = dims == 2 ? new long[] {xs[0], c, ih, iw} : new long[] {xs[0], c, iw};
            in = p.defineNamed(n, n.output() + "/vahost.padded", padded, ElemType.FLOAT);
            p.add(new ZeroPad(n.name, x, in, (int) xs[0], c, h, wd, ih, iw, a[1], e[1]));
            pt = a[0];
            pl = e[0];
        }
        p.add(new Conv(n.name, in, y, (int) xs[0], c, ih, iw, k, hy[0], wx[0], kh, kw,
                (int) st[0], (int) st[1], pt, pl, (int) dl[0], (int) dl[1], group, w, bias, act, alpha, beta,
                inStep ? residual : -1, inStep ? postAct : Act.NONE, postAlpha, postBeta));
        if (residual >= 0 && !inStep) {
            // r broadcasts (or is not a float): the Add the optimiser took in, planned as it was, after the Conv
            Map<String, Object> attrs = new java.util.HashMap<>();
            if (postAct != Act.NONE) {
                attrs.put("vahost.act", postAct.name());
                attrs.put("vahost.alpha", postAlpha);
                attrs.put("vahost.beta", postBeta);
            }
            Node add = new Node(n.name + "/vahost.residual_add", "Add", java.util.List.of(n.output() + "/vahost.conv", n.input(3)),
                    java.util.List.of(n.output()), attrs);
            BinaryOps.binary(p, add, BinaryOps.Op.ADD);
        }
    }

    /**
     * Null when padding both ends of an axis by {@code begin} (cuDNN's symmetric padding) gives the
     * output length {@code out} of the ONNX padding; otherwise {symmetric pad, extra zeros before,
     * extra zeros after} to pad the input with first: begin = symmetric + before, and the end padding
     * the last window needs = symmetric + after.
     */
    static int[] symmetric(int in, int k, int s, int d, int out, int begin) {
        long eff = (long) d * (k - 1) + 1, span = in + 2L * begin - eff;
        if (span >= 0 && span / s + 1 == out) return null;
        long end = Math.max(0, (long) (out - 1) * s + eff - in - begin); // the end padding the last window reaches into
        int q = (int) Math.min(begin, end);
        return new int[] {q, begin - q, (int) end - q};
    }

    /**
     * Zero padding of the two spatial axes (or the one of [N, C, L]) of a convolution's input, into a
     * temporary of [N, C, h + top + bottom, w + left + right]: the part of an asymmetric padding that
     * cuDNN's symmetric one cannot express. NCHW or NHWC, the same on both sides.
     */
    public record ZeroPad(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int top, int left)
            implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            Arrays.fill(y, 0f);
            for (int pl = 0; pl < n * c; pl++) {
                for (int iy = 0; iy < h; iy++) {
                    System.arraycopy(x, (pl * h + iy) * w, y, (pl * oh + iy + top) * ow + left, w);
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            windowCopy(g, g.addr(in), g.addr(out), g.nhwc(in), n, c, h, w, oh, ow, -top, -left);
        }
    }

    /**
     * Appends y[., oy, ox, .] = x[., oy + dy, ox + dx, .] inside x's h x w planes, else 0 (kernel
     * {@code convlike.cu}): zero padding with negative offsets, a crop with positive ones.
     */
    static void windowCopy(GpuLowering g, long x, long y, boolean nhwc, int n, int c, int h, int w, int oh, int ow, int dy, int dx) {
        if (nhwc) {
            long count = (long) n * c * oh * ow, batch = n;
            Kernel k = g.kernel("convlike", "window2d_nhwc" + g.suffix());
            g.add("pad", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, batch, c, h, w, oh, ow, dy, dx));
        } else {
            long planes = (long) n * c, count = planes * oh * ow;
            Kernel k = g.kernel("convlike", "window2d" + g.suffix());
            g.add("pad", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, planes, h, w, oh, ow, dy, dx));
        }
    }
}
