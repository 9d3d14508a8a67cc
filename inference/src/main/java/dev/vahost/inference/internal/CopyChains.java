package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.vahost.inference.internal.ops.DataMovement;

/**
 * Folds chains of copies: a value written only by copies and read only by copies (Concat, Split,
 * Slice, Transpose, through reshapes, which are dropped with it) is never materialised; each copy that read it reads the
 * original sources instead, one composed copy per source part it overlaps. A detector head's
 * per-level Concat → Reshape → Concat over levels → Split into box and class rows → Transpose
 * (YOLOv8's) becomes one copy per convolution output into the final tensors.
 *
 * <p>Exact (copies move elements, they compute nothing), for every executor. A value is folded
 * only when every part writing it and reading it addresses a sub-box of its row-major index space
 * (dimensions may be split where a run covers whole inner dimensions, as a reshape does; reads may
 * broadcast), the writing parts do not overlap, they cover everything read, and each source is
 * written before the writing part and not again until the last reading part. Values the GPU engine
 * may store channels-last and place in a Concat in place (rank 4, not reshaped) are left to
 * {@code internal.gpu.Placements}, as are model inputs and outputs.
 */
final class CopyChains {
    private CopyChains() {}

    /** One copy part: step index, part index (-1 for a stand-alone Copy step) and the part. */
    private record Part(int step, int index, DataMovement.Copy copy) {}

    /**
     * One side of a copy part over a value of row-major shape {@code vs}: per dimension k of the value
     * the first index touched ({@code origin[k]}) and the copy's dimensions that move along it, outer
     * to inner, each {size, the other side's stride}, densely (the innermost one step apart, each outer
     * one the inner ones' sizes apart: a run of {@code extent(k)} indices); dimensions the side does not
     * move along (stride 0: broadcast reads) with their size and other-side stride.
     */
    private record Box(long[] origin, List<List<long[]>> dims, List<long[]> broadcast) {
        long extent(int k) {
            long n = 1;
            for (long[] d : dims.get(k)) n *= d[0];
            return n;
        }

        long size() {
            long n = 1;
            for (int k = 0; k < origin.length; k++) n *= extent(k);
            return n;
        }
    }

    /**
     * Who touches each storage root in the current steps (built once per pass, not per value): the copy
     * parts writing and reading it, the reshapes reading it, the steps writing it, and whether any other
     * step reads or writes it.
     */
    private static final class Index {
        final List<List<Part>> writers = new ArrayList<>(), readers = new ArrayList<>();
        final List<Set<Integer>> reshapes = new ArrayList<>(), writeSteps = new ArrayList<>();
        final boolean[] other;

        Index(Plan p, List<Step> steps) {
            int n = p.names.length;
            other = new boolean[n];
            for (int v = 0; v < n; v++) {
                writers.add(new ArrayList<>());
                readers.add(new ArrayList<>());
                reshapes.add(new HashSet<>());
                writeSteps.add(new HashSet<>());
            }
            for (int si = 0; si < steps.size(); si++) {
                Step st = steps.get(si);
                for (int w : st.writes()) writeSteps.get(p.root(w)).add(si);
                if (st instanceof Planner.Reshape rs) {
                    reshapes.get(p.root(rs.in())).add(si);
                    continue;
                }
                DataMovement.Copy[] parts = st instanceof DataMovement.CopyGroup g ? g.parts()
                        : st instanceof DataMovement.Copy c ? new DataMovement.Copy[] {c} : null;
                if (parts == null) {
                    for (int w : st.writes()) other[p.root(w)] = true;
                    for (int r : st.reads()) other[p.root(r)] = true;
                    continue;
                }
                for (int i = 0; i < parts.length; i++) {
                    int index = st instanceof DataMovement.CopyGroup ? i : -1;
                    writers.get(p.root(parts[i].out())).add(new Part(si, index, parts[i]));
                    readers.get(p.root(parts[i].in())).add(new Part(si, index, parts[i]));
                }
            }
        }
    }

