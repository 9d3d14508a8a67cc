package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Memory;

import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.UnsupportedModelException;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.jna.Cublas;
import dev.vahost.inference.jna.Cudnn;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;

/**
 * One convolution as cuDNN runs it (legacy API: descriptors, an algorithm chosen once per shape)
 * or, for channels-last 1x1 stride-1 ungrouped convolutions, as a cuBLAS GEMM when that measured
 * faster at plan time. Every candidate algorithm is checked when it is chosen: its workspace is
 * asked of cuDNN for the math type the algorithm was found with, and it is run once; an algorithm
 * cuDNN rejects falls back to the next candidate, so a BAD_PARAM surfaces at load, not at inference.
 */
final class ConvCall implements GpuLowering.Launch {
    private static final Logger LOG = LoggerFactory.getLogger(ConvCall.class);

    final String node, where;
    final long xDesc, wDesc, yDesc, convDesc, x, w, y;
    final int algo, math;
    long wsBytes;
    final boolean gemmShape, useGemm;
    /** Replaced by a {@link FusedConv} (this call is then never launched). */
    boolean fusedAway;
    final int gemmM, gemmK, gemmC, gemmLdb, gemmLdc;
    /** Elements between consecutive NHWC input pixels: the input channel count, or more (a channel slice of wider storage). */
    final long xPixelStride;
    private final Resources r;

