package dev.vahost.inference.internal;

import java.util.List;
import java.util.concurrent.ForkJoinPool;

/**
 * Runs a {@link Plan} on the CPU: float32 for FLOAT values, int64 for INT values. The reference
 * executor for tests and the service's CPU path; each step's CPU code lives with its operator.
 * Not thread-safe per instance (it keeps scratch buffers); plans are immutable and can be shared.
 */
public final class CpuExecutor {
    private final ForkJoinPool pool;
    private float[] scratch = new float[0];

    public CpuExecutor(ForkJoinPool pool) {
        this.pool = pool;
    }

    /** Runs the plan; {@code inputs[i]} is plan input i, row-major. Returns the outputs in plan order. */
    public float[][] run(Plan p, float[][] inputs) {
        Object[] v = new Object[p.names.length];
        for (int i = 0; i < p.inputs.length; i++) {
            long need = p.numel(p.inputs[i]);
            if (inputs[i].length != need) {
                throw new IllegalArgumentException("input " + p.describe(p.inputs[i]) + " needs " + need
                        + " floats, got " + inputs[i].length);
            }
            v[p.inputs[i]] = inputs[i];
        }
        for (int i = 0; i < v.length; i++) {
            if (p.constants[i] != null && p.aliasOf[i] < 0) v[i] = p.constants[i].data();
        }
        runSteps(p, p.steps, v);
        float[][] out = new float[p.outputs.length][];
        for (int i = 0; i < out.length; i++) {
            Object o = v[p.outputs[i]] != null ? v[p.outputs[i]] : v[p.root(p.outputs[i])];
            out[i] = (float[]) o; // outputs are FLOAT (checked when planning)
        }
        return out;
    }

    /** Runs {@code steps} over the value storage {@code v} (float[] or long[] per value, null until written). */
    void runSteps(Plan p, List<Step> steps, Object[] v) {
        CpuRun r = new CpuRun(p, v, pool, this);
        for (Step s : steps) {
            try {
                s.cpu(r);
            } catch (RuntimeException e) {
                throw new IllegalStateException("CPU executor failed in " + s.node() + ": " + e.getMessage(), e);
            }
        }
    }

    float[] scratch(int n) {
        if (scratch.length < n) scratch = new float[n];
        return scratch;
    }
}
