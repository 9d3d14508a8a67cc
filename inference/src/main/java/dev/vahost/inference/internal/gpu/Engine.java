package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.MatMulOps;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;

import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

/**
 * The GPU engine's machinery behind {@code CudnnEngine}: builds the {@link Resources} (handles,
 * layouts, {@link Arena}), a {@link GpuPlan} per prepared batch size (algorithms tuned for the max
 * batch and the configured tune batches, the cuDNN workspace then shrunk to what the chosen
 * algorithms need), captures their graphs, and runs inference: input conversion into the arena,
 * the plan, output conversion, one event marking the end. Not thread-safe: the facade serialises.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final String model;
    private final EngineConfig config;
    private final IntFunction<Plan> planner;
    private final Resources r;
    private final Map<Integer, GpuPlan> plans = new HashMap<>();
    private final Kernel[][] converters = new Kernel[2][2], permuters = new Kernel[2][2];
    private CudaEvent lastDone;
    private CudaStream lastStream;
    private boolean graphsEnabled;
    private boolean closed;

    private Engine(String model, EngineConfig config, DevicePool pool, IntFunction<Plan> planner) {
        this.model = model;
        this.config = config;
        this.planner = planner;
        this.r = new Resources(model, config, pool, planner.apply(config.maxBatch()));
        this.graphsEnabled = config.graphs();
    }

    /** Builds the engine; on failure everything taken so far is released before the exception leaves. */
    public static Engine build(String model, EngineConfig config, DevicePool pool, IntFunction<Plan> planner) {
        Engine e = new Engine(model, config, pool, planner);
        try {
            e.build();
            return e;
        } catch (RuntimeException ex) {
            try {
                e.close();
            } catch (RuntimeException suppressed) {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    private void build() {
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                converters[a][b] = r.module("glue").kernel("convert_" + (a == 0 ? "f32" : "f16") + "_" + (b == 0 ? "f32" : "f16"));
                permuters[a][b] = r.module("glue").kernel("copy_" + (a == 0 ? "f32" : "f16") + "_" + (b == 0 ? "f32" : "f16"));
            }
        }
        Plan max = r.maxPlan;
        boolean pointwiseNhwc = max.steps.stream().anyMatch(st -> st instanceof Conv c && c.kh() == 1 && c.kw() == 1
                && r.layouts.nhwc(max.root(c.in())) && r.layouts.nhwc(max.root(c.out())));
        r.createHandles(pointwiseNhwc || max.steps.stream().anyMatch(st -> st instanceof MatMulOps.MatMul));
        r.placements = config.concatInPlace() ? Placements.plan(max, r.layouts, r.dtype) : Placements.none(max.names.length);
        r.arena = Arena.plan(max, r.layouts, r.dtype, r.placements);
        r.arena.base = r.alloc(r.arena.bytes, "activation arena (batch " + config.maxBatch() + ")").address();
        long t0 = System.nanoTime();
        try (CudaStream s = CudaStream.create()) {
            r.setStream(s);
            // Tune with a temporary workspace of the configured size, then keep only what the chosen algorithms need.
            long limit = config.workspaceBytes();
            DeviceBuffer tmp = null;
            // The most the algorithms may use while they are timed; halved while the pool or the device
            // cannot give it (down to 64 MiB), since only what the chosen algorithms need is kept.
            while (limit > 0 && tmp == null) {
                try {
                    tmp = r.allocTemporary(limit, "cuDNN tuning workspace");
                } catch (dev.vahost.nvmm.cuda.DeviceOutOfMemoryException oom) {
                    if (limit <= (64L << 20)) throw oom;
                    LOG.info("{}: {} MiB of tuning workspace not available ({}); trying {} MiB", model, limit >> 20,
                            oom.getMessage(), limit >> 21);
                    limit >>= 1;
                }
            }
            r.workspace[0] = tmp == null ? 0 : tmp.address();
            r.workspaceBytes = limit;
            long need = 0;
            try {
                List<Integer> batches = new ArrayList<>();
                batches.add(config.maxBatch());
                for (int b : config.tuneBatches()) if (!batches.contains(b)) batches.add(b);
                for (int b : batches) {
                    GpuPlan p = new GpuPlan(r, b == config.maxBatch() ? max : planner.apply(b), config.tune(), s);
                    plans.put(b, p);
                    need = Math.max(need, p.workspaceNeeded);
                }
                s.synchronize();
            } finally {
                if (tmp != null) {
                    cuStreamSynchronize(s.handle()); // trial convolutions may still use it when planning failed
                    tmp.close();
                }
            }
            r.workspaceBytes = need;
            r.workspace[0] = need > 0 ? r.alloc(need, "cuDNN workspace").address() : 0;
        } finally {
            r.unbindStream();
        }
        for (GpuPlan p : plans.values()) capture(p);
        GpuPlan top = plans.get(config.maxBatch());
        LOG.info("{}: loaded on {} for batch <= {}, {}, {} of {} values NHWC, {} of {} convolutions as cuBLAS GEMM and {} fused with their bias/activation ({} of them with their residual Add) at batch {}"
                        + " (fused graphs built in {} ms), {} on fewer than 8 input channels by the engine's direct kernel,"
                        + " {} values stored as channel views (Split outputs read, Concat parts written in place; convolutions on views:"
                        + " {} fused in place, {} copying through buffers of their own),"
                        + " {} launches per batch of {}, arena {} MiB, workspace {} MiB, pool {} used {} MiB, plan built in {} ms;"
                        + " CUDA graphs: {}", model, Cuda.describeDevice(), config.maxBatch(), r.dtype, r.layouts.count(),
                max.names.length, top.convs.stream().filter(c -> c.useGemm && !c.fusedAway).count(), top.convolutions, top.fused, top.residualsFused,
                config.maxBatch(), Math.round(plans.values().stream().mapToDouble(p -> p.fusionMs).sum()),
                top.kinds.stream().filter("conv-fewc"::equals).count(), r.placements.count(),
                top.fusedOnViews, top.throughBuffers,
                top.launchCount(), config.maxBatch(), r.arena.bytes >> 20, r.workspaceBytes >> 20, r.pool.name(),
                r.pool.used() >> 20, (System.nanoTime() - t0) / 1_000_000, graphSummary());
    }

    private void capture(GpuPlan p) {
        if (!config.graphs()) {
            p.graph.off("off (EngineConfig.graphs = false)");
            return;
        }
        p.graph.capture(p, r);
    }

    private String graphSummary() {
        StringBuilder b = new StringBuilder();
        plans.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (b.length() > 0) b.append("; ");
            b.append("batch ").append(e.getKey()).append(' ').append(e.getValue().graph.note());
        });
        return b.toString();
    }

    /** The plan of {@code batch}, built (and captured) on first use after waiting for in-flight work. */
    private GpuPlan plan(int batch) {
        if (closed) throw new IllegalStateException("engine for " + model + " is closed");
        if (batch < 1 || batch > config.maxBatch()) {
            throw new IllegalArgumentException(model + ": batch " + batch + " outside 1.." + config.maxBatch());
        }
        GpuPlan p = plans.get(batch);
        if (p == null) {
            Cuda.ensureCurrent();
            // Building runs every convolution once (algorithm check) and captures a graph after a warm-up
            // run: both write the arena, so no earlier inference may still be using it.
            if (lastDone != null) lastDone.synchronize();
            try (CudaStream s = CudaStream.create()) {
                r.setStream(s);
                p = new GpuPlan(r, planner.apply(batch), false, s);
                s.synchronize();
            } finally {
                r.unbindStream();
            }
            capture(p);
            plans.put(batch, p);
            LOG.info("{}: prepared batch {}: {} launches, CUDA graph {}", model, batch, p.launchCount(), p.graph.note());
        }
        return p;
    }

    public void prepare(int... batches) {
        for (int b : batches) plan(b);
    }

    public int launchCount(int batch) {
        return plan(batch).launchCount();
    }

    public void setGraphsEnabled(boolean enabled) {
        graphsEnabled = enabled;
    }

    public boolean usesGraph(int batch) {
        return graphsEnabled && plan(batch).graph.exec() != null;
    }

    public String graphStatus(int batch) {
        return plan(batch).graph.note();
    }

    public int nhwcValues() {
        return r.layouts.count();
    }

    public long arenaBytes() {
        return r.arena == null ? 0 : r.arena.bytes;
    }

    public long workspaceBytes() {
        return r.workspaceBytes;
    }

    public int inputCount() {
        return r.maxPlan.inputs.length;
    }

    public int outputCount() {
        return r.maxPlan.outputs.length;
    }

    /**
     * GPU time of one launch of a plan: its kind (conv, bias_act, copy, layout, binary, ...), node,
     * and the work of its step when it is the step's first launch (floating-point operations, bytes of
     * the operands read and written at the least; 0 for the step's other launches).
     */
    public record LaunchTime(String kind, String node, double ms, double flops, long bytes) {}

    /**
     * Times every launch of the plan at {@code batch} on {@code s}: each launch repeated {@code repeats}
     * times back to back between two CUDA events, after one warm-up run of the whole plan. Launches run
     * in isolation with warm caches; in-place ones see their own output again, so the arena holds
     * garbage afterwards (the next inference recomputes everything from its input).
     */
    public List<LaunchTime> profile(CudaStream s, int batch, int repeats) {
        GpuPlan p = plan(batch);
        Cuda.ensureCurrent();
        if (lastStream != null && lastStream != s && lastDone != null) lastDone.synchronize();
        int n = p.launches.size();
        double[] ms = new double[n];
        try (CudaEvent e0 = CudaEvent.timing(); CudaEvent e1 = CudaEvent.timing()) {
            p.runLaunches(s);
            for (int i = 0; i < n; i++) {
                var l = p.launches.get(i);
                e0.record(s);
                for (int k = 0; k < repeats; k++) l.run(s);
                e1.record(s);
                e1.synchronize();
                ms[i] = e1.elapsedSince(e0);
            }
            if (lastDone == null) lastDone = CudaEvent.marker();
            lastDone.record(s); // the arena was written on s
            lastStream = s;
        } finally {
            r.unbindStream();
        }
        List<LaunchTime> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new LaunchTime(p.kinds.get(i), p.nodes.get(i), ms[i] / Math.max(1, repeats), p.flops.get(i), p.bytes.get(i)));
        }
        return out;
    }

    /** Enqueues inference; shapes and dtypes were checked by the facade. */
    public void infer(CudaStream stream, DeviceTensor[] inputs, DeviceTensor[] outputs) {
        long n = inputs[0].rank() > 0 ? inputs[0].dim(0) : 0;
        GpuPlan p = plan((int) n);
        for (int i = 0; i < inputs.length; i++) {
            requireTensor("input " + i, inputs[i], p.plan.shapes[p.plan.inputs[i]], inputChannelsLast(i));
        }
        for (int i = 0; i < outputs.length; i++) requireTensor("output " + i, outputs[i], p.plan.shapes[p.plan.outputs[i]], false);
        Cuda.ensureCurrent();
        if (lastStream != null && lastStream != stream && lastDone != null) {
            // The previous call's work may still read or write the arena on another stream.
            CudaException.check(cuStreamWaitEvent(stream.handle(), lastDone.handle(), 0), "cuStreamWaitEvent");
        }
        for (int i = 0; i < inputs.length; i++) {
            // a channels-last input into its channels-last arena value: the same order, a plain (converting) copy
            GpuPlan.IoCopy c = inputs[i].isContiguous() ? p.inputCopies[i] : null;
            p.transfer(stream, c, inputs[i].address(), inputs[i].dtype(), p.addr(p.plan.inputs[i]), r.dtype, inputs[i].numel(), converters,
                    permuters);
        }
        p.enqueue(stream, graphsEnabled);
        for (int i = 0; i < outputs.length; i++) {
            p.transfer(stream, p.outputCopies[i], p.addr(p.plan.outputs[i]), r.dtype, outputs[i].address(), outputs[i].dtype(),
                    outputs[i].numel(), converters, permuters);
        }
        if (lastDone == null) lastDone = CudaEvent.marker();
        lastDone.record(stream);
        lastStream = stream;
    }

    /**
     * True when input {@code i} is stored channels-last in the arena (a rank-4 fp16 engine input, by default), so that
     * {@link #infer} also takes it as a dense channels-last tensor ({@link DeviceTensor#channelsLast}) and copies it
     * without permuting.
     */
    public boolean inputChannelsLast(int i) {
        int root = r.maxPlan.root(r.maxPlan.inputs[i]);
        return r.layouts.nhwc(root) && r.maxPlan.shapes[root].length == 4;
    }

    private void requireTensor(String what, DeviceTensor t, long[] shape, boolean channelsLastToo) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16) {
            throw new IllegalArgumentException(model + ": " + what + " must be F32 or F16, got " + t.describe());
        }
        if (!Arrays.equals(t.shape(), shape) || !(t.isContiguous() || channelsLastToo && t.isChannelsLast())) {
            throw new IllegalArgumentException(model + ": " + what + " must be a contiguous " + Arrays.toString(shape)
                    + (channelsLastToo ? " or a dense channels-last one" : "") + ", got " + t.describe());
        }
    }

    /** Waits for the last inference, then releases library objects, graphs and device memory. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        try {
            Cuda.ensureCurrent();
            if (lastDone != null) {
                lastDone.synchronize();
                lastDone.close();
            }
        } catch (RuntimeException e) {
            first = e;
        }
        try {
            r.close();
        } catch (RuntimeException e) {
            if (first == null) first = e; else first.addSuppressed(e);
        }
        if (first != null) LOG.error("{}: releasing the engine failed", model, first);
    }

    /** Steps of the max-batch plan (tests and diagnosis). */
    public List<Step> steps() {
        return r.maxPlan.steps;
    }
}
