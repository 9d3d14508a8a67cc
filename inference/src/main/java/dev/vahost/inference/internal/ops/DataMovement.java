package dev.vahost.inference.internal.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;

/**
 * Operators that move elements without computing: Concat, Split, Slice, Transpose, Expand, Tile,
 * Identity/Dropout (strided copies), and Reshape, Flatten, Squeeze, Unsqueeze (views: no data
 * movement). Every copy is one strided description (shape, strides, offsets), which the GPU runs as
 * one kernel in the widest units the strides allow, addressing NHWC operands through their physical
 * strides (so Concat and Transpose also change layouts for free).
 */
public final class DataMovement {
    private DataMovement() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Concat", DataMovement::concat);
        Operators.put(ops, "Split", DataMovement::split);
        Operators.put(ops, "Slice", DataMovement::slice);
        Operators.put(ops, "Transpose", DataMovement::transpose);
        Operators.put(ops, "Reshape", DataMovement::reshape);
        Operators.put(ops, "Flatten", DataMovement::flatten);
        Operators.put(ops, "Squeeze", DataMovement::squeeze);
        Operators.put(ops, "Unsqueeze", DataMovement::unsqueeze);
        Operators.put(ops, "Identity", DataMovement::identity);
        Operators.put(ops, "Dropout", DataMovement::identity);
        Operators.put(ops, "Expand", DataMovement::expand);
        Operators.put(ops, "Tile", DataMovement::tile);
    }

    static long[] rowMajor(long[] shape) {
        return Layouts.rowMajor(shape);
    }

    static int axis(Node n, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw n.invalid("axis " + axis + " is out of range for rank " + rank);
        return (int) a;
    }

    /** Axes from the attribute (older opsets) or from input {@code i} (known at load time), or null when absent. */
    static long[] axesOf(Planner p, Node n, int inputIndex, int sinceOpset) {
        if (p.opset() >= sinceOpset) return p.has(n, inputIndex) ? p.knownInput(n, inputIndex, "axes").asLongs() : null;
        return n.ints("axes", null);
    }

    private static void concat(Planner p, Node n) {
        if (n.inputs.isEmpty()) throw n.invalid("no inputs");
        List<Integer> xs = new ArrayList<>();
        for (int i = 0; i < n.inputs.size(); i++) if (p.has(n, i)) xs.add(p.in(n, i));
        long[] s0 = p.shape(xs.get(0));
        if (!n.has("axis")) throw n.invalid("attribute axis is required");
        int ax = axis(n, n.i("axis", 0), s0.length);
        long[] out = s0.clone();
        out[ax] = 0;
        for (int x : xs) {
            long[] s = p.shape(x);
            if (s.length != s0.length) throw n.invalid("inputs of different rank " + Arrays.toString(s0) + ", " + Arrays.toString(s));
            if (p.type(x) != p.type(xs.get(0))) throw n.invalid("inputs of different types");
            for (int d = 0; d < s.length; d++) {
                if (d != ax && s[d] != s0[d]) throw n.invalid("inputs " + Arrays.toString(s0) + " and " + Arrays.toString(s) + " differ outside axis " + ax);
            }
            out[ax] += s[ax];
        }
        int y = p.define(n, 0, out, p.type(xs.get(0)));
        long[] os = rowMajor(out);
        List<Copy> parts = new ArrayList<>();
        long off = 0;
        for (int x : xs) {
            long[] s = p.shape(x);
            if (s[ax] > 0) parts.add(new Copy(n.name, x, y, s, 0, rowMajor(s), off * os[ax], os));
            off += s[ax];
        }
        p.add(new CopyGroup(n.name, parts.toArray(new Copy[0])));
    }

    private static void split(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        int ax = axis(n, n.i("axis", 0), xs.length);
        int parts = n.outputs.size();
        long[] sizes;
        if (p.has(n, 1)) sizes = p.knownInput(n, 1, "split").asLongs();
        else if (n.has("split")) sizes = n.ints("split", null);
        else if (n.has("num_outputs")) { // opset 18: the last chunk may be smaller
            long k = n.i("num_outputs", parts);
            if (k != parts) throw n.invalid("num_outputs " + k + " but " + parts + " outputs");
            long chunk = (xs[ax] + k - 1) / k;
            sizes = new long[parts];
            for (int i = 0; i < parts; i++) sizes[i] = Math.max(0, Math.min(chunk, xs[ax] - i * chunk));
        } else {
            if (xs[ax] % parts != 0) throw n.invalid("dimension " + xs[ax] + " does not split into " + parts + " equal parts");
            sizes = new long[parts];
            Arrays.fill(sizes, xs[ax] / parts);
        }
        if (sizes.length != parts) throw n.invalid(sizes.length + " split sizes for " + parts + " outputs");
        long sum = 0;
        for (long s : sizes) sum += s;
        if (sum != xs[ax]) throw n.invalid("split sizes " + Arrays.toString(sizes) + " do not add up to " + xs[ax]);
        long[] is = rowMajor(xs);
        List<Copy> copies = new ArrayList<>();
        long off = 0;
        for (int i = 0; i < parts; i++) {
            long[] os = xs.clone();
            os[ax] = sizes[i];
            if (!n.outputs.get(i).isEmpty()) {
                int y = p.define(n, i, os, p.type(x));
                copies.add(new Copy(n.name, x, y, os, off * is[ax], is, 0, rowMajor(os)));
            }
            off += sizes[i];
        }
        p.add(new CopyGroup(n.name, copies.toArray(new Copy[0])));
    }

    private static void slice(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] starts, ends, axes, stepv;
        if (p.opset() >= 10) {
            starts = p.knownInput(n, 1, "starts").asLongs();
            ends = p.knownInput(n, 2, "ends").asLongs();
            axes = p.has(n, 3) ? p.knownInput(n, 3, "axes").asLongs() : null;
            stepv = p.has(n, 4) ? p.knownInput(n, 4, "steps").asLongs() : null;
        } else {
            starts = n.ints("starts", null);
            ends = n.ints("ends", null);
            axes = n.ints("axes", null);
            stepv = null;
            if (starts == null || ends == null) throw n.invalid("starts and ends are required");
        }
        if (axes == null) {
            axes = new long[starts.length];
            for (int i = 0; i < axes.length; i++) axes[i] = i;
        }
        if (stepv == null) {
            stepv = new long[starts.length];
            Arrays.fill(stepv, 1);
        }
        if (ends.length != starts.length || axes.length != starts.length || stepv.length != starts.length) {
            throw n.invalid("starts, ends, axes and steps differ in length");
        }
        long[] begin = new long[xs.length], step = new long[xs.length], out = xs.clone();
        Arrays.fill(step, 1);
        boolean[] seen = new boolean[xs.length];
        for (int i = 0; i < starts.length; i++) {
            int a = axis(n, axes[i], xs.length);
            if (seen[a]) throw n.invalid("axis " + a + " sliced twice");
            seen[a] = true;
            long d = xs[a], st = stepv[i];
            if (st == 0) throw n.invalid("step 0");
            long s = starts[i], e = ends[i];
            if (s < 0) s += d;
            if (e < 0) e += d;
            if (st > 0) {
                s = Math.max(0, Math.min(d, s));
                e = Math.max(0, Math.min(d, e));
                out[a] = Math.max(0, (e - s + st - 1) / st);
            } else {
                s = Math.max(0, Math.min(d - 1, s));
                e = Math.max(-1, Math.min(d - 1, e));
                out[a] = Math.max(0, (s - e + (-st) - 1) / (-st));
            }
            begin[a] = s;
            step[a] = st;
        }
        long[] is = rowMajor(xs), inStr = new long[xs.length];
        long off = 0;
        for (int d = 0; d < xs.length; d++) {
            if (out[d] > 0) off += begin[d] * is[d];
            inStr[d] = is[d] * step[d];
        }
        int y = p.define(n, 0, out, p.type(x));
        p.add(new Copy(n.name, x, y, out, off, inStr, 0, rowMajor(out)));
    }

    private static void transpose(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] perm = n.ints("perm", null);
        if (perm == null) {
            perm = new long[xs.length];
            for (int i = 0; i < perm.length; i++) perm[i] = xs.length - 1 - i;
        }
        if (perm.length != xs.length) throw n.invalid("perm " + Arrays.toString(perm) + " for rank " + xs.length);
        boolean[] used = new boolean[xs.length];
        long[] out = new long[xs.length], inStr = new long[xs.length], is = rowMajor(xs);
        for (int i = 0; i < perm.length; i++) {
            int a = axis(n, perm[i], xs.length);
            if (used[a]) throw n.invalid("perm " + Arrays.toString(perm) + " is not a permutation");
            used[a] = true;
            out[i] = xs[a];
            inStr[i] = is[a];
        }
        int y = p.define(n, 0, out, p.type(x));
        p.add(new Copy(n.name, x, y, out, 0, inStr, 0, rowMajor(out)));
    }

    private static void reshape(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] spec = p.opset() >= 5 ? p.knownInput(n, 1, "shape").asLongs() : n.ints("shape", null);
        if (spec == null) throw n.invalid("no shape");
        boolean allowZero = n.i("allowzero", 0) != 0;
        long[] out = new long[spec.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < spec.length; i++) {
            long d = spec[i];
            if (d == 0 && !allowZero) {
                if (i >= xs.length) throw n.invalid("shape " + Arrays.toString(spec) + " copies dimension " + i + " of " + Arrays.toString(xs));
                d = xs[i];
            }
            if (d == -1) {
                if (infer >= 0) throw n.invalid("shape " + Arrays.toString(spec) + " has two -1");
                infer = i;
                continue;
            }
            if (d < 0) throw n.invalid("shape " + Arrays.toString(spec) + " has a negative dimension");
            out[i] = d;
            known *= d;
        }
        long total = Tensor.numel(xs);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw n.invalid("cannot reshape " + Arrays.toString(xs) + " to " + Arrays.toString(spec) + " at batch " + p.batch());
            }
            out[infer] = total / known;
        } else if (known != total) {
            throw n.invalid("cannot reshape " + Arrays.toString(xs) + " (" + total + " elements) to " + Arrays.toString(spec)
                    + " at batch " + p.batch());
        }
        p.alias(n, 0, x, out);
    }

    private static void flatten(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long ax = n.i("axis", 1);
        int a = (int) (ax < 0 ? ax + xs.length : ax);
        if (a < 0 || a > xs.length) throw n.invalid("axis " + ax + " for rank " + xs.length);
        long outer = 1, inner = 1;
        for (int i = 0; i < xs.length; i++) {
            if (i < a) outer *= xs[i]; else inner *= xs[i];
        }
        p.alias(n, 0, x, new long[] {outer, inner});
    }

    private static void squeeze(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] axes = axesOf(p, n, 1, 13);
        boolean[] drop = new boolean[xs.length];
        if (axes == null) {
            for (int d = 0; d < xs.length; d++) drop[d] = xs[d] == 1;
        } else {
            for (long a : axes) {
                int d = axis(n, a, xs.length);
                if (xs[d] != 1) throw n.invalid("cannot squeeze axis " + a + " of " + Arrays.toString(xs) + " (size " + xs[d] + ")");
                drop[d] = true;
            }
        }
        List<Long> out = new ArrayList<>();
        for (int d = 0; d < xs.length; d++) if (!drop[d]) out.add(xs[d]);
        p.alias(n, 0, x, out.stream().mapToLong(Long::longValue).toArray());
    }

    private static void unsqueeze(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] axes = axesOf(p, n, 1, 13);
        if (axes == null) throw n.invalid("axes are required");
        int r = xs.length + axes.length;
        boolean[] added = new boolean[r];
        for (long a : axes) {
            int d = axis(n, a, r);
            if (added[d]) throw n.invalid("axis " + a + " repeated");
            added[d] = true;
        }
        long[] out = new long[r];
        int j = 0;
        for (int d = 0; d < r; d++) out[d] = added[d] ? 1 : xs[j++];
        p.alias(n, 0, x, out);
    }

    private static void identity(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        int y = p.define(n, 0, xs, p.type(x));
        p.add(new Copy(n.name, x, y, xs, 0, rowMajor(xs), 0, rowMajor(xs)));
        // Dropout's optional mask output: all ones in inference.
        if (n.op.equals("Dropout") && n.outputs.size() > 1 && !n.outputs.get(1).isEmpty()) {
            long[] ones = new long[(int) Tensor.numel(xs)];
            Arrays.fill(ones, 1);
            p.defineKnown(n, 1, Tensor.ofLongs(ones, xs));
        }
    }

    private static void expand(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] shape = p.knownInput(n, 1, "shape").asLongs();
        long[][] bc = BinaryOps.broadcast(n, p.shape(x), shape);
        long[] out = bc[0];
        int y = p.define(n, 0, out, p.type(x));
        p.add(new Copy(n.name, x, y, out, 0, bc[1], 0, rowMajor(out)));
    }

    private static void tile(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] reps = p.knownInput(n, 1, "repeats").asLongs();
        if (reps.length != xs.length) throw n.invalid("repeats " + Arrays.toString(reps) + " for rank " + xs.length);
        // out[r0, i0, r1, i1, ...] = x[i0, i1, ...]: a broadcast copy over an interleaved shape, then a view.
        long[] is = rowMajor(xs), inter = new long[2 * xs.length], strides = new long[2 * xs.length];
        long[] out = new long[xs.length];
        for (int d = 0; d < xs.length; d++) {
            if (reps[d] < 0) throw n.invalid("negative repeat " + reps[d]);
            inter[2 * d] = reps[d];
            inter[2 * d + 1] = xs[d];
            strides[2 * d] = 0;
            strides[2 * d + 1] = is[d];
            out[d] = reps[d] * xs[d];
        }
        int y = p.define(n, 0, out, p.type(x));
        p.add(new Copy(n.name, x, y, inter, 0, strides, 0, rowMajor(inter)));
    }

    /**
     * A strided copy: for every index i of {@code shape}, out[outOffset + i·outStrides] =
     * in[inOffset + i·inStrides]. Transpose, Slice, Expand, Tile, one part of Split or Concat, Identity.
     */
    public record Copy(String node, int in, int out, long[] shape, long inOffset, long[] inStrides, long outOffset,
                       long[] outStrides) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) {
            return r.addressable(in, shape, inStrides, inOffset) | r.addressable(out, shape, outStrides, outOffset);
        }

        @Override
        public void cpu(CpuRun r) {
            Object src = r.data(in), dst = r.out(out);
            int rank = shape.length;
            long total = Tensor.numel(shape);
            if (total == 0) return;
            if (rank == 0) {
                System.arraycopy(src, (int) inOffset, dst, (int) outOffset, 1);
                return;
            }
            int last = (int) shape[rank - 1];
            long is = inStrides[rank - 1], os = outStrides[rank - 1];
            long rows = total / last;
            boolean floats = src instanceof float[];
            for (long row = 0; row < rows; row++) {
                long rem = row, io = inOffset, oo = outOffset;
                for (int d = rank - 2; d >= 0; d--) {
                    long i = rem % shape[d];
                    rem /= shape[d];
                    io += i * inStrides[d];
                    oo += i * outStrides[d];
                }
                if (is == 1 && os == 1) {
                    System.arraycopy(src, (int) io, dst, (int) oo, last);
                } else if (floats) {
                    float[] s = (float[]) src, t = (float[]) dst;
                    for (int i = 0; i < last; i++) t[(int) (oo + i * os)] = s[(int) (io + i * is)];
                } else {
                    long[] s = (long[]) src, t = (long[]) dst;
                    for (int i = 0; i < last; i++) t[(int) (oo + i * os)] = s[(int) (io + i * is)];
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            if (Tensor.numel(shape) == 0) return;
            long[] pin = g.physical(in, shape, inStrides, inOffset);
            long[] pout = g.physical(out, shape, outStrides, outOffset);
            int rank = shape.length;
            int es = g.elementBytes(out);
            // A Concat part its producer wrote in place, a Split output read in place: nothing to move.
            if (g.addr(in) + pin[rank] * es == g.addr(out) + pout[rank] * es && Arrays.equals(pin, 0, rank, pout, 0, rank)) return;
            g.copy("copy", g.addr(in), g.addr(out), es, shape, Arrays.copyOf(pin, rank), pin[rank],
                    Arrays.copyOf(pout, rank), pout[rank]);
        }
    }

    /** Several copies that together write one output (Concat) or read one input (Split). */
    public record CopyGroup(String node, Copy[] parts) implements Step {
        @Override
        public int[] reads() { return Arrays.stream(parts).mapToInt(Copy::in).toArray(); }

        @Override
        public int[] writes() { return Arrays.stream(parts).mapToInt(Copy::out).toArray(); }

        @Override
        public boolean layouts(Layouts.Rules r) {
            boolean changed = false;
            for (Copy c : parts) changed |= c.layouts(r);
            return changed;
        }

        @Override
        public void cpu(CpuRun r) {
            for (Copy c : parts) c.cpu(r);
        }

        @Override
        public void gpu(GpuLowering g) {
            for (Copy c : parts) c.gpu(g);
        }
    }
}
