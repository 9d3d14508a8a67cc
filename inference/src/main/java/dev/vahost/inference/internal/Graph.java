package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The imported model: nodes in topological order, constants (initializers, Constant nodes, folded
 * values) by name, the runtime inputs (initializers excluded) and the outputs. Mutable only while
 * {@link Optimizer} rewrites it; frozen (never changed) once an engine is built from it.
 */
public final class Graph {
    public final String source;
    public final long irVersion;
    public final int opset;
    public final String producer;
    public final List<Node> nodes;
    public final Map<String, Tensor> constants;
    public final List<ValueInfo> inputs;
    public final List<ValueInfo> outputs;

    public Graph(String source, long irVersion, int opset, String producer, List<Node> nodes,
                 Map<String, Tensor> constants, List<ValueInfo> inputs, List<ValueInfo> outputs) {
        this.source = source;
        this.irVersion = irVersion;
        this.opset = opset;
        this.producer = producer;
        this.nodes = new ArrayList<>(nodes);
        this.constants = new LinkedHashMap<>(constants);
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
    }

    private long[][] boundInputs;   // per input: declared dims with symbolic non-batch dims bound, or null
    private boolean batchRelaxed;   // the declared fixed batch of input 0 is treated as symbolic

    /**
     * Binds the input dimensions: {@code dims[i]} are input i's dimensions with -1 only where the
     * batch stays symbolic (dimension 0). Called once by the loader, before any plan is made.
     */
    public void bindInputs(long[][] dims) {
        if (dims.length != inputs.size()) throw new IllegalArgumentException(dims.length + " input shapes for " + inputs.size() + " inputs");
        boundInputs = new long[dims.length][];
        for (int i = 0; i < dims.length; i++) boundInputs[i] = dims[i].clone();
    }

    /** Plans treat input 0's fixed batch as symbolic (a static export whose graph does not depend on it). */
    public void relaxBatch(boolean relax) {
        batchRelaxed = relax;
    }

    public boolean batchRelaxed() {
        return batchRelaxed;
    }

    /** Input {@code index}'s dimensions as planned: bound where the loader bound them, -1 where symbolic. */
    public long[] inputDims(int index) {
        if (boundInputs != null) return boundInputs[index].clone();
        ValueInfo vi = inputs.get(index);
        if (vi.dims() == null) {
            throw new dev.vahost.inference.UnsupportedModelException(source + ": input " + vi.name() + " declares no shape;"
                    + " a shape is required (the batch may be symbolic)");
        }
        return vi.dims().clone();
    }

    public boolean isConstant(String value) {
        return constants.containsKey(value);
    }

    /** How many node inputs and graph outputs read each value. */
    /**
     * As {@link #useCounts} without the reads of Shape and Size nodes: they read a value's shape only, which
     * a rewrite that keeps shapes may give them from another value ({@link #readShapeOf}).
     */
    public Map<String, Integer> dataUseCounts() {
        return uses(true);
    }

    /** Shape and Size nodes reading {@code from} read {@code to} instead (a value of the same shape). */
    public void readShapeOf(String from, String to) {
        for (Node n : nodes) {
            if (readsShapeOnly(n) && n.input(0).equals(from)) n.inputs.set(0, to);
        }
    }

    public Map<String, Integer> useCounts() {
        return uses(false);
    }

    private static boolean readsShapeOnly(Node n) {
        return n.op.equals("Shape") || n.op.equals("Size");
    }

    private Map<String, Integer> uses(boolean skipShapeReaders) {
        Map<String, Integer> uses = new HashMap<>();
        for (Node n : nodes) {
            if (skipShapeReaders && readsShapeOnly(n)) continue;
            for (String in : n.inputs) {
                if (!in.isEmpty()) uses.merge(in, 1, Integer::sum);
            }
        }
        for (ValueInfo o : outputs) uses.merge(o.name(), 1, Integer::sum);
        return uses;
    }

    /** The node producing each value. */
    public Map<String, Node> producers() {
        Map<String, Node> p = new HashMap<>();
        for (Node n : nodes) {
            for (String o : n.outputs) {
                if (!o.isEmpty()) p.put(o, n);
            }
        }
        return p;
    }

    public boolean isGraphOutput(String value) {
        for (ValueInfo o : outputs) {
            if (o.name().equals(value)) return true;
        }
        return false;
    }

    /** Sum of constant elements (parameters, once folded). */
    public long constantElements() {
        long n = 0;
        for (Tensor t : constants.values()) n += t.size();
        return n;
    }
}
