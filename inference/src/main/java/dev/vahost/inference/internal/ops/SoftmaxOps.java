package dev.vahost.inference.internal.ops;

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

/**
 * Softmax and LogSoftmax: opset 13+ over one axis; before opset 13 over the input flattened at
 * the axis into 2-D (all trailing axes together). Max-subtracted, accumulated in float32 on the GPU
 * (fp16 engines too) and in double on the CPU.
 */
public final class SoftmaxOps {
    private SoftmaxOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Softmax", (p, n) -> softmax(p, n, false));
        Operators.put(ops, "LogSoftmax", (p, n) -> softmax(p, n, true));
    }

    private static void softmax(Planner p, Node n, boolean log) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        int r = xs.length;
        long dflt = p.opset() >= 13 ? -1 : 1;
        int a = DataMovement.axis(n, n.i("axis", dflt), r);
        long outer = 1, len = 1, inner = 1;
        for (int d = 0; d < r; d++) {
            if (d < a) outer *= xs[d];
            else if (d == a || p.opset() < 13) len *= xs[d]; // opset < 13: softmax over the flattened trailing axes
            else inner *= xs[d];
        }
        int y = p.define(n, 0, xs, ElemType.FLOAT);
        p.add(new Softmax(n.name, x, y, outer, ConvOps.toInt(n, len, "softmax axis length"), inner, log));
    }

    /** Softmax over the middle axis of [outer, axis, inner]. */
    public record Softmax(String node, int in, int out, long outer, int axis, long inner, boolean log) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) {
            long[] sh = r.plan().shapes[in];
            boolean axis1 = sh.length == 4 && outer == sh[0] && axis == sh[1] && inner == sh[2] * sh[3];
            return axis1 ? r.same(in, out) : r.rowMajor(in, out);
        }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    long base = o * axis * inner + i;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int a = 0; a < axis; a++) max = Math.max(max, x[(int) (base + a * inner)]);
                    double sum = 0;
                    for (int a = 0; a < axis; a++) sum += Math.exp(x[(int) (base + a * inner)] - max);
                    double lse = Math.log(sum);
                    for (int a = 0; a < axis; a++) {
                        int k = (int) (base + a * inner);
                        double d = x[k] - max;
                        y[k] = log ? (float) (d - lse) : (float) (Math.exp(d) / sum);
                    }
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out);
            // NHWC (axis 1 only, see layouts): the channels of a pixel are adjacent.
            boolean last = g.nhwc(in);
            long o = last ? outer * inner : outer, i = last ? 1 : inner;
            int len = axis, lg = log ? 1 : 0;
            if (i == 1 && len > 32) {
                // Contiguous long rows: one warp per row (8 per block), coalesced.
                Kernel k = g.kernel("softmax_rows" + g.suffix());
                int grid = (int) Math.max(1, Math.min((o + 7) / 8, 1L << 20));
                g.add("softmax", s -> k.launch(s, grid, 1, 1, THREADS, 1, 1, 0, x, y, o, len, lg));
                return;
            }
            Kernel k = g.kernel("softmax" + g.suffix());
            g.add("softmax", s -> k.launch(s, blocks(o * i), 1, 1, THREADS, 1, 1, 0, x, y, o, len, i, lg));
        }
    }
}
