package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.jna.Cudnn;
import dev.vahost.inference.jna.Cudnn.Backend;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.CudaStream;

/**
 * A channels-last fp16 convolution with its bias and activation as one cuDNN backend operation
 * graph: convolution (fp32 accumulation) → bias add → activation, intermediates virtual (fp32, never
 * written to memory), the result rounded to fp16 once. cuDNN's heuristics propose engine
 * configurations; the first {@link #MAX_CONFIGS} that finalize (runtime-fused ones are compiled here,
 * at load) and fit the workspace are each run once to check them and timed, and the fastest kept.
 * The variant pack (the buffers' addresses) is built when the launch first runs and again whenever
 * the engine's shared workspace has moved (it is reallocated after planning).
 */
final class FusedConv implements GpuLowering.Launch {
    private static final Logger LOG = LoggerFactory.getLogger(FusedConv.class);
    /**
     * Engine configurations tried per convolution: each may compile a kernel at load (about 0.1 s on the H200).
     * System property {@code vahost.fused.configs} (1-16) changes it, to weigh load time against kernel speed.
     */
    static final int MAX_CONFIGS = Math.max(1, Math.min(16, Integer.getInteger("vahost.fused.configs", 2)));
    private static final long X = 1, W = 2, B = 3, Y = 4, R = 5, VIRTUAL = 10;

    final String where;
    final double ms;
    final long wsBytes;
    private final Resources r;
    private final BackendDesc plan;
    private final long[] uids, pointers;
    private final List<BackendDesc> keep;
    private BackendDesc pack;
    private long packWorkspace = -1;

    private FusedConv(Resources r, String where, BackendDesc plan, long wsBytes, double ms, long[] uids, long[] pointers,
                      List<BackendDesc> keep) {
        this.r = r;
        this.where = where;
        this.plan = plan;
        this.wsBytes = wsBytes;
        this.ms = ms;
        this.uids = uids;
        this.pointers = pointers;
        this.keep = keep;
    }

    /** The cuDNN pointwise mode of an activation a fused graph can end with, -1 when none (NONE: no activation op). */
    static int mode(Act a) {
        return switch (a) {
            case RELU -> Backend.POINTWISE_RELU_FWD;
            case SILU -> Backend.POINTWISE_SWISH_FWD;
            case SIGMOID -> Backend.POINTWISE_SIGMOID_FWD;
            case TANH -> Backend.POINTWISE_TANH_FWD;
            default -> -1;
        };
    }

    /** Whether a fused graph may express {@code c} at all (the engines decide the rest); with its residual addition too. */
    static boolean eligible(Resources r, Conv c, boolean nhwc, boolean withResidual) {
        boolean act = c.act() == Act.NONE || mode(c.act()) >= 0;
        return nhwc && r.dtype == DType.F16 && act && (c.bias() != null || c.act() != Act.NONE || withResidual) && c.groups() == 1
                && c.c() % 8 == 0 && c.k() % 8 == 0;
    }

    /** Whether a fused graph can end with this residual addition and its activation (16-byte pixels, a pointwise mode). */
    static boolean takes(GpuLowering.Residual res) {
        return (res.act() == Act.NONE || mode(res.act()) >= 0) && res.address() % 16 == 0 && res.pixelStride() % 8 == 0;
    }

    /**
     * Builds and times the fused graph of {@code c} reading {@code call}'s input and weights and writing
     * {@code y}; null, with the reason in {@code why[0]}, when no engine configuration runs it.
     */
    static FusedConv build(Resources r, ConvCall call, Conv c, long y, long yPixelStride, GpuLowering.Residual residual, CudaStream s,
                           String[] why) {
        return build(r, call.where, c, call.x, call.xPixelStride, call.w, y, yPixelStride, residual, s, why);
    }