    static Plan fold(Plan p) {
        List<Step> steps = readThroughReshapes(p, p.steps);
        // values the model reshapes (whether or not a reshape is still read): copies address them by other shapes
        boolean[] reshaped = new boolean[p.names.length];
        for (int u = 0; u < p.names.length; u++) if (p.aliasOf[u] >= 0) reshaped[p.root(u)] = true;
        boolean changed = true;
        while (changed) {
            changed = false;
            Index ix = new Index(p, steps);
            for (int v = 0; v < p.names.length && !changed; v++) {
                if (!candidate(p, v, reshaped[v])) continue;
                List<Step> folded = foldValue(p, steps, ix, v);
                if (folded != null) {
                    steps = folded; // a fold changes who touches what: the next pass indexes again
                    changed = true;
                }
            }
        }
        if (steps.size() == p.steps.size() && steps.equals(p.steps)) return p;
        return new Plan(p.batch, p.names, p.shapes, p.types, p.constants, p.aliasOf, p.inputs, p.outputs, steps);
    }

    /**
     * Copies that read a reshape of a value read the value itself, with the same offset and strides (a
     * reshape keeps the row-major index of every element); reshapes nothing reads any more are dropped. A
     * convolution output whose reshape only a transpose reads (YOLOv5's and SSD's heads: [N, A·K, H, W] →
     * [N, A, K, H, W] → [N, A, H, W, K]) may then stay channels-last ({@link Layouts}), the transpose
     * reading it by strides.
     */
    static List<Step> readThroughReshapes(Plan p, List<Step> steps) {
        List<Step> out = new ArrayList<>(steps.size());
        boolean changed = false;
        for (Step st : steps) {
            if (st instanceof DataMovement.Copy c && p.aliasOf[c.in()] >= 0) {
                out.add(readRoot(p, c));
                changed = true;
            } else if (st instanceof DataMovement.CopyGroup g && Arrays.stream(g.parts()).anyMatch(c -> p.aliasOf[c.in()] >= 0)) {
                out.add(new DataMovement.CopyGroup(g.node(), Arrays.stream(g.parts()).map(c -> readRoot(p, c))
                        .toArray(DataMovement.Copy[]::new)));
                changed = true;
            } else {
                out.add(st);
            }
        }
        if (!changed) return steps;
        // drop reshapes whose output nothing reads (outermost first: a reshape of a reshape)
        boolean dropped = true;
        while (dropped) {
            dropped = false;
            Set<Integer> read = new HashSet<>();
            for (Step st : out) for (int v : st.reads()) read.add(v);
            for (int v : p.outputs) read.add(v);
            for (int i = out.size() - 1; i >= 0; i--) {
                if (out.get(i) instanceof Planner.Reshape rs && !read.contains(rs.out())) {
                    out.remove(i);
                    dropped = true;
                }
            }
        }
        return out;
    }

    private static DataMovement.Copy readRoot(Plan p, DataMovement.Copy c) {
        if (p.aliasOf[c.in()] < 0) return c;
        return new DataMovement.Copy(c.node(), p.root(c.in()), c.out(), c.shape(), c.inOffset(), c.inStrides(), c.outOffset(),
                c.outStrides());
    }

    private static boolean candidate(Plan p, int v, boolean reshaped) {
        if (p.aliasOf[v] >= 0 || p.constants[v] != null) return false;
        for (int i : p.inputs) if (p.root(i) == v) return false;
        for (int o : p.outputs) if (p.root(o) == v) return false;
        return p.shapes[v].length != 4 || reshaped; // rank-4 values that are not reshaped: Placements' (channels-last views)
    }

