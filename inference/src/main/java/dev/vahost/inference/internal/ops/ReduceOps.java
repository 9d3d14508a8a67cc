package dev.vahost.inference.internal.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceSumSquare, ReduceLogSumExp over any set of axes (an attribute before opset 18, ReduceSum
 * before 13; a known input from then on; negative axes; keepdims; noop_with_empty_axes; no axes
 * reduces all), and ArgMax/ArgMin (axis, keepdims, select_last_index; INT indices). The same step
 * runs GlobalAveragePool and GlobalMaxPool ({@link PoolOps}).
 *
 * <p>CPU: float32 data accumulated in double; INT data (shape arithmetic, evaluated at load time)
 * in int64, ReduceMean truncating like integer division. GPU: FLOAT only, accumulated in float32
 * also in fp16 engines. A reduction runs as one kernel over [outer, len, inner] in the input's
 * storage order: the reduced axes must be adjacent in storage and the kept axes in the same order
 * in the output's storage (both layouts count, so a GlobalAveragePool reads an NHWC input directly
 * as [N, H·W, C]); otherwise the input is first permuted into scratch as [kept..., reduced...].
 */
public final class ReduceOps {
    private ReduceOps() {}

    /** The reduction, numbered as {@code reduce.cu}'s R_* codes. */
    public enum Kind { SUM, MEAN, MAX, MIN, PROD, L1, L2, SUM_SQUARE, LOG_SUM_EXP }

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "ReduceSum", (p, n) -> reduce(p, n, Kind.SUM, 13));
        Operators.put(ops, "ReduceMean", (p, n) -> reduce(p, n, Kind.MEAN, 18));
        Operators.put(ops, "ReduceMax", (p, n) -> reduce(p, n, Kind.MAX, 18));
        Operators.put(ops, "ReduceMin", (p, n) -> reduce(p, n, Kind.MIN, 18));
        Operators.put(ops, "ReduceProd", (p, n) -> reduce(p, n, Kind.PROD, 18));
        Operators.put(ops, "ReduceL1", (p, n) -> reduce(p, n, Kind.L1, 18));
        Operators.put(ops, "ReduceL2", (p, n) -> reduce(p, n, Kind.L2, 18));
        Operators.put(ops, "ReduceSumSquare", (p, n) -> reduce(p, n, Kind.SUM_SQUARE, 18));
        Operators.put(ops, "ReduceLogSumExp", (p, n) -> reduce(p, n, Kind.LOG_SUM_EXP, 18));
        Operators.put(ops, "ArgMax", (p, n) -> arg(p, n, false));
        Operators.put(ops, "ArgMin", (p, n) -> arg(p, n, true));
    }

    /** {@code shape} with the reduced axes set to 1 (keepdims) or removed. */
    static long[] outShape(long[] shape, boolean[] reduced, boolean keepdims) {
        List<Long> out = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            if (!reduced[d]) out.add(shape[d]);
            else if (keepdims) out.add(1L);
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    private static void reduce(Planner p, Node n, Kind kind, int axesInputSince) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        long[] axes;
        if (p.opset() >= axesInputSince) {
            if (n.has("axes")) throw n.invalid("axes is an input since opset " + axesInputSince + ", not an attribute");
            axes = p.has(n, 1) ? p.knownInput(n, 1, "axes").asLongs() : null;
        } else {
            if (p.has(n, 1)) throw n.invalid("axes is an attribute before opset " + axesInputSince + ", not an input");
            axes = n.ints("axes", null);
        }
        boolean keep = n.i("keepdims", 1) != 0;
        boolean noop = n.i("noop_with_empty_axes", 0) != 0;
        boolean[] red = new boolean[xs.length];
        if (axes == null || axes.length == 0) {
            if (noop) {
                // No reduction: the input itself (onnxruntime copies it; no per-element function applies).
                int y = p.define(n, 0, xs, p.type(x));
                long[] rm = Layouts.rowMajor(xs);
                p.add(new DataMovement.Copy(n.name, x, y, xs, 0, rm, 0, rm));
                return;
            }
            Arrays.fill(red, true);
        } else {
            for (long a : axes) {
                int d = DataMovement.axis(n, a, xs.length);
                if (red[d]) throw n.invalid("axis " + a + " appears twice in axes " + Arrays.toString(axes));
                red[d] = true;
            }
        }
        int y = p.define(n, 0, outShape(xs, red, keep), p.type(x));
        p.add(new Reduce(n.name, kind, x, y, xs, red));
    }

    private static void arg(Planner p, Node n, boolean min) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        int ax = DataMovement.axis(n, n.i("axis", 0), xs.length);
        if (xs[ax] == 0) throw n.invalid("axis " + ax + " of " + Arrays.toString(xs) + " is empty: no index to return");
        boolean keep = n.i("keepdims", 1) != 0;
        boolean last = n.i("select_last_index", 0) != 0;
        boolean[] red = new boolean[xs.length];
        red[ax] = true;
        int y = p.define(n, 0, outShape(xs, red, keep), ElemType.INT);
        p.add(new Arg(n.name, min, last, x, y, xs, red));
    }

    // ------------------------------------------------------------------ CPU addressing

    /**
     * Row-major offsets of a reduction on the CPU: {@code base(o)} is the input offset of output
     * element o (kept axes in order), {@code offsets} those of the reduced sub-lattice.
     */
    private record Lattice(long[] keptSizes, long[] keptStrides, int[] offsets) {
        static Lattice of(long[] shape, boolean[] reduced) {
            long[] rm = Layouts.rowMajor(shape);
            List<long[]> kept = new ArrayList<>(), red = new ArrayList<>();
            for (int d = 0; d < shape.length; d++) (reduced[d] ? red : kept).add(new long[] {shape[d], rm[d]});
            long len = 1;
            for (long[] r : red) len *= r[0];
            int[] off = new int[Math.toIntExact(len)];
            for (int i = 0; i < off.length; i++) {
                long rem = i, o = 0;
                for (int k = red.size() - 1; k >= 0; k--) {
                    o += rem % red.get(k)[0] * red.get(k)[1];
                    rem /= red.get(k)[0];
                }
                off[i] = Math.toIntExact(o);
            }
            return new Lattice(kept.stream().mapToLong(a -> a[0]).toArray(), kept.stream().mapToLong(a -> a[1]).toArray(), off);
        }

        int outputs() {
            return Math.toIntExact(Tensor.numel(keptSizes));
        }

        int base(int o) {
            long rem = o, b = 0;
            for (int k = keptSizes.length - 1; k >= 0; k--) {
                b += rem % keptSizes[k] * keptStrides[k];
                rem /= keptSizes[k];
            }
            return (int) b;
        }
    }

    /** Runs {@code body(o)} for every output element, in chunks on the executor's pool. */
    private static void forEachOutput(CpuRun r, int outputs, long work, java.util.function.IntConsumer body) {
        int tasks = r.parallelism() && work > 1 << 15 ? Math.min(outputs, 64) : 1;
        r.parallel(tasks, t -> {
            int from = (int) ((long) outputs * t / tasks), to = (int) ((long) outputs * (t + 1) / tasks);
            for (int o = from; o < to; o++) body.accept(o);
        });
    }

    static double reduceF(Kind kind, float[] x, int base, int[] off) {
        double shift = 0;
        if (kind == Kind.LOG_SUM_EXP) {
            double m = Double.NEGATIVE_INFINITY;
            for (int k : off) {
                double v = x[base + k];
                if (v > m || Double.isNaN(v)) m = v;
                if (Double.isNaN(m)) break;
            }
            if (Double.isInfinite(m) || Double.isNaN(m)) return m;
            shift = m;
        }
        double acc = switch (kind) {
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            case PROD -> 1;
            default -> 0;
        };
        for (int k : off) {
            double v = x[base + k];
            switch (kind) {
                case SUM, MEAN -> acc += v;
                case MAX -> acc = v > acc || Double.isNaN(v) ? v : acc;
                case MIN -> acc = v < acc || Double.isNaN(v) ? v : acc;
                case PROD -> acc *= v;
                case L1 -> acc += Math.abs(v);
                case L2, SUM_SQUARE -> acc += v * v;
                case LOG_SUM_EXP -> acc += Math.exp(v - shift);
            }
        }
        return switch (kind) {
            case MEAN -> acc / off.length;
            case L2 -> Math.sqrt(acc);
            case LOG_SUM_EXP -> shift + Math.log(acc);
            default -> acc;
        };
    }

    static long reduceL(Kind kind, long[] x, int base, int[] off) {
        if (kind == Kind.LOG_SUM_EXP || kind == Kind.L2) {
            float[] f = new float[off.length];
            int[] seq = new int[off.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = x[base + off[i]];
                seq[i] = i;
            }
            return (long) reduceF(kind, f, 0, seq);
        }
        long acc = switch (kind) {
            case MAX -> Long.MIN_VALUE;
            case MIN -> Long.MAX_VALUE;
            case PROD -> 1;
            default -> 0;
        };
        for (int k : off) {
            long v = x[base + k];
            switch (kind) {
                case SUM, MEAN -> acc += v;
                case MAX -> acc = Math.max(acc, v);
                case MIN -> acc = Math.min(acc, v);
                case PROD -> acc *= v;
                case L1 -> acc += Math.abs(v);
                default -> acc += v * v; // SUM_SQUARE
            }
        }
        return kind == Kind.MEAN && off.length > 0 ? acc / off.length : acc;
    }

    // ------------------------------------------------------------------ GPU geometry

    /**
     * How a reduction runs on the GPU. Direct: the input read as [outer, len, inner] in storage
     * order, the output written as [outer, inner]. Otherwise ({@code copyShape} set) the input is
     * first copied into scratch, kept axes (in the output's storage order) before reduced ones, and
     * reduced there as [outputs, len, 1].
     */
    record Geometry(long outer, long len, long inner, long[] copyShape, long[] copyFrom) {
        boolean direct() {
            return copyShape == null;
        }

        /**
         * @param shape   the input's logical shape
         * @param reduced which axes are reduced
         * @param in      the input's physical strides per axis
         * @param out     the output's physical strides per input axis (ignored for reduced axes)
         */
        static Geometry of(long[] shape, boolean[] reduced, long[] in, long[] out) {
            List<Integer> dims = new ArrayList<>();
            for (int d = 0; d < shape.length; d++) if (shape[d] > 1) dims.add(d);
            dims.sort(Comparator.comparingLong((Integer d) -> in[d]).reversed());
            int first = -1, last = -1;
            boolean adjacent = true, ordered = true;
            long prev = Long.MAX_VALUE;
            for (int i = 0; i < dims.size(); i++) {
                int d = dims.get(i);
                if (reduced[d]) {
                    if (first < 0) first = i;
                    else if (last != i - 1) adjacent = false;
                    last = i;
                } else {
                    if (out[d] >= prev) ordered = false;
                    prev = out[d];
                }
            }
            if (adjacent && ordered) {
                long outer = 1, len = 1, inner = 1;
                for (int i = 0; i < dims.size(); i++) {
                    long s = shape[dims.get(i)];
                    if (first >= 0 && i >= first && i <= last) len *= s;
                    else if (first >= 0 && i > last) inner *= s;
                    else outer *= s;
                }
                return new Geometry(outer, len, inner, null, null);
            }
            List<Integer> kept = new ArrayList<>(), red = new ArrayList<>();
            for (int d : dims) (reduced[d] ? red : kept).add(d);
            kept.sort(Comparator.comparingLong((Integer d) -> out[d]).reversed());
            kept.addAll(red);
            long[] cs = new long[kept.size()], cf = new long[kept.size()];
            long outer = 1, len = 1;
            for (int i = 0; i < cs.length; i++) {
                int d = kept.get(i);
                cs[i] = shape[d];
                cf[i] = in[d];
                if (reduced[d]) len *= shape[d]; else outer *= shape[d];
            }
            return new Geometry(outer, len, 1, cs, cf);
        }

        /** The geometry of a reduction of {@code in} into {@code out} under the given storage layouts. */
        static Geometry of(Plan plan, int in, int out, boolean[] reduced, boolean inNhwc, boolean outNhwc) {
            return of(plan.shapes[in], plan.shapes[out], reduced, inNhwc, outNhwc);
        }

        /** The same from shapes: {@code os} is the output's shape (with or without the reduced axes). */
        static Geometry of(long[] shape, long[] os, boolean[] reduced, boolean inNhwc, boolean outNhwc) {
            long[] ps = Layouts.physicalStrides(shape, inNhwc), po = Layouts.physicalStrides(os, outNhwc);
            long[] perAxis = new long[shape.length];
            for (int d = 0, k = 0; d < shape.length; d++) {
                if (os.length == shape.length) perAxis[d] = po[d];
                else if (!reduced[d]) perAxis[d] = po[k++];
            }
            return of(shape, reduced, ps, perAxis);
        }
    }

    /**
     * Lowers a reduction of value {@code in} by {@code geo}: the permuting copy into scratch when the
     * geometry needs one, then the launcher's kernel on [outer, len, inner].
     */
    private static void lower(GpuLowering g, String node, Geometry geo, int in, Launcher launcher) {
        if (geo.len() > Integer.MAX_VALUE) {
            throw new dev.vahost.inference.UnsupportedModelException(g.modelName() + ": " + node + ": reducing "
                    + geo.len() + " elements into one is beyond the kernels' 32-bit reduced length");
        }
        long src = g.addr(in);
        if (!geo.direct()) {
            long scratch = g.scratch();
            g.copy("reduce-permute", src, scratch, g.elementBytes(in), geo.copyShape(), geo.copyFrom(), 0,
                    Layouts.rowMajor(geo.copyShape()), 0);
            src = scratch;
        }
        launcher.launch(src, geo.outer(), (int) geo.len(), geo.inner());
    }

    @FunctionalInterface
    private interface Launcher {
        void launch(long x, long outer, int len, long inner);
    }

    private static long scratchFor(Plan plan, Layouts l, int in, int out, boolean[] reduced, int floatBytes) {
        Geometry geo = Geometry.of(plan, in, out, reduced, l.nhwc(plan.root(in)), l.nhwc(plan.root(out)));
        return geo.direct() ? 0 : plan.numel(in) * floatBytes;
    }

    private static int grid(long n) {
        return (int) Math.max(1, Math.min(n, 1L << 20));
    }

    private static long align(long bytes) {
        return (bytes + 255) / 256 * 256;
    }

    /** Which kernel reduces [outer, len, inner] (reduce.cu's header says why). */
    enum Path {
        SERIAL, ROWS_WARP, ROWS_BLOCK, COLS;

        static Path of(long len, long inner) {
            if (len <= 16) return SERIAL;
            if (inner == 1) return len < 2048 ? ROWS_WARP : ROWS_BLOCK;
            return COLS;
        }
    }

    /**
     * Most float partials a split reduction writes: splitting happens only below 256 blocks, into at
     * most ⌈1024 / blocks⌉ chunks, and a COLS block covers at most 32 outputs, so outer · splits ·
     * inner ≤ 32 · blocks · (1024 / blocks + 1) &lt; 32 · (1024 + 256); ROWS_BLOCK stays below 1280.
     */
    static final int PARTIAL_FLOATS = 32 * (1024 + 256);

    /**
     * Into how many chunks the reduced axis is split (1: none): enough for about 1024 blocks when
     * the outputs alone give fewer than 256, each chunk at least 2048 (a block-wide row) or 64 (a
     * column of 8 threads) long. Log-sum-exp never splits (its shift is the whole axis' max).
     */
    static int splits(Kind kind, Path path, long outer, long len, long inner) {
        if (kind == Kind.LOG_SUM_EXP || (path != Path.ROWS_BLOCK && path != Path.COLS)) return 1;
        long blocks = path == Path.ROWS_BLOCK ? outer : outer * ((inner + 31) / 32);
        if (blocks >= 256) return 1;
        long s = Math.min((1024 + blocks - 1) / blocks, len / (path == Path.ROWS_BLOCK ? 2048 : 64));
        return (int) Math.max(1, Math.min(s, 256));
    }

    // ------------------------------------------------------------------ steps

    /** A reduction of {@code in} (of {@code shape}) over the {@code reduced} axes into {@code out}. */
    public record Reduce(String node, Kind kind, int in, int out, long[] shape, boolean[] reduced) implements Step.OneToOne {
        /** Any layout: the GPU lowering addresses both operands through their physical strides. */
        @Override
        public boolean layouts(Layouts.Rules r) { return false; }

        /**
         * The permuted input when the geometry needs it, then room for split partials: a bound that
         * holds at every batch size (see {@link #PARTIAL_FLOATS}), since the arena sizes scratch at
         * the max batch while smaller batches split more.
         */
        @Override
        public long scratchBytes(Plan plan, Layouts l, int floatBytes) {
            long permuted = scratchFor(plan, l, in, out, reduced, floatBytes);
            return align(permuted) + (kind == Kind.LOG_SUM_EXP ? 0 : 4L * PARTIAL_FLOATS);
        }

        @Override
        public void cpu(CpuRun r) {
            Lattice lat = Lattice.of(shape, reduced);
            int outputs = lat.outputs();
            long work = (long) outputs * lat.offsets().length;
            if (r.data(in) instanceof float[] x) {
                float[] y = r.outF(out);
                forEachOutput(r, outputs, work, o -> y[o] = (float) reduceF(kind, x, lat.base(o), lat.offsets()));
            } else {
                long[] x = r.l(in), y = r.outL(out);
                forEachOutput(r, outputs, work, o -> y[o] = reduceL(kind, x, lat.base(o), lat.offsets()));
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            if (g.plan().isInt(in)) {
                throw new dev.vahost.inference.UnsupportedModelException(g.modelName() + ": " + node + ": " + kind
                        + " of a run-time integer tensor " + g.plan().describe(in) + "; integer reductions run only at"
                        + " load time (shape arithmetic)");
            }
            if (g.plan().numel(out) == 0) return;
            Geometry geo = Geometry.of(g.plan(), in, out, reduced, g.nhwc(in), g.nhwc(out));
            long y = g.addr(out);
            int op = kind.ordinal();
            String sfx = g.suffix();
            long permuted = geo.direct() ? 0 : align(g.plan().numel(in) * g.elementBytes(in));
            lower(g, node, geo, in, (x, outer, len, inner) -> {
                Path path = Path.of(len, inner);
                int splits = splits(kind, path, outer, len, inner);
                if (splits > 1 && outer * splits * inner > PARTIAL_FLOATS) throw new IllegalStateException(node + ": partials overflow");
                long part = splits > 1 ? g.scratch() + permuted : 0L; // after the permuted input (scratchBytes)
                switch (path) {
                    case SERIAL -> {
                        // Short reductions: one thread per output, consecutive threads on adjacent outputs.
                        Kernel k = g.kernel("reduce", "reduce_serial" + sfx);
                        g.add("reduce", s -> k.launch(s, blocks(outer * inner), 1, 1, THREADS, 1, 1, 0, x, y, outer, len, inner, op));
                    }
                    case ROWS_WARP -> {
                        Kernel k = g.kernel("reduce", "reduce_rows_warp" + sfx);
                        int grid = grid((outer + 7) / 8);
                        g.add("reduce", s -> k.launch(s, grid, 1, 1, THREADS, 1, 1, 0, x, y, outer, len, op));
                    }
                    case ROWS_BLOCK -> {
                        Kernel k = g.kernel("reduce", "reduce_rows_block" + sfx);
                        int grid = grid(outer);
                        g.add("reduce", s -> k.launch(s, grid, splits, 1, THREADS, 1, 1, 0, x, y, part, outer, len, op));
                    }
                    case COLS -> {
                        Kernel k = g.kernel("reduce", "reduce_cols" + sfx);
                        int grid = grid(outer * ((inner + 31) / 32));
                        g.add("reduce", s -> k.launch(s, grid, splits, 1, 32, 8, 1, 0, x, y, part, outer, len, inner, op));
                    }
                }
                if (splits > 1) {
                    Kernel k = g.kernel("reduce", "reduce_partials" + sfx);
                    g.add("reduce", s -> k.launch(s, blocks(outer * inner), 1, 1, THREADS, 1, 1, 0, part, y, outer, splits, inner,
                            len, op));
                }
            });
        }

        @Override
        public String toString() {
            return "Reduce[" + node + " " + kind + " " + Arrays.toString(shape) + " over " + Arrays.toString(reduced) + "]";
        }
    }

    /**
     * ArgMax/ArgMin of {@code in} over one axis into INT {@code out}: the first extreme index, or the
     * last with {@code last} (select_last_index). A NaN found first stays the answer (comparisons
     * with NaN are false), as in a plain scan.
     */
    public record Arg(String node, boolean min, boolean last, int in, int out, long[] shape, boolean[] reduced)
            implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return false; }

        @Override
        public long scratchBytes(Plan plan, Layouts l, int floatBytes) {
            return scratchFor(plan, l, in, out, reduced, floatBytes);
        }

        @Override
        public void cpu(CpuRun r) {
            Lattice lat = Lattice.of(shape, reduced);
            int[] off = lat.offsets();
            long[] y = r.outL(out);
            Object data = r.data(in);
            forEachOutput(r, lat.outputs(), (long) lat.outputs() * off.length, o -> {
                int base = lat.base(o), best = 0;
                if (data instanceof float[] x) {
                    float bv = x[base + off[0]];
                    for (int i = 1; i < off.length; i++) {
                        float v = x[base + off[i]];
                        if (min ? v < bv : v > bv) { bv = v; best = i; }
                        else if (last && v == bv) best = i;
                    }
                } else {
                    long[] x = (long[]) data;
                    long bv = x[base + off[0]];
                    for (int i = 1; i < off.length; i++) {
                        long v = x[base + off[i]];
                        if (min ? v < bv : v > bv) { bv = v; best = i; }
                        else if (last && v == bv) best = i;
                    }
                }
                y[o] = best;
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            if (g.plan().isInt(in)) {
                throw new dev.vahost.inference.UnsupportedModelException(g.modelName() + ": " + node + ": "
                        + (min ? "ArgMin" : "ArgMax") + " of a run-time integer tensor " + g.plan().describe(in)
                        + " is not supported on the GPU");
            }
            if (g.plan().numel(out) == 0) return;
            Geometry geo = Geometry.of(g.plan(), in, out, reduced, g.nhwc(in), false);
            long y = g.addr(out);
            int isMin = min ? 1 : 0, isLast = last ? 1 : 0;
            String sfx = g.suffix();
            lower(g, node, geo, in, (x, outer, len, inner) -> {
                if (inner == 1 && len > 32) {
                    // Contiguous long rows (class scores): one warp per row, coalesced.
                    Kernel k = g.kernel("reduce", "arg_rows" + sfx);
                    int grid = grid((outer + 7) / 8);
                    g.add("reduce", s -> k.launch(s, grid, 1, 1, THREADS, 1, 1, 0, x, y, outer, len, isMin, isLast));
                } else {
                    Kernel k = g.kernel("reduce", "arg_serial" + sfx);
                    g.add("reduce", s -> k.launch(s, blocks(outer * inner), 1, 1, THREADS, 1, 1, 0, x, y, outer, len, inner,
                            isMin, isLast));
                }
            });
        }
    }
}
