package dev.vahost.inference.internal.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Memory;

import dev.vahost.inference.UnsupportedModelException;
import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.jna.Cudnn;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * ConvTranspose, 1-D and 2-D (strides, pads, dilations, group, output_padding, output_shape,
 * auto_pad, optional bias). Output sizes and the begin padding as the ONNX definition states them
 * (and onnxruntime 1.23.2 computes them, checked against it): with {@code output_shape} the total
 * padding is (in − 1)·stride + output_padding + (k − 1)·dilation + 1 − out (at least 0), split with
 * the larger half at the end for SAME_UPPER and at the begin otherwise (NOTSET, SAME_LOWER, VALID);
 * SAME_UPPER / SAME_LOWER without it pad to an output of in·stride, split the same way; explicit
 * pads otherwise. A 1-D ConvTranspose on
 * [N, C, L] is the 2-D one of height 1 on the same storage.
 *
 * <p>CPU: scatter-accumulation from the definition, y[n, g·K/g + k, i·s + a·d − pad] += x[n, c, i]·w[c, k, a]
 * (double sums per output plane), plus the bias. GPU: cuDNN's backward-data convolution, which is
 * this operator: the ONNX weight [C, K/group, kh, kw] is the filter of a forward convolution from K
 * to C channels. cuDNN pads symmetrically and sizes its result from the input, so where the ONNX
 * padding is asymmetric (or output_padding / output_shape reach past what cuDNN computes) it writes
 * a larger result into scratch and a crop copy (zero where cuDNN computed nothing) makes the output.
 * The algorithm is chosen by cuDNN's heuristics, its workspace asked for the math type it runs with,
 * and it is run once at plan time so that cuDNN's parameter checks fail at load, not at inference.
 * fp16: tensor-op math, fp32 accumulation; fp32: FMA math (no TF32). Both operands NCHW.
 */
public final class ConvTransposeOp {
    private static final Logger LOG = LoggerFactory.getLogger(ConvTransposeOp.class);

    private ConvTransposeOp() {}