    /** The steps with {@code v} folded away, or null when it cannot be. */
    private static List<Step> foldValue(Plan p, List<Step> steps, Index ix, int v) {
        if (ix.other[v]) return null;
        List<Part> writers = ix.writers.get(v), readers = ix.readers.get(v);
        Set<Integer> reshapes = ix.reshapes.get(v); // the reshapes of v (no data moved): dropped with it
        if (writers.isEmpty() || readers.isEmpty()) return null;
        long[] vs = p.shapes[v];
        int firstReader = readers.get(0).step(), lastReader = readers.get(readers.size() - 1).step();
        Box[] wb = new Box[writers.size()];
        for (int i = 0; i < wb.length; i++) {
            Part w = writers.get(i);
            if (w.step() >= firstReader || p.root(w.copy().in()) == v) return null;
            wb[i] = box(w.copy().shape(), w.copy().outStrides(), w.copy().outOffset(), w.copy().inStrides(), vs);
            if (wb[i] == null || !wb[i].broadcast().isEmpty()) return null;
            // its source must hold the same elements from the writing part to the last reading part
            for (int si : ix.writeSteps.get(p.root(w.copy().in()))) if (si > w.step() && si <= lastReader) return null;
            for (int j = 0; j < i; j++) if (overlap(wb[i], wb[j])) return null;
        }
        List<List<DataMovement.Copy>> composed = new ArrayList<>();
        for (Part r : readers) {
            Box rb = box(r.copy().shape(), r.copy().inStrides(), r.copy().inOffset(), r.copy().outStrides(), vs);
            if (rb == null) return null;
            List<DataMovement.Copy> parts = new ArrayList<>();
            long covered = 0;
            long[] count = new long[1];
            for (int i = 0; i < wb.length; i++) {
                DataMovement.Copy c = compose(writers.get(i).copy(), wb[i], r.copy(), rb, count);
                if (count[0] < 0) return null;
                if (c == null) continue;
                covered += count[0];
                parts.add(c);
            }
            if (covered != rb.size()) return null; // reads elements no part writes
            composed.add(parts);
        }
        // rebuild: writing parts dropped, each reading part replaced by its composed parts
        List<Step> out = new ArrayList<>(steps.size());
        for (int si = 0; si < steps.size(); si++) {
            Step st = steps.get(si);
            if (reshapes.contains(si)) continue;
            boolean touched = false;
            for (Part w : writers) touched |= w.step() == si;
            for (Part r : readers) touched |= r.step() == si;
            if (!touched) {
                out.add(st);
                continue;
            }
            DataMovement.Copy[] parts = st instanceof DataMovement.CopyGroup g ? g.parts() : new DataMovement.Copy[] {(DataMovement.Copy) st};
            List<DataMovement.Copy> kept = new ArrayList<>();
            for (int i = 0; i < parts.length; i++) {
                int index = st instanceof DataMovement.CopyGroup ? i : -1;
                boolean dropped = false;
                List<DataMovement.Copy> replacement = null;
                for (Part w : writers) dropped |= w.step() == si && w.index() == index;
                for (int k = 0; k < readers.size(); k++) {
                    Part r = readers.get(k);
                    if (r.step() == si && r.index() == index) replacement = composed.get(k);
                }
                if (replacement != null) kept.addAll(replacement);
                else if (!dropped) kept.add(parts[i]);
            }
            if (kept.size() == 1 && !(st instanceof DataMovement.CopyGroup)) out.add(kept.get(0));
            else if (!kept.isEmpty()) out.add(new DataMovement.CopyGroup(st.node(), kept.toArray(DataMovement.Copy[]::new)));
        }
        return out;
    }

