package dev.vahost.inference;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.internal.gpu.Engine;
import dev.vahost.inference.jna.Cublas;
import dev.vahost.inference.jna.Cudnn;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceOutOfMemoryException;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.GpuUnavailableException;

/**
 * The GPU engine: convolutions by cuDNN (legacy API, fp16 data with float32 accumulation on tensor
 * cores, or fp32), 1x1 channels-last convolutions by cuBLAS where that is faster (timed at plan
 * time), matrix products by cuBLAS, everything else by the project's kernels
 * ({@code src/main/cuda/*.cu}). Built from the same plans as the CPU executor: each step lowers
 * itself ({@code internal.Step#gpu}); the machinery (arena, plans per batch size, convolution
 * tuning, graph capture, input/output conversion) lives in {@code internal.gpu}.
 *
 * <p>Memory, all from the caller's {@link DevicePool}: weights and constants (converted once), one
 * activation arena whose offsets follow value lifetimes, one cuDNN workspace, and per batch size a
 * small table of copy/broadcast strides. A model that does not fit fails at load with
 * {@link DeviceOutOfMemoryException} naming the pool, after freeing what it took.
 *
 * <p>{@link #infer} copies the input into the arena (converting F32/F16), launches the batch size's
 * CUDA graph (or its launches one by one) on the caller's stream and converts the outputs into the
 * caller's tensors: three to four enqueues per batch.
 */
public final class CudnnEngine implements InferenceEngine {
    private static final Logger LOG = LoggerFactory.getLogger(CudnnEngine.class);

    private final OnnxModel model;
    private final EngineConfig config;
    private final Engine engine;
    private boolean closed;

    private CudnnEngine(OnnxModel model, EngineConfig config, Engine engine) {
        this.model = model;
        this.config = config;
        this.engine = engine;
    }

    /**
     * Loads {@code model} on the GPU. Throws {@link GpuUnavailableException} without a GPU, cuDNN 9
     * or cuBLAS; {@link UnsupportedModelException} for graph patterns this engine does not run;
     * {@link DeviceOutOfMemoryException} when the pool is too small.
     */
    public static CudnnEngine load(OnnxModel model, EngineConfig config, DevicePool pool) {
        Cuda.requireAvailable();
        String why = Cudnn.load();
        if (why != null) throw new GpuUnavailableException(why);
        why = Cublas.load();
        if (why != null) throw new GpuUnavailableException(why);
        if (!model.supportsBatch(config.maxBatch())) {
            throw new IllegalArgumentException(model.name() + " cannot run at batch " + config.maxBatch()
                    + (model.fixedBatch() > 0 ? " (its batch is fixed at " + model.fixedBatch() + ")" : ""));
        }
        Cuda.ensureCurrent();
        try {
            return new CudnnEngine(model, config, Engine.build(model.name(), config, pool, model::plan));
        } catch (IllegalStateException ex) {
            if (!config.channelsLast()) throw ex;
            // cuDNN has no NHWC algorithm for some convolution here (its NHWC coverage is narrower
            // than NCHW's): the same model row-major, said loudly.
            LOG.warn("{}: channels-last plan failed ({}); loading it NCHW", model.name(), ex.getMessage());
            EngineConfig nchw = config.withChannelsLast(false);
            return new CudnnEngine(model, nchw, Engine.build(model.name(), nchw, pool, model::plan));
        }
    }

    @Override
    public OnnxModel model() { return model; }

    @Override
    public int maxBatch() { return config.maxBatch(); }

    @Override
    public DType precision() { return config.precision(); }

    public EngineConfig config() { return config; }

    /** Bytes of the activation arena and of the cuDNN workspace. */
    public synchronized long arenaBytes() { return engine.arenaBytes(); }

    public synchronized long workspaceBytes() { return engine.workspaceBytes(); }

    /** Launches (kernels and library calls) one infer enqueues at {@code batch}, conversions excluded. */
    public synchronized int launchCount(int batch) {
        open();
        return engine.launchCount(batch);
    }