    static void plan(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (p.isInt(x)) throw n.invalid("input is integer");
        if (xs.length != 4 && xs.length != 3) {
            throw n.unsupported("only 1-D and 2-D ConvTranspose (rank-3 or rank-4 input) are supported, input is " + Arrays.toString(xs));
        }
        int dims = xs.length - 2;
        Tensor w = p.knownInput(n, 1, "weight");
        if (!w.isFloat() || w.rank() != xs.length) {
            throw n.invalid("weight must be a float [C, K/group" + (dims == 2 ? ", kh, kw" : ", k") + "] tensor, got " + w.describe());
        }
        Tensor b = p.has(n, 2) ? p.knownInput(n, 2, "bias") : null;
        int group = ConvOps.toInt(n, n.i("group", 1), "group");
        int c = (int) xs[1];
        if (group < 1 || c % group != 0 || w.dim(0) != c) {
            throw n.invalid("input has " + c + " channels, weight " + w.describe() + ", group " + group
                    + ": the weight must be [C, K/group, ...] with C divisible by group");
        }
        int k = ConvOps.toInt(n, w.dim(1) * group, "output channels");
        if (b != null && (!b.isFloat() || b.size() != k)) {
            throw n.invalid("bias must be " + k + " floats (one per output channel), got " + b.describe());
        }
        int kh = dims == 2 ? (int) w.dim(2) : 1, kw = (int) w.dim(xs.length - 1);
        long[] kernel = dims == 2 ? new long[] {kh, kw} : new long[] {kw};
        long[][] sp = ConvOps.spatial(n, dims, kernel);
        if (!Arrays.equals(dims == 2 ? sp[0] : new long[] {sp[0][1]}, kernel)) {
            throw n.invalid("kernel_shape " + Arrays.toString(n.ints("kernel_shape", null)) + " differs from the weight " + w.describe());
        }
        long[] st = sp[1], dl = sp[2], pads = sp[3];
        long[] adj = n.ints("output_padding", new long[dims]);
        if (adj.length != dims) throw n.invalid("output_padding " + Arrays.toString(adj) + " does not fit " + dims + " spatial axes");
        for (long a : adj) if (a < 0) throw n.invalid("output_padding must not be negative, got " + Arrays.toString(adj));
        long[] os = n.ints("output_shape", null);
        if (os != null && os.length != dims && os.length != dims + 2) {
            throw n.invalid("output_shape " + Arrays.toString(os) + " must have " + dims + " (or " + (dims + 2) + ") values");
        }
        String autoPad = n.s("auto_pad", "NOTSET");
        switch (autoPad) {
            case "NOTSET": break;
            case "VALID": case "SAME_UPPER": case "SAME_LOWER":
                for (long v : pads) if (v != 0) throw n.invalid("pads " + Arrays.toString(pads) + " given together with auto_pad " + autoPad);
                break;
            default: throw n.unsupported("auto_pad '" + autoPad + "'");
        }
        // Per 2-D axis (0: height, 1: width); a 1-D operator's height axis is 1 -> 1.
        long[] in = dims == 2 ? new long[] {xs[2], xs[3]} : new long[] {1, xs[2]};
        long[] outPad = new long[2], head = new long[2], out = new long[2];
        long[] given = {-1, -1};
        for (int d = 0; d < dims; d++) {
            int a = d + (2 - dims);
            outPad[a] = adj[d];
            if (os != null) given[a] = os[os.length - dims + d];
        }
        for (int a = 0; a < 2; a++) {
            if (dims == 1 && a == 0) { out[0] = 1; continue; }
            long eff = dl[a] * (sp[0][a] - 1) + 1;
            long full = (in[a] - 1) * st[a] + outPad[a] + eff;
            if (given[a] >= 0) {
                out[a] = given[a];
                long total = Math.max(0, full - out[a]);
                head[a] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
            } else if (autoPad.startsWith("SAME")) {
                long total = Math.max(0, full - in[a] * st[a]);
                head[a] = autoPad.equals("SAME_UPPER") ? total / 2 : total - total / 2;
                out[a] = full - total;
            } else {
                head[a] = pads[a];
                out[a] = full - pads[a] - pads[a + 2];
            }
            if (out[a] <= 0) {
                throw n.invalid("output size " + out[a] + " along spatial axis " + (a - (2 - dims)) + " (input " + in[a] + ", stride "
                        + st[a] + ", kernel " + sp[0][a] + ", dilation " + dl[a] + ", pads " + Arrays.toString(pads) + ")");
            }
            if (out[a] > Integer.MAX_VALUE || head[a] > Integer.MAX_VALUE) throw n.unsupported("output size " + out[a] + " is too large");
        }
        long[] ys = dims == 2 ? new long[] {xs[0], k, out[0], out[1]} : new long[] {xs[0], k, out[1]};
        int y = p.define(n, 0, ys, ElemType.FLOAT);
        p.add(new ConvTranspose(n.name, x, y, (int) xs[0], c, (int) in[0], (int) in[1], k, (int) out[0], (int) out[1], kh, kw,
                (int) st[0], (int) st[1], (int) dl[0], (int) dl[1], (int) head[0], (int) head[1], group, w, b));
    }

    /**
     * One axis as cuDNN computes it: symmetric padding {@code q}, a result of {@code len} positions,
     * and output position j = result position j + {@code offset} (zero outside the result).
     */
    record Axis(int q, int len, int offset) {}

    /**
     * The cuDNN view of an axis with input length {@code in} and the ONNX output [head, head + out)
     * of the full transposed axis, or null when cuDNN cannot compute it. cuDNN's result with pad q
     * covers full positions [q, q + len), where len must make the forward convolution of the result
     * give back {@code in}: len in [full − 2q, full − 2q + s − 1] (full = (in − 1)·s + (k − 1)·d + 1,
     * the positions some input reaches). q ≤ head keeps the first kept position inside the result;
     * q is at most what still lets the result reach the last position that receives anything, and
     * small enough that some len ≥ 1 exists.
     */
    static Axis axis(int in, int s, int d, int k, int head, int out) {
        long eff = (long) d * (k - 1) + 1, full = (long) (in - 1) * s + eff;
        long reach = Math.min((long) head + out, full);
        long q = Math.max(0, Math.min(head, Math.min(full + s - 1 - reach, (full + s - 2) / 2)));
        long lo = Math.max(1, full - 2 * q), hi = full - 2 * q + s - 1;
        long len = Math.max(lo, Math.min(hi, (long) head + out - q));
        if (len > hi || len > Integer.MAX_VALUE) return null;
        return new Axis((int) q, (int) len, (int) (head - q));
    }

