package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Pooling: MaxPool and AveragePool over the two spatial axes of rank-4 tensors (NCHW or NHWC
 * storage), GlobalAveragePool and GlobalMaxPool over every spatial axis (a {@link ReduceOps.Reduce}).
 */
public final class PoolOps {
    private PoolOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "MaxPool", PoolOps::maxPool);
        Operators.put(ops, "AveragePool", PoolOps::averagePool);
        Operators.put(ops, "GlobalAveragePool", (p, n) -> global(p, n, ReduceOps.Kind.MEAN));
        Operators.put(ops, "GlobalMaxPool", (p, n) -> global(p, n, ReduceOps.Kind.MAX));
    }

    /** Mean or max over every axis after the channels, kept as size 1: [N, C, 1, ...]. */
    private static void global(Planner p, Node n, ReduceOps.Kind kind) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (p.isInt(x)) throw n.invalid("input is integer");
        if (xs.length < 3) throw n.invalid("input " + Arrays.toString(xs) + " must be [N, C, D1, ...]");
        boolean[] red = new boolean[xs.length];
        for (int d = 2; d < xs.length; d++) red[d] = true;
        int y = p.define(n, 0, ReduceOps.outShape(xs, red, true), ElemType.FLOAT);
        p.add(new ReduceOps.Reduce(n.name, kind, x, y, xs, red));
    }

    private static void averagePool(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (p.isInt(x)) throw n.invalid("input is integer");
        if (xs.length != 4) throw n.unsupported("only 2-D average pooling (rank-4 input) is supported, input is " + Arrays.toString(xs));
        long[] ks = n.ints("kernel_shape", null);
        if (ks == null || ks.length != 2) throw n.invalid("kernel_shape must have 2 values");
        long[] st = n.ints("strides", new long[] {1, 1});
        long[] dl = n.ints("dilations", new long[] {1, 1});
        long[] pads = n.ints("pads", new long[] {0, 0, 0, 0});
        if (st.length != 2 || dl.length != 2 || pads.length != 4) throw n.invalid("strides, dilations or pads of the wrong length");
        for (int i = 0; i < 2; i++) {
            if (ks[i] < 1 || st[i] < 1 || dl[i] < 1) throw n.invalid("kernel_shape, strides and dilations must be positive");
        }
        boolean ceil = n.i("ceil_mode", 0) != 0;
        // The divisor: taps inside the input (0), taps of the window cut at the end padding (1), or,
        // count_include_pad before opset 19, the whole kernel (2: onnxruntime's kernel for those opsets).
        int divisor = n.i("count_include_pad", 0) == 0 ? 0 : p.opset() >= 19 ? 1 : 2;
        String autoPad = n.s("auto_pad", "NOTSET");
        int h = (int) xs[2], w = (int) xs[3];
        int[] hy = ConvOps.window(n, autoPad, h, (int) ks[0], (int) st[0], (int) dl[0], pads[0], pads[2], ceil);
        int[] wx = ConvOps.window(n, autoPad, w, (int) ks[1], (int) st[1], (int) dl[1], pads[1], pads[3], ceil);
        int pb = padEnd(autoPad, h, hy, (int) ks[0], (int) st[0], (int) dl[0], pads[2]);
        int pr = padEnd(autoPad, w, wx, (int) ks[1], (int) st[1], (int) dl[1], pads[3]);
        int y = p.define(n, 0, new long[] {xs[0], xs[1], hy[0], wx[0]}, ElemType.FLOAT);
        p.add(new AvgPool(n.name, x, y, (int) xs[0], (int) xs[1], h, w, hy[0], wx[0], (int) ks[0], (int) ks[1],
                (int) st[0], (int) st[1], hy[1], wx[1], pb, pr, (int) dl[0], (int) dl[1], divisor));
    }

    /** The end padding of one axis: declared (NOTSET), none (VALID), or what SAME_* adds after the input. */
    private static int padEnd(String autoPad, int in, int[] outAndBegin, int k, int s, int d, long declared) {
        return switch (autoPad) {
            case "NOTSET" -> (int) declared;
            case "VALID" -> 0;
            default -> Math.max(0, (outAndBegin[0] - 1) * s + d * (k - 1) + 1 - in) - outAndBegin[1];
        };
    }

    private static void maxPool(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (xs.length != 4) throw n.unsupported("only 2-D max pooling (rank-4 input) is supported, input is " + Arrays.toString(xs));
        if (n.i("storage_order", 0) != 0) throw n.unsupported("storage_order 1");
        long[] ks = n.ints("kernel_shape", null);
        if (ks == null || ks.length != 2) throw n.invalid("kernel_shape must have 2 values");
        long[] st = n.ints("strides", new long[] {1, 1});
        long[] dl = n.ints("dilations", new long[] {1, 1});
        long[] pads = n.ints("pads", new long[] {0, 0, 0, 0});
        if (st.length != 2 || dl.length != 2 || pads.length != 4) throw n.invalid("strides, dilations or pads of the wrong length");
        boolean ceil = n.i("ceil_mode", 0) != 0;
        String autoPad = n.s("auto_pad", "NOTSET");
        int[] hy = ConvOps.window(n, autoPad, (int) xs[2], (int) ks[0], (int) st[0], (int) dl[0], pads[0], pads[2], ceil);
        int[] wx = ConvOps.window(n, autoPad, (int) xs[3], (int) ks[1], (int) st[1], (int) dl[1], pads[1], pads[3], ceil);
        int y = p.define(n, 0, new long[] {xs[0], xs[1], hy[0], wx[0]}, ElemType.FLOAT);
        p.add(new MaxPool(n.name, x, y, (int) xs[0], (int) xs[1], (int) xs[2], (int) xs[3], hy[0], wx[0],
                (int) ks[0], (int) ks[1], (int) st[0], (int) st[1], hy[1], wx[1], (int) dl[0], (int) dl[1]));
    }

    /** Max pooling, NCHW semantics; padded positions never win; NaN propagates. */
    public record MaxPool(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int kh, int kw,
                   int sh, int sw, int pt, int pl, int dh, int dw) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            r.parallel(n * c, plane -> {
                int ib = plane * h * w, ob = plane * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float best = Float.NEGATIVE_INFINITY;
                        for (int i = 0; i < kh; i++) {
                            int iy = oy * sh - pt + i * dh;
                            if (iy < 0 || iy >= h) continue;
                            for (int j = 0; j < kw; j++) {
                                int ix = ox * sw - pl + j * dw;
                                if (ix < 0 || ix >= w) continue;
                                float v = x[ib + iy * w + ix];
                                if (v > best || Float.isNaN(v)) best = v;
                            }
                        }
                        y[ob + oy * ow + ox] = best;
                    }
                }
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out);
            if (g.nhwc(in) && g.precision() == DType.F16 && c % 8 == 0) {
                // 16 bytes per thread; pixels at the storages' strides (x read from, y written into channel slices: SPPF)
                long units = (long) n * oh * ow * (c / 8), batchN = n, xs = g.pixelStride(in), ys = g.pixelStride(out);
                Kernel k = g.kernel("maxpool_nhwc8_f16");
                g.add("maxpool", s -> k.launch(s, blocks(units), 1, 1, THREADS, 1, 1, 0, x, y, batchN, c / 8, h, w,
                        oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, xs, ys));
            } else if (g.nhwc(in)) {
                g.requireOwnPixels(node, in, out);
                long count = (long) n * c * oh * ow, batchN = n;
                Kernel k = g.kernel("maxpool_nhwc" + g.suffix());
                g.add("maxpool", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, batchN, c, h, w,
                        oh, ow, kh, kw, sh, sw, pt, pl, dh, dw));
            } else {
                long planes = (long) n * c, count = planes * oh * ow;
                Kernel k = g.kernel("maxpool" + g.suffix());
                g.add("maxpool", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, planes, h, w,
                        oh, ow, kh, kw, sh, sw, pt, pl, dh, dw));
            }
        }
    }

    /**
     * Average pooling, NCHW semantics as onnxruntime's pooling: a window starts at o·stride −
     * padBegin and ends at min(start + kernel·dilation, size + padEnd) (windows that ceil mode lets
     * overhang the end padding are cut there); the sum of its taps inside the input is divided by
     * {@code divisor} 0: the number of those taps; 1 (count_include_pad, opset 19+, as PyTorch):
     * the number of taps in the cut window; 2 (count_include_pad before opset 19, as onnxruntime's
     * kernel for those opsets): kh·kw. A window with no tap inside the input gives 0.
     */
    public record AvgPool(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int kh, int kw,
                          int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw, int divisor) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            r.parallel(n * c, plane -> {
                int ib = plane * h * w, ob = plane * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int hs = oy * sh - pt, he = Math.min(hs + kh * dh, h + pb);
                    for (int ox = 0; ox < ow; ox++) {
                        int ws = ox * sw - pl, we = Math.min(ws + kw * dw, w + pr);
                        double sum = 0;
                        int count = 0;
                        for (int iy = hs; iy < he; iy += dh) {
                            if (iy < 0 || iy >= h) continue;
                            for (int ix = ws; ix < we; ix += dw) {
                                if (ix < 0 || ix >= w) continue;
                                sum += x[ib + iy * w + ix];
                                count++;
                            }
                        }
                        int div = switch (divisor) {
                            case 0 -> count;
                            case 1 -> ((he - hs - 1) / dh + 1) * ((we - ws - 1) / dw + 1);
                            default -> kh * kw;
                        };
                        y[ob + oy * ow + ox] = count == 0 ? 0f : (float) (sum / div);
                    }
                }
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out);
            int inc = divisor;
            if (g.nhwc(in)) {
                long count = (long) n * c * oh * ow, batchN = n;
                Kernel k = g.kernel("pool", "avgpool_nhwc" + g.suffix());
                g.add("avgpool", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, batchN, c, h, w,
                        oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, inc));
            } else {
                long planes = (long) n * c, count = planes * oh * ow;
                Kernel k = g.kernel("pool", "avgpool" + g.suffix());
                g.add("avgpool", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, planes, h, w,
                        oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, inc));
            }
        }
    }
}