    /**
     * {@code xPixelStride}, {@code yPixelStride}: elements between consecutive input and output pixels
     * (NHWC): the channel counts, or more when the input is read from a wider value's storage (a Split
     * output) or the output is a channel slice of a Concat's output ({@link Placements}).
     */
    ConvCall(Resources r, Conv c, boolean nhwc, long xAddress, long xPixelStride, long yAddress, long yPixelStride, boolean tune,
             CudaStream s) {
        this.r = r;
        this.xPixelStride = xPixelStride;
        node = c.node();
        DType dtype = r.dtype;
        int dt = dtype == DType.F16 ? Cudnn.CUDNN_DATA_HALF : Cudnn.CUDNN_DATA_FLOAT;
        long[] h = new long[1];
        Cudnn.check(Cudnn.Ops.cudnnCreateTensorDescriptor(h), "cudnnCreateTensorDescriptor");
        xDesc = h[0];
        Cudnn.check(Cudnn.Ops.cudnnCreateTensorDescriptor(h), "cudnnCreateTensorDescriptor");
        yDesc = h[0];
        Cudnn.check(Cudnn.Ops.cudnnCreateFilterDescriptor(h), "cudnnCreateFilterDescriptor");
        wDesc = h[0];
        Cudnn.check(Cudnn.Cnn.cudnnCreateConvolutionDescriptor(h), "cudnnCreateConvolutionDescriptor");
        convDesc = h[0];
        long xd = xDesc, yd = yDesc, wd = wDesc, cd = convDesc;
        r.onClose(() -> {
            Cudnn.Ops.cudnnDestroyTensorDescriptor(xd);
            Cudnn.Ops.cudnnDestroyTensorDescriptor(yd);
            Cudnn.Ops.cudnnDestroyFilterDescriptor(wd);
            Cudnn.Cnn.cudnnDestroyConvolutionDescriptor(cd);
        });
        String wh = "conv " + node + " " + c.n() + "x" + c.c() + "x" + c.h() + "x" + c.w() + " -> " + c.k() + "x"
                + c.oh() + "x" + c.ow() + " k" + c.kh() + "x" + c.kw() + " s" + c.sh() + " g" + c.groups();
        int format = nhwc ? Cudnn.CUDNN_TENSOR_NHWC : Cudnn.CUDNN_TENSOR_NCHW;
        wh += nhwc ? " NHWC" : " NCHW";
        if (nhwc && xPixelStride != c.c()) wh += " from a " + xPixelStride + "-channel storage";
        if (nhwc && yPixelStride != c.k()) wh += " into a " + yPixelStride + "-channel Concat";
        where = wh;
        if (nhwc && xPixelStride != c.c()) {
            long xs = xPixelStride;
            if ((long) c.h() * c.w() * xs > Integer.MAX_VALUE) throw new IllegalStateException(where + ": input strides beyond int");
            Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptorEx(xDesc, dt, c.n(), c.c(), c.h(), c.w(), (int) (c.h() * c.w() * xs), 1,
                    (int) (c.w() * xs), (int) xs), "cudnnSetTensor4dDescriptorEx(x, pixels " + xs + " apart) " + where);
        } else {
            Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptor(xDesc, format, dt, c.n(), c.c(), c.h(), c.w()),
                    "cudnnSetTensor4dDescriptor(x) " + where);
        }
        if (nhwc && yPixelStride != c.k()) {
            long ys = yPixelStride;
            if ((long) c.oh() * c.ow() * ys > Integer.MAX_VALUE) throw new IllegalStateException(where + ": output strides beyond int");
            Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptorEx(yDesc, dt, c.n(), c.k(), c.oh(), c.ow(), (int) (c.oh() * c.ow() * ys), 1,
                    (int) (c.ow() * ys), (int) ys), "cudnnSetTensor4dDescriptorEx(y, pixels " + ys + " apart) " + where);
        } else {
            Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptor(yDesc, format, dt, c.n(), c.k(), c.oh(), c.ow()),
                    "cudnnSetTensor4dDescriptor(y) " + where);
        }
        // NHWC filters are [K, kh, kw, C/groups] ("KRSC"), permuted once at upload.
        Cudnn.check(Cudnn.Ops.cudnnSetFilter4dDescriptor(wDesc, dt, format, c.k(), c.c() / c.groups(), c.kh(), c.kw()),
                "cudnnSetFilter4dDescriptor " + where);
        // cuDNN pads symmetrically with the begin pads; asymmetric ONNX pads are checked below.
        Cudnn.check(Cudnn.Cnn.cudnnSetConvolution2dDescriptor(convDesc, c.pt(), c.pl(), c.sh(), c.sw(), c.dh(), c.dw(),
                Cudnn.CUDNN_CROSS_CORRELATION, Cudnn.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor " + where);
        Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionGroupCount(convDesc, c.groups()), "cudnnSetConvolutionGroupCount " + where);
        // fp32: FMA math, because DEFAULT_MATH lets Ampere+ GPUs use TF32 (10-bit mantissa) silently.
        Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionMathType(convDesc, dtype == DType.F16 ? Cudnn.CUDNN_TENSOR_OP_MATH
                : Cudnn.CUDNN_FMA_MATH), "cudnnSetConvolutionMathType " + where);
        int[] on = new int[1], oc = new int[1], oh = new int[1], ow = new int[1];
        Cudnn.check(Cudnn.Cnn.cudnnGetConvolution2dForwardOutputDim(convDesc, xDesc, wDesc, on, oc, oh, ow),
                "cudnnGetConvolution2dForwardOutputDim " + where);
        if (oh[0] != c.oh() || ow[0] != c.ow()) {
            throw new UnsupportedModelException(r.model + ": Conv node '" + node + "': asymmetric padding (output "
                    + c.oh() + "x" + c.ow() + ", cuDNN's symmetric padding gives " + oh[0] + "x" + ow[0]
                    + ") is not supported on the GPU");
        }
        x = xAddress;
        y = yAddress;
        w = nhwc ? nhwcWeights(r, c, "weights of " + node + " (KRSC)")
                : r.uploadActivations(c.weight(), c.weight().floats(), "weights of " + node);
        int[] count = new int[1];
        Cudnn.check(Cudnn.Cnn.cudnnGetConvolutionForwardAlgorithmMaxCount(r.cudnn, count), "cudnnGetConvolutionForwardAlgorithmMaxCount");
        int req = Math.max(1, count[0]);
        Memory perf = new Memory((long) Cudnn.ALGO_PERF_SIZE * req);
        int[] got = new int[1];
        if (tune) {
            Cudnn.check(Cudnn.Cnn.cudnnFindConvolutionForwardAlgorithmEx(r.cudnn, xDesc, x, wDesc, w, convDesc, yDesc, y, req, got,
                    perf, r.workspace[0], r.workspaceBytes), "cudnnFindConvolutionForwardAlgorithmEx " + where);
        } else {
            Cudnn.check(Cudnn.Cnn.cudnnGetConvolutionForwardAlgorithm_v7(r.cudnn, xDesc, wDesc, convDesc, yDesc, req, got, perf),
                    "cudnnGetConvolutionForwardAlgorithm_v7 " + where);
        }
        // Candidates in cuDNN's order (fastest first), each with the math type it was found with, then
        // every algorithm with the default math type as a last resort.
        int defaultMath = dtype == DType.F16 ? Cudnn.CUDNN_TENSOR_OP_MATH : Cudnn.CUDNN_FMA_MATH;
        List<int[]> cands = new ArrayList<>();
        List<Long> reported = new ArrayList<>();
        for (int i = 0; i < Math.min(got[0], req); i++) {
            long o = (long) i * Cudnn.ALGO_PERF_SIZE;
            if (perf.getInt(o + 4) != Cudnn.CUDNN_STATUS_SUCCESS) continue;
            int m = perf.getInt(o + 28);
            // fp32 stays on FMA math whatever the entry says: DEFAULT_MATH lets Ampere+ use TF32 silently.
            if (dtype != DType.F16 || m < Cudnn.CUDNN_DEFAULT_MATH || m > Cudnn.CUDNN_FMA_MATH) m = defaultMath;
            cands.add(new int[] {perf.getInt(o), m});
            reported.add(perf.getLong(o + 16));
        }
        for (int a = 0; a < Cudnn.CONVOLUTION_FWD_ALGO_COUNT; a++) {
            cands.add(new int[] {a, defaultMath});
            reported.add(0L);
        }
        StringBuilder rejected = new StringBuilder();
        int chosen = -1, chosenMath = defaultMath;
        long mem = 0;
        for (int i = 0; i < cands.size() && chosen < 0; i++) {
            int a = cands.get(i)[0], m = cands.get(i)[1];
            long[] need = new long[1];
            String why = tryAlgorithm(a, m, reported.get(i), need);
            if (why == null) {
                chosen = a;
                chosenMath = m;
                mem = need[0];
            } else if (i < cands.size() - Cudnn.CONVOLUTION_FWD_ALGO_COUNT || rejected.length() == 0) {
                rejected.append(rejected.length() == 0 ? "" : "; ").append("algo ").append(a).append(" math ").append(m)
                        .append(": ").append(why);
            }
        }
        if (chosen < 0) {
            throw new IllegalStateException("no cuDNN algorithm runs " + where + " within a workspace of " + r.workspaceBytes
                    + " bytes (" + rejected + ")");
        }
        if (rejected.length() > 0) {
            LOG.info("{}: using algo {} math {} workspace {} B after cuDNN rejected: {}", where, chosen, chosenMath, mem, rejected);
        }
        Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionMathType(convDesc, chosenMath), "cudnnSetConvolutionMathType " + where);
        algo = chosen;
        math = chosenMath;
        // A 1x1, stride-1, unpadded, ungrouped NHWC convolution is the GEMM Y[NHW, K] = X[NHW, C]·Wᵀ.
        // cuDNN's NHWC kernels for these were measured several times slower than memory speed on the
        // H200, so both are timed here on the real buffers and the faster one is kept.
        gemmShape = nhwc && c.kh() == 1 && c.kw() == 1 && c.sh() == 1 && c.sw() == 1 && c.pt() == 0 && c.pl() == 0
                && c.groups() == 1 && c.oh() == c.h() && c.ow() == c.w() && r.cublasWorkspace != 0
                && (long) c.n() * c.oh() * c.ow() <= Integer.MAX_VALUE;
        gemmM = c.n() * c.oh() * c.ow();
        gemmK = c.k();
        gemmC = c.c();
        gemmLdb = (int) xPixelStride;
        gemmLdc = (int) yPixelStride;
        boolean gemm = false;
        wsBytes = mem;
        EngineConfig.Pointwise pw = r.config.pointwise();
        if (gemmShape && pw != EngineConfig.Pointwise.CUDNN) {
            double cudnnMs = pw == EngineConfig.Pointwise.GEMM ? Double.NaN : time(s, this::runCudnn), gemmMs = time(s, this::runGemm);
            gemm = pw == EngineConfig.Pointwise.GEMM || gemmMs < cudnnMs;
            LOG.debug("{}: cuDNN algo {} {} ms, cuBLAS GEMM {} ms -> {}", where, algo, cudnnMs, gemmMs, gemm ? "GEMM" : "cuDNN");
        }
        useGemm = gemm;
        if (gemm) wsBytes = 0; // the workspace the engine allocates need not cover this convolution
        LOG.debug("{}: algo {} math {} workspace {} B", where, algo, math, mem);
    }

    /** A convolution's weights [K, C/g, kh, kw] permuted to [K, kh, kw, C/g] for NHWC convolutions, once per engine. */
    static long nhwcWeights(Resources r, Conv c, String what) {
        Map<Object, Long> cache = r.nhwcWeights;
        Long a = cache.get(c.weight());
        if (a != null) return a;
        float[] src = c.weight().floats();
        int k = c.k(), cg = c.c() / c.groups(), kh = c.kh(), kw = c.kw();
        float[] dst = new float[src.length];
        for (int o = 0; o < k; o++) {
            for (int i = 0; i < cg; i++) {
                for (int yy = 0; yy < kh; yy++) {
                    for (int xx = 0; xx < kw; xx++) {
                        dst[((o * kh + yy) * kw + xx) * cg + i] = src[((o * cg + i) * kh + yy) * kw + xx];
                    }
                }
            }
        }
        long addr = r.uploadActivations(dst, dst, what);
        cache.put(c.weight(), addr);
        return addr;
    }

    /** Mean ms of {@code run} over 10 runs after 2 warm-ups, by CUDA events on {@code s}. */
    static double time(CudaStream s, Consumer<CudaStream> run) {
        try (CudaEvent e0 = CudaEvent.timing(); CudaEvent e1 = CudaEvent.timing()) {
            run.accept(s);
            run.accept(s);
            e0.record(s);
            for (int i = 0; i < 10; i++) run.accept(s);
            e1.record(s);
            e1.synchronize();
            return e1.elapsedSince(e0) / 10.0;
        }
    }

    /**
     * Sets {@code math}, asks cuDNN for the algorithm's workspace with that math type (the size a
     * find/heuristics entry reports can be that of another math type), and runs the convolution once
     * (on the arena's current contents) so that cuDNN's parameter checks happen now, not at inference.
     * Returns null and the workspace in {@code need[0]}, or why the algorithm cannot be used.
     */
    private String tryAlgorithm(int a, int m, long reported, long[] need) {
        int st = Cudnn.Cnn.cudnnSetConvolutionMathType(convDesc, m);
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "cudnnSetConvolutionMathType: " + Cudnn.describe(st);
        long[] bytes = new long[1];
        st = Cudnn.Cnn.cudnnGetConvolutionForwardWorkspaceSize(r.cudnn, xDesc, wDesc, convDesc, yDesc, a, bytes);
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "cudnnGetConvolutionForwardWorkspaceSize: " + Cudnn.describe(st);
        long n = Math.max(bytes[0], reported);
        if (n > r.workspaceBytes) return "needs " + n + " B of workspace, " + r.workspaceBytes + " B available";
        st = Cudnn.Cnn.cudnnConvolutionForward(r.cudnn, r.one, xDesc, x, wDesc, w, convDesc, a, n == 0 ? 0 : r.workspace[0], n,
                r.zero, yDesc, y);
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "trial cudnnConvolutionForward: " + Cudnn.describe(st);
        need[0] = n;
        return null;
    }

    @Override
    public void run(CudaStream s) {
        if (useGemm) runGemm(s);
        else runCudnn(s);
    }

    void runGemm(CudaStream s) {
        // Column-major view: Yᵀ[K, M] = (W as [C, K])ᵀ · Xᵀ[C, M]; W is KRSC = [K, C] row-major.
        int ty = r.dtype == DType.F16 ? Cublas.CUDA_R_16F : Cublas.CUDA_R_32F;
        Cublas.check(Cublas.cublasGemmStridedBatchedEx(r.cublas, Cublas.CUBLAS_OP_T, Cublas.CUBLAS_OP_N, gemmK, gemmM, gemmC, r.one,
                w, ty, gemmC, 0, x, ty, gemmLdb, 0, r.zero, y, ty, gemmLdc, 0, 1, Cublas.CUBLAS_COMPUTE_32F, Cublas.CUBLAS_GEMM_DEFAULT),
                "cublasGemmStridedBatchedEx(" + where + " as GEMM)");
    }

    void runCudnn(CudaStream s) {
        long ws = wsBytes == 0 ? 0 : r.workspace[0];
        int st = Cudnn.Cnn.cudnnConvolutionForward(r.cudnn, r.one, xDesc, x, wDesc, w, convDesc, algo, ws, wsBytes, r.zero, yDesc, y);
        if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
            throw new IllegalStateException("cudnnConvolutionForward(" + where + ", algo " + algo + ", math " + math
                    + ", workspace " + wsBytes + " B) failed: " + Cudnn.describe(st));
        }
    }
}