    /**
     * The side of a copy ({@code shape}, strides {@code vStrides} and offset {@code vOffset} over a
     * row-major value of shape {@code vs}; {@code oStrides} the other side's) as a box of the value, or
     * null when it is not one. A copy dimension whose run covers whole inner dimensions of the value from
     * their start is split into them (a reshape's merged dimensions); several copy dimensions may run
     * densely within one dimension of the value (a reshape's split dimension).
     */
    private static Box box(long[] shape, long[] vStrides, long vOffset, long[] oStrides, long[] vs) {
        int rank = vs.length;
        long[] rm = Layouts.rowMajor(vs);
        long numel = Tensor.numel(vs);
        if (vOffset < 0 || (numel > 0 && vOffset >= numel)) return null;
        long[] origin = new long[rank];
        long rem = vOffset;
        for (int k = 0; k < rank; k++) {
            origin[k] = rem / rm[k];
            rem -= origin[k] * rm[k];
        }
        List<List<long[]>> dims = new ArrayList<>(); // per value dimension: {size, other stride, step within it}
        for (int k = 0; k < rank; k++) dims.add(new ArrayList<>());
        List<long[]> broadcast = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            long n = shape[d], s = vStrides[d], t = oStrides[d];
            if (n == 1) continue;
            if (n == 0 || s < 0) return null;
            if (s == 0) {
                broadcast.add(new long[] {n, t});
                continue;
            }
            while (n > 1) {
                int k = -1;
                for (int j = 0; j < rank; j++) if (vs[j] > 1 && rm[j] <= s && s % rm[j] == 0 && s / rm[j] < vs[j]) k = j;
                if (k < 0) return null;
                long q = s / rm[k];
                if (q == 1 && origin[k] == 0 && n > vs[k] && n % vs[k] == 0) {
                    // a run over whole inner dimensions: this one, then what is left of the run outside it
                    dims.get(k).add(new long[] {vs[k], t, 1});
                    n /= vs[k];
                    s *= vs[k];
                    t *= vs[k];
                } else {
                    dims.get(k).add(new long[] {n, t, q});
                    n = 1;
                }
            }
        }
        List<List<long[]>> ordered = new ArrayList<>();
        for (int k = 0; k < rank; k++) {
            List<long[]> ds = new ArrayList<>(dims.get(k));
            ds.sort((a, b) -> Long.compare(b[2], a[2])); // outer (larger step) first
            long step = 1;
            for (int i = ds.size() - 1; i >= 0; i--) { // dense: each step the product of the inner sizes
                if (ds.get(i)[2] != step) return null;
                step *= ds.get(i)[0];
            }
            if (origin[k] + step > vs[k]) return null;
            List<long[]> plain = new ArrayList<>();
            for (long[] x : ds) plain.add(new long[] {x[0], x[1]});
            ordered.add(plain);
        }
        return new Box(origin, ordered, broadcast);
    }

    /** Whether two boxes share an element (broadcast dimensions aside). */
    private static boolean overlap(Box a, Box b) {
        for (int k = 0; k < a.origin().length; k++) {
            if (Math.max(a.origin()[k], b.origin()[k]) >= Math.min(a.origin()[k] + a.extent(k), b.origin()[k] + b.extent(k))) return false;
        }
        return true;
    }

    /**
     * Reader {@code r}'s elements that writer {@code w} wrote, copied from {@code w}'s source straight to
     * {@code r}'s destination, with how many elements that is in {@code count[0]}; null when the two
     * boxes meet in a way one strided copy cannot express (then {@code count[0]} is -1).
     */
    private static DataMovement.Copy compose(DataMovement.Copy w, Box wb, DataMovement.Copy r, Box rb, long[] count) {
        List<long[]> dims = new ArrayList<>(); // {size, source stride, destination stride}
        long inOffset = w.inOffset(), outOffset = r.outOffset(), n = 1;
        count[0] = -1;
        for (int k = 0; k < wb.origin().length; k++) {
            List<long[]> sw = wb.dims().get(k), sr = rb.dims().get(k);
            long ow = wb.origin()[k], orr = rb.origin()[k], ew = wb.extent(k), er = rb.extent(k);
            if (sw.size() <= 1 && sr.size() <= 1) {
                long lo = Math.max(ow, orr), hi = Math.min(ow + ew, orr + er);
                long tw = sw.isEmpty() ? 0 : sw.get(0)[1], tr = sr.isEmpty() ? 0 : sr.get(0)[1];
                inOffset += (lo - ow) * tw;
                outOffset += (lo - orr) * tr;
                if (hi - lo > 1) dims.add(new long[] {hi - lo, tw, tr});
                n *= hi - lo;
            } else if (sr.size() <= 1 && orr <= ow && ow + ew <= orr + er) {
                // the reader takes all of the writer's structured run: iterate the writer's dimensions
                long tr = sr.isEmpty() ? 0 : sr.get(0)[1], step = ew;
                outOffset += (ow - orr) * tr;
                for (long[] d : sw) {
                    step /= d[0];
                    dims.add(new long[] {d[0], d[1], tr * step});
                }
                n *= ew;
            } else if (sw.size() <= 1 && ow <= orr && orr + er <= ow + ew) {
                long tw = sw.isEmpty() ? 0 : sw.get(0)[1], step = er;
                inOffset += (orr - ow) * tw;
                for (long[] d : sr) {
                    step /= d[0];
                    dims.add(new long[] {d[0], tw * step, d[1]});
                }
                n *= er;
            } else if (ow == orr && sw.size() == sr.size()) {
                for (int i = 0; i < sw.size(); i++) {
                    if (sw.get(i)[0] != sr.get(i)[0]) return null;
                    dims.add(new long[] {sw.get(i)[0], sw.get(i)[1], sr.get(i)[1]});
                }
                n *= ew;
            } else if (Math.max(ow, orr) >= Math.min(ow + ew, orr + er)) {
                n = 0;
            } else {
                return null;
            }
        }
        if (n <= 0) {
            count[0] = 0;
            return null;
        }
        for (long[] bc : rb.broadcast()) dims.add(new long[] {bc[0], 0, bc[1]});
        dims.removeIf(d -> d[0] == 1);
        if (dims.isEmpty()) dims.add(new long[] {1, 1, 1});
        long[] shape = new long[dims.size()], in = new long[dims.size()], out = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i)[0];
            in[i] = dims.get(i)[1];
            out[i] = dims.get(i)[2];
        }
        count[0] = n;
        return new DataMovement.Copy(r.node(), w.in(), r.out(), shape, inOffset, in, outOffset, out);
    }
}
