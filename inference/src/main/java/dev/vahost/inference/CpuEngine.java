package dev.vahost.inference;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.vahost.inference.internal.CpuExecutor;
import dev.vahost.inference.internal.Plan;

/**
 * Runs an {@link OnnxModel} on the CPU in float32 (the reference for the GPU engine and the
 * service's CPU path). Inputs and outputs are row-major float arrays, e.g. the test detector's
 * input [N, 3, 320, 320] NCHW and output [N, 7, 2000].
 *
 * <p>Thread-safe: {@link #run} calls are serialised (each one already uses {@code threads} cores).
 * Owns a worker pool: close it.
 */
public final class CpuEngine implements AutoCloseable {
    private final OnnxModel model;
    private final ForkJoinPool pool;
    private final CpuExecutor executor;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CpuEngine(OnnxModel model, int threads) {
        this.model = model;
        this.pool = threads > 1 ? new ForkJoinPool(threads) : null;
        this.executor = new CpuExecutor(pool);
    }

    /** An engine using up to 4 cores (the machine's count if fewer). */
    public static CpuEngine create(OnnxModel model) {
        return create(model, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    public static CpuEngine create(OnnxModel model, int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        return new CpuEngine(model, threads);
    }

    public OnnxModel model() { return model; }

    /** Output shape at {@code batch}, e.g. [N, 7, 2000]. */
    public long[] outputShape(int batch) {
        return model.outputShape(batch);
    }

    /**
     * Runs a single-input, single-output model on {@code batch} images. {@code input} must hold
     * exactly the input shape's elements; returns a new array of the output shape's elements.
     */
    public float[] run(float[] input, int batch) {
        if (model.inputNames().size() != 1) {
            throw new IllegalArgumentException(model.name() + " has " + model.inputNames().size() + " inputs: use runAll");
        }
        return runAll(new float[][] {input}, batch)[0];
    }

    /** Runs the model; {@code inputs} in the model's input order; returns every output. */
    public synchronized float[][] runAll(float[][] inputs, int batch) {
        if (closed.get()) throw new IllegalStateException("CpuEngine for " + model.name() + " is closed");
        Plan plan = model.plan(batch);
        if (inputs.length != plan.inputs.length) {
            throw new IllegalArgumentException(model.name() + " takes " + plan.inputs.length + " inputs, got " + inputs.length);
        }
        for (int i = 0; i < inputs.length; i++) {
            long need = plan.numel(plan.inputs[i]);
            if (inputs[i] == null || inputs[i].length != need) {
                throw new IllegalArgumentException(model.name() + ": input " + plan.describe(plan.inputs[i]) + " at batch "
                        + batch + " needs " + need + " floats, got " + (inputs[i] == null ? "null" : inputs[i].length));
            }
        }
        float[][] out = executor.run(plan, inputs);
        // Outputs that alias an input or a constant must not be handed out as shared arrays.
        for (int i = 0; i < out.length; i++) {
            for (float[] in : inputs) {
                if (out[i] == in) out[i] = out[i].clone();
            }
            if (plan.constants[plan.outputs[i]] != null || plan.constants[plan.root(plan.outputs[i])] != null) {
                out[i] = out[i].clone();
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && pool != null) pool.shutdown();
    }
}
