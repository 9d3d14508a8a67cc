package dev.vahost.inference.internal;

import java.util.Arrays;
import java.util.List;

/**
 * A graph resolved for one batch size: a value table (name, shape, constant data where the value is
 * a constant) and steps in execution order. Values that are Reshapes of others are aliases
 * ({@link #aliasOf}): executors give them the same storage.
 */
public final class Plan {
    public final int batch;
    public final String[] names;
    public final long[][] shapes;
    public final Tensor[] constants; // non-null for constant values
    public final int[] aliasOf;       // -1 or the value whose storage this one shares
    public final int[] inputs;
    public final int[] outputs;
    public final List<Step> steps;

    Plan(int batch, String[] names, long[][] shapes, Tensor[] constants, int[] aliasOf, int[] inputs, int[] outputs,
         List<Step> steps) {
        this.batch = batch;
        this.names = names;
        this.shapes = shapes;
        this.constants = constants;
        this.aliasOf = aliasOf;
        this.inputs = inputs;
        this.outputs = outputs;
        this.steps = List.copyOf(steps);
    }

    public long numel(int value) {
        return Tensor.numel(shapes[value]);
    }

    /** The value whose storage {@code value} uses (itself unless it is a reshape alias). */
    public int root(int value) {
        int v = value;
        while (aliasOf[v] >= 0) v = aliasOf[v];
        return v;
    }

    public String describe(int value) {
        return "'" + names[value] + "' " + Arrays.toString(shapes[value]);
    }
}
