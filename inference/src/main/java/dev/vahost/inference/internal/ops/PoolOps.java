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
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/** Pooling over the two spatial axes of NCHW tensors: MaxPool. */
public final class PoolOps {
    private PoolOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "MaxPool", PoolOps::maxPool);
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
                   int sh, int sw, int pt, int pl, int dh, int dw) implements Step {
        @Override
        public int[] reads() { return new int[] {in}; }

        @Override
        public int[] writes() { return new int[] {out}; }

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
            if (g.nhwc(in)) {
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
}
