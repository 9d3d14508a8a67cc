package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.BinaryOps;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.inference.internal.ops.PoolOps;
import dev.vahost.inference.internal.ops.ResizeOps;
import dev.vahost.nvmm.DType;

/**
 * Channel views: values the GPU engine stores inside another value's storage, as a channel slice of
 * its channels-last pixels, so that the Concat or Split moving them copies nothing. YOLO's C2f/C3
 * blocks and detection heads split and concatenate along channels; their copies were ~30 % of the
 * fused engine's time.
 *
 * <ul>
 * <li><b>Split outputs</b> are read in place: a channel slice of the Split's input.</li>
 * <li><b>Concat parts</b> are written in place: the producer of a part writes its channel slice of the
 * Concat's output. Producers that write slices: convolutions (cuDNN strided descriptors, GEMM ldc,
 * strided Y in the fused graph), same-shape binary operations (the fp16 row kernel), max pooling and
 * nearest resizing (the 16-byte kernels: SPPF's pools, the neck's upsampling). A Split
 * input whose Split outputs are all parts of one Concat, in order, is placed at the first one's
 * channel, so that the Split and those parts move nothing (C2f: cv1 → Split → ... → Concat).</li>
 * </ul>
 *
 * <p>Every value placed or viewed is a rank-4 NHWC fp16 value with a channel count and offset that
 * are multiples of 8 (16-byte rows for the vector kernels and cuDNN), is not a model input or output,
 * a constant or an alias, and is read only by steps that address their operands through
 * {@link dev.vahost.inference.internal.GpuLowering#physical} or pass the pixel stride on:
 * convolutions (input and residual), binary operations, copies, max pooling and nearest resizing. Decided once, on the max-batch plan: offsets
 * are channel counts, the same at every batch size. {@link #into} and {@link #channel} are resolved
 * to the final storage (a view of a placed value points at the placed value's storage).
 */
final class Placements {
    /** Per value: the value whose storage holds it (a Concat output, a Split input, ...), or -1. */
    final int[] into;
    /** Per value: its first channel in {@code into}'s storage. */
    final long[] channel;
    /** Split outputs read in place; Concat parts written in place (both counted by {@link #count}). */
    int views, parts;

    private Placements(int[] into, long[] channel) {
        this.into = into;
        this.channel = channel;
    }

    static Placements none(int values) {
        int[] into = new int[values];
        Arrays.fill(into, -1);
        return new Placements(into, new long[values]);
    }

    static Placements plan(Plan p, Layouts l, DType dtype) {
        return new Planner(p, l).run(dtype);
    }

    private static final class Planner {
        final Plan p;
        final Layouts l;
        final int n;
        final List<List<Step>> readers = new ArrayList<>();
        final int[] producer;
        final boolean[] blocked; // aliases, model inputs and outputs, constants
        final Placements r;

        Planner(Plan p, Layouts l) {
            this.p = p;
            this.l = l;
            n = p.names.length;
            r = none(n);
            producer = new int[n];
            Arrays.fill(producer, -1);
            for (int v = 0; v < n; v++) readers.add(new ArrayList<>());
            for (int si = 0; si < p.steps.size(); si++) {
                Step st = p.steps.get(si);
                for (int v : st.reads()) {
                    List<Step> rs = readers.get(p.root(v));
                    if (rs.isEmpty() || rs.get(rs.size() - 1) != st) rs.add(st); // each reading step once
                }
                for (int v : st.writes()) producer[p.root(v)] = si;
            }
            blocked = new boolean[n];
            boolean[] reshaped = p.reshapedRoots();
            for (int v = 0; v < n; v++) if (reshaped[v]) blocked[v] = true;
            for (int v : p.inputs) blocked[p.root(v)] = true;
            for (int v : p.outputs) blocked[p.root(v)] = true;
            for (int v = 0; v < n; v++) if (p.constants[v] != null) blocked[v] = true;
        }

