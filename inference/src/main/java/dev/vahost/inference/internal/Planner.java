package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.InvalidModelException;
import dev.vahost.inference.UnsupportedModelException;
import dev.vahost.inference.internal.ops.Operator;
import dev.vahost.inference.internal.ops.Operators;

/**
 * Resolves a {@link Graph} for one batch size into a {@link Plan}. Every node is planned by its
 * {@link Operator} (registry: {@link Operators}), which checks the node against ONNX's definition,
 * infers its outputs' shapes and types and adds {@link Step}s. Values are either known at load time
 * (initializers, constants, and everything computed only from them and from shapes: the shape
 * subgraphs of PyTorch exports, anchor grids, position embeddings) or computed at run time.
 * A node whose inputs are all known is evaluated here, once, on the CPU through its own steps, and
 * its outputs become known values: such nodes cost nothing at run time. Every shape, including the
 * batch, is concrete in a plan, so a model is specialised per batch size.
 */
public final class Planner {
    private final Graph g;
    private final int batch;
    private final List<String> names = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();
    private final List<ElemType> types = new ArrayList<>();
    private final List<Tensor> consts = new ArrayList<>();
    private final List<Integer> alias = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<Step> steps = new ArrayList<>();
    private CpuExecutor folder;

    private Planner(Graph g, int batch) {
        this.g = g;
        this.batch = batch;
    }

    /** The plan of {@code g} at {@code batch} images. */
    public static Plan plan(Graph g, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        Planner p = new Planner(g, batch);
        int[] in = new int[g.inputs.size()];
        for (int i = 0; i < in.length; i++) in[i] = p.defineInput(i);
        for (Node n : g.nodes) p.node(n);
        int[] out = new int[g.outputs.size()];
        for (int i = 0; i < out.length; i++) {
            ValueInfo o = g.outputs.get(i);
            out[i] = p.id(o.name());
            long[] s = p.shapes.get(out[i]);
            if (p.types.get(out[i]) != ElemType.FLOAT) {
                throw new UnsupportedModelException(g.source + ": output '" + o.name() + "' is computed as integers; only"
                        + " float outputs are supported");
            }
            if (o.dims() != null && o.dims().length == s.length) {
                for (int d = 0; d < s.length; d++) {
                    if (o.dims()[d] >= 0 && o.dims()[d] != s[d] && !(d == 0 && (p.batchDeclaredSymbolic() || g.batchRelaxed()))) {
                        throw new InvalidModelException(g.source + ": output '" + o.name() + "' is declared "
                                + o.describe() + " but computes to " + Arrays.toString(s) + " at batch " + batch);
                    }
                }
            }
        }
        // copies of copies read their sources directly (a detection head's Concat/Split/Transpose chain)
        return CopyChains.fold(p.build(in, out));
    }

    /**
     * Evaluates {@code n}, whose inputs are all constants of the graph, on the CPU (load-time constant
     * folding); returns its outputs, or null when it cannot be evaluated here (the real plan then
     * reports any error with full context).
     */
    static Tensor[] evaluate(Graph g, Node n) {
        Planner p = new Planner(g, 1);
        try {
            p.node(n);
            Tensor[] r = new Tensor[n.outputs.size()];
            for (int i = 0; i < r.length; i++) {
                String o = n.outputs.get(i);
                if (o.isEmpty()) continue;
                r[i] = p.consts.get(p.ids.get(o));
                if (r[i] == null) return null;
            }
            return r;
        } catch (RuntimeException e) {
            return null;
        }
    }

    // ------------------------------------------------------------------ what operators use

    public Graph graph() { return g; }

    public String source() { return g.source; }

    public int opset() { return g.opset; }

    /** The batch size being planned. */
    public int batch() { return batch; }

    /** True when input {@code i} of {@code n} is given (not omitted). */
    public boolean has(Node n, int i) {
        return n.hasInput(i);
    }

