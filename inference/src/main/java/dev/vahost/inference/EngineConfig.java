package dev.vahost.inference;

import dev.vahost.nvmm.DType;

/**
 * How a GPU engine is built. {@code maxBatch}: largest batch {@code infer} accepts (buffers are
 * sized for it). {@code precision}: F16 (tensor cores, float32 accumulation) or F32.
 * {@code workspaceBytes}: the most cuDNN may use for a convolution's workspace. {@code tune}: time
 * every convolution's algorithms at load (cudnnFindConvolutionForwardAlgorithmEx, like PyTorch's
 * cudnn.benchmark) for the max batch and {@code tuneBatches}; batches not tuned use cuDNN's heuristics.
 * {@code graphs}: replay each prepared batch size's launches as one CUDA graph (captured at prepare
 * time); where capture fails the engine logs why and launches one by one.
 * {@code channelsLast}: store activations NHWC where the graph allows it (see
 * {@code internal.Layouts}); the default for F16, where cuDNN's tensor-core convolutions are
 * NHWC-native. Inputs and outputs keep the model's NCHW shapes either way.
 * {@code pointwise}: how channels-last 1x1 convolutions run (see {@link Pointwise}).
 * {@code fusion}: whether a convolution's bias and activation run inside it (see {@link Fusion}).
 * {@code concatInPlace}: channel views (default on): fp16 channels-last Split outputs are read in place
 * from the Split's input, and Concat parts produced by convolutions or additions are written into the
 * Concat's output, so those Splits and Concats copy nothing (internal.gpu.Placements).
 */
public record EngineConfig(int maxBatch, DType precision, long workspaceBytes, boolean tune, int[] tuneBatches,
                           boolean graphs, boolean channelsLast, Pointwise pointwise, Fusion fusion, boolean concatInPlace) {
    /**
     * Channels-last 1x1, stride-1, unpadded, ungrouped convolutions are the GEMM
     * Y[NHW, K] = X[NHW, C]·Wᵀ. AUTO times cuDNN's chosen algorithm against cuBLAS at plan time and
     * keeps the faster; GEMM and CUDNN force one (tests and diagnosis).
     */
    public enum Pointwise { AUTO, GEMM, CUDNN }

    /**
     * fp16 channels-last convolutions with a bias and/or an activation cuDNN's pointwise operations
     * express (ReLU, SiLU, sigmoid, tanh) can run as one cuDNN backend graph (convolution, bias add,
     * activation: runtime-fused kernels, the intermediate never leaves the chip). AUTO builds the fused
     * graph in the plans tuned at load ({@code maxBatch} and {@code tuneBatches}, when {@code tune}) and
     * keeps it where it measured faster than the convolution plus its bias/activation kernel (building
     * compiles kernels: about 0.1 s per configuration tried, two tried per convolution, so batch sizes
     * prepared later stay unfused); OFF never fuses; ON fuses wherever cuDNN has an engine for it, in
     * every plan (tests: the fused path against the unfused one). Convolutions on fewer than 8 input channels
     * (RGB stems) likewise: AUTO times the engine's direct kernel (convolution, bias and activation in one)
     * against the widened cuDNN path in the tuned plans and keeps the faster, ON takes the direct kernel, OFF cuDNN.
     */
    public enum Fusion { AUTO, OFF, ON }

    public EngineConfig {
        if (pointwise == null) throw new IllegalArgumentException("pointwise must not be null");
        if (fusion == null) throw new IllegalArgumentException("fusion must not be null");
        if (maxBatch < 1) throw new IllegalArgumentException("maxBatch must be at least 1, got " + maxBatch);
        if (precision != DType.F16 && precision != DType.F32) {
            throw new IllegalArgumentException("precision must be F16 or F32, got " + precision);
        }
        if (workspaceBytes < 0) throw new IllegalArgumentException("workspaceBytes must be >= 0, got " + workspaceBytes);
        tuneBatches = tuneBatches == null ? new int[0] : tuneBatches.clone();
        for (int b : tuneBatches) {
            if (b < 1 || b > maxBatch) throw new IllegalArgumentException("tune batch " + b + " outside 1.." + maxBatch);
        }
    }

    /** As the canonical constructor, with CUDA graphs on and channels-last for F16. */
    public EngineConfig(int maxBatch, DType precision, long workspaceBytes, boolean tune, int[] tuneBatches) {
        this(maxBatch, precision, workspaceBytes, tune, tuneBatches, true, precision == DType.F16);
    }

    /** As the canonical constructor, 1x1 convolutions {@link Pointwise#AUTO}. */
    public EngineConfig(int maxBatch, DType precision, long workspaceBytes, boolean tune, int[] tuneBatches, boolean graphs,
                        boolean channelsLast) {
        this(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, channelsLast, Pointwise.AUTO);
    }

    /** As the canonical constructor, fusion {@link Fusion#AUTO}. */
    public EngineConfig(int maxBatch, DType precision, long workspaceBytes, boolean tune, int[] tuneBatches, boolean graphs,
                        boolean channelsLast, Pointwise pointwise) {
        this(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, channelsLast, pointwise, Fusion.AUTO);
    }

    /** As the canonical constructor, Concat in place. */
    public EngineConfig(int maxBatch, DType precision, long workspaceBytes, boolean tune, int[] tuneBatches, boolean graphs,
                        boolean channelsLast, Pointwise pointwise, Fusion fusion) {
        this(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, channelsLast, pointwise, fusion, true);
    }

    /**
     * The most cuDNN may use for one convolution's workspace while algorithms are chosen: 2 GiB (only
     * what the chosen algorithms need is kept afterwards). At 256 MiB, large-batch, high-resolution
     * convolutions (RetinaNet/FCOS at 640, DetectNet_v2 at 960x544, batch 32) fell back to algorithms
     * 2-3x slower on the H200.
     */
    public static final long DEFAULT_WORKSPACE = 2L << 30;

    /** fp16, {@link #DEFAULT_WORKSPACE}, algorithms timed at load for {@code maxBatch}, CUDA graphs, channels-last. */
    public static EngineConfig fp16(int maxBatch) {
        return new EngineConfig(maxBatch, DType.F16, DEFAULT_WORKSPACE, true, new int[0], true, true, Pointwise.AUTO, Fusion.AUTO, true);
    }

    /** fp32 (FMA math, no TF32), NCHW. */
    public static EngineConfig fp32(int maxBatch) {
        return new EngineConfig(maxBatch, DType.F32, DEFAULT_WORKSPACE, true, new int[0], true, false, Pointwise.AUTO, Fusion.AUTO, true);
    }

    public EngineConfig withTuneBatches(int... batches) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, tune, batches, graphs, channelsLast, pointwise, fusion, concatInPlace);
    }

    public EngineConfig withTune(boolean t) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, t, tuneBatches, graphs, channelsLast, pointwise, fusion, concatInPlace);
    }

    public EngineConfig withGraphs(boolean g) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, tune, tuneBatches, g, channelsLast, pointwise, fusion, concatInPlace);
    }

    public EngineConfig withChannelsLast(boolean c) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, c, pointwise, fusion, concatInPlace);
    }

    public EngineConfig withPointwise(Pointwise p) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, channelsLast, p, fusion, concatInPlace);
    }

    public EngineConfig withFusion(Fusion f) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, channelsLast, pointwise, f, concatInPlace);
    }

    public EngineConfig withConcatInPlace(boolean c) {
        return new EngineConfig(maxBatch, precision, workspaceBytes, tune, tuneBatches, graphs, channelsLast, pointwise, fusion, c);
    }
}
