package dev.vahost.inference.internal;

import dev.vahost.inference.UnsupportedModelException;

/**
 * One operation of a {@link Plan} with every shape resolved for the plan's batch size. Value
 * operands are ids into the plan's value table; what a step needs at plan time (weights, index
 * tables, strides) it holds itself. A step carries its whole meaning in one place: the CPU
 * reference ({@link #cpu}), the GPU lowering ({@link #gpu}) and its layout constraints
 * ({@link #layouts}). Operators (package {@code internal.ops}) create steps; executors only run them.
 */
public interface Step {
    /** The node this step implements, for error messages and profiles. */
    String node();

    /** Values read (ids, possibly aliases). */
    int[] reads();

    /** Values written (ids, possibly aliases). */
    int[] writes();

    /** Runs the step on the CPU in float32 (int64 for INT values): the reference semantics. */
    void cpu(CpuRun r);

    /** Adds the step's GPU launches to the plan being built. */
    default void gpu(GpuLowering g) {
        throw new UnsupportedModelException(g.modelName() + ": " + node() + ": " + getClass().getSimpleName()
                + " has no GPU implementation");
    }

    /**
     * Channels-last constraints (see {@link Layouts}): clears the NHWC candidacy of operands that must
     * be row-major; returns true when it changed anything. The default keeps every operand row-major,
     * the safe choice for steps whose kernels index NCHW.
     */
    default boolean layouts(Layouts.Rules r) {
        return r.rowMajor(reads()) | r.rowMajor(writes());
    }

    /** A step that writes one value ({@code out}). */
    interface OneOutput extends Step {
        int out();

        @Override
        default int[] writes() {
            return new int[] {out()};
        }
    }

    /** A step that reads one value ({@code in}) and writes one ({@code out}), as most do. */
    interface OneToOne extends OneOutput {
        int in();

        @Override
        default int[] reads() {
            return new int[] {in()};
        }
    }

    /** Device scratch in bytes the GPU lowering needs during this step only (arena-planned). */
    /** Floating-point operations of this step at plan {@code p}'s batch (multiply-adds count two), 0 when not estimated. */
    default double flops(Plan p) {
        return 0;
    }

    default long scratchBytes(Plan p, Layouts l, int floatBytes) {
        return 0;
    }
}
