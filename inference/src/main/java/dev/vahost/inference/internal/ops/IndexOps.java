package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
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
 * Indexing operators: Gather (indices known at load time or computed at run time; a single known
 * index is a strided copy).
 */
public final class IndexOps {
    private IndexOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Gather", IndexOps::gather);
    }

    private static void gather(Planner p, Node n) {
        int data = p.in(n, 0), ind = p.in(n, 1);
        long[] ds = p.shape(data), is = p.shape(ind);
        if (!p.isInt(ind)) throw n.invalid("indices must be integers");
        int ax = DataMovement.axis(n, n.i("axis", 0), ds.length);
        long[] out = new long[ds.length - 1 + is.length];
        System.arraycopy(ds, 0, out, 0, ax);
        System.arraycopy(is, 0, out, ax, is.length);
        System.arraycopy(ds, ax + 1, out, ax + is.length, ds.length - ax - 1);
        long outer = 1, inner = 1;
        for (int d = 0; d < ax; d++) outer *= ds[d];
        for (int d = ax + 1; d < ds.length; d++) inner *= ds[d];
        Tensor known = p.known(ind);
        if (known != null) {
            long[] idx = known.longs().clone();
            for (int i = 0; i < idx.length; i++) {
                long v = idx[i] < 0 ? idx[i] + ds[ax] : idx[i];
                if (v < 0 || v >= ds[ax]) throw n.invalid("index " + idx[i] + " is out of range for axis " + ax + " of size " + ds[ax]);
                idx[i] = v;
            }
            int y = p.define(n, 0, out, p.type(data));
            if (idx.length == 1) {
                // One index: a strided copy of one slice (also keeps NHWC operands addressable).
                long[] rm = Layouts.rowMajor(ds);
                long[] shape = new long[ds.length], strides = new long[ds.length];
                for (int d = 0; d < ds.length; d++) {
                    shape[d] = d == ax ? 1 : ds[d];
                    strides[d] = d == ax ? 0 : rm[d];
                }
                p.add(new DataMovement.Copy(n.name, data, y, shape, idx[0] * rm[ax], strides, 0, Layouts.rowMajor(shape)));
            } else {
                p.add(new Gather(n.name, data, -1, y, outer, ds[ax], inner, idx));
            }
            return;
        }
        int y = p.define(n, 0, out, p.type(data));
        p.add(new Gather(n.name, data, ind, y, outer, ds[ax], inner, null));
    }

    /**
     * out[o, j, i] = data[o, index[j], i] over [outer, count, inner]; indices from {@code known}
     * (normalised at plan time) or from value {@code indices} (negative ones count from the end; an
     * index out of range reads as 0 on the GPU and fails on the CPU).
     */
    public record Gather(String node, int data, int indices, int out, long outer, long axisLen, long inner, long[] known)
            implements Step {
        @Override
        public int[] reads() { return indices >= 0 ? new int[] {data, indices} : new int[] {data}; }

        @Override
        public int[] writes() { return new int[] {out}; }

        @Override
        public void cpu(CpuRun r) {
            long[] idx = known != null ? known : r.l(indices);
            Object src = r.data(data), dst = r.out(out);
            int count = idx.length;
            for (long o = 0; o < outer; o++) {
                for (int j = 0; j < count; j++) {
                    long v = idx[j] < 0 ? idx[j] + axisLen : idx[j];
                    if (v < 0 || v >= axisLen) throw new IndexOutOfBoundsException("index " + idx[j] + " for axis of size " + axisLen);
                    System.arraycopy(src, (int) ((o * axisLen + v) * inner), dst, (int) ((o * count + j) * inner), (int) inner);
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(data), y = g.addr(out);
            long count = known != null ? known.length : g.plan().numel(indices);
            long idx;
            if (known != null) {
                int[] k32 = new int[known.length];
                for (int i = 0; i < k32.length; i++) k32[i] = (int) known[i];
                idx = g.uploadInts(this, k32, "gather indices of " + node);
            } else {
                idx = g.addr(indices);
            }
            long total = outer * count * inner;
            int es = g.elementBytes(out);
            Kernel k = g.kernel("gather_b" + es);
            long o = outer, al = axisLen, in = inner;
            g.add("gather", s -> k.launch(s, blocks(total), 1, 1, THREADS, 1, 1, 0, x, idx, y, o, al, count, in));
        }

        @Override
        public String toString() {
            return "Gather[" + node + " " + outer + "x" + axisLen + "x" + inner + (known != null ? " " + Arrays.toString(known) : "") + "]";
        }
    }
}
