package dev.vahost.inference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import dev.vahost.inference.internal.Graph;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.OnnxReader;
import dev.vahost.inference.internal.Optimizer;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.ValueInfo;

/**
 * An ONNX model imported, checked and optimised (BatchNorm folded, SiLU and activations fused,
 * constants folded), ready for any engine: {@link CpuEngine} or a GPU {@link InferenceEngine}.
 * Immutable and thread-safe.
 *
 * <p>Loading fails with {@link InvalidModelException} (corrupt or inconsistent file) or
 * {@link UnsupportedModelException} (an operator, attribute, opset or dynamic shape outside what the
 * module README documents), in both cases naming the node. The whole graph is planned at load (at
 * batch 1 and 2 when the batch is symbolic), so a model that loads will run.
 */
public final class OnnxModel {
    private final Graph graph;
    private final Set<String> operators;
    private final long parameters;
    private final ConcurrentHashMap<Integer, Plan> plans = new ConcurrentHashMap<>();

    private OnnxModel(Graph graph, Set<String> operators, long parameters) {
        this.graph = graph;
        this.operators = operators;
        this.parameters = parameters;
    }

    /** Reads and checks {@code file}. */
    public static OnnxModel load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
        return parse(bytes, file.toString());
    }

    /** A model on the class path, e.g. {@code /dev/vahost/inference/models/testdet.onnx}. */
    public static OnnxModel fromClassPath(String resource) {
        try (InputStream in = OnnxModel.class.getResourceAsStream(resource)) {
            if (in == null) throw new InvalidModelException("no ONNX model " + resource + " on the class path");
            return parse(in.readAllBytes(), "classpath:" + resource);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read ONNX model " + resource + ": " + e.getMessage(), e);
        }
    }

    /** Parses ONNX protobuf bytes; {@code name} is used in messages. */
    public static OnnxModel parse(byte[] bytes, String name) {
        Graph g = OnnxReader.read(bytes, name);
        Set<String> ops = new TreeSet<>();
        for (Node n : g.nodes) ops.add(n.op);
        long params = g.constantElements();
        Optimizer.optimize(g);
        OnnxModel m = new OnnxModel(g, Collections.unmodifiableSet(ops), params);
        // Plan now so that every error surfaces at load. With a symbolic batch, constants can still fix
        // it (a Reshape to [1, ...]): the model loads if batch 1 or 2 plans, and a batch it cannot run
        // fails when an engine asks for it.
        int fixed = m.fixedBatch();
        if (fixed > 0) {
            m.plan(fixed);
        } else {
            try {
                m.plan(1);
            } catch (InvalidModelException e1) {
                try {
                    m.plan(2);
                } catch (InvalidModelException e2) {
                    throw e1;
                }
            }
        }
        return m;
    }

    public String name() { return graph.source; }

    public int opset() { return graph.opset; }

    public long irVersion() { return graph.irVersion; }

    public String producer() { return graph.producer; }

    /** ONNX operator types in the file, before optimisation. */
    public Set<String> operators() { return operators; }

    /** Elements of the file's initializers and constants. */
    public long parameterCount() { return parameters; }

    /** Nodes after optimisation (what an engine runs). */
    public int nodeCount() { return graph.nodes.size(); }

    public List<String> inputNames() {
        List<String> r = new ArrayList<>();
        for (ValueInfo v : graph.inputs) r.add(v.name());
        return r;
    }

    public List<String> outputNames() {
        List<String> r = new ArrayList<>();
        for (ValueInfo v : graph.outputs) r.add(v.name());
        return r;
    }

    /** The batch the model fixes, or -1 when its batch dimension is symbolic. */
    public int fixedBatch() {
        long[] d = graph.inputs.get(0).dims();
        return d != null && d.length > 0 && d[0] >= 0 ? (int) d[0] : -1;
    }

    /** True when the model can run at {@code batch} images (its constants may fix the batch). */
    public boolean supportsBatch(int batch) {
        try {
            plan(batch);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Shape of input {@code index} at {@code batch}. */
    public long[] inputShape(int index, int batch) {
        Plan p = plan(batch);
        return p.shapes[p.inputs[index]].clone();
    }

    /** Shape of the (first) input at {@code batch}, e.g. [N, 3, 320, 320]. */
    public long[] inputShape(int batch) {
        return inputShape(0, batch);
    }

    /** Shape of output {@code index} at {@code batch}. */
    public long[] outputShape(int index, int batch) {
        Plan p = plan(batch);
        return p.shapes[p.outputs[index]].clone();
    }

    /** Shape of the (first) output at {@code batch}, e.g. [N, 7, 2000]. */
    public long[] outputShape(int batch) {
        return outputShape(0, batch);
    }

    /** The graph after optimisation (engines only; do not modify). */
    Graph graph() { return graph; }

    /** The plan at {@code batch}, built once and cached. */
    Plan plan(int batch) {
        Plan p = plans.get(batch);
        if (p != null) return p;
        return plans.computeIfAbsent(batch, b -> Planner.plan(graph, b));
    }

    @Override
    public String toString() {
        return "OnnxModel[" + graph.source + ", opset " + graph.opset + ", " + graph.nodes.size() + " nodes, "
                + parameters + " parameters]";
    }
}