    @Override
    public synchronized void prepare(int... batches) {
        open();
        engine.prepare(batches);
    }

    /**
     * Turns graph replay on or off for later {@link #infer} calls (benchmarks and diagnosis: the
     * same plans, algorithms and buffers either way). Has no effect where no graph was captured.
     */
    public synchronized void setGraphsEnabled(boolean enabled) {
        engine.setGraphsEnabled(enabled);
    }

    /** True when {@link #infer} at {@code batch} replays a CUDA graph (prepares the batch). */
    public synchronized boolean usesGraph(int batch) {
        open();
        return engine.usesGraph(batch);
    }

    /** Whether a graph was captured at {@code batch}, or why not (prepares the batch). */
    public synchronized String graphStatus(int batch) {
        open();
        return engine.graphStatus(batch);
    }

    /**
     * GPU time of one launch of a plan: its kind (conv, bias_act, copy, layout, binary, ...) and node,
     * with its step's work when it is the step's first launch: floating-point operations (convolutions,
     * GEMMs) and the bytes of the step's operands at the least (each once); 0 on the step's other launches.
     */
    public record LaunchTime(String kind, String node, double ms, double flops, long bytes) {}

    /**
     * Times every launch of the plan at {@code batch} on {@code s}: each launch is repeated
     * {@code repeats} times back to back between two CUDA events (so the events' own cost is spread),
     * after one warm-up run of the whole plan. For diagnosis and benchmarks: launches run in
     * isolation with warm caches, and in-place ones (bias + activation) see their own output again,
     * so the arena holds garbage afterwards (the next {@link #infer} recomputes everything from its input).
     */
    public synchronized List<LaunchTime> profile(CudaStream s, int batch, int repeats) {
        open();
        List<LaunchTime> r = new ArrayList<>();
        for (Engine.LaunchTime t : engine.profile(s, batch, repeats)) r.add(new LaunchTime(t.kind(), t.node(), t.ms(), t.flops(), t.bytes()));
        return r;
    }

    /** Values stored NHWC, of all values of the plan (0 when channels-last is off or nothing qualifies). */
    public int nhwcValues() {
        return engine.nhwcValues();
    }

    public boolean channelsLast() {
        return config.channelsLast();
    }

    /**
     * True when input {@code i} is stored channels-last inside the engine (rank-4 inputs of channels-last engines): then
     * {@link #infer} takes it either contiguous (NCHW, permuted in the copy into the engine) or as a dense channels-last
     * tensor ({@link DeviceTensor#channelsLast}, PyTorch's {@code channels_last}: copied without permuting).
     */
    public boolean inputChannelsLast(int i) {
        open();
        if (i < 0 || i >= engine.inputCount()) {
            throw new IllegalArgumentException(model.name() + " has " + engine.inputCount() + " input(s), asked about input " + i);
        }
        return engine.inputChannelsLast(i);
    }

    @Override
    public void infer(CudaStream stream, DeviceTensor input, DeviceTensor output) {
        infer(stream, new DeviceTensor[] {input}, new DeviceTensor[] {output});
    }

    @Override
    public synchronized void infer(CudaStream stream, DeviceTensor[] inputs, DeviceTensor[] outputs) {
        open();
        if (inputs.length != engine.inputCount() || outputs.length != engine.outputCount()) {
            throw new IllegalArgumentException(model.name() + " takes " + engine.inputCount() + " input(s) and "
                    + engine.outputCount() + " output(s), got " + inputs.length + " and " + outputs.length);
        }
        engine.infer(stream, inputs, outputs);
    }

    private void open() {
        if (closed) throw new IllegalStateException("engine for " + model.name() + " is closed");
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        engine.close();
    }

    @Override
    public String toString() {
        return "CudnnEngine[" + model.name() + ", " + config.precision() + ", max batch " + config.maxBatch() + "]";
    }
}