        Placements run(DType dtype) {
            if (dtype != DType.F16) return r;
            // 1. Split outputs as views of the Split's input
            for (Step st : p.steps) {
                if (!(st instanceof DataMovement.CopyGroup g) || !isSplit(g)) continue;
                int x = g.parts()[0].in();
                if (!channelsLast(x) || p.constants[x] != null) continue;
                for (DataMovement.Copy c : g.parts()) {
                    int v = c.out();
                    long ch = slice(v, c.outOffset(), c.outStrides(), x, c.inOffset(), c.inStrides(), c.shape());
                    if (ch < 0 || !eligible(v) || !readersTakeSlices(v, null)) continue;
                    r.into[v] = x;
                    r.channel[v] = ch;
                    r.views++;
                }
            }
            // 2. Concat parts written in place
            for (Step st : p.steps) {
                if (!(st instanceof DataMovement.CopyGroup g) || !isConcat(g)) continue;
                int o = g.parts()[0].out();
                if (!channelsLast(o)) continue;
                for (DataMovement.Copy c : g.parts()) {
                    int v = c.in();
                    long ch = slice(v, c.inOffset(), c.inStrides(), o, c.outOffset(), c.outStrides(), c.shape());
                    if (ch < 0) continue;
                    if (r.into[v] >= 0) {
                        placeSplitSource(g, o, c, ch);
                    } else if (eligible(v) && writesSlices(v) && readersTakeSlices(v, g)) {
                        r.into[v] = o;
                        r.channel[v] = ch;
                        r.parts++;
                    }
                }
            }
            // 3. Views of placed values: resolved to the final storage
            for (int v = 0; v < n; v++) {
                long ch = 0;
                int s = v;
                for (int hops = 0; r.into[s] >= 0; hops++) {
                    if (hops > n) throw new IllegalStateException("placement cycle at " + p.describe(v));
                    ch += r.channel[s];
                    s = r.into[s];
                }
                if (s != v) {
                    r.into[v] = s;
                    r.channel[v] = ch;
                }
            }
            return r;
        }

        /**
         * Part {@code c} of Concat {@code g} (into {@code o} at channel {@code ch}) is a view of a
         * Split's input x: x is placed in {@code o} when all of x's Split outputs are parts of
         * {@code o} at x's channel there plus their channel in x, and x's producer writes slices.
         */
        private void placeSplitSource(DataMovement.CopyGroup g, int o, DataMovement.Copy c, long ch) {
            int v = c.in(), x = r.into[v];
            if (r.into[x] >= 0 || r.channel[v] > ch || !eligible(x) || !writesSlices(x)) return;
            long at = ch - r.channel[v];
            if (at % 8 != 0 || at + p.shapes[x][1] > p.shapes[o][1]) return;
            long covered = 0;
            for (Step st : readers.get(x)) {
                if (!(st instanceof DataMovement.CopyGroup split) || !isSplit(split)) return;
                for (DataMovement.Copy sc : split.parts()) {
                    int y = sc.out();
                    if (r.into[y] != x) return;
                    boolean inConcat = false;
                    for (DataMovement.Copy part : g.parts()) {
                        if (part.in() != y) continue;
                        long pc = slice(y, part.inOffset(), part.inStrides(), o, part.outOffset(), part.outStrides(), part.shape());
                        if (pc != at + r.channel[y]) return;
                        inConcat = true;
                    }
                    if (!inConcat) return;
                    covered += p.shapes[y][1];
                }
            }
            if (covered != p.shapes[x][1]) return;
            r.into[x] = o;
            r.channel[x] = at;
            r.parts++;
        }

        /** A rank-4 NHWC run-time value of whole 16-byte pixels. */
        private boolean channelsLast(int v) {
            return p.root(v) == v && l.nhwc(v) && p.shapes[v].length == 4 && p.shapes[v][1] % 8 == 0 && !p.isInt(v);
        }

        private boolean eligible(int v) {
            return channelsLast(v) && !blocked[v];
        }