    /**
     * Transposed convolution, NCHW semantics: input [n, c, h, w], weight [c, k/groups, kh, kw], output
     * [n, k, oh, ow] = positions [pt, pt + oh) x [pl, pl + ow) of the full transposed result.
     */
    public record ConvTranspose(String node, int in, int out, int n, int c, int h, int w, int k, int oh, int ow, int kh, int kw,
                                int sh, int sw, int dh, int dw, int pt, int pl, int groups, Tensor weight, Tensor bias)
            implements Step.OneToOne {
        private Axis rows() { return axis(h, sh, dh, kh, pt, oh); }

        private Axis cols() { return axis(w, sw, dw, kw, pl, ow); }

        private static boolean direct(Axis a, int out) { return a.offset() == 0 && a.len() == out; }

        @Override
        public long scratchBytes(Plan p, Layouts l, int floatBytes) {
            Axis r = rows(), s = cols();
            if (r == null || s == null || (direct(r, oh) && direct(s, ow))) return 0;
            return (long) n * k * r.len() * s.len() * floatBytes;
        }

        // ------------------------------------------------------------------ CPU

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            float[] wt = weight.floats(), b = bias == null ? null : bias.floats();
            int cg = c / groups, kg = k / groups, plane = oh * ow, inPlane = h * w;
            // One task per output plane (image, output channel): it gathers every input channel of its group.
            r.parallel(n * k, task -> {
                int img = task / k, oc = task % k, g = oc / kg, kk = oc % kg;
                double[] acc = new double[plane];
                for (int ci = g * cg; ci < (g + 1) * cg; ci++) {
                    int xBase = (img * c + ci) * inPlane, wBase = (ci * kg + kk) * kh * kw;
                    for (int a = 0; a < kh; a++) {
                        for (int bb = 0; bb < kw; bb++) {
                            double wv = wt[wBase + a * kw + bb];
                            for (int i = 0; i < h; i++) {
                                int oy = i * sh + a * dh - pt;
                                if (oy < 0 || oy >= oh) continue;
                                int row = oy * ow, xRow = xBase + i * w;
                                for (int j = 0; j < w; j++) {
                                    int ox = j * sw + bb * dw - pl;
                                    if (ox >= 0 && ox < ow) acc[row + ox] += x[xRow + j] * wv;
                                }
                            }
                        }
                    }
                }
                double bv = b == null ? 0 : b[oc];
                int yBase = (img * k + oc) * plane;
                for (int q = 0; q < plane; q++) y[yBase + q] = (float) (acc[q] + bv);
            });
        }

        // ------------------------------------------------------------------ GPU