    /**
     * The same for a convolution no legacy-API call exists for: input {@code x} with pixels {@code xPixelStride}
     * elements apart, KRSC weights {@code w}, output {@code y} with pixels {@code yPixelStride} apart (channel views
     * of wider storage, which cuDNN's legacy API refuses).
     */
    static FusedConv build(Resources r, String where, Conv c, long x, long xPixelStride, long w, long y, long yPixelStride,
                           GpuLowering.Residual residual, CudaStream s, String[] why) {
        // the tensors are declared 16-byte aligned: every pixel of x and y must start on 16 bytes
        if (x % 16 != 0 || y % 16 != 0 || xPixelStride % 8 != 0 || yPixelStride % 8 != 0) {
            why[0] = "operands not 16-byte aligned (x " + x % 16 + ", y " + y % 16 + ", pixel strides " + xPixelStride + ", " + yPixelStride + ")";
            return null;
        }
        List<BackendDesc> made = new ArrayList<>();
        FusedConv done = null;
        try {
            done = tryBuild(r, where, c, x, xPixelStride, w, y, yPixelStride, residual, s, made, why);
            return done;
        } catch (IllegalStateException e) {
            why[0] = e.getMessage();
            return null;
        } finally {
            if (done == null) {
                for (int i = made.size() - 1; i >= 0; i--) made.get(i).close();
            }
        }
    }

    private static BackendDesc tensor(List<BackendDesc> made, long uid, int dataType, long[] dims, long[] strides, boolean virtual) {
        BackendDesc t = BackendDesc.create(Backend.TENSOR_DESCRIPTOR, "tensor " + uid);
        made.add(t);
        t.enumValue(Backend.ATTR_TENSOR_DATA_TYPE, Backend.TYPE_DATA_TYPE, dataType)
                .longs(Backend.ATTR_TENSOR_DIMENSIONS, Backend.TYPE_INT64, dims)
                .longs(Backend.ATTR_TENSOR_STRIDES, Backend.TYPE_INT64, strides)
                .longs(Backend.ATTR_TENSOR_UNIQUE_ID, Backend.TYPE_INT64, uid)
                .longs(Backend.ATTR_TENSOR_BYTE_ALIGNMENT, Backend.TYPE_INT64, 16);
        if (virtual) t.bool(Backend.ATTR_TENSOR_IS_VIRTUAL, true);
        return t.finish();
    }

    /** NHWC strides of a logical [n, c, h, w] tensor. */
    private static long[] nhwc(long n, long c, long h, long w) {
        return new long[] {h * w * c, 1, w * c, c};
    }

    private static BackendDesc pointwise(List<BackendDesc> made, int mode, BackendDesc x, BackendDesc b, BackendDesc yd) {
        BackendDesc pw = BackendDesc.create(Backend.POINTWISE_DESCRIPTOR, "pointwise " + mode);
        made.add(pw);
        pw.enumValue(Backend.ATTR_POINTWISE_MODE, Backend.TYPE_POINTWISE_MODE, mode)
                .enumValue(Backend.ATTR_POINTWISE_MATH_PREC, Backend.TYPE_DATA_TYPE, Cudnn.CUDNN_DATA_FLOAT).finish();
        BackendDesc op = BackendDesc.create(Backend.OPERATION_POINTWISE_DESCRIPTOR, "pointwise op " + mode);
        made.add(op);
        op.descriptors(Backend.ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pw).descriptors(Backend.ATTR_OPERATION_POINTWISE_XDESC, x);
        if (b != null) op.descriptors(Backend.ATTR_OPERATION_POINTWISE_BDESC, b);
        return op.descriptors(Backend.ATTR_OPERATION_POINTWISE_YDESC, yd).finish();
    }

