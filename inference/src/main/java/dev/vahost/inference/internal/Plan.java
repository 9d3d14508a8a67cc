package dev.vahost.inference.internal;

import java.util.Arrays;
import java.util.List;

/**
 * A graph resolved for one batch size: a value table (name, shape, element type, and the data of
 * every value known at load time: initializers, constants and whatever the planner could compute
 * from them and from shapes) and the steps that compute the rest, in execution order. Values that
 * are reshapes of others are aliases ({@link #aliasOf}): executors give them the same storage.
 */
public final class Plan {
    public final int batch;
    public final String[] names;
    public final long[][] shapes;
    public final ElemType[] types;
    public final Tensor[] constants; // non-null for values known at load time
    public final int[] aliasOf;       // -1 or the value whose storage this one shares
    public final int[] inputs;
    public final int[] outputs;
    public final List<Step> steps;

    Plan(int batch, String[] names, long[][] shapes, ElemType[] types, Tensor[] constants, int[] aliasOf, int[] inputs,
         int[] outputs, List<Step> steps) {
        this.batch = batch;
        this.names = names;
        this.shapes = shapes;
        this.types = types;
        this.constants = constants;
        this.aliasOf = aliasOf;
        this.inputs = inputs;
        this.outputs = outputs;
        this.steps = List.copyOf(steps);
    }

    public long numel(int value) {
        return Tensor.numel(shapes[value]);
    }

    public boolean isInt(int value) {
        return types[value] == ElemType.INT;
    }

    /**
     * Per value: true when a reshape alias of it is in use (read by a step or a model output). Executors
     * give such a value row-major storage (a reshape of channels-last storage is not the same elements).
     * Aliases no step reads any more (their copies read the value itself: {@link CopyChains}) do not count.
     */
    public boolean[] reshapedRoots() {
        boolean[] used = new boolean[names.length], r = new boolean[names.length];
        for (Step st : steps) for (int v : st.reads()) used[v] = true;
        for (int v : outputs) used[v] = true;
        for (int v = 0; v < names.length; v++) if (aliasOf[v] >= 0 && used[v]) r[root(v)] = true;
        return r;
    }

    /** The value whose storage {@code value} uses (itself unless it is a reshape alias). */
    public int root(int value) {
        int v = value;
        while (aliasOf[v] >= 0) v = aliasOf[v];
        return v;
    }

    public String describe(int value) {
        return "'" + names[value] + "' " + (types[value] == ElemType.INT ? "int" : "float") + Arrays.toString(shapes[value]);
    }
}