        @Override
        public void gpu(GpuLowering g) {
            Axis ar = rows(), ac = cols();
            String where = "ConvTranspose node '" + node + "' " + n + "x" + c + "x" + h + "x" + w + " -> " + k + "x" + oh + "x" + ow
                    + " k" + kh + "x" + kw + " s" + sh + "x" + sw + " d" + dh + "x" + dw + " g" + groups;
            if (ar == null || ac == null) {
                throw new UnsupportedModelException(g.modelName() + ": " + where + ": its padding (begin " + pt + ", " + pl
                        + ") cannot be expressed with cuDNN's backward-data convolution");
            }
            boolean direct = direct(ar, oh) && direct(ac, ow);
            long dy = g.addr(in), yOut = g.addr(out), dx = direct ? yOut : g.scratch();
            long wAddr = g.uploadActivations(weight, weight.floats(), "weights of " + node);
            boolean f16 = g.precision() == DType.F16;
            int dataType = f16 ? Cudnn.CUDNN_DATA_HALF : Cudnn.CUDNN_DATA_FLOAT;
            // fp32 stays on FMA math: DEFAULT_MATH lets Ampere+ GPUs use TF32 silently.
            int defaultMath = f16 ? Cudnn.CUDNN_TENSOR_OP_MATH : Cudnn.CUDNN_FMA_MATH;
            Choice choice = choose(g, ar, ac, dataType, defaultMath, dy, wAddr, dx, where);
            long[] ws = choice.workspace();
            long wsBytes = choice.bytes();
            int algo = choice.algo(), math = choice.math();
            g.add("convtranspose", s -> {
                try (Descriptors d = new Descriptors(this, ar, ac, dataType, math, where)) {
                    int st = Cudnn.Cnn.cudnnConvolutionBackwardData(g.cudnn(), g.one(), d.w, wAddr, d.dy, dy, d.conv, algo,
                            wsBytes == 0 ? 0 : ws[0], wsBytes, g.zero(), d.dx, dx);
                    if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
                        throw new IllegalStateException("cudnnConvolutionBackwardData(" + where + ", algo " + algo + ", math " + math
                                + ", workspace " + wsBytes + " B) failed: " + Cudnn.describe(st));
                    }
                }
            });
            if (!direct) ConvOps.windowCopy(g, dx, yOut, false, n, k, ar.len(), ac.len(), oh, ow, ar.offset(), ac.offset());
            if (bias != null) {
                long b = g.uploadF32(bias, bias.floats(), "bias of " + node), plane = (long) oh * ow, count = (long) n * k * plane;
                Kernel kb = g.kernel("bias_act" + g.suffix());
                g.add("bias_act", s -> kb.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, yOut, b, plane, k, count, 0, 0f, 0f));
            }
        }

        /** The algorithm, its math type, workspace bytes and the engine's workspace holder (read [0] at launch). */
        private record Choice(int algo, int math, long bytes, long[] workspace) {}

        /**
         * cuDNN's heuristic candidates in its order, each with the math type it was ranked with (fp32:
         * always FMA), then every algorithm with the default math type. The first whose workspace the
         * engine can give and that cuDNN runs (once, on the arena's current contents) is kept.
         */
        private Choice choose(GpuLowering g, Axis ar, Axis ac, int dataType, int defaultMath, long dy, long wAddr, long dx, String where) {
            boolean f16 = dataType == Cudnn.CUDNN_DATA_HALF;
            try (Descriptors d = new Descriptors(this, ar, ac, dataType, defaultMath, where)) {
                long handle = g.cudnn();
                int[] count = new int[1];
                Cudnn.check(Cudnn.Cnn.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, count),
                        "cudnnGetConvolutionBackwardDataAlgorithmMaxCount");
                int req = Math.max(1, count[0]);
                Memory perf = new Memory((long) Cudnn.ALGO_PERF_SIZE * req);
                int[] got = new int[1];
                Cudnn.check(Cudnn.Cnn.cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, d.w, d.dy, d.conv, d.dx, req, got, perf),
                        "cudnnGetConvolutionBackwardDataAlgorithm_v7 " + where);
                List<long[]> cands = new ArrayList<>(); // {algo, math, reported workspace}
                for (int i = 0; i < Math.min(got[0], req); i++) {
                    long o = (long) i * Cudnn.ALGO_PERF_SIZE;
                    if (perf.getInt(o + 4) != Cudnn.CUDNN_STATUS_SUCCESS) continue;
                    int m = perf.getInt(o + 28);
                    if (!f16 || m < Cudnn.CUDNN_DEFAULT_MATH || m > Cudnn.CUDNN_FMA_MATH) m = defaultMath;
                    cands.add(new long[] {perf.getInt(o), m, perf.getLong(o + 16)});
                }
                int heuristic = cands.size();
                for (int a = 0; a < Cudnn.CONVOLUTION_BWD_DATA_ALGO_COUNT; a++) cands.add(new long[] {a, defaultMath, 0});
                StringBuilder rejected = new StringBuilder();
                for (int i = 0; i < cands.size(); i++) {
                    int a = (int) cands.get(i)[0], m = (int) cands.get(i)[1];
                    Object r = trial(g, d, a, m, cands.get(i)[2], dy, wAddr, dx);
                    if (r instanceof Choice ch) {
                        if (rejected.length() > 0) LOG.info("{}: using algo {} math {} workspace {} B after cuDNN rejected: {}", where, a, m, ch.bytes(), rejected);
                        else LOG.debug("{}: algo {} math {} workspace {} B", where, a, m, ch.bytes());
                        return ch;
                    }
                    if (i < heuristic || rejected.length() == 0) {
                        rejected.append(rejected.length() == 0 ? "" : "; ").append("algo ").append(a).append(" math ").append(m)
                                .append(": ").append(r);
                    }
                }
                throw new IllegalStateException("no cuDNN backward-data algorithm runs " + where + " (" + rejected + ")");
            }
        }

        /** Runs algorithm {@code a} with math {@code m} once; returns its Choice, or why it cannot be used. */
        private static Object trial(GpuLowering g, Descriptors d, int a, int m, long reported, long dy, long wAddr, long dx) {
            long handle = g.cudnn();
            int st = Cudnn.Cnn.cudnnSetConvolutionMathType(d.conv, m);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "cudnnSetConvolutionMathType: " + Cudnn.describe(st);
            long[] bytes = new long[1];
            st = Cudnn.Cnn.cudnnGetConvolutionBackwardDataWorkspaceSize(handle, d.w, d.dy, d.conv, d.dx, a, bytes);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "cudnnGetConvolutionBackwardDataWorkspaceSize: " + Cudnn.describe(st);
            long need = Math.max(bytes[0], reported);
            long[] ws = null;
            if (need > 0) {
                try {
                    ws = g.workspace(need);
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
            }
            st = Cudnn.Cnn.cudnnConvolutionBackwardData(handle, g.one(), d.w, wAddr, d.dy, dy, d.conv, a, need == 0 ? 0 : ws[0], need,
                    g.zero(), d.dx, dx);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "trial cudnnConvolutionBackwardData: " + Cudnn.describe(st);
            return new Choice(a, m, need, ws);
        }

        @Override
        public String toString() {
            return "ConvTranspose[" + node + " " + n + "x" + c + "x" + h + "x" + w + " -> " + k + "x" + oh + "x" + ow + " k" + kh + "x" + kw
                    + " s" + sh + "x" + sw + " g" + groups + "]";
        }
    }

    /**
     * The four descriptors of one backward-data call: filter [C, K/g, kh, kw], dy = the input
     * [n, C, h, w], dx = cuDNN's result [n, K, rows.len, cols.len], and the convolution (symmetric
     * pads, strides, dilations, groups, math type, fp32 compute). Created around each use and
     * destroyed after it: a step has no hook to release library objects with the engine (ConvCall's
     * live as long as the engine through Resources), and creating four host-side descriptors costs
     * microseconds (once per capture when the plan runs as a CUDA graph).
     */
    private static final class Descriptors implements AutoCloseable {
        long w, dy, dx, conv;

        Descriptors(ConvTranspose t, Axis rows, Axis cols, int dataType, int math, String where) {
            try {
                long[] h = new long[1];
                Cudnn.check(Cudnn.Ops.cudnnCreateFilterDescriptor(h), "cudnnCreateFilterDescriptor");
                w = h[0];
                Cudnn.check(Cudnn.Ops.cudnnCreateTensorDescriptor(h), "cudnnCreateTensorDescriptor");
                dy = h[0];
                Cudnn.check(Cudnn.Ops.cudnnCreateTensorDescriptor(h), "cudnnCreateTensorDescriptor");
                dx = h[0];
                Cudnn.check(Cudnn.Cnn.cudnnCreateConvolutionDescriptor(h), "cudnnCreateConvolutionDescriptor");
                conv = h[0];
                Cudnn.check(Cudnn.Ops.cudnnSetFilter4dDescriptor(w, dataType, Cudnn.CUDNN_TENSOR_NCHW, t.c(), t.k() / t.groups(), t.kh(),
                        t.kw()), "cudnnSetFilter4dDescriptor " + where);
                Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptor(dy, Cudnn.CUDNN_TENSOR_NCHW, dataType, t.n(), t.c(), t.h(), t.w()),
                        "cudnnSetTensor4dDescriptor(dy) " + where);
                Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptor(dx, Cudnn.CUDNN_TENSOR_NCHW, dataType, t.n(), t.k(), rows.len(),
                        cols.len()), "cudnnSetTensor4dDescriptor(dx) " + where);
                Cudnn.check(Cudnn.Cnn.cudnnSetConvolution2dDescriptor(conv, rows.q(), cols.q(), t.sh(), t.sw(), t.dh(), t.dw(),
                        Cudnn.CUDNN_CROSS_CORRELATION, Cudnn.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor " + where);
                Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionGroupCount(conv, t.groups()), "cudnnSetConvolutionGroupCount " + where);
                Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionMathType(conv, math), "cudnnSetConvolutionMathType " + where);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (w != 0) Cudnn.Ops.cudnnDestroyFilterDescriptor(w);
            if (dy != 0) Cudnn.Ops.cudnnDestroyTensorDescriptor(dy);
            if (dx != 0) Cudnn.Ops.cudnnDestroyTensorDescriptor(dx);
            if (conv != 0) Cudnn.Cnn.cudnnDestroyConvolutionDescriptor(conv);
            w = dy = dx = conv = 0;
        }
    }
}