    private static FusedConv tryBuild(Resources r, String callWhere, Conv c, long x, long xs, long w, long y, long ys,
                                      GpuLowering.Residual residual, CudaStream s, List<BackendDesc> made, String[] why) {
        int half = Cudnn.CUDNN_DATA_HALF, f32 = Cudnn.CUDNN_DATA_FLOAT;
        long[] xd = {c.n(), c.c(), c.h(), c.w()}, yd = {c.n(), c.k(), c.oh(), c.ow()}, wd = {c.k(), c.c(), c.kh(), c.kw()};
        // xs: the input's pixels are its own channel count apart, or a wider storage's (read in place)
        BackendDesc xt = tensor(made, X, half, xd, new long[] {(long) c.h() * c.w() * xs, 1, (long) c.w() * xs, xs}, false);
        BackendDesc wt = tensor(made, W, half, wd, nhwc(c.k(), c.c(), c.kh(), c.kw()), false);
        // the output's pixels ys elements apart: its own channel count, or a Concat's (written in place)
        BackendDesc yt = tensor(made, Y, half, yd, new long[] {(long) c.oh() * c.ow() * ys, 1, (long) c.ow() * ys, ys}, false);
        boolean hasBias = c.bias() != null, hasAct = c.act() != Act.NONE, hasRes = residual != null;
        boolean hasPost = hasRes && residual.act() != Act.NONE;
        // the pointwise chain after the convolution: + bias, activation, + residual, its activation; the last writes Y
        int chain = (hasBias ? 1 : 0) + (hasAct ? 1 : 0) + (hasRes ? 1 : 0) + (hasPost ? 1 : 0);
        long[] virtualUid = {VIRTUAL};
        java.util.function.IntFunction<BackendDesc> next = left -> left == 0 ? yt
                : tensor(made, virtualUid[0]++, f32, yd, nhwc(c.n(), c.k(), c.oh(), c.ow()), true);
        BackendDesc convOut = chain == 0 ? yt : next.apply(chain);
        BackendDesc conv = BackendDesc.create(Backend.CONVOLUTION_DESCRIPTOR, "convolution");
        made.add(conv);
        conv.longs(Backend.ATTR_CONVOLUTION_SPATIAL_DIMS, Backend.TYPE_INT64, 2)
                .enumValue(Backend.ATTR_CONVOLUTION_COMP_TYPE, Backend.TYPE_DATA_TYPE, f32)
                .enumValue(Backend.ATTR_CONVOLUTION_CONV_MODE, Backend.TYPE_CONVOLUTION_MODE, Cudnn.CUDNN_CROSS_CORRELATION)
                .longs(Backend.ATTR_CONVOLUTION_PRE_PADDINGS, Backend.TYPE_INT64, c.pt(), c.pl())
                .longs(Backend.ATTR_CONVOLUTION_POST_PADDINGS, Backend.TYPE_INT64, c.pt(), c.pl())
                .longs(Backend.ATTR_CONVOLUTION_FILTER_STRIDES, Backend.TYPE_INT64, c.sh(), c.sw())
                .longs(Backend.ATTR_CONVOLUTION_DILATIONS, Backend.TYPE_INT64, c.dh(), c.dw()).finish();
        BackendDesc convOp = BackendDesc.create(Backend.OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR, "convolution op");
        made.add(convOp);
        convOp.descriptors(Backend.ATTR_OPERATION_CONVOLUTION_FORWARD_X, xt)
                .descriptors(Backend.ATTR_OPERATION_CONVOLUTION_FORWARD_W, wt)
                .descriptors(Backend.ATTR_OPERATION_CONVOLUTION_FORWARD_Y, convOut)
                .descriptors(Backend.ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv)
                .floatValue(Backend.ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, 1f)
                .floatValue(Backend.ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, 0f).finish();
        List<BackendDesc> ops = new ArrayList<>(List.of(convOp));
        List<Long> ids = new ArrayList<>(List.of(X, W, Y));
        List<Long> ptrs = new ArrayList<>(List.of(x, w, y));
        BackendDesc last = convOut;
        int left = chain;
        if (hasBias) {
            BackendDesc bt = tensor(made, B, half, new long[] {1, c.k(), 1, 1}, new long[] {c.k(), 1, c.k(), c.k()}, false);
            BackendDesc out = next.apply(--left);
            ops.add(pointwise(made, Backend.POINTWISE_ADD, last, bt, out));
            float[] b = c.bias().floats();
            ids.add(B);
            ptrs.add(r.uploadActivations(b, b, "bias of " + c.node() + " (" + r.dtype + ", fused)"));
            last = out;
        }
        if (hasAct) {
            BackendDesc out = next.apply(--left);
            ops.add(pointwise(made, mode(c.act()), last, null, out));
            last = out;
        }
        if (hasRes) {
            // the residual: fp16, NHWC, its pixels residual.pixelStride() apart (a channel view of wider storage, or its own)
            long rs = residual.pixelStride();
            BackendDesc rt = tensor(made, R, half, yd, new long[] {(long) c.oh() * c.ow() * rs, 1, (long) c.ow() * rs, rs}, false);
            BackendDesc out = next.apply(--left);
            ops.add(pointwise(made, Backend.POINTWISE_ADD, last, rt, out));
            ids.add(R);
            ptrs.add(residual.address());
            last = out;
        }
        if (hasPost) ops.add(pointwise(made, mode(residual.act()), last, null, next.apply(--left)));
        BackendDesc graph = BackendDesc.create(Backend.OPERATIONGRAPH_DESCRIPTOR, "operation graph");
        made.add(graph);
        graph.longs(Backend.ATTR_OPERATIONGRAPH_HANDLE, Backend.TYPE_HANDLE, r.cudnn)
                .descriptors(Backend.ATTR_OPERATIONGRAPH_OPS, ops.toArray(BackendDesc[]::new));
        int st = graph.tryFinalize();
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
            why[0] = "operation graph not supported: " + Cudnn.describe(st);
            return null;
        }
        long[] uidArr = ids.stream().mapToLong(Long::longValue).toArray();
        long[] ptrArr = ptrs.stream().mapToLong(Long::longValue).toArray();
        List<String> parts = new ArrayList<>();
        if (hasBias) parts.add("bias");
        if (hasAct) parts.add(c.act().name());
        if (hasRes) parts.add("residual" + (hasPost ? " + " + residual.act() : ""));
        String where = callWhere + " + " + String.join(" + ", parts) + " fused";
        StringBuilder rejected = new StringBuilder();
        // The instant heuristics first; the fallback list when none of theirs runs.
        for (int heurMode : new int[] {Backend.HEUR_MODE_INSTANT, Backend.HEUR_MODE_FALLBACK}) {
            FusedConv f = choose(r, graph, heurMode, where, uidArr, ptrArr, s, made, rejected);
            if (f != null) {
                r.onClose(f::close);
                LOG.debug("{}: {} ms, workspace {} B{}", where, f.ms, f.wsBytes, rejected.length() == 0 ? "" : " (" + rejected + ")");
                return f;
            }
        }
        why[0] = "no engine configuration ran (" + (rejected.length() == 0 ? "none proposed" : rejected) + ")";
        return null;
    }

    /**
     * The fastest of the first {@link #MAX_CONFIGS} configurations the heuristics of {@code heurMode}
     * propose that finalize, fit the workspace and run; null when none does. Every descriptor made
     * is added to {@code made}, the chosen plan's included; rejected plans are destroyed.
     */
    private static FusedConv choose(Resources r, BackendDesc graph, int heurMode, String where, long[] uids, long[] ptrs,
                                    CudaStream s, List<BackendDesc> made, StringBuilder rejected) {
        BackendDesc heur = BackendDesc.create(Backend.ENGINEHEUR_DESCRIPTOR, "heuristics");
        made.add(heur);
        heur.descriptors(Backend.ATTR_ENGINEHEUR_OPERATION_GRAPH, graph)
                .enumValue(Backend.ATTR_ENGINEHEUR_MODE, Backend.TYPE_HEUR_MODE, heurMode);
        int st = heur.tryFinalize();
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
            rejected.append(rejected.length() == 0 ? "" : "; ").append("heuristics mode ").append(heurMode).append(": ")
                    .append(Cudnn.describe(st));
            return null;
        }
        long[] count = new long[1];
        Cudnn.check(Cudnn.Graph.cudnnBackendGetAttribute(heur.handle, Backend.ATTR_ENGINEHEUR_RESULTS,
                Backend.TYPE_BACKEND_DESCRIPTOR, 0, count, null), "cudnnBackendGetAttribute(heuristics results count)");
        int n = (int) Math.min(count[0], 16);
        if (n == 0) return null;
        com.sun.jna.Memory handles = new com.sun.jna.Memory(8L * n);
        BackendDesc[] cfgs = new BackendDesc[n];
        for (int i = 0; i < n; i++) {
            cfgs[i] = BackendDesc.create(Backend.ENGINECFG_DESCRIPTOR, "engine config " + i);
            made.add(cfgs[i]); // kept while the engine lives: the chosen plan may refer to its configuration
            handles.setLong(8L * i, cfgs[i].handle);
        }
        Cudnn.check(Cudnn.Graph.cudnnBackendGetAttribute(heur.handle, Backend.ATTR_ENGINEHEUR_RESULTS,
                Backend.TYPE_BACKEND_DESCRIPTOR, n, count, handles), "cudnnBackendGetAttribute(heuristics results)");
        BackendDesc bestPlan = null;
        long bestWs = 0;
        double bestMs = Double.MAX_VALUE;
        int tried = 0;
        for (int i = 0; i < (int) Math.min(count[0], n) && tried < MAX_CONFIGS; i++) {
            BackendDesc p = BackendDesc.create(Backend.EXECUTION_PLAN_DESCRIPTOR, "execution plan " + i);
            p.longs(Backend.ATTR_EXECUTION_PLAN_HANDLE, Backend.TYPE_HANDLE, r.cudnn)
                    .descriptors(Backend.ATTR_EXECUTION_PLAN_ENGINE_CONFIG, cfgs[i]);
            st = p.tryFinalize();
            String bad = null;
            long ws = 0;
            double t = 0;
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
                bad = "plan: " + Cudnn.describe(st);
            } else {
                tried++;
                ws = p.int64(Backend.ATTR_EXECUTION_PLAN_WORKSPACE_SIZE);
                if (ws > r.workspaceBytes) {
                    bad = "needs " + ws + " B of workspace, " + r.workspaceBytes + " B available";
                } else {
                    FusedConv f = new FusedConv(r, where, p, ws, 0, uids, ptrs, List.of());
                    bad = f.check(s);
                    if (bad == null) t = ConvCall.time(s, f::run);
                    f.closePack();
                }
            }
            if (bad != null) {
                rejected.append(rejected.length() == 0 ? "" : "; ").append("mode ").append(heurMode).append(" config ")
                        .append(i).append(": ").append(bad);
                p.close();
            } else if (t < bestMs) {
                if (bestPlan != null) bestPlan.close();
                bestPlan = p;
                bestWs = ws;
                bestMs = t;
            } else {
                p.close();
            }
        }
        if (bestPlan == null) return null;
        made.add(bestPlan);
        return new FusedConv(r, where, bestPlan, bestWs, bestMs, uids, ptrs, List.copyOf(made));
    }

    /** Runs once on {@code s} and waits: null, or why this configuration cannot be used. */
    private String check(CudaStream s) {
        try {
            run(s);
            s.synchronize();
            return null;
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    private BackendDesc variantPack() {
        long ws = wsBytes == 0 ? 0 : r.workspace[0];
        if (pack != null && packWorkspace == ws) return pack;
        closePack();
        BackendDesc p = BackendDesc.create(Backend.VARIANT_PACK_DESCRIPTOR, "variant pack");
        try {
            p.longs(Backend.ATTR_VARIANT_PACK_UNIQUE_IDS, Backend.TYPE_INT64, uids)
                    .longs(Backend.ATTR_VARIANT_PACK_DATA_POINTERS, Backend.TYPE_VOID_PTR, pointers)
                    .longs(Backend.ATTR_VARIANT_PACK_WORKSPACE, Backend.TYPE_VOID_PTR, ws).finish();
        } catch (IllegalStateException e) {
            p.close();
            throw e;
        }
        pack = p;
        packWorkspace = ws;
        return p;
    }

    private void closePack() {
        if (pack != null) pack.close();
        pack = null;
        packWorkspace = -1;
    }

    @Override
    public void run(CudaStream s) {
        int st = Cudnn.Graph.cudnnBackendExecute(r.cudnn, plan.handle, variantPack().handle);
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
            throw new IllegalStateException("cudnnBackendExecute(" + where + ", workspace " + wsBytes + " B) failed: "
                    + Cudnn.describe(st));
        }
    }

    private void close() {
        closePack();
        for (int i = keep.size() - 1; i >= 0; i--) keep.get(i).close();
    }
}