    /** The value id of input {@code i} of {@code n}. */
    public int in(Node n, int i) {
        if (!n.hasInput(i)) throw n.invalid("input " + i + " is required");
        return id(n.input(i));
    }

    public long[] shape(int v) {
        return shapes.get(v).clone();
    }

    public int rank(int v) {
        return shapes.get(v).length;
    }

    public ElemType type(int v) {
        return types.get(v);
    }

    public boolean isInt(int v) {
        return types.get(v) == ElemType.INT;
    }

    /** The data of value {@code v} when it is known at load time, else null. */
    public Tensor known(int v) {
        return consts.get(v);
    }

    /**
     * Input {@code i} of {@code n}, which must be known at load time (weights, shapes, axes, scales).
     * The message names what the operator uses it for.
     */
    public Tensor knownInput(Node n, int i, String what) {
        Tensor t = consts.get(in(n, i));
        if (t == null) {
            throw n.unsupported(what + " (input " + i + ", '" + n.input(i) + "') must be known when the model is loaded"
                    + " (a constant, or computed only from constants and shapes); here it depends on the input data");
        }
        return t;
    }

    /** Defines output {@code o} of {@code n} as a value computed at run time. */
    public int define(Node n, int o, long[] shape, ElemType type) {
        return define(n.outputs.get(o), shape, type, null, -1);
    }

    /** Defines a value of {@code n} by name: an output, or a temporary of a chain ("output/vahost.partial1"). */
    public int defineNamed(Node n, String name, long[] shape, ElemType type) {
        return define(name, shape, type, null, -1);
    }

    /** Defines output {@code o} of {@code n} as a value known at load time. */
    public int defineKnown(Node n, int o, Tensor t) {
        return define(n.outputs.get(o), t.shape(), t.type(), t, -1);
    }

    /** Output {@code o} of {@code n} is input {@code x} with another shape and the same elements (no data movement). */
    public int alias(Node n, int o, int x, long[] shape) {
        if (Tensor.numel(shape) != Tensor.numel(shapes.get(x))) {
            throw n.invalid("cannot view " + Arrays.toString(shapes.get(x)) + " as " + Arrays.toString(shape));
        }
        Tensor c = consts.get(x);
        int y = define(n.outputs.get(o), shape, types.get(x), c == null ? null : c.reshape(shape), c == null ? x : -1);
        if (c == null) steps.add(new Reshape(n.name, x, y));
        return y;
    }

    public void add(Step s) {
        steps.add(s);
    }

    // ------------------------------------------------------------------ internals

