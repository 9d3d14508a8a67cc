package dev.vahost.inference.internal;

import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * The state of one CPU execution of a {@link Plan}, as steps see it: value storage (float[] for
 * FLOAT values, long[] for INT values, allocated on first write), a worker pool and reusable scratch.
 */
public final class CpuRun {
    public final Plan plan;
    private final Object[] v;
    private final ForkJoinPool pool;
    private final int threads;
    private final CpuExecutor owner;

    CpuRun(Plan plan, Object[] values, ForkJoinPool pool, CpuExecutor owner) {
        this.plan = plan;
        this.v = values;
        this.pool = pool;
        this.threads = pool == null ? 1 : pool.getParallelism();
        this.owner = owner;
    }

    public Object data(int id) {
        Object d = v[id];
        if (d == null) throw new IllegalStateException("value " + plan.describe(id) + " is read before it is written");
        return d;
    }

    public float[] f(int id) {
        if (data(id) instanceof float[] a) return a;
        throw new IllegalStateException("value " + plan.describe(id) + " is not float");
    }

    public long[] l(int id) {
        if (data(id) instanceof long[] a) return a;
        throw new IllegalStateException("value " + plan.describe(id) + " is not integer");
    }

    /** Output storage of a FLOAT value (allocated with the value's element count on first use). */
    public float[] outF(int id) {
        if (v[id] == null) v[id] = new float[Math.toIntExact(plan.numel(id))];
        return (float[]) v[id];
    }

    /** Output storage of an INT value. */
    public long[] outL(int id) {
        if (v[id] == null) v[id] = new long[Math.toIntExact(plan.numel(id))];
        return (long[]) v[id];
    }

    /** Output storage of either type, as the plan types the value. */
    public Object out(int id) {
        return plan.isInt(id) ? outL(id) : outF(id);
    }

    /** {@code out} shares {@code in}'s storage (Reshape). */
    public void alias(int out, int in) {
        v[out] = data(in);
    }

    public boolean parallelism() {
        return threads > 1;
    }

    /** Runs {@code body(0..tasks-1)}, on the pool when there is one. */
    public void parallel(int tasks, IntConsumer body) {
        if (pool == null || threads <= 1 || tasks <= 1) {
            for (int i = 0; i < tasks; i++) body.accept(i);
        } else {
            pool.submit(() -> IntStream.range(0, tasks).parallel().forEach(body)).join();
        }
    }

    /** A float scratch array of at least {@code n} elements, reused across steps and runs (one step at a time). */
    public float[] scratch(int n) {
        return owner.scratch(n);
    }
}
