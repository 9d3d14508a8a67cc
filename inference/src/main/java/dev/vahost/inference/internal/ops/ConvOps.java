package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Tensor;

/** Conv: 2-D convolution (groups, dilation, pads, auto_pad), with an activation the optimiser may have fused into it. */
public final class ConvOps {
    private ConvOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Conv", ConvOps::conv);
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

    private static void conv(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (p.isInt(x)) throw n.invalid("input is integer");
        if (xs.length != 4) throw n.unsupported("only 2-D convolution (rank-4 input) is supported, input is " + Arrays.toString(xs));
        Tensor w = p.knownInput(n, 1, "weight");
        if (!w.isFloat() || w.rank() != 4) throw n.invalid("weight must be a float [K, C/group, kh, kw] tensor, got " + w.describe());
        Tensor b = p.has(n, 2) ? p.knownInput(n, 2, "bias") : null;
        int group = toInt(n, n.i("group", 1), "group");
        int c = (int) xs[1], k = (int) w.dim(0), kh = (int) w.dim(2), kw = (int) w.dim(3);
        if (group < 1 || c % group != 0 || k % group != 0 || w.dim(1) * group != c) {
            throw n.invalid("input has " + c + " channels, weight " + w.describe() + ", group " + group + ": inconsistent");
        }
        if (b != null && b.size() != k) throw n.invalid("bias has " + b.size() + " elements for " + k + " output channels");
        long[] ks = n.ints("kernel_shape", new long[] {kh, kw});
        if (ks.length != 2 || ks[0] != kh || ks[1] != kw) throw n.invalid("kernel_shape " + Arrays.toString(ks) + " differs from the weight " + w.describe());
        long[] st = n.ints("strides", new long[] {1, 1});
        long[] dl = n.ints("dilations", new long[] {1, 1});
        long[] pads = n.ints("pads", new long[] {0, 0, 0, 0});
        if (st.length != 2 || dl.length != 2 || pads.length != 4) throw n.invalid("strides, dilations or pads of the wrong length");
        String autoPad = n.s("auto_pad", "NOTSET");
        int[] hy = window(n, autoPad, (int) xs[2], kh, (int) st[0], (int) dl[0], pads[0], pads[2], false);
        int[] wx = window(n, autoPad, (int) xs[3], kw, (int) st[1], (int) dl[1], pads[1], pads[3], false);
        Act act = n.has("vahost.act") ? Act.valueOf(n.s("vahost.act", "NONE")) : Act.NONE;
        float alpha = n.f("vahost.alpha", 0.01f), beta = n.f("vahost.beta", 0f);
        Tensor bias = b == null ? null : Tensor.ofFloats(b.asFloats(), k);
        int y = p.define(n, 0, new long[] {xs[0], k, hy[0], wx[0]}, ElemType.FLOAT);
        p.add(new Conv(n.name, x, y, (int) xs[0], c, (int) xs[2], (int) xs[3], k, hy[0], wx[0], kh, kw,
                (int) st[0], (int) st[1], hy[1], wx[1], (int) dl[0], (int) dl[1], group, w, bias, act, alpha, beta));
    }
}
