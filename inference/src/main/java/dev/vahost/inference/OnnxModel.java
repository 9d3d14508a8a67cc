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
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OnnxModel.class);
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
        return load(file, ModelOptions.DEFAULTS);
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
        return parse(bytes, name, ModelOptions.DEFAULTS);
    }

    /** Reads and checks {@code file}, binding its symbolic input dimensions as {@code options} say. */
    public static OnnxModel load(Path file, ModelOptions options) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read ONNX model " + file + ": " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return build(OnnxReader.read(bytes, file.toString(), dir), file.toString(), options);
    }

    /**
     * Parses ONNX protobuf bytes, binding symbolic input dimensions other than the batch from
     * {@code options}. The graph is planned at batch 1 and 2 so that every error surfaces at load:
     * a model declaring a dynamic batch whose graph fixes it (a literal batch in a Reshape, outputs
     * that do not grow with the batch) is refused with what to change in the export; a model
     * declaring a fixed batch whose graph does not depend on it runs at any batch.
     */
    public static OnnxModel parse(byte[] bytes, String name, ModelOptions options) {
        return build(OnnxReader.read(bytes, name), name, options);
    }

    private static OnnxModel build(Graph g, String name, ModelOptions options) {
        Set<String> ops = new TreeSet<>();
        for (Node n : g.nodes) ops.add(n.op);
        long params = g.constantElements();
        g.bindInputs(bindInputs(g, options));
        Optimizer.optimize(g);
        OnnxModel m = new OnnxModel(g, Collections.unmodifiableSet(ops), params);
        long[] d0 = g.inputs.get(0).dims();
        boolean declaredFixed = d0 != null && d0.length > 0 && d0[0] >= 0;
        if (declaredFixed) {
            g.relaxBatch(true);
            String why = m.batchProblem();
            if (why != null) {
                g.relaxBatch(false);
                m.plans.clear();
                m.plan((int) d0[0]);
                LOG.info("{}: runs at its declared batch of {} only ({})", name, d0[0], why);
            } else {
                LOG.debug("{}: declares a fixed batch of {}, but no part of the graph depends on it: it runs at any batch", name, d0[0]);
            }
        } else {
            RuntimeException e1 = m.tryPlan(1), e2 = m.tryPlan(2);
            if (e1 != null && e2 != null) throw e1; // not about the batch: the model's own error
            String why = m.batchProblem();
            if (why != null) {
                throw new UnsupportedModelException(name + ": the batch is baked into the graph although its input declares"
                        + " it dynamic: " + why + ". Re-export with the batch dynamic throughout (torch.onnx.export(...,"
                        + " dynamic_axes={'<input>': {0: 'batch'}, '<output>': {0: 'batch'}}) with no literal batch in"
                        + " view()/reshape(), e.g. x.view(x.shape[0], -1) instead of x.view(1, -1)), or export a fixed-batch"
                        + " model and run it at that batch");
            }
        }
        return m;
    }

    private RuntimeException tryPlan(int batch) {
        try {
            plan(batch);
            return null;
        } catch (IllegalArgumentException | UnsupportedModelException e) {
            return e;
        }
    }

    /** Why the plans at batch 1 and 2 do not show outputs growing with the batch, or null when they do. */
    private String batchProblem() {
        Plan one, two;
        try {
            one = plan(1);
        } catch (IllegalArgumentException | UnsupportedModelException e) {
            return "at batch 1: " + e.getMessage();
        }
        try {
            two = plan(2);
        } catch (IllegalArgumentException | UnsupportedModelException e) {
            return "at batch 2: " + e.getMessage();
        }
        for (int i = 0; i < one.outputs.length; i++) {
            long[] a = one.shapes[one.outputs[i]], b = two.shapes[two.outputs[i]];
            boolean ok = a.length == b.length && a.length > 0 && a[0] == 1 && b[0] == 2
                    && java.util.Arrays.equals(java.util.Arrays.copyOfRange(a, 1, a.length), java.util.Arrays.copyOfRange(b, 1, b.length));
            if (!ok) {
                return "output '" + one.names[one.outputs[i]] + "' is " + java.util.Arrays.toString(a) + " at batch 1 and "
                        + java.util.Arrays.toString(b) + " at batch 2 (expected a leading batch dimension)";
            }
        }
        return null;
    }

    /** Each input's dimensions with symbolic ones (but the batch) bound from {@code options}. */
    private static long[][] bindInputs(Graph g, ModelOptions options) {
        long[][] r = new long[g.inputs.size()][];
        for (int i = 0; i < r.length; i++) {
            ValueInfo vi = g.inputs.get(i);
            if (vi.dims() == null) {
                throw new UnsupportedModelException(g.source + ": input " + vi.name() + " declares no shape; a shape is"
                        + " required (the batch may be symbolic)");
            }
            long[] d = vi.dims().clone();
            for (int k = 1; k < d.length; k++) {
                if (d[k] >= 0) continue;
                String param = vi.dimParams()[k];
                Long bound = param == null ? null : options.dims().get(param);
                if (bound != null) d[k] = bound;
                else if (options.hasInputSize() && d.length == 4 && k == 2) d[k] = options.inputHeight();
                else if (options.hasInputSize() && d.length == 4 && k == 3) d[k] = options.inputWidth();
            }
            r[i] = d;
        }
        return r;
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

    /** The batch the model fixes, or -1 when it runs at any batch (symbolic, or declared fixed but not used as such). */
    public int fixedBatch() {
        long[] d = graph.inputs.get(0).dims();
        return d != null && d.length > 0 && d[0] >= 0 && !graph.batchRelaxed() ? (int) d[0] : -1;
    }

    /** The input's dimensions as the model declares them (-1 where symbolic). */
    public long[] declaredInputShape(int index) {
        long[] d = graph.inputs.get(index).dims();
        return d == null ? null : d.clone();
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
