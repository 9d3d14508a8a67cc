package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.UnsupportedModelException;
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
 * Indexing operators: Gather (indices known at load time or computed at run time; a single known
 * index is a strided copy), GatherElements, GatherND, ScatterElements and ScatterND (reduction none),
 * TopK (exact on the GPU, ties by lower index first), GridSample (4-D, bilinear/nearest, every
 * padding mode), Pad (constant/edge/reflect/wrap, negative pads crop), DepthToSpace and SpaceToDepth
 * (strided copies), OneHot, Trilu and CumSum. Index operands may be known at load time or computed
 * at run time (INT values: int64 on the CPU, int32 on the GPU). Kernels: topk.cu, gridsample.cu,
 * index.cu; Gather's is in glue.cu.
 */
public final class IndexOps {
    private IndexOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Gather", IndexOps::gather);
        Operators.put(ops, "GatherElements", IndexOps::gatherElements);
        Operators.put(ops, "GatherND", IndexOps::gatherNd);
        Operators.put(ops, "ScatterElements", IndexOps::scatterElements);
        Operators.put(ops, "ScatterND", IndexOps::scatterNd);
        Operators.put(ops, "TopK", IndexOps::topK);
        Operators.put(ops, "GridSample", IndexOps::gridSample);
        Operators.put(ops, "Pad", IndexOps::pad);
        Operators.put(ops, "DepthToSpace", IndexOps::depthToSpace);
        Operators.put(ops, "SpaceToDepth", IndexOps::spaceToDepth);
        Operators.put(ops, "OneHot", IndexOps::oneHot);
        Operators.put(ops, "Trilu", IndexOps::trilu);
        Operators.put(ops, "CumSum", IndexOps::cumSum);
    }

    private static long prod(long[] s, int from, int to) {
        long p = 1;
        for (int d = from; d < to; d++) p *= s[d];
        return p;
    }

    /** A scalar (or one-element) input known at load time, as an integer. */
    private static long knownScalar(Planner p, Node n, int i, String what) {
        Tensor t = p.knownInput(n, i, what);
        if (t.size() != 1) throw n.invalid(what + " must hold exactly one value, got " + t.describeValues());
        return t.asLongs()[0];
    }

    /** Index {@code v} on an axis of {@code len} (negative counts from the end); throws when out of range. */
    static long index(long v, long len) {
        long w = v < 0 ? v + len : v;
        if (w < 0 || w >= len) throw new IndexOutOfBoundsException("index " + v + " is out of range for an axis of size " + len);
        return w;
    }

    /** Checks indices known at load time against the axis sizes {@code dims} (cycled): the model is invalid otherwise. */
    private static void checkKnownIndices(Planner p, Node n, int ind, long[] dims) {
        Tensor t = p.known(ind);
        if (t == null) return;
        long[] v = t.longs();
        for (int i = 0; i < v.length; i++) {
            long len = dims[i % dims.length];
            if (v[i] < -len || v[i] >= len) throw n.invalid("index " + v[i] + " is out of range for an axis of size " + len);
        }
    }

    private static int kernelWidth(GpuLowering g, int v, String node) {
        int es = g.elementBytes(v);
        if (es != 2 && es != 4) throw new IllegalStateException(node + ": no kernel for " + es + "-byte elements");
        return es;
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
            implements Step.OneOutput {
        @Override
        public int[] reads() { return indices >= 0 ? new int[] {data, indices} : new int[] {data}; }


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

    // ------------------------------------------------------------------ GatherElements, GatherND

    private static void gatherElements(Planner p, Node n) {
        int data = p.in(n, 0), ind = p.in(n, 1);
        long[] ds = p.shape(data), is = p.shape(ind);
        if (!p.isInt(ind)) throw n.invalid("indices must be integers");
        if (ds.length == 0 || is.length != ds.length) {
            throw n.invalid("data " + Arrays.toString(ds) + " and indices " + Arrays.toString(is) + " must have the same rank >= 1");
        }
        int ax = DataMovement.axis(n, n.i("axis", 0), ds.length);
        for (int d = 0; d < ds.length; d++) {
            if (d != ax && is[d] > ds[d]) {
                throw n.invalid("indices " + Arrays.toString(is) + " exceed data " + Arrays.toString(ds) + " on axis " + d);
            }
        }
        checkKnownIndices(p, n, ind, new long[] {ds[ax]});
        int y = p.define(n, 0, is, p.type(data));
        p.add(new GatherElements(n.name, data, ind, y, ds, is, ax));
    }

    /** out[i] = data[i with its coordinate on {@code axis} replaced by indices[i]]; out and indices share a shape. */
    public record GatherElements(String node, int data, int indices, int out, long[] dataShape, long[] indShape, int axis)
            implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {data, indices}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(data), dst = r.out(out);
            long[] idx = r.l(indices);
            long[] st = Layouts.rowMajor(dataShape);
            int rank = indShape.length;
            long[] coord = new long[rank];
            for (int i = 0; i < idx.length; i++) {
                long off = 0;
                for (int d = 0; d < rank; d++) off += (d == axis ? index(idx[i], dataShape[axis]) : coord[d]) * st[d];
                if (src instanceof float[] f) ((float[]) dst)[i] = f[(int) off];
                else ((long[]) dst)[i] = ((long[]) src)[(int) off];
                for (int d = rank - 1; d >= 0 && ++coord[d] == indShape[d]; d--) coord[d] = 0;
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long n = Tensor.numel(indShape);
            if (n == 0) return;
            int rank = indShape.length, ax = axis;
            long[] meta = new long[2 * rank];
            System.arraycopy(indShape, 0, meta, 0, rank);
            System.arraycopy(Layouts.rowMajor(dataShape), 0, meta, rank, rank);
            long[] ref = g.table(meta);
            long x = g.addr(data), idx = g.addr(indices), y = g.addr(out), len = dataShape[axis];
            long span = Math.max(n, Tensor.numel(dataShape));
            Kernel k = g.kernel("index", "gather_elements_b" + kernelWidth(g, out, node));
            g.add("gather", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, x, idx, y, rank, ax, n, len, g.tableAddress(ref), span));
        }
    }

    private static void gatherNd(Planner p, Node n) {
        int data = p.in(n, 0), ind = p.in(n, 1);
        long[] ds = p.shape(data), is = p.shape(ind);
        if (!p.isInt(ind)) throw n.invalid("indices must be integers");
        int b = (int) n.i("batch_dims", 0), r = ds.length, q = is.length;
        if (r < 1 || q < 1) throw n.invalid("data and indices must have rank >= 1");
        if (b < 0 || b >= Math.min(r, q)) throw n.invalid("batch_dims " + b + " must be in [0, min(rank(data), rank(indices)))");
        int m = (int) is[q - 1];
        if (m < 1 || m > r - b) throw n.invalid("the last dimension of indices (" + m + ") must be in [1, rank(data) - batch_dims]");
        for (int d = 0; d < b; d++) {
            if (is[d] != ds[d]) throw n.invalid("batch dimension " + d + " differs: data " + Arrays.toString(ds) + ", indices " + Arrays.toString(is));
        }
        long[] out = new long[q - 1 + r - b - m];
        System.arraycopy(is, 0, out, 0, q - 1);
        System.arraycopy(ds, b + m, out, q - 1, r - b - m);
        long[] dims = Arrays.copyOfRange(ds, b, b + m), st = Arrays.copyOfRange(Layouts.rowMajor(ds), b, b + m);
        checkKnownIndices(p, n, ind, dims);
        int y = p.define(n, 0, out, p.type(data));
        p.add(new GatherNd(n.name, data, ind, y, prod(is, 0, q - 1), prod(ds, b + m, r), prod(is, b, q - 1), prod(ds, b, r), dims, st));
    }

    /**
     * out[t, e] = data[(t / perBatch)·batchStride + Σj indices[t, j]·strides[j] + e] over [tuples, slice]:
     * GatherND with its batch dimensions flattened.
     */
    public record GatherNd(String node, int data, int indices, int out, long tuples, long slice, long perBatch, long batchStride,
                           long[] dims, long[] strides) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {data, indices}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(data), dst = r.out(out);
            long[] idx = r.l(indices);
            int m = dims.length;
            for (long t = 0; t < tuples; t++) {
                long off = (t / perBatch) * batchStride;
                for (int j = 0; j < m; j++) off += index(idx[(int) (t * m + j)], dims[j]) * strides[j];
                System.arraycopy(src, (int) off, dst, (int) (t * slice), (int) slice);
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long n = tuples * slice;
            if (n == 0) return;
            int m = dims.length;
            long[] meta = new long[2 * m];
            System.arraycopy(dims, 0, meta, 0, m);
            System.arraycopy(strides, 0, meta, m, m);
            long[] ref = g.table(meta);
            long x = g.addr(data), idx = g.addr(indices), y = g.addr(out);
            long span = Math.max(Math.max(n, g.plan().numel(data)), tuples * m);
            long sl = slice, pb = perBatch, bs = batchStride;
            Kernel k = g.kernel("index", "gather_nd_b" + kernelWidth(g, out, node));
            g.add("gather", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, x, idx, y, n, sl, pb, bs, m, g.tableAddress(ref), span));
        }
    }

    // ------------------------------------------------------------------ ScatterElements, ScatterND

    private static void checkReduction(Node n) {
        String red = n.s("reduction", "none");
        if (!red.equals("none")) {
            throw n.unsupported("reduction '" + red + "' is not supported (only 'none'); export the update as an assignment");
        }
    }

    private static void scatterElements(Planner p, Node n) {
        checkReduction(n);
        int data = p.in(n, 0), ind = p.in(n, 1), upd = p.in(n, 2);
        long[] ds = p.shape(data), is = p.shape(ind), us = p.shape(upd);
        if (!p.isInt(ind)) throw n.invalid("indices must be integers");
        if (p.type(upd) != p.type(data)) throw n.invalid("updates and data differ in element type");
        if (ds.length == 0 || is.length != ds.length || !Arrays.equals(is, us)) {
            throw n.invalid("data " + Arrays.toString(ds) + ", indices " + Arrays.toString(is) + " and updates " + Arrays.toString(us)
                    + ": indices and updates must have the same shape and the rank of data");
        }
        int ax = DataMovement.axis(n, n.i("axis", 0), ds.length);
        for (int d = 0; d < ds.length; d++) {
            if (d != ax && is[d] > ds[d]) throw n.invalid("indices " + Arrays.toString(is) + " exceed data " + Arrays.toString(ds) + " on axis " + d);
        }
        checkKnownIndices(p, n, ind, new long[] {ds[ax]});
        int y = p.define(n, 0, ds, p.type(data));
        p.add(new ScatterElements(n.name, data, ind, upd, y, ds, is, ax));
    }

    /**
     * out = data, then out[u with its coordinate on {@code axis} replaced by indices[u]] = updates[u] for
     * each element u of the updates (reduction none; with duplicate targets the last update wins on
     * the CPU, an unspecified one on the GPU, as ONNX leaves it).
     */
    public record ScatterElements(String node, int data, int indices, int updates, int out, long[] dataShape, long[] updShape,
                                  int axis) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {data, indices, updates}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(data), up = r.data(updates), dst = r.out(out);
            System.arraycopy(src, 0, dst, 0, (int) Tensor.numel(dataShape));
            long[] idx = r.l(indices);
            long[] st = Layouts.rowMajor(dataShape);
            int rank = updShape.length;
            long[] coord = new long[rank];
            for (int i = 0; i < idx.length; i++) {
                long off = 0;
                for (int d = 0; d < rank; d++) off += (d == axis ? index(idx[i], dataShape[axis]) : coord[d]) * st[d];
                System.arraycopy(up, i, dst, (int) off, 1);
                for (int d = rank - 1; d >= 0 && ++coord[d] == updShape[d]; d--) coord[d] = 0;
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long total = Tensor.numel(dataShape), n = Tensor.numel(updShape);
            if (total == 0) return;
            int es = kernelWidth(g, out, node);
            long x = g.addr(data), y = g.addr(out);
            g.copy("copy", x, y, es, new long[] {total}, new long[] {1}, 0, new long[] {1}, 0);
            if (n == 0) return;
            int rank = updShape.length, ax = axis;
            long[] meta = new long[2 * rank];
            System.arraycopy(updShape, 0, meta, 0, rank);
            System.arraycopy(Layouts.rowMajor(dataShape), 0, meta, rank, rank);
            long[] ref = g.table(meta);
            long u = g.addr(updates), idx = g.addr(indices), len = dataShape[axis], span = Math.max(n, total);
            Kernel k = g.kernel("index", "scatter_elements_b" + es);
            g.add("scatter", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, u, idx, y, rank, ax, n, len, g.tableAddress(ref), span));
        }
    }

    private static void scatterNd(Planner p, Node n) {
        checkReduction(n);
        int data = p.in(n, 0), ind = p.in(n, 1), upd = p.in(n, 2);
        long[] ds = p.shape(data), is = p.shape(ind), us = p.shape(upd);
        if (!p.isInt(ind)) throw n.invalid("indices must be integers");
        if (p.type(upd) != p.type(data)) throw n.invalid("updates and data differ in element type");
        int r = ds.length, q = is.length;
        if (r < 1 || q < 1) throw n.invalid("data and indices must have rank >= 1");
        int m = (int) is[q - 1];
        if (m < 1 || m > r) throw n.invalid("the last dimension of indices (" + m + ") must be in [1, rank(data)]");
        long[] want = new long[q - 1 + r - m];
        System.arraycopy(is, 0, want, 0, q - 1);
        System.arraycopy(ds, m, want, q - 1, r - m);
        if (!Arrays.equals(us, want)) throw n.invalid("updates " + Arrays.toString(us) + " must have shape " + Arrays.toString(want));
        long[] dims = Arrays.copyOf(ds, m), st = Arrays.copyOf(Layouts.rowMajor(ds), m);
        checkKnownIndices(p, n, ind, dims);
        int y = p.define(n, 0, ds, p.type(data));
        p.add(new ScatterNd(n.name, data, ind, upd, y, Tensor.numel(ds), prod(is, 0, q - 1), prod(ds, m, r), dims, st));
    }

    /** out = data, then out[Σj indices[t, j]·strides[j] + e] = updates[t, e] over [tuples, slice] (reduction none). */
    public record ScatterNd(String node, int data, int indices, int updates, int out, long total, long tuples, long slice,
                            long[] dims, long[] strides) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {data, indices, updates}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(data), up = r.data(updates), dst = r.out(out);
            System.arraycopy(src, 0, dst, 0, (int) total);
            long[] idx = r.l(indices);
            int m = dims.length;
            for (long t = 0; t < tuples; t++) {
                long off = 0;
                for (int j = 0; j < m; j++) off += index(idx[(int) (t * m + j)], dims[j]) * strides[j];
                System.arraycopy(up, (int) (t * slice), dst, (int) off, (int) slice);
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            if (total == 0) return;
            int es = kernelWidth(g, out, node);
            long x = g.addr(data), y = g.addr(out);
            g.copy("copy", x, y, es, new long[] {total}, new long[] {1}, 0, new long[] {1}, 0);
            long n = tuples * slice;
            if (n == 0) return;
            int m = dims.length;
            long[] meta = new long[2 * m];
            System.arraycopy(dims, 0, meta, 0, m);
            System.arraycopy(strides, 0, meta, m, m);
            long[] ref = g.table(meta);
            long u = g.addr(updates), idx = g.addr(indices), sl = slice, span = Math.max(Math.max(n, total), tuples * m);
            Kernel k = g.kernel("index", "scatter_nd_b" + es);
            g.add("scatter", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, u, idx, y, n, sl, m, g.tableAddress(ref), span));
        }
    }

    // ------------------------------------------------------------------ TopK

    private static void topK(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (xs.length == 0) throw n.invalid("input must have rank >= 1");
        int ax = DataMovement.axis(n, n.i("axis", -1), xs.length);
        long k;
        if (p.opset() >= 10) {
            k = knownScalar(p, n, 1, "k");
        } else {
            if (!n.has("k")) throw n.invalid("attribute k is required");
            k = n.i("k", 0);
        }
        if (k < 0 || k > xs[ax]) throw n.invalid("k = " + k + " is out of range for axis " + ax + " of size " + xs[ax]);
        if (xs[ax] > Integer.MAX_VALUE) throw n.unsupported("an axis of " + xs[ax] + " elements is too long for TopK");
        // opset 11: largest (default 1) and sorted (default 1); sorted=0 leaves the order open, and
        // sorted order is one of the allowed ones.
        boolean largest = p.opset() < 11 || n.i("largest", 1) != 0;
        long[] out = xs.clone();
        out[ax] = k;
        boolean wantValues = !n.outputs.get(0).isEmpty(), wantIndices = n.outputs.size() > 1 && !n.outputs.get(1).isEmpty();
        int values = wantValues ? p.define(n, 0, out, p.type(x)) : -1;
        int indices = wantIndices ? p.define(n, 1, out, ElemType.INT) : -1;
        if (!wantValues && !wantIndices) return;
        p.add(new TopK(n.name, x, values, indices, prod(xs, 0, ax), xs[ax], prod(xs, ax + 1, xs.length), (int) k, largest));
    }

    /**
     * The k largest (or smallest) elements of each row of [outer, len, inner] along the middle axis,
     * in order (descending for largest, ascending for smallest), equal values by lower index first
     * (onnxruntime's order; the ties also decide which elements make the cut). Floats are ordered as
     * {@link #key}: -0 equals +0, NaN is above +inf. {@code values} or {@code indices} may be -1 (unused output).
     */
    public record TopK(String node, int x, int values, int indices, long outer, long len, long inner, int k, boolean largest)
            implements Step {
        /** The GPU kernel sorts the k candidates of a row in shared memory: 8 bytes each. */
        static final int MAX_K_GPU = 4096;

        @Override
        public int[] reads() { return new int[] {x}; }

        @Override
        public int[] writes() {
            if (values >= 0 && indices >= 0) return new int[] {values, indices};
            return new int[] {values >= 0 ? values : indices};
        }

        /**
         * A 32-bit key whose unsigned order is the wanted order of floats (largest: ascending key =
         * ascending value): the sign-magnitude bits made monotonic, -0 as +0, every NaN as the
         * canonical NaN; inverted for smallest. topk.cu computes the same.
         */
        static int key(float v, boolean largest) {
            int u = Float.isNaN(v) ? 0x7fc00000 : (v == 0f ? 0 : Float.floatToRawIntBits(v));
            u = u < 0 ? ~u : (u | 0x80000000);
            return largest ? u : ~u;
        }

        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(x);
            Object vals = values >= 0 ? r.out(values) : null;
            long[] inds = indices >= 0 ? r.outL(indices) : null;
            int rows = Math.toIntExact(outer * inner), n = (int) len;
            r.parallel(rows, row -> {
                long o = row / inner, in = row % inner;
                long base = o * len * inner + in, outBase = o * k * inner + in;
                int[] order = src instanceof float[] f ? selectFloats(f, base, n) : selectLongs((long[]) src, base, n);
                for (int i = 0; i < k; i++) {
                    int from = (int) (base + order[i] * inner), to = (int) (outBase + i * inner);
                    if (vals instanceof float[] vf) vf[to] = ((float[]) src)[from];
                    else if (vals instanceof long[] vl) vl[to] = ((long[]) src)[from];
                    if (inds != null) inds[to] = order[i];
                }
            });
        }

        /** Row positions in output order: packed (key, ~index) sorted as unsigned 64-bit numbers, descending. */
        private int[] selectFloats(float[] f, long base, int n) {
            long[] packed = new long[n];
            for (int j = 0; j < n; j++) {
                long key = key(f[(int) (base + j * inner)], largest) & 0xFFFFFFFFL;
                packed[j] = ((key << 32) | (~j & 0xFFFFFFFFL)) ^ Long.MIN_VALUE; // signed order = unsigned order
            }
            Arrays.sort(packed);
            int[] order = new int[k];
            for (int i = 0; i < k; i++) order[i] = ~(int) packed[n - 1 - i];
            return order;
        }

        private int[] selectLongs(long[] v, long base, int n) {
            Integer[] idx = new Integer[n];
            for (int j = 0; j < n; j++) idx[j] = j;
            Arrays.sort(idx, (a, b) -> {
                long va = v[(int) (base + a * inner)], vb = v[(int) (base + b * inner)];
                int c = largest ? Long.compare(vb, va) : Long.compare(va, vb);
                return c != 0 ? c : Integer.compare(a, b);
            });
            int[] order = new int[k];
            for (int i = 0; i < k; i++) order[i] = idx[i];
            return order;
        }

        @Override
        public void gpu(GpuLowering g) {
            long rows = outer * inner;
            if (k == 0 || rows == 0) return;
            if (k > MAX_K_GPU) {
                throw new UnsupportedModelException(g.modelName() + ": " + node + ": TopK with k = " + k + " is not supported on the"
                        + " GPU (at most " + MAX_K_GPU + ")");
            }
            String type = g.plan().isInt(x) ? "_i32" : g.suffix();
            Kernel kern = g.kernel("topk", "topk" + type);
            int pow2 = Integer.highestOneBit(k);
            if (pow2 < k) pow2 <<= 1;
            int p2 = pow2, shared = 8 * pow2 + 4 * (256 + 32 + 4);
            // A thread per element up to 512 (a multiple of 32: the kernel's ballots use whole warps).
            int threads = (int) Math.min(512, Math.max(32, (len + 31) / 32 * 32));
            int grid = (int) Math.min(rows, 1 << 20);
            long xa = g.addr(x), va = values >= 0 ? g.addr(values) : 0L, ia = indices >= 0 ? g.addr(indices) : 0L;
            int n = (int) len, kk = k, lg = largest ? 1 : 0;
            long in = inner;
            g.add("topk", s -> kern.launch(s, grid, 1, 1, threads, 1, 1, shared, xa, va, ia, rows, n, in, kk, lg, p2));
        }

        @Override
        public String toString() {
            return "TopK[" + node + " " + outer + "x" + len + "x" + inner + " k=" + k + (largest ? " largest" : " smallest") + "]";
        }
    }

    // ------------------------------------------------------------------ GridSample

    private static void gridSample(Planner p, Node n) {
        int x = p.in(n, 0), grid = p.in(n, 1);
        long[] xs = p.shape(x), gs = p.shape(grid);
        if (xs.length != 4) throw n.unsupported("only 4-D inputs [N, C, H, W] are supported, got " + Arrays.toString(xs));
        if (gs.length != 4 || gs[0] != xs[0] || gs[3] != 2) {
            throw n.invalid("grid " + Arrays.toString(gs) + " must be [N, H_out, W_out, 2] for input " + Arrays.toString(xs));
        }
        if (p.isInt(x) || p.isInt(grid)) throw n.invalid("input and grid must be floats");
        String m = n.s("mode", "bilinear");
        int mode = switch (m) {
            case "bilinear", "linear" -> 0; // opset 16 and opset 20 spellings
            case "nearest" -> 1;
            case "bicubic", "cubic" -> throw n.unsupported("mode '" + m + "' is not supported (bilinear/linear and nearest are)");
            default -> throw n.invalid("unknown mode '" + m + "'");
        };
        String pm = n.s("padding_mode", "zeros");
        int pad = switch (pm) {
            case "zeros" -> 0;
            case "border" -> 1;
            case "reflection" -> 2;
            default -> throw n.invalid("unknown padding_mode '" + pm + "'");
        };
        boolean align = n.i("align_corners", 0) != 0;
        if (xs[2] * xs[3] > Integer.MAX_VALUE || gs[1] * gs[2] > Integer.MAX_VALUE) throw n.unsupported("planes too large");
        int y = p.define(n, 0, new long[] {xs[0], xs[1], gs[1], gs[2]}, ElemType.FLOAT);
        p.add(new GridSample(n.name, x, grid, y, xs[0], (int) xs[1], (int) xs[2], (int) xs[3], (int) gs[1], (int) gs[2], mode, pad, align));
    }

    /**
     * GridSample of [batch, c, h, w] at grid [batch, ho, wo, 2] in float32, step by step as
     * onnxruntime's CPU kernel (and gridsample.cu): denormalise, then nearest (half to even) or
     * bilinear over the four neighbours, each read through the padding mode (0 zeros, 1 border,
     * 2 reflection); mode 0 bilinear, 1 nearest. Coordinates beyond ±1e9 pixels count as ±1e9.
     */
    public record GridSample(String node, int x, int grid, int out, long batch, int c, int h, int w, int ho, int wo, int mode,
                             int pad, boolean align) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {x, grid}; }


        static float denormalize(float v, int len, boolean align) {
            return align ? (v + 1) / 2f * (len - 1) : ((v + 1) * len - 1) / 2f;
        }

        static float reflect(float x, float lo, float hi) {
            float range = hi - lo;
            if (x < lo) {
                float dx = lo - x;
                int n = (int) (dx / range);
                float r = dx - n * range;
                return n % 2 == 0 ? lo + r : hi - r;
            }
            if (x > hi) {
                float dx = x - hi;
                int n = (int) (dx / range);
                float r = dx - n * range;
                return n % 2 == 0 ? hi - r : lo + r;
            }
            return x;
        }

        private static float limit(float v) {
            return v < -1e9f ? -1e9f : (v > 1e9f ? 1e9f : v);
        }

        private float pixel(float[] src, long plane, long r, long col, float[] border) {
            if (pad == 0) return col >= 0 && col < w && r >= 0 && r < h ? src[(int) (plane + r * w + col)] : 0f;
            if (pad == 2) {
                col = (long) reflect(col, border[0], border[2]);
                r = (long) reflect(r, border[1], border[3]);
            }
            col = Math.max(0, Math.min(w - 1, col));
            r = Math.max(0, Math.min(h - 1, r));
            return src[(int) (plane + r * w + col)];
        }

        @Override
        public void cpu(CpuRun r) {
            float[] src = r.f(x), gr = r.f(grid), dst = r.outF(out);
            float[] border = align ? new float[] {0f, 0f, w - 1f, h - 1f} : new float[] {-0.5f, -0.5f, w - 0.5f, h - 0.5f};
            int planes = Math.toIntExact(batch * c);
            r.parallel(planes, pl -> {
                long b = pl / c, plane = (long) pl * h * w, to = (long) pl * ho * wo;
                for (int oy = 0; oy < ho; oy++) {
                    for (int ox = 0; ox < wo; ox++) {
                        int g = (int) (((b * ho + oy) * wo + ox) * 2);
                        float px = limit(denormalize(gr[g], w, align)), py = limit(denormalize(gr[g + 1], h, align));
                        float v;
                        if (mode == 1) {
                            v = pixel(src, plane, (long) Math.rint(py), (long) Math.rint(px), border);
                        } else {
                            long xa = (long) Math.floor(px), ya = (long) Math.floor(py), xb = xa + 1, yb = ya + 1;
                            float p11 = pixel(src, plane, ya, xa, border), p12 = pixel(src, plane, ya, xb, border);
                            float p21 = pixel(src, plane, yb, xa, border), p22 = pixel(src, plane, yb, xb, border);
                            float dx2 = (float) xb - px, dx1 = px - (float) xa, dy2 = (float) yb - py, dy1 = py - (float) ya;
                            v = dy2 * (dx2 * p11 + dx1 * p12) + dy1 * (dx2 * p21 + dx1 * p22);
                        }
                        dst[(int) (to + (long) oy * wo + ox)] = v;
                    }
                }
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            long n = batch * c * ho * wo;
            if (n == 0) return;
            Kernel k = g.kernel("gridsample", "grid_sample" + g.suffix());
            long xa = g.addr(x), ga = g.addr(grid), ya = g.addr(out), b = batch;
            int cc = c, hh = h, ww = w, oh = ho, ow = wo, md = mode, pd = pad, al = align ? 1 : 0;
            g.add("gridsample", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, xa, ga, ya, b, cc, hh, ww, oh, ow, md, pd, al));
        }
    }

    // ------------------------------------------------------------------ Pad

    private static void pad(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        int r = xs.length;
        if (r == 0) throw n.invalid("input must have rank >= 1");
        String m = n.s("mode", "constant");
        int mode = switch (m) {
            case "constant" -> 0;
            case "edge" -> 1;
            case "reflect" -> 2;
            case "wrap" -> 3;
            default -> throw n.invalid("unknown mode '" + m + "'");
        };
        long[] pads;
        double value = 0;
        if (p.opset() >= 11) {
            pads = p.knownInput(n, 1, "pads").asLongs();
            if (p.has(n, 2)) {
                Tensor v = p.knownInput(n, 2, "constant_value");
                if (v.size() != 1) throw n.invalid("constant_value must hold one value, got " + v.describeValues());
                value = v.get(0);
            }
            if (p.opset() >= 18 && p.has(n, 3)) {
                long[] axes = p.knownInput(n, 3, "axes").asLongs();
                if (pads.length != 2 * axes.length) throw n.invalid(pads.length + " pads for " + axes.length + " axes");
                long[] full = new long[2 * r];
                boolean[] seen = new boolean[r];
                for (int i = 0; i < axes.length; i++) {
                    int a = DataMovement.axis(n, axes[i], r);
                    if (seen[a]) throw n.invalid("axis " + axes[i] + " repeated");
                    seen[a] = true;
                    full[a] = pads[i];
                    full[a + r] = pads[axes.length + i];
                }
                pads = full;
            }
        } else {
            pads = n.ints("pads", n.ints("paddings", null)); // opset 1 called them paddings
            if (pads == null) throw n.invalid("attribute pads is required");
            value = n.f("value", 0f);
        }
        if (pads.length != 2 * r) throw n.invalid(pads.length + " pads for rank " + r + " (need " + 2 * r + ")");
        // Negative pads crop the input first; the modes then pad the cropped extent (onnxruntime's order).
        long[] out = new long[r], ext = new long[r], before = new long[r], crop = new long[r];
        for (int d = 0; d < r; d++) {
            long b = pads[d], e = pads[d + r];
            out[d] = xs[d] + b + e;
            if (out[d] < 0) throw n.invalid("pads " + Arrays.toString(pads) + " remove more than axis " + d + " of size " + xs[d] + " holds");
            crop[d] = Math.max(0, -b);
            before[d] = Math.max(0, b);
            ext[d] = Math.max(0, xs[d] - crop[d] - Math.max(0, -e));
            boolean padded = b > 0 || e > 0;
            if (mode != 0 && ext[d] == 0 && out[d] > 0) throw n.invalid("mode '" + m + "' cannot pad axis " + d + ", which has no elements left");
            if (mode == 2 && padded && ext[d] < 2) throw n.invalid("mode 'reflect' needs at least 2 elements on padded axis " + d);
        }
        int y = p.define(n, 0, out, p.type(x));
        p.add(new Pad(n.name, x, y, xs, out, ext, before, crop, mode, value));
    }

    /**
     * Pad: output index o on axis d reads input index crop[d] + s, s = o − before[d] mapped into
     * [0, ext[d]) by the mode (0 constant: outside reads {@code value}; 1 edge: clamped; 2 reflect:
     * mirrored without repeating the edge; 3 wrap: modulo). Pads wider than the axis repeat the
     * pattern (numpy.pad's result; onnxruntime reads outside the row there).
     */
    public record Pad(String node, int x, int out, long[] inShape, long[] outShape, long[] ext, long[] before, long[] crop,
                      int mode, double value) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {x}; }


        /** The source index on axis d for output index o, or -1 for the constant. */
        private long source(long o, int d) {
            long s = o - before[d], e = ext[d];
            switch (mode) {
                case 0 -> {
                    if (s < 0 || s >= e) return -1;
                }
                case 1 -> s = Math.max(0, Math.min(e - 1, s));
                case 2 -> {
                    if (e == 1) {
                        s = 0;
                    } else {
                        long period = 2 * (e - 1);
                        s = Math.floorMod(s, period);
                        if (s >= e) s = period - s;
                    }
                }
                default -> s = Math.floorMod(s, e);
            }
            return s + crop[d];
        }

        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(x), dst = r.out(out);
            int rank = outShape.length;
            long total = Tensor.numel(outShape);
            if (total == 0) return;
            long[] is = Layouts.rowMajor(inShape);
            int last = (int) outShape[rank - 1];
            long[] lastSrc = new long[last];
            for (int o = 0; o < last; o++) {
                long s = source(o, rank - 1);
                lastSrc[o] = s < 0 ? -1 : s * is[rank - 1];
            }
            long rows = total / last;
            for (long row = 0; row < rows; row++) {
                long rem = row, base = 0;
                for (int d = rank - 2; d >= 0 && base >= 0; d--) {
                    long s = source(rem % outShape[d], d);
                    rem /= outShape[d];
                    base = s < 0 ? -1 : base + s * is[d];
                }
                int at = (int) (row * last);
                if (src instanceof float[] f) {
                    float[] t = (float[]) dst;
                    for (int o = 0; o < last; o++) t[at + o] = base < 0 || lastSrc[o] < 0 ? (float) value : f[(int) (base + lastSrc[o])];
                } else {
                    long[] l = (long[]) src, t = (long[]) dst;
                    for (int o = 0; o < last; o++) t[at + o] = base < 0 || lastSrc[o] < 0 ? (long) value : l[(int) (base + lastSrc[o])];
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long n = Tensor.numel(outShape);
            if (n == 0) return;
            int rank = outShape.length;
            long[] meta = new long[5 * rank];
            System.arraycopy(outShape, 0, meta, 0, rank);
            System.arraycopy(ext, 0, meta, rank, rank);
            System.arraycopy(before, 0, meta, 2 * rank, rank);
            System.arraycopy(crop, 0, meta, 3 * rank, rank);
            System.arraycopy(Layouts.rowMajor(inShape), 0, meta, 4 * rank, rank);
            long[] ref = g.table(meta);
            long inN = Tensor.numel(inShape);
            long xa = inN == 0 ? 0L : g.addr(x), ya = g.addr(out), span = Math.max(n, inN);
            int md = mode;
            boolean ints = g.plan().isInt(out);
            Kernel k = g.kernel("index", "pad" + (ints ? "_i32" : g.suffix()));
            if (ints) {
                int v = (int) value;
                g.add("pad", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, xa, ya, rank, n, g.tableAddress(ref), md, v, span));
            } else {
                float v = (float) value;
                g.add("pad", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, xa, ya, rank, n, g.tableAddress(ref), md, v, span));
            }
        }
    }

    // ------------------------------------------------------------------ DepthToSpace, SpaceToDepth

    private static long blocksize(Node n, long[] xs) {
        if (xs.length != 4) throw n.invalid("input must be 4-D [N, C, H, W], got " + Arrays.toString(xs));
        long b = n.i("blocksize", 0);
        if (b < 1) throw n.invalid("blocksize must be positive, got " + b);
        return b;
    }

    /** out = transpose of the input viewed 6-D: one strided copy (also reads or writes NHWC operands where that can be addressed). */
    private static void permuteCopy(Planner p, Node n, int x, long[] out, long[] view, int[] perm) {
        long[] vs = Layouts.rowMajor(view), shape = new long[6], strides = new long[6];
        for (int i = 0; i < 6; i++) {
            shape[i] = view[perm[i]];
            strides[i] = vs[perm[i]];
        }
        int y = p.define(n, 0, out, p.type(x));
        p.add(new DataMovement.Copy(n.name, x, y, shape, 0, strides, 0, Layouts.rowMajor(shape)));
    }

    private static void depthToSpace(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long b = blocksize(n, xs);
        if (xs[1] % (b * b) != 0) throw n.invalid("channels " + xs[1] + " are not a multiple of blocksize² = " + b * b);
        long c = xs[1] / (b * b), h = xs[2], w = xs[3];
        long[] out = {xs[0], c, h * b, w * b};
        String mode = n.s("mode", "DCR");
        // Output viewed as [N, C', H, b, W, b]; DCR: the input is [N, b, b, C', H, W], CRD: [N, C', b, b, H, W].
        switch (mode) {
            case "DCR" -> permuteCopy(p, n, x, out, new long[] {xs[0], b, b, c, h, w}, new int[] {0, 3, 4, 1, 5, 2});
            case "CRD" -> permuteCopy(p, n, x, out, new long[] {xs[0], c, b, b, h, w}, new int[] {0, 1, 4, 2, 5, 3});
            default -> throw n.invalid("unknown mode '" + mode + "'");
        }
    }

    private static void spaceToDepth(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long b = blocksize(n, xs);
        if (xs[2] % b != 0 || xs[3] % b != 0) throw n.invalid("spatial size " + xs[2] + "x" + xs[3] + " is not a multiple of blocksize " + b);
        long c = xs[1], h = xs[2] / b, w = xs[3] / b;
        // Input viewed as [N, C, H', b, W', b]; output [N, b, b, C, H', W'].
        permuteCopy(p, n, x, new long[] {xs[0], c * b * b, h, w}, new long[] {xs[0], c, h, b, w, b}, new int[] {0, 3, 5, 1, 2, 4});
    }

    // ------------------------------------------------------------------ OneHot, Trilu, CumSum

    private static void oneHot(Planner p, Node n) {
        int ind = p.in(n, 0);
        long[] is = p.shape(ind);
        long depth = knownScalar(p, n, 1, "depth");
        if (depth < 1) throw n.invalid("depth must be positive, got " + depth);
        Tensor values = p.knownInput(n, 2, "values");
        if (values.size() != 2) throw n.invalid("values must be [off_value, on_value], got " + values.describeValues());
        int r = is.length;
        long a = n.i("axis", -1);
        int ax = (int) (a < 0 ? a + r + 1 : a);
        if (ax < 0 || ax > r) throw n.invalid("axis " + a + " is out of range for output rank " + (r + 1));
        long[] out = new long[r + 1];
        System.arraycopy(is, 0, out, 0, ax);
        out[ax] = depth;
        System.arraycopy(is, ax, out, ax + 1, r - ax);
        int y = p.define(n, 0, out, values.type());
        p.add(new OneHot(n.name, ind, y, prod(is, 0, ax), depth, prod(is, ax, r), values.get(0), values.get(1)));
    }

    /** out[o, d, i] = indices[o, i] (negative: + depth; float indices truncated) == d ? on : off over [outer, depth, inner]. */
    public record OneHot(String node, int indices, int out, long outer, long depth, long inner, double off, double on)
            implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {indices}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(indices), dst = r.out(out);
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    int at = (int) (o * inner + i);
                    long v = src instanceof long[] l ? l[at] : (long) ((float[]) src)[at];
                    if (v < 0) v += depth;
                    for (long d = 0; d < depth; d++) {
                        int to = (int) ((o * depth + d) * inner + i);
                        double val = v == d ? on : off;
                        if (dst instanceof float[] f) f[to] = (float) val;
                        else ((long[]) dst)[to] = (long) val;
                    }
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long n = outer * depth * inner;
            if (n == 0) return;
            if (!g.plan().isInt(indices)) {
                throw new UnsupportedModelException(g.modelName() + ": " + node + ": OneHot of float indices computed at run time is"
                        + " not supported on the GPU; cast them to int64 first");
            }
            long ia = g.addr(indices), ya = g.addr(out), o = outer, d = depth, in = inner;
            boolean ints = g.plan().isInt(out);
            Kernel k = g.kernel("index", "one_hot" + (ints ? "_i32" : g.suffix()));
            if (ints) {
                int a = (int) off, b = (int) on;
                g.add("onehot", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, ia, ya, o, d, in, a, b));
            } else {
                float a = (float) off, b = (float) on;
                g.add("onehot", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, ia, ya, o, d, in, a, b));
            }
        }
    }

    private static void trilu(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (xs.length < 2) throw n.invalid("input must have rank >= 2, got " + Arrays.toString(xs));
        long k = p.has(n, 1) ? knownScalar(p, n, 1, "k") : 0;
        boolean upper = n.i("upper", 1) != 0;
        int y = p.define(n, 0, xs, p.type(x));
        p.add(new Trilu(n.name, x, y, xs[xs.length - 2], xs[xs.length - 1], k, upper));
    }

    /** Keeps the elements of each [rows, cols] matrix with col − row ≥ k (upper) or ≤ k (lower); the others become 0. */
    public record Trilu(String node, int x, int out, long rows, long cols, long k, boolean upper) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {x}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(x), dst = r.out(out);
            int n = src instanceof float[] f ? f.length : ((long[]) src).length;
            for (int i = 0; i < n; i++) {
                long c = i % cols, row = (i / cols) % rows;
                boolean keep = upper ? c - row >= k : c - row <= k;
                if (src instanceof float[] f) ((float[]) dst)[i] = keep ? f[i] : 0f;
                else ((long[]) dst)[i] = keep ? ((long[]) src)[i] : 0L;
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long n = g.plan().numel(out);
            if (n == 0) return;
            long xa = g.addr(x), ya = g.addr(out), rr = rows, cc = cols, kk = k;
            int up = upper ? 1 : 0;
            Kernel kern = g.kernel("index", "trilu_b" + kernelWidth(g, out, node));
            g.add("trilu", s -> kern.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, xa, ya, n, rr, cc, kk, up));
        }
    }

    private static void cumSum(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (xs.length == 0) throw n.invalid("input must have rank >= 1");
        int ax = DataMovement.axis(n, knownScalar(p, n, 1, "axis"), xs.length);
        int y = p.define(n, 0, xs, p.type(x));
        p.add(new CumSum(n.name, x, y, prod(xs, 0, ax), xs[ax], prod(xs, ax + 1, xs.length), n.i("exclusive", 0) != 0,
                n.i("reverse", 0) != 0));
    }

    /**
     * Running sums along the middle axis of [outer, len, inner], forward or reverse; exclusive: the
     * element itself is left out of its sum. Floats are summed in double here (float32 on the GPU).
     */
    public record CumSum(String node, int x, int out, long outer, long len, long inner, boolean exclusive, boolean reverse)
            implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {x}; }


        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(x), dst = r.out(out);
            for (long o = 0; o < outer; o++) {
                for (long i = 0; i < inner; i++) {
                    long base = o * len * inner + i;
                    double fs = 0;
                    long ls = 0;
                    for (long a = 0; a < len; a++) {
                        int at = (int) (base + (reverse ? len - 1 - a : a) * inner);
                        if (src instanceof float[] f) {
                            float[] t = (float[]) dst;
                            if (exclusive) { t[at] = (float) fs; fs += f[at]; } else { fs += f[at]; t[at] = (float) fs; }
                        } else {
                            long[] l = (long[]) src, t = (long[]) dst;
                            if (exclusive) { t[at] = ls; ls += l[at]; } else { ls += l[at]; t[at] = ls; }
                        }
                    }
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long columns = outer * inner;
            if (columns == 0 || len == 0) return;
            long xa = g.addr(x), ya = g.addr(out), o = outer, l = len, in = inner;
            int ex = exclusive ? 1 : 0, rv = reverse ? 1 : 0;
            Kernel k = g.kernel("index", "cumsum" + (g.plan().isInt(out) ? "_i32" : g.suffix()));
            g.add("cumsum", s -> k.launch(s, blocks(columns), 1, 1, THREADS, 1, 1, 0, xa, ya, o, l, in, ex, rv));
        }
    }
}
