package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Pointer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.InvalidModelException;
import dev.vahost.inference.UnsupportedModelException;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DeviceOutOfMemoryException;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.Transfers;

import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * The launches of one prepared batch size: every step lowered in order ({@link Step#gpu}), its
 * int64 tables uploaded in one buffer, the model's inputs and outputs copied (and converted,
 * permuted where the arena value is NHWC) between the caller's tensors and the arena, and, when
 * captured, one CUDA graph ({@link GraphCapture}) replayed in place of the launches.
 */
public final class GpuPlan implements GpuLowering {
    private static final Logger LOG = LoggerFactory.getLogger(GpuPlan.class);
    /** How a model input or output gets between the caller's contiguous tensor and the arena. */
    record IoCopy(long[] table, int rank, long n, long span, long[] ref) {}

    final int batch;
    final Plan plan;
    private final Resources r;
    final List<Launch> launches = new ArrayList<>();
    final List<String> kinds = new ArrayList<>(), nodes = new ArrayList<>(); // per launch, for profiles
    final IoCopy[] inputCopies, outputCopies; // null entries: plain conversion (NCHW storage)
    private final List<long[]> meta = new ArrayList<>();
    private int metaLength;
    private long metaBase;
    private final boolean tune;
    private final CudaStream tuneStream;
    final List<ConvCall> convs = new ArrayList<>();
    private int step = -1;
    private String node = "";
    final GraphCapture graph = new GraphCapture();

    /** Lowers {@code plan} (at {@code batch}); {@code tune}: time convolution algorithms on {@code s}. */
    public GpuPlan(Resources r, Plan plan, boolean tune, CudaStream s) {
        this.r = r;
        this.plan = plan;
        this.batch = plan.batch;
        this.tune = tune;
        this.tuneStream = s;
        Plan max = r.maxPlan;
        if (plan.names.length != max.names.length || plan.steps.size() != max.steps.size()) {
            throw new UnsupportedModelException(r.model + ": the graph plans differently at batch " + batch + " ("
                    + plan.names.length + " values, " + plan.steps.size() + " steps) than at " + max.batch + " ("
                    + max.names.length + ", " + max.steps.size() + ")");
        }
        for (int v = 0; v < plan.names.length; v++) {
            if ((plan.constants[v] == null) != (max.constants[v] == null) || plan.types[v] != max.types[v]) {
                throw new UnsupportedModelException(r.model + ": value " + plan.describe(v) + " is planned differently at batch "
                        + batch + " than at " + max.batch);
            }
            if (r.arena.offset(v) >= 0 && plan.numel(v) > max.numel(v)) {
                throw new UnsupportedModelException(r.model + ": value " + plan.describe(v) + " at batch " + batch
                        + " is larger than at the max batch " + max.batch);
            }
        }
        for (int si = 0; si < plan.steps.size(); si++) {
            long need = plan.steps.get(si).scratchBytes(plan, r.layouts, r.dtype.bytes());
            if (need > r.arena.scratchBytes(si)) {
                throw new UnsupportedModelException(r.model + ": " + plan.steps.get(si).node() + " needs more scratch at batch "
                        + batch + " than at the max batch");
            }
        }
        inputCopies = new IoCopy[plan.inputs.length];
        for (int i = 0; i < plan.inputs.length; i++) inputCopies[i] = ioCopy(plan.inputs[i], true);
        outputCopies = new IoCopy[plan.outputs.length];
        for (int i = 0; i < plan.outputs.length; i++) outputCopies[i] = ioCopy(plan.outputs[i], false);
        for (int si = 0; si < plan.steps.size(); si++) {
            Step st = plan.steps.get(si);
            step = si;
            node = st.node();
            try {
                st.gpu(this);
            } catch (UnsupportedModelException | InvalidModelException | DeviceOutOfMemoryException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new IllegalStateException(r.model + ": GPU plan for " + st.node() + " at batch " + batch
                        + " failed: " + e.getMessage(), e);
            }
        }
        step = -1;
        if (metaLength > 0) {
            long[] all = new long[metaLength];
            int at = 0;
            for (long[] m : meta) {
                System.arraycopy(m, 0, all, at, m.length);
                at += m.length;
            }
            DeviceBuffer b = r.alloc(8L * metaLength, "index tables (batch " + batch + ")");
            Transfers.toDevice(b.address(), all);
            metaBase = b.address();
        }
    }

    /** A permuting copy between a contiguous NCHW tensor and an NHWC arena value, or null for NCHW values. */
    private IoCopy ioCopy(int v, boolean in) {
        int root = plan.root(v);
        if (!r.layouts.nhwc(root)) return null;
        long[] shape = plan.shapes[v], rm = Layouts.rowMajor(shape), ph = r.layouts.physicalStrides(plan, root);
        IoCopy c = stridedCopy(shape, in ? rm : ph, 0, in ? ph : rm, 0);
        return new IoCopy(c.table(), c.rank(), c.n(), c.span(), table(c.table()));
    }

    /**
     * The table of a strided copy, iterating in the destination's storage order with adjacent
     * dimensions merged: shape, source strides, destination strides, source and destination offsets.
     */
    static IoCopy stridedCopy(long[] shape, long[] from, long fromOffset, long[] to, long toOffset) {
        int[] order = Layouts.storageOrder(shape, to);
        long[][] c = Layouts.coalesce(Layouts.permute(shape, order), new long[][] {Layouts.permute(from, order), Layouts.permute(to, order)});
        int rank = c[0].length;
        long[] t = new long[3 * rank + 2];
        long n = 1, reachFrom = fromOffset, reachTo = toOffset;
        for (int d = 0; d < rank; d++) {
            t[d] = c[0][d];
            t[rank + d] = c[1][d];
            t[2 * rank + d] = c[2][d];
            n *= c[0][d];
            reachFrom += (c[0][d] - 1) * Math.abs(c[1][d]);
            reachTo += (c[0][d] - 1) * Math.abs(c[2][d]);
        }
        t[3 * rank] = fromOffset;
        t[3 * rank + 1] = toOffset;
        return new IoCopy(t, rank, n, Math.max(n, Math.max(reachFrom, reachTo) + 1), null);
    }

    // ------------------------------------------------------------------ GpuLowering

    @Override
    public String modelName() { return r.model; }

    @Override
    public Plan plan() { return plan; }

    @Override
    public DType precision() { return r.dtype; }

    @Override
    public long addr(int v) {
        int root = plan.root(v);
        Tensor c = plan.constants[root];
        if (c != null) {
            if (!c.isFloat()) {
                long[] l = c.longs();
                int[] i32 = new int[l.length];
                for (int i = 0; i < l.length; i++) {
                    if (l[i] > Integer.MAX_VALUE || l[i] < Integer.MIN_VALUE) {
                        throw new UnsupportedModelException(r.model + ": " + node + ": integer constant " + plan.describe(root)
                                + " holds " + l[i] + ", beyond the GPU's int32 indices");
                    }
                    i32[i] = (int) l[i];
                }
                return r.uploadInts(c, i32, "constant " + plan.describe(root));
            }
            return r.uploadActivations(c, c.floats(), "constant " + plan.describe(root));
        }
        int into = r.placements.into[root];
        if (into >= 0) return addr(into) + r.placements.channel[root] * elementBytes(root);
        long off = r.arena.offset(root);
        if (off < 0) throw new IllegalStateException("value " + plan.describe(v) + " has no storage");
        return r.arena.base + off;
    }

    @Override
    public long pixelStride(int v) {
        int root = plan.root(v), into = r.placements.into[root];
        return plan.shapes[into >= 0 ? into : v][1];
    }

    @Override
    public boolean nhwc(int v) {
        return r.layouts.nhwc(plan.root(v));
    }

    @Override
    public long scratch() {
        long off = step >= 0 ? r.arena.scratchOffset(step) : -1;
        if (off < 0) throw new IllegalStateException(node + " uses scratch it did not ask for (Step.scratchBytes)");
        return r.arena.base + off;
    }

    @Override
    public Kernel kernel(String name) {
        return r.module("glue").kernel(name);
    }

    @Override
    public Kernel kernel(String module, String name) {
        return r.module(module).kernel(name);
    }

    @Override
    public void add(String kind, Launch l) {
        launches.add(l);
        kinds.add(kind);
        nodes.add(node);
        // a step's work goes to its first launch (profiles sum it by kind)
        boolean first = step >= 0 && step != lastWorkStep;
        if (first) lastWorkStep = step;
        flops.add(first ? plan.steps.get(step).flops(plan) : 0.0);
        bytes.add(first ? stepBytes(plan.steps.get(step)) : 0L);
    }

    private int lastWorkStep = -1;
    /** Per launch: the floating-point operations and the bytes of its step's operands (see {@link #add}). */
    final List<Double> flops = new ArrayList<>();
    final List<Long> bytes = new ArrayList<>();

    /** Bytes a step reads and writes at the least: each distinct operand (constants included) once. */
    private long stepBytes(Step st) {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        long b = 0;
        for (int[] vs : new int[][] {st.reads(), st.writes()}) {
            for (int v : vs) if (seen.add(plan.root(v))) b += plan.numel(v) * elementBytes(v);
        }
        if (st instanceof Conv c) b += (long) c.weight().size() * r.dtype.bytes();
        return b;
    }

    @Override
    public long[] table(long[] data) {
        meta.add(data);
        long[] ref = {metaLength};
        metaLength += data.length;
        return ref;
    }

    @Override
    public long tableAddress(long[] ref) {
        return metaBase + 8L * ref[0];
    }

    @Override
    public long uploadF32(Object key, float[] data, String what) {
        return r.uploadF32(key, data, what);
    }

    @Override
    public long uploadInts(Object key, int[] data, String what) {
        return r.uploadInts(key, data, what);
    }

    @Override
    public long uploadActivations(Object key, float[] data, String what) {
        return r.uploadActivations(key, data, what);
    }

    @Override
    public long[] physical(int v, long[] shape, long[] strides, long offset) {
        boolean nhwc = nhwc(v);
        long[] res = Layouts.restride(shape, strides, offset, plan.shapes[v], nhwc, nhwc ? pixelStride(v) : 0);
        if (res == null) {
            throw new IllegalStateException("node " + node + ": operand " + plan.describe(v) + " cannot be addressed NHWC at batch "
                    + batch + " (the layout analysis at batch " + r.maxPlan.batch + " allowed it)");
        }
        return res;
    }

    /**
     * A same-type strided copy, moved in the widest units (16, 8 or 4 bytes) that every stride,
     * offset and the innermost run allow (arena values are 256-byte aligned).
     */
    @Override
    public void copy(String kind, long x, long y, int es, long[] shape, long[] from, long fromOffset, long[] to, long toOffset) {
        if (Tensor.numel(shape) == 0) return;
        IoCopy c = stridedCopy(shape, from, fromOffset, to, toOffset);
        int rank = c.rank();
        long[] t = c.table();
        for (int width : new int[] {16, 8, 4}) {
            int u = width / es;
            if (u <= 1 && width != es) continue;
            if (u < 1) continue;
            if (u > 1) {
                if (t[rank + rank - 1] != 1 || t[2 * rank + rank - 1] != 1 || t[rank - 1] % u != 0) continue; // innermost: contiguous run of whole units
                boolean fits = t[3 * rank] % u == 0 && t[3 * rank + 1] % u == 0;
                for (int d = 0; d < rank - 1 && fits; d++) fits = t[rank + d] % u == 0 && t[2 * rank + d] % u == 0;
                if (!fits) continue;
            }
            long[] w = t.clone();
            w[rank - 1] /= u;
            for (int d = 0; d < rank - 1; d++) { w[rank + d] /= u; w[2 * rank + d] /= u; }
            w[3 * rank] /= u;
            w[3 * rank + 1] /= u;
            launchCopy(kind, x, y, width, w, rank, c.n() / u, Math.max(1, c.span() / u + 1));
            return;
        }
        if (es != 2) throw new IllegalStateException("no copy kernel for " + es + "-byte elements");
        if (transpose(kind, x, y, t, rank, c.span())) return;
        launchCopy(kind, x, y, 2, t, rank, c.n(), c.span());
    }

    /** A 2-byte copy that transposes, by tiles ({@code transpose_b2}, see {@link #transposeArgs}); false, launching nothing, for others. */
    private boolean transpose(String kind, long x, long y, long[] t, int rank, long span) {
        long[] a = transposeArgs(t, rank);
        if (a == null) return false;
        long tiles = a[0] * a[1] * ((a[2] + 31) / 32) * ((a[3] + 31) / 32);
        int grid = (int) Math.min(tiles, 1L << 20);
        Kernel k = kernel("transpose_b2");
        add(kind, st -> k.launch(st, grid, 1, 1, 32, 8, 1, 0, x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                a[12], a[13], span));
        return true;
    }

    /**
     * {@code transpose_b2}'s arguments for a copy by table {@code t} ({@link #stridedCopy}) when, after coalescing, it has at
     * most four dimensions, the destination contiguous along the last (s), the source contiguous along another (r),
     * both at least 8 long, the others (up to two) batches: {b1n, b2n, rn, sn, xb1, xb2, xr, xs, yb1, yb2, yr, ys, xo, yo}.
     * Null for any other copy.
     */
    static long[] transposeArgs(long[] t, int rank) {
        int s = rank - 1, rd = -1;
        if (rank < 2 || rank > 4 || t[2 * rank + s] != 1 || t[rank + s] == 1 || t[s] < 8) return null;
        for (int d = 0; d < s; d++) if (t[rank + d] == 1 && t[d] >= 8) rd = d;
        if (rd < 0) return null;
        long[] bn = {1, 1}, bx = {0, 0}, by = {0, 0};
        for (int d = 0, b = 0; d < s; d++) {
            if (d == rd) continue;
            bn[b] = t[d];
            bx[b] = t[rank + d];
            by[b] = t[2 * rank + d];
            b++;
        }
        return new long[] {bn[0], bn[1], t[rd], t[s], bx[0], bx[1], t[rank + rd], t[rank + s], by[0], by[1], t[2 * rank + rd],
                t[2 * rank + s], t[3 * rank], t[3 * rank + 1]};
    }

    /**
     * A copy of {@code n} units of {@code width} bytes by table {@code t} (see {@link #stridedCopy}).
     * Up to two dimensions after coalescing (a Concat or Split on channels-last values: rows of
     * channels at a row stride) take {@code copy2d_bW}: one division per unit and no table reads,
     * where the general kernel reads the table and divides once per dimension; three or four take
     * {@code copy4d_bW} (strides as arguments, three divisions), more the general kernel.
     */
    private void launchCopy(String kind, long x, long y, int width, long[] t, int rank, long n, long span) {
        if (rank <= 2) {
            long rows = rank == 2 ? t[0] : 1, cols = t[rank - 1];
            long xs = rank == 2 ? t[rank] : 0, ys = rank == 2 ? t[2 * rank] : 0;
            long xc = t[2 * rank - 1], yc = t[3 * rank - 1], xo = t[3 * rank], yo = t[3 * rank + 1];
            Kernel k = kernel("copy2d_b" + width);
            add(kind, s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, rows, cols, xs, ys, xc, yc, xo, yo, span));
            return;
        }
        if (rank <= 4) {
            // three or four dimensions: the strides as arguments (leading dimensions of size 1 for three)
            long[] a = new long[14];
            int lead = 4 - rank;
            for (int d = 0; d < 4; d++) {
                int src = d - lead;
                a[d] = src < 0 ? 1 : t[src];
                a[4 + d] = src < 0 ? 0 : t[rank + src];
                a[8 + d] = src < 0 ? 0 : t[2 * rank + src];
            }
            a[12] = t[3 * rank];
            a[13] = t[3 * rank + 1];
            Kernel k = kernel("copy4d_b" + width);
            add(kind, s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
                    a[10], a[11], a[12], a[13], span));
            return;
        }
        long[] ref = table(t);
        Kernel k = kernel("copy_b" + width);
        add(kind, s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, rank, n, tableAddress(ref), span));
    }

    @Override
    public long cublas() { return r.cublas; }

    @Override
    public long cudnn() { return r.cudnn; }

    @Override
    public Pointer one() { return r.one; }

    @Override
    public Pointer zero() { return r.zero; }

    @Override
    public long[] workspace(long bytes) {
        if (bytes > r.workspaceBytes) {
            throw new IllegalStateException(node + " needs " + bytes + " B of library workspace, " + r.workspaceBytes + " B available");
        }
        workspaceNeeded = Math.max(workspaceNeeded, bytes);
        return r.workspace;
    }

    long workspaceNeeded;

    @Override
    public boolean convolution(Conv c, boolean nhwc, long x, long xs, long y, long ys, Epilogue epilogue, Residual residual) {
        convolutions++;
        ConvCall call;
        long xc = x, xcs = xs, yc = y, ycs = ys; // what the convolution itself reads and writes
        EngineConfig.Fusion mode = r.config.fusion();
        // AUTO fuses in the plans tuned at load only: building a fused graph compiles its kernels (about
        // 0.1 s per configuration tried on the H200), too slow for every batch size prepared afterwards.
        boolean tryFusion = mode == EngineConfig.Fusion.ON || (mode == EngineConfig.Fusion.AUTO && tune);
        Residual res = residual != null && FusedConv.takes(residual) ? residual : null;
        try {
            call = new ConvCall(r, c, nhwc, x, xs, y, ys, tune, tuneStream);
        } catch (IllegalStateException e) {
            if (ys == c.k() && xs == c.c()) throw e;
            // cuDNN's legacy API refuses strided NHWC operands (measured with cuDNN 9.19). A backend graph
            // states every stride: where one runs on the views themselves, nothing is copied.
            if ((epilogue != null || res != null) && tryFusion && FusedConv.eligible(r, c, nhwc, res != null)) {
                String[] why = new String[1];
                long t0 = System.nanoTime();
                String where = "conv " + c.node() + " NHWC on channel views (input pixels " + xs + " apart, output " + ys + ")";
                FusedConv f = FusedConv.build(r, where, c, x, xs, ConvCall.nhwcWeights(r, c, "weights of " + c.node() + " (KRSC)"), y, ys,
                        res, tuneStream, why);
                fusionMs += (System.nanoTime() - t0) / 1e6;
                if (f != null) {
                    fused++;
                    fusedOnViews++;
                    if (res != null) residualsFused++;
                    workspaceNeeded = Math.max(workspaceNeeded, f.wsBytes);
                    add("conv-fused", f);
                    return res != null;
                }
                LOG.info("{}: no fused graph on the channel views either: {}", c.node(), why[0]);
            }
            // No algorithm reads or writes the channel slices: buffers of its own, copied from and into the slices.
            throughBuffers++;
            LOG.info("{}: {}; reading and writing buffers of its own, copied from and into the wider storage", c.node(), e.getMessage());
            long rows = (long) c.n() * c.h() * c.w();
            if (xs != c.c()) {
                xc = r.alloc(rows * c.c() * r.dtype.bytes(), "input of " + c.node() + " (batch " + batch + ")").address();
                xcs = c.c();
                copy("copy", x, xc, r.dtype.bytes(), new long[] {rows, c.c()}, new long[] {xs, 1}, 0, new long[] {c.c(), 1}, 0);
            }
            if (ys != c.k()) {
                yc = r.alloc((long) c.n() * c.oh() * c.ow() * c.k() * r.dtype.bytes(), "output of " + c.node() + " (batch " + batch + ")")
                        .address();
                ycs = c.k();
            }
            call = new ConvCall(r, c, nhwc, xc, xcs, yc, ycs, tune, tuneStream);
        }
        convs.add(call);
        Launch ep = epilogue == null ? null : epilogue.at(yc, ycs);
        // the residual joins the graph only where the graph writes the output itself (not through a buffer of its own)
        Residual inGraph = yc == y ? res : null;
        FusedConv f = null;
        if ((ep != null || inGraph != null) && tryFusion && FusedConv.eligible(r, c, nhwc, inGraph != null)) {
            String[] why = new String[1];
            long t0 = System.nanoTime();
            f = FusedConv.build(r, call, c, yc, ycs, inGraph, tuneStream, why);
            fusionMs += (System.nanoTime() - t0) / 1e6;
            ConvCall unfusedCall = call;
            // what the fused graph replaces: the convolution, its epilogue, and the residual addition as the Add ran it
            Launch add = inGraph == null ? null : residualAdd(c, yc, ycs, inGraph);
            double unfused = f == null || mode == EngineConfig.Fusion.ON ? Double.NaN : ConvCall.time(tuneStream, st -> {
                unfusedCall.run(st);
                if (ep != null) ep.run(st);
                if (add != null) add.run(st);
            });
            if (f == null) {
                LOG.debug("{}: not fused: {}", call.where, why[0]);
            } else if (mode != EngineConfig.Fusion.ON && f.ms >= unfused) {
                LOG.debug("{}: fused {} ms slower than unfused {} ms: unfused", call.where, f.ms, unfused);
                f = null;
            } else {
                LOG.debug("{}: fused {} ms (unfused {} ms)", call.where, f.ms, unfused);
            }
        }
        boolean residualDone = false;
        if (f != null) {
            fused++;
            call.fusedAway = true;
            residualDone = inGraph != null;
            if (residualDone) residualsFused++;
            workspaceNeeded = Math.max(workspaceNeeded, f.wsBytes);
            add("conv-fused", f);
        } else {
            workspaceNeeded = Math.max(workspaceNeeded, call.wsBytes);
            add(call.useGemm ? "conv1x1-gemm" : "conv", call);
            if (ep != null) add("bias_act", ep);
        }
        if (yc != y) {
            long rows = (long) c.n() * c.oh() * c.ow();
            copy("copy", yc, y, r.dtype.bytes(), new long[] {rows, c.k()}, new long[] {c.k(), 1}, 0, new long[] {ys, 1}, 0);
        }
        return residualDone;
    }

    /**
     * The residual addition as a launch of its own, for timing against the fused graph: y += r, then the
     * activation, fp16 rows of k channels (binary_rows8_f16, which the Add lowers to for channel slices;
     * FusedConv.eligible asks k % 8 == 0).
     */
    private Launch residualAdd(Conv c, long y, long ys, Residual res) {
        Kernel k = kernel("binary_rows8_f16");
        long rows = (long) c.n() * c.oh() * c.ow(), cols8 = c.k() / 8, rs = res.pixelStride(), span = rows * Math.max(ys, rs);
        int code = res.act().code;
        float alpha = res.alpha(), beta = res.beta();
        long ra = res.address();
        return s -> k.launch(s, blocks(rows * cols8), 1, 1, THREADS, 1, 1, 0, y, ra, y, 0, rows, cols8, ys, rs, ys, 0, 0, code, alpha, beta,
                span);
    }

    @Override
    public EngineConfig.Fusion fusion() {
        return r.config.fusion();
    }

    @Override
    public boolean faster(String key, Runnable a, Runnable b, boolean untunedA) {
        if (!tune) {
            Boolean chosen = r.choices.get(key);
            boolean keepA = chosen != null ? chosen : untunedA;
            (keepA ? a : b).run();
            return keepA;
        }
        Mark m = new Mark();
        a.run();
        double msA = m.ms();
        m.undo();
        b.run();
        double msB = m.ms();
        boolean keepA = msA < msB;
        if (keepA) {
            m.undo();
            a.run();
        }
        r.choices.put(key, keepA);
        LOG.debug("{} at batch {}: {} ms one way, {} ms the other: {}", key, batch, msA, msB, keepA ? "the first" : "the second");
        return keepA;
    }

    /** What the launch list and the load line's counts were at a point of lowering, to time or take back what came after. */
    private final class Mark {
        final int launches0 = launches.size(), meta0 = meta.size(), convs0 = convs.size(), lastWorkStep0 = lastWorkStep;
        final int convolutions0 = convolutions, fused0 = fused, fusedOnViews0 = fusedOnViews, residualsFused0 = residualsFused,
                throughBuffers0 = throughBuffers;
        final long workspaceNeeded0 = workspaceNeeded;

        /** Milliseconds per run of the launches appended since, on the tuning stream. */
        double ms() {
            if (meta.size() != meta0) throw new IllegalStateException(node + ": an alternative lowering registered index tables");
            List<Launch> since = List.copyOf(launches.subList(launches0, launches.size()));
            return ConvCall.time(tuneStream, s -> since.forEach(l -> l.run(s)));
        }

        /** Takes back the launches appended since and their counts (buffers allocated since stay with the engine). */
        void undo() {
            for (List<?> l : List.of(launches, kinds, nodes, flops, bytes)) l.subList(launches0, l.size()).clear();
            convs.subList(convs0, convs.size()).clear();
            lastWorkStep = lastWorkStep0;
            convolutions = convolutions0;
            fused = fused0;
            fusedOnViews = fusedOnViews0;
            residualsFused = residualsFused0;
            throughBuffers = throughBuffers0;
            workspaceNeeded = workspaceNeeded0;
        }
    }

    /** Convolutions lowered. */
    int convolutions;
    /** Convolutions run as one fused cuDNN graph with their bias and activation. */
    int fused;
    /** Of {@link #fused}: those reading or writing channel views in place (a backend graph with their strides). */
    int fusedOnViews;
    /** Of {@link #fused}: those whose graph also adds the residual (a ResNet/YOLO bottleneck's Add). */
    int residualsFused;
    /** Convolutions on channel views that copy through buffers of their own (no cuDNN call takes the views). */
    int throughBuffers;
    /** Host time spent building (compiling) and timing fused graphs. */
    double fusionMs;

    // ------------------------------------------------------------------ running

    /** Enqueues the whole plan on {@code s}: the graph when there is one and graphs are enabled. */
    void enqueue(CudaStream s, boolean graphsEnabled) {
        if (graphsEnabled && graph.exec() != null) {
            graph.launch(s, () -> r.model + ", batch " + batch + ", " + launches.size() + " launches");
            return;
        }
        r.setStream(s);
        for (Launch l : launches) l.run(s);
    }

    /** Runs the launches on {@code s} one by one (warm-up, capture). */
    void runLaunches(CudaStream s) {
        r.setStream(s);
        for (Launch l : launches) l.run(s);
    }

    /** Input into the arena or output out of it: a converting copy, permuting where the arena value is NHWC. */
    void transfer(CudaStream s, IoCopy c, long from, DType fromType, long to, DType toType, long n, Kernel[][] converters,
                  Kernel[][] permuters) {
        if (n == 0) return;
        int a = fromType == DType.F16 ? 1 : 0, b = toType == DType.F16 ? 1 : 0;
        if (c == null) {
            converters[a][b].launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, from, to, n);
        } else {
            permuters[a][b].launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, from, to, c.rank(), c.n(), tableAddress(c.ref()), c.span());
        }
    }

    int launchCount() {
        return launches.size();
    }
}