    private void node(Node n) {
        Operator op = Operators.get(n.op);
        if (op == null) throw Operators.refusal(g, n);
        boolean allKnown = !n.inputs.isEmpty();
        for (String in : n.inputs) {
            if (!in.isEmpty() && consts.get(id(in)) == null) allKnown = false;
        }
        int before = steps.size();
        try {
            op.plan(this, n);
        } catch (UnsupportedModelException | InvalidModelException e) {
            throw e;
        } catch (IllegalArgumentException | IllegalStateException | ArithmeticException | IndexOutOfBoundsException e) {
            throw new InvalidModelException(g.source + ": " + n.where() + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < n.outputs.size(); i++) {
            String o = n.outputs.get(i);
            if (!o.isEmpty() && !ids.containsKey(o)) {
                throw n.unsupported("output " + i + " ('" + o + "') is not supported");
            }
        }
        if (allKnown && steps.size() > before) fold(n, before);
    }

    /** Runs the steps {@code n} just added on the CPU and turns its outputs into known values. */
    private void fold(Node n, int from) {
        List<Step> fresh = new ArrayList<>(steps.subList(from, steps.size()));
        steps.subList(from, steps.size()).clear();
        Plan snapshot = build(new int[0], new int[0]);
        Object[] v = new Object[names.size()];
        for (int i = 0; i < v.length; i++) if (consts.get(i) != null) v[i] = consts.get(i).data();
        if (folder == null) folder = new CpuExecutor(null);
        try {
            folder.runSteps(snapshot, fresh, v);
        } catch (RuntimeException e) {
            throw new InvalidModelException(g.source + ": " + n.where() + ": evaluating it at load time failed: "
                    + e.getMessage(), e);
        }
        for (String o : n.outputs) {
            if (o.isEmpty()) continue;
            int id = ids.get(o);
            if (consts.get(id) == null) {
                Object data = v[id] != null ? v[id] : v[snapshot.root(id)];
                consts.set(id, Tensor.of(types.get(id), data, shapes.get(id)));
                alias.set(id, -1);
            }
        }
    }

    private boolean batchDeclaredSymbolic() {
        ValueInfo in = g.inputs.get(0);
        return in.dims() != null && in.dims().length > 0 && in.dims()[0] < 0;
    }

    private Plan build(int[] in, int[] out) {
        int n = names.size();
        int[] al = new int[n];
        for (int i = 0; i < n; i++) al[i] = alias.get(i);
        return new Plan(batch, names.toArray(new String[0]), shapes.toArray(new long[0][]), types.toArray(new ElemType[0]),
                consts.toArray(new Tensor[0]), al, in, out, steps);
    }

    private int defineInput(int index) {
        ValueInfo vi = g.inputs.get(index);
        long[] s = g.inputDims(index);
        for (int d = 0; d < s.length; d++) {
            if (s[d] >= 0) continue;
            if (d == 0) s[d] = batch;
            else throw new UnsupportedModelException(g.source + ": input " + vi.describe() + " has symbolic dimension "
                    + d + (vi.dimParams()[d] == null || vi.dimParams()[d].isEmpty() ? "" : " ('" + vi.dimParams()[d] + "')")
                    + "; give the model's input size when loading it (e.g. --input-size WxH), only the batch may stay symbolic");
        }
        long[] d0 = g.inputs.get(0).dims();
        long declared = d0 != null && d0.length > 0 ? d0[0] : -1;
        if (g.batchRelaxed() && s.length > 0 && vi.dims()[0] == declared) s[0] = batch;
        if (index == 0 && s.length > 0 && vi.dims()[0] >= 0 && vi.dims()[0] != batch && !g.batchRelaxed()) {
            throw new IllegalArgumentException(g.source + ": input " + vi.describe() + " has a fixed batch of "
                    + vi.dims()[0] + "; cannot run it at batch " + batch);
        }
        return define(vi.name(), s, ElemType.FLOAT, null, -1);
    }

    private int define(String name, long[] shape, ElemType type, Tensor constant, int aliasOf) {
        for (long d : shape) {
            if (d < 0) throw new InvalidModelException(g.source + ": value '" + name + "' gets negative shape " + Arrays.toString(shape));
        }
        if (ids.containsKey(name)) throw new InvalidModelException(g.source + ": value '" + name + "' is defined twice");
        int id = names.size();
        names.add(name);
        shapes.add(shape.clone());
        types.add(type);
        consts.add(constant);
        alias.add(aliasOf);
        ids.put(name, id);
        return id;
    }

    /** The id of a value, defining graph constants on first use. */
    private int id(String name) {
        Integer id = ids.get(name);
        if (id != null) return id;
        Tensor c = g.constants.get(name);
        if (c == null) throw new InvalidModelException(g.source + ": value '" + name + "' is used but never produced");
        return define(name, c.shape(), c.type(), c, -1);
    }

    /** Same elements, new shape: an alias, no data movement. */
    public record Reshape(String node, int in, int out) implements Step.OneToOne {
        @Override
        public void cpu(CpuRun r) { r.alias(out, in); }

        @Override
        public void gpu(GpuLowering g) { /* same storage */ }

        @Override
        public boolean layouts(Layouts.Rules r) { return false; /* aliases are row-major already */ }
    }
}
