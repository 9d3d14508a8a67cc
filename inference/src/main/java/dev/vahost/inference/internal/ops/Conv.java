package dev.vahost.inference.internal.ops;

import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * 2-D convolution, NCHW semantics, weights [K, C/groups, kh, kw], optional bias [K], fused
 * activation. A 1-D convolution is this step with h = 1 on its rank-3 values (same storage); padding
 * is symmetric on the GPU wherever it changes the output size, the rest done by a
 * {@link ConvOps.ZeroPad} step before this one ({@code in} is then the padded temporary). CPU: im2col + a register-blocked GEMM whose inner loops the JIT vectorises, split over
 * output-channel blocks. GPU: cuDNN (or cuBLAS for channels-last 1x1, chosen by timing at plan time:
 * {@link GpuLowering#convolution}), then bias + activation in one kernel, or all three as one fused cuDNN graph where
 * that measured faster; when the input and output
 * layouts differ, the convolution writes a scratch buffer in the input's layout that is permuted into
 * the output.
 */
public record Conv(String node, int in, int out, int n, int c, int h, int w, int k, int oh, int ow, int kh, int kw,
                   int sh, int sw, int pt, int pl, int dh, int dw, int groups, Tensor weight, Tensor bias,
                   Act act, float alpha, float beta, int residual, Act postAct, float postAlpha, float postBeta) implements Step.OneToOne {
    @Override
    public int[] reads() {
        return residual < 0 ? new int[] {in} : new int[] {in, residual};
    }

    @Override
    public boolean layouts(Layouts.Rules r) {
        // Few output channels (YOLOv8's DFL: 16 -> 1): no tensor-core NHWC kernel, and the chain before
        // it (a transpose and a softmax over 16 channels) gathers across rows. A 1x1 convolution with many
        // (YOLOv5's head: 255) is a GEMM whose N need not be a multiple of 8 (ConvCall times cuBLAS for it).
        // Other convolutions: any pair.
        return k % 8 != 0 && !(pointwiseGemm() && k >= 16) && r.rowMajor(in, out);
    }

    /** 1x1, stride 1, unpadded, ungrouped: in channels-last, the GEMM Y[NHW, K] = X[NHW, C]·Wᵀ. */
    public boolean pointwiseGemm() {
        return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && groups == 1 && oh == h && ow == w;
    }

    @Override
    public double flops(Plan p) {
        return 2.0 * n * k * oh * ow * (c / groups) * kh * kw;
    }

    @Override
    public long scratchBytes(Plan p, Layouts l, int floatBytes) {
        long layout = l.nhwc(p.root(in)) != l.nhwc(p.root(out)) ? p.numel(out) * floatBytes : 0;
        return widens(l.nhwc(p.root(in)), floatBytes == 2) ? widenedBytes() + layout : layout;
    }

    /**
     * fp16 channels-last with fewer than 8 input channels (a network's first convolution, on RGB):
     * cuDNN has no tensor-core kernel for that, and the one it runs was measured at 1.2 ms for YOLOv5's
     * 6x6 stem at batch 32 on the H200. The input is widened to 8 channels (zeros) in scratch and the
     * convolution runs on it with zero-widened weights: the same sums, on tensor cores (and fusable
     * with its bias and activation).
     */
    boolean widens(boolean nhwc, boolean f16) {
        return nhwc && f16 && c < 8 && groups == 1 && kh * kw > 1;
    }

    /** Bytes of the widened input, 256-byte aligned (the layout scratch, when there is one, follows it). */
    long widenedBytes() {
        return ((long) n * h * w * 8 * 2 + 255) & ~255L;
    }

    /** This convolution on 8 input channels: weights [K, 8, kh, kw], channels c..7 zero. */
    Conv widened() {
        float[] src = weight.floats(), dst = new float[k * 8 * kh * kw];
        int plane = kh * kw;
        for (int o = 0; o < k; o++) {
            System.arraycopy(src, o * c * plane, dst, o * 8 * plane, c * plane);
        }
        return new Conv(node, in, out, n, 8, h, w, k, oh, ow, kh, kw, sh, sw, pt, pl, dh, dw, 1,
                Tensor.ofFloats(dst, k, 8, kh, kw), bias, act, alpha, beta, residual, postAct, postAlpha, postBeta);
    }

    /**
     * The space-to-depth factor of a widened convolution: its stride s (≥ 2) when the kernel, the padding and
     * the input are whole multiples of s and the s·s·c channels of a block fit in 16; else 1. YOLOv5's 6x6
     * stride-2 stem on RGB becomes a 3x3 stride-1 convolution on 16 channels (12 of them real): half the
     * multiply-adds of the 8-channel widening, and a shape cuDNN's fused graphs run well.
     */
    public int spaceToDepth() {
        int s = sh;
        boolean fits = s >= 2 && sw == s && dh == 1 && dw == 1 && kh % s == 0 && kw % s == 0 && pt % s == 0 && pl % s == 0
                && h % s == 0 && w % s == 0 && c * s * s <= 16;
        return fits ? s : 1;
    }

    /**
     * This convolution on the space-to-depth input (kernel space_to_depth_nhwc_f16): c' = s·s·c rounded up to 8
     * channels, channel (dy·s + dx)·c + ci of block (Y, X) holding input pixel (s·Y + dy, s·X + dx) channel ci;
     * weights [K, c', kh/s, kw/s] with w'[o][(dy·s + dx)·c + ci][ky][kx] = w[o][ci][s·ky + dy][s·kx + dx], the
     * other channels zero; stride 1, padding p/s. The same sums as the original convolution.
     */
    public Conv spaceToDepthConv(int s) {
        int c2 = (c * s * s + 7) / 8 * 8, kh2 = kh / s, kw2 = kw / s;
        float[] src = weight.floats(), dst = new float[k * c2 * kh2 * kw2];
        for (int o = 0; o < k; o++) {
            for (int ci = 0; ci < c; ci++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        int j = (ky % s * s + kx % s) * c + ci;
                        dst[((o * c2 + j) * kh2 + ky / s) * kw2 + kx / s] = src[((o * c + ci) * kh + ky) * kw + kx];
                    }
                }
            }
        }
        return new Conv(node, in, out, n, c2, h / s, w / s, k, oh, ow, kh2, kw2, 1, 1, pt / s, pl / s, 1, 1, 1,
                Tensor.ofFloats(dst, k, c2, kh2, kw2), bias, act, alpha, beta, residual, postAct, postAlpha, postBeta);
    }

    // ------------------------------------------------------------------ CPU

    @Override
    public void cpu(CpuRun r) {
        float[] input = r.f(in), output = r.outF(out), res = residual < 0 ? null : r.f(residual);
        int cg = c / groups, kg = k / groups;
        int kd = cg * kh * kw;
        int hw = oh * ow, inHw = h * w;
        boolean direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == h && ow == w;
        float[] wt = weight.floats();
        float[] b = bias == null ? null : bias.floats();
        final float[] col = direct ? null : r.scratch(kd * hw);
        // Blocks of output channels of one group are the parallel tasks.
        final int block = 8;
        int blocksPerGroup = (kg + block - 1) / block;
        for (int img = 0; img < n; img++) {
            for (int g = 0; g < groups; g++) {
                final float[] src;
                final int srcOff;
                int inBase = (img * c + g * cg) * inHw;
                if (direct) {
                    src = input;
                    srcOff = inBase;
                } else {
                    im2col(input, inBase, cg, col);
                    src = col;
                    srcOff = 0;
                }
                final int outBase = (img * k + g * kg) * hw, wBase = g * kg * kd, gk = g * kg;
                r.parallel(blocksPerGroup, bi -> {
                    int k0 = bi * block, k1 = Math.min(kg, k0 + block);
                    gemmRows(wt, wBase, kd, src, srcOff, hw, output, outBase, k0, k1, b, gk);
                    if (act != Act.NONE) {
                        for (int i = outBase + k0 * hw, e = outBase + k1 * hw; i < e; i++) output[i] = act.apply(output[i], alpha, beta);
                    }
                    if (res != null) { // the residual Add taken in (same shape, row-major): y = postAct(y + r)
                        for (int i = outBase + k0 * hw, e = outBase + k1 * hw; i < e; i++) {
                            output[i] = postAct.apply(output[i] + res[i], postAlpha, postBeta);
                        }
                    }
                });
            }
        }
    }

    /** col[(ci*kh + i)*kw + j][oy*ow + ox] = input or 0 in the padding. */
    private void im2col(float[] input, int inBase, int cg, float[] col) {
        int hw = oh * ow;
        int row = 0;
        for (int ci = 0; ci < cg; ci++) {
            int plane = inBase + ci * h * w;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++, row++) {
                    int dst = row * hw;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * sh - pt + i * dh;
                        int d = dst + oy * ow;
                        if (iy < 0 || iy >= h) {
                            java.util.Arrays.fill(col, d, d + ow, 0f);
                            continue;
                        }
                        int srcRow = plane + iy * w;
                        int ix0 = -pl + j * dw;
                        if (sw == 1 && ix0 >= 0 && ix0 + ow <= w) {
                            System.arraycopy(input, srcRow + ix0, col, d, ow);
                        } else {
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * sw + ix0;
                                col[d + ox] = (ix >= 0 && ix < w) ? input[srcRow + ix] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * out[k][p] = bias[k] + sum_d w[k][d] * src[d][p] for k in [k0, k1). Micro-kernel: two output
     * rows by four source rows per pass over a column tile, so each loaded element of src feeds two
     * rows and each output element is loaded and stored once per four products; the JIT vectorises
     * the inner loop (measured ~10 GFLOPS per core on the build machine vs ~8 for 4x1).
     */
    static void gemmRows(float[] w, int wBase, int kd, float[] src, int srcOff, int cols, float[] out, int outBase,
                         int k0, int k1, float[] bias, int biasBase) {
        final int tile = 512;
        for (int p0 = 0; p0 < cols; p0 += tile) {
            int p1 = Math.min(cols, p0 + tile);
            for (int k = k0; k < k1; k += 2) {
                boolean two = k + 1 < k1;
                int o0 = outBase + k * cols, o1 = two ? o0 + cols : o0;
                float bias0 = bias == null ? 0f : bias[biasBase + k];
                float bias1 = bias == null || !two ? 0f : bias[biasBase + k + 1];
                for (int p = p0; p < p1; p++) out[o0 + p] = bias0;
                if (two) for (int p = p0; p < p1; p++) out[o1 + p] = bias1;
                int w0 = wBase + k * kd, w1 = two ? w0 + kd : w0;
                int d = 0;
                if (two) {
                    for (; d + 4 <= kd; d += 4) {
                        float a0 = w[w0 + d], a1 = w[w0 + d + 1], a2 = w[w0 + d + 2], a3 = w[w0 + d + 3];
                        float b0 = w[w1 + d], b1 = w[w1 + d + 1], b2 = w[w1 + d + 2], b3 = w[w1 + d + 3];
                        int s0 = srcOff + d * cols, s1 = s0 + cols, s2 = s1 + cols, s3 = s2 + cols;
                        for (int p = p0; p < p1; p++) {
                            float x0 = src[s0 + p], x1 = src[s1 + p], x2 = src[s2 + p], x3 = src[s3 + p];
                            out[o0 + p] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
                            out[o1 + p] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
                        }
                    }
                    for (; d < kd; d++) {
                        float a0 = w[w0 + d], b0 = w[w1 + d];
                        int s0 = srcOff + d * cols;
                        for (int p = p0; p < p1; p++) {
                            float x0 = src[s0 + p];
                            out[o0 + p] += a0 * x0;
                            out[o1 + p] += b0 * x0;
                        }
                    }
                } else {
                    for (; d + 4 <= kd; d += 4) {
                        float a0 = w[w0 + d], a1 = w[w0 + d + 1], a2 = w[w0 + d + 2], a3 = w[w0 + d + 3];
                        int s0 = srcOff + d * cols, s1 = s0 + cols, s2 = s1 + cols, s3 = s2 + cols;
                        for (int p = p0; p < p1; p++) {
                            out[o0 + p] += a0 * src[s0 + p] + a1 * src[s1 + p] + a2 * src[s2 + p] + a3 * src[s3 + p];
                        }
                    }
                    for (; d < kd; d++) {
                        float a0 = w[w0 + d];
                        int s0 = srcOff + d * cols;
                        for (int p = p0; p < p1; p++) out[o0 + p] += a0 * src[s0 + p];
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ GPU

    /**
     * An NCHW 1x1 convolution with at most 8 output channels and at most 64 input channels (stride 1, no
     * padding, one group): YOLOv8's DFL (16 → 1 over [N, 16, 4, anchors]) and small heads, which run as
     * {@code conv1x1_fewk} (one thread per pixel, all outputs) instead of cuDNN, measured at 0.12 ms for the
     * DFL at batch 32 (several times its memory time).
     */
    boolean fewOutputs(boolean inNhwc, boolean outNhwc) {
        return !inNhwc && !outNhwc && kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && groups == 1 && k <= 8 && c <= 64
                && oh == h && ow == w;
    }

    @Override
    public void gpu(GpuLowering g) {
        boolean inNhwc = g.nhwc(in), outNhwc = g.nhwc(out);
        lowerConvolution(g, inNhwc, outNhwc);
    }

    /**
     * The residual addition the convolution did not take in: the Add it replaced, as that Add was lowered
     * (same kernels, any layouts, channel views through {@link GpuLowering#physical}), in place on the output.
     */
    private void lowerResidual(GpuLowering g) {
        long[] shape = g.plan().shapes[out], rm = Layouts.rowMajor(shape);
        new BinaryOps.Binary(node, BinaryOps.Op.ADD, out, residual, out, shape, rm, rm, postAct, postAlpha, postBeta).gpu(g);
    }

    private void lowerConvolution(GpuLowering g, boolean inNhwc, boolean outNhwc) {
        if (fewOutputs(inNhwc, outNhwc)) {
            long x = g.addr(in), y = g.addr(out), batch = n, hw = (long) h * w, pixels = batch * hw;
            float[] wk = weight.floats();
            long wAddr = g.uploadF32(weight, wk, "weights of " + node + " (K x C)");
            long b = bias == null ? 0L : g.uploadF32(bias, bias.floats(), "bias of " + node);
            Kernel kf = g.kernel("convlike", "conv1x1_fewk" + g.suffix());
            int a = act.code;
            g.add("conv1x1-fewk", s -> kf.launch(s, blocks(pixels), 1, 1, THREADS, 1, 1, 0, x, y, wAddr, b, batch, hw, c, k, a, alpha, beta));
            if (residual >= 0) lowerResidual(g);
            return;
        }
        if (fewChannels(inNhwc, outNhwc, g)) {
            // AUTO: whichever times faster in the plans tuned at load (plans prepared later follow them, else take
            // the libraries: on the H200 the widened cuDNN graph was as fast or faster for bench640's stem); ON: the
            // direct kernel (tests); OFF: the libraries
            EngineConfig.Fusion mode = g.fusion();
            boolean direct = mode == EngineConfig.Fusion.ON || (mode == EngineConfig.Fusion.AUTO
                    && g.faster("conv on few channels " + node, () -> lowerFewChannels(g), () -> lowerThroughLibraries(g, inNhwc, outNhwc),
                    false));
            if (direct && mode == EngineConfig.Fusion.ON) lowerFewChannels(g);
            if (!direct && mode == EngineConfig.Fusion.OFF) lowerThroughLibraries(g, inNhwc, outNhwc);
            return;
        }
        lowerThroughLibraries(g, inNhwc, outNhwc);
    }

    /** {@code conv_fewc_nhwc8_f16}'s shared memory: all the weights (floats), one tile's input rows (halves), output pixels per tile. */
    static final int FEWC_WEIGHTS = 4096, FEWC_TILE = 12288, FEWC_TW = 128;

    /**
     * fp16 channels-last on fewer than 8 input channels (a network's first convolution, on RGB), output channels
     * in eights, no residual: {@code conv_fewc_nhwc8_f16} (direct, float sums, bias and activation before the one
     * rounding) can run it instead of widening the input for cuDNN (see {@link #widens}).
     */
    boolean fewChannels(boolean inNhwc, boolean outNhwc, GpuLowering g) {
        long span = (long) (FEWC_TW - 1) * sw + (long) (kw - 1) * dw + 1; // input columns of one tile
        return widens(inNhwc, g.precision() == DType.F16) && outNhwc && residual < 0 && k % 8 == 0 && (long) k * kh * kw * c <= FEWC_WEIGHTS
                && kh * span * c <= FEWC_TILE && g.pixelStride(out) % 8 == 0 && g.addr(out) % 16 == 0;
    }

    /** This convolution by {@code conv_fewc_nhwc8_f16}: weights regrouped [k/8][kh][kw][c][8] as float. */
    private void lowerFewChannels(GpuLowering g) {
        float[] src = weight.floats(), w8 = new float[k * kh * kw * c];
        int at = 0;
        for (int g8 = 0; g8 < k / 8; g8++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int j = 0; j < 8; j++) w8[at++] = src[(((g8 * 8 + j) * c + ci) * kh + ky) * kw + kx];
                    }
                }
            }
        }
        // keyed by the weights' float array: the tensor itself keys its uploads in other layouts (the batch sizes share this one)
        long wAddr = g.uploadF32(src, w8, "weights of " + node + " ([K/8][kh][kw][C][8])");
        long b = bias == null ? 0L : g.uploadF32(bias, bias.floats(), "bias of " + node);
        long x = g.addr(in), y = g.addr(out), xs = g.pixelStride(in), ys = g.pixelStride(out), batch = n;
        long tiles = (long) n * oh * ((ow + FEWC_TW - 1) / FEWC_TW);
        int grid = (int) Math.min(tiles, 1L << 20);
        Kernel kf = g.kernel("convlike", "conv_fewc_nhwc8_f16");
        int a = act.code, cc = c, hh = h, ww = w, kk = k;
        g.add("conv-fewc", s -> kf.launch(s, grid, 1, 1, 2 * FEWC_TW, 1, 1, 0, x, y, wAddr, b, batch, cc, hh, ww, kk, oh, ow,
                kh, kw, sh, sw, pt, pl, dh, dw, (long) h * w * xs, 1L, (long) w * xs, xs, ys, a, alpha, beta));
    }

    /** cuDNN (or cuBLAS), the input widened first where {@link #widens} says, then the bias/activation and residual. */
    private void lowerThroughLibraries(GpuLowering g, boolean inNhwc, boolean outNhwc) {
        boolean widen = widens(inNhwc, g.precision() == DType.F16);
        long x = g.addr(in), scratch = widen || inNhwc != outNhwc ? g.scratch() : 0;
        Conv run = this;
        if (widen) {
            if (g.pixelStride(in) != c) throw new IllegalStateException(node + ": a widened input must be contiguous");
            long rows = (long) n * h * w, wx = scratch, from = x;
            int ch = c, f = spaceToDepth();
            if (f > 1) {
                // blocks of f x f pixels as channels (widenedBytes covers them: c·f·f ≤ 16 channels on h·w / f² pixels)
                run = spaceToDepthConv(f);
                long pixels = (long) n * run.h * run.w;
                int h2 = run.h, w2 = run.w, c2 = run.c;
                Kernel ks = g.kernel("convlike", "space_to_depth_nhwc_f16");
                g.add("widen", s -> ks.launch(s, blocks(pixels), 1, 1, THREADS, 1, 1, 0, from, wx, pixels, h2, w2, f, ch, c2));
            } else {
                Kernel kw8 = g.kernel("convlike", "widen_channels8_nhwc_f16");
                g.add("widen", s -> kw8.launch(s, blocks(rows), 1, 1, THREADS, 1, 1, 0, from, wx, rows, ch));
                run = widened();
            }
            x = wx;
            scratch += widenedBytes();
        }
        long y = inNhwc != outNhwc ? scratch : g.addr(out);
        // pixels of y this many elements apart: k, or a Concat's channel count when y is written into it in place
        long ys = inNhwc && outNhwc ? g.pixelStride(out) : k;
        GpuLowering.Epilogue epilogue = null;
        if (bias != null || act != Act.NONE) {
            long count = (long) n * k * oh * ow, plane = inNhwc ? 1 : (long) oh * ow, rows = (long) n * oh * ow;
            long b = bias == null ? 0L : g.uploadF32(bias, bias.floats(), "bias of " + node);
            int a = act.code;
            if (inNhwc && g.precision() == DType.F16 && (k % 8 == 0 || (k > 8 && count % 8 == 0))) {
                // eight elements per thread: k % 8 == 0 (contiguous or a channel slice), or contiguous pixels of any k > 8
                Kernel kb = g.kernel("bias_act_nhwc8_f16"), kr = g.kernel("bias_act_rows8_f16"), k1 = g.kernel("bias_act" + g.suffix());
                long n8 = count / 8;
                epilogue = (yy, stride) -> stride == k && yy % 16 == 0
                        ? s -> kb.launch(s, blocks(n8), 1, 1, THREADS, 1, 1, 0, yy, b, k, n8, a, alpha, beta)
                        : k % 8 == 0 ? s -> kr.launch(s, blocks(n8), 1, 1, THREADS, 1, 1, 0, yy, b, k, rows, stride, a, alpha, beta)
                        : oneByOne(k1, yy, stride, b, plane, count, a);
            } else {
                Kernel kb = g.kernel("bias_act" + g.suffix());
                epilogue = (yy, stride) -> oneByOne(kb, yy, stride, b, plane, count, a);
            }
        }
        // pixels of x this many elements apart: c, or more when x is read in place from a wider value's storage
        long xs = inNhwc && !widen ? g.pixelStride(in) : run.c;
        // the residual can join the convolution's fused graph when the convolution writes the output itself, in its layout
        GpuLowering.Residual res = residual >= 0 && inNhwc == outNhwc && outNhwc && g.nhwc(residual)
                ? new GpuLowering.Residual(g.addr(residual), g.pixelStride(residual), postAct, postAlpha, postBeta) : null;
        boolean added = g.convolution(run, inNhwc, x, xs, y, ys, epilogue, res);
        if (inNhwc != outNhwc) {
            long[] shape = {n, k, oh, ow};
            g.copy("layout", y, g.addr(out), g.elementBytes(out), shape, Layouts.physicalStrides(shape, inNhwc), 0,
                    Layouts.physicalStrides(shape, outNhwc), 0);
        }
        if (residual >= 0 && !added) lowerResidual(g);
    }

    /** The bias/activation one element per thread (bias_act_f16/_f32) on {@code y}, whose pixels must be k apart. */
    private GpuLowering.Launch oneByOne(Kernel kb, long y, long stride, long b, long plane, long count, int a) {
        if (stride != k) throw new IllegalStateException(node + ": no bias/activation kernel for pixels " + stride + " apart");
        return s -> kb.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, y, b, plane, k, count, a, alpha, beta);
    }

    @Override
    public String toString() {
        return "Conv[" + node + " " + n + "x" + c + "x" + h + "x" + w + " -> " + k + "x" + oh + "x" + ow + " k" + kh + "x" + kw
                + " s" + sh + " g" + groups + " " + act + "]";
    }
}