        /** Whether the producer of {@code v} can write a channel slice of wider storage. */
        private boolean writesSlices(int v) {
            if (producer[v] < 0) return false;
            Step st = p.steps.get(producer[v]);
            // (a residual the fused graph may not take is added by the row kernel, which reads it channels-last)
            if (st instanceof Conv cv) return cv.out() == v && l.nhwc(p.root(cv.in())) && (cv.residual() < 0 || l.nhwc(p.root(cv.residual())));
            // the 16-byte kernels (maxpool_nhwc8_f16, resize_nearest_nhwc8_f16) write pixels at any stride (SPPF, upsampling)
            if (st instanceof PoolOps.MaxPool mp) return mp.out() == v && l.nhwc(p.root(mp.in()));
            if (st instanceof ResizeOps.Nearest nr) return nr.out() == v && l.nhwc(p.root(nr.in()));
            if (st instanceof BinaryOps.Binary b) {
                // same-shape operands, no broadcasting: the fp16 row kernel writes rows of any stride
                long[] rm = Layouts.rowMajor(p.shapes[v]);
                return b.out() == v && Arrays.equals(b.shape(), p.shapes[v]) && Arrays.equals(b.aStrides(), rm)
                        && Arrays.equals(b.bStrides(), rm) && l.nhwc(p.root(b.a())) && l.nhwc(p.root(b.b()))
                        && !p.isInt(b.a()) && !p.isInt(b.b());
            }
            return false;
        }

        /** Whether every step reading {@code v} (other than {@code except}) addresses it at any pixel stride. */
        private boolean readersTakeSlices(int v, Step except) {
            for (Step st : readers.get(v)) {
                if (st == except) continue;
                boolean ok = st instanceof DataMovement.CopyGroup || st instanceof DataMovement.Copy
                        || st instanceof Conv cv && (p.root(cv.in()) == v || cv.residual() >= 0 && p.root(cv.residual()) == v) && cv.out() != v
                        || st instanceof PoolOps.MaxPool mp && p.root(mp.in()) == v && mp.out() != v
                        || st instanceof ResizeOps.Nearest nr && p.root(nr.in()) == v && nr.out() != v
                        || st instanceof BinaryOps.Binary b && !p.isInt(b.out());
                if (!ok) return false;
            }
            return true;
        }

        private boolean isSplit(DataMovement.CopyGroup g) {
            int x = p.root(g.parts()[0].in());
            for (DataMovement.Copy c : g.parts()) if (p.root(c.in()) != x || c.in() != x || c.out() == x) return false;
            return g.parts().length > 1;
        }

        private boolean isConcat(DataMovement.CopyGroup g) {
            int o = g.parts()[0].out();
            for (DataMovement.Copy c : g.parts()) if (c.out() != o || p.root(o) != o) return false;
            return true;
        }

        /**
         * The channel at which value {@code part} (row-major strides {@code partStrides}, offset
         * {@code partOffset}) sits in value {@code whole} (strides {@code wholeStrides}, offset
         * {@code wholeOffset}) when the copy moves all of {@code part} as a channel slice of
         * {@code whole} at a multiple of 8, both rank-4 NHWC values of the same n, h, w; else -1.
         */
        private long slice(int part, long partOffset, long[] partStrides, int whole, long wholeOffset, long[] wholeStrides,
                           long[] shape) {
            if (p.root(part) != part || p.root(whole) != whole || !channelsLast(part) || !channelsLast(whole)) return -1;
            long[] vs = p.shapes[part], os = p.shapes[whole];
            if (!Arrays.equals(shape, vs) || vs[0] != os[0] || vs[2] != os[2] || vs[3] != os[3]) return -1;
            if (partOffset != 0 || !Arrays.equals(partStrides, Layouts.rowMajor(vs)) || !Arrays.equals(wholeStrides, Layouts.rowMajor(os))) {
                return -1;
            }
            long plane = os[2] * os[3];
            if (plane == 0 || wholeOffset % plane != 0) return -1;
            long ch = wholeOffset / plane;
            if (ch % 8 != 0 || ch + vs[1] > os[1]) return -1;
            return ch;
        }
    }

    /** The value whose storage holds {@code root}'s: itself, or the value it is placed in or viewed from. */
    int storage(int root) {
        return into[root] >= 0 ? into[root] : root;
    }

    int count() {
        return (int) Arrays.stream(into).filter(i -> i >= 0).count();
    }
}
