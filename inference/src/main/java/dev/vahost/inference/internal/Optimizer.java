package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.vahost.inference.internal.ops.Operators;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load-time rewrites shared by every executor, each exact up to float rounding:
 * Constant nodes become constants; Identity nodes disappear; nodes whose inputs are all float
 * constants are evaluated once (constant folding); the LayerNorm that PyTorch exports before opset 17
 * as nine nodes becomes one LayerNormalization; a BatchNormalization after a Conv is folded into
 * the Conv's weights and bias; {@code x * Sigmoid(x)} becomes one SiLU; an activation after a chain of
 * reshapes and transposes of a Conv's output moves before the chain; an activation read only by
 * itself after a Conv is fused into the Conv ({@code vahost.act}, {@code vahost.alpha} attributes);
 * a residual Add of a Conv's output (read by nothing else) and another value becomes part of the Conv
 * (input 3, with the Add's fused activation as {@code vahost.post_act}), the Conv moved to the Add's place.
 */
public final class Optimizer {
    private static final Logger LOG = LoggerFactory.getLogger(Optimizer.class);

    private Optimizer() {}

    public static void optimize(Graph g) {
        int before = g.nodes.size();
        constantNodes(g);
        identities(g);
        fold(g);
        fuseLayerNorm(g);
        foldBatchNorm(g);
        fuseSilu(g);
        hoistActivations(g);
        fuseActivations(g);
        fuseResiduals(g);
        LOG.debug("{}: {} nodes -> {} after optimisation", g.source, before, g.nodes.size());
    }

    static void constantNodes(Graph g) {
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node n = it.next();
            if (!n.op.equals("Constant")) continue;
            Tensor t;
            if (n.attrs.get("value") instanceof Tensor v) t = v;
            else if (n.has("value_float")) t = Tensor.ofFloats(new float[] {n.f("value_float", 0)});
            else if (n.has("value_floats")) { float[] f = n.floats("value_floats", null); t = Tensor.ofFloats(f, f.length); }
            else if (n.has("value_int")) t = Tensor.ofLongs(new long[] {n.i("value_int", 0)});
            else if (n.has("value_ints")) { long[] l = n.ints("value_ints", null); t = Tensor.ofLongs(l, l.length); }
            else throw n.unsupported("only value, value_float(s) and value_int(s) constants are supported, got " + n.attrs.keySet());
            g.constants.put(n.output(), t);
            it.remove();
        }
    }

    static void identities(Graph g) {
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node n = it.next();
            if (!n.op.equals("Identity") && !(n.op.equals("Dropout") && n.outputs.size() == 1)) continue;
            String in = n.input(0), out = n.output();
            if (g.isGraphOutput(out) || g.isGraphOutput(in)) {
                if (g.isConstant(in)) {
                    g.constants.put(out, g.constants.get(in));
                    it.remove();
                }
                continue; // keep: a copy between two names the caller can see
            }
            if (g.isConstant(in)) g.constants.put(out, g.constants.get(in));
            rename(g, out, in);
            it.remove();
        }
    }

    /** Every read of {@code from} now reads {@code to}. */
    static void rename(Graph g, String from, String to) {
        for (Node m : g.nodes) {
            for (int i = 0; i < m.inputs.size(); i++) {
                if (m.inputs.get(i).equals(from)) m.inputs.set(i, to);
            }
        }
    }

    /** Nodes whose inputs are all constants are evaluated once (any output type: shape arithmetic too). */
    static void fold(Graph g) {
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node n = it.next();
            if (n.inputs.isEmpty()) continue;
            boolean allConst = true;
            for (String in : n.inputs) {
                if (!in.isEmpty() && !g.constants.containsKey(in)) { allConst = false; break; }
            }
            if (!allConst || Operators.get(n.op) == null) continue;
            Tensor[] r = Planner.evaluate(g, n);
            if (r == null) continue;
            for (int i = 0; i < r.length; i++) {
                if (!n.outputs.get(i).isEmpty()) g.constants.put(n.outputs.get(i), r[i]);
            }
            it.remove();
        }
    }

    /**
     * PyTorch's opset &lt; 17 export of LayerNorm, {@code ReduceMean(x) → Sub(x, mean) → Pow(d, 2) or
     * Mul(d, d) → ReduceMean → Add(ε) → Sqrt → Div(d, std) [→ Mul(γ)] [→ Add(β)]}, becomes one
     * LayerNormalization (whose kernel keeps the mean and variance in float32 in fp16 engines). Only
     * when both ReduceMeans take the same trailing axes written as negative numbers (the graph has no
     * shapes yet: axes [-2, -1] mean the last two whatever the rank), keep their dimensions, every
     * intermediate is read only inside the pattern and is no graph output, and ε, γ and β are float
     * constants with γ and β of a rank no larger than the number of normalised axes (so that their
     * broadcast cannot reach the other axes).
     */
    static void fuseLayerNorm(Graph g) {
        Map<String, Integer> uses = g.useCounts();
        Map<String, Node> producers = g.producers();
        Map<String, Node> consumer = new HashMap<>(); // the reader of each value read exactly once
        for (Node n : g.nodes) {
            for (String in : n.inputs) if (uses.getOrDefault(in, 0) == 1) consumer.put(in, n);
        }
        Map<Node, Node> replace = new IdentityHashMap<>();
        Set<Node> dead = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node div : g.nodes) {
            if (!div.op.equals("Div") || div.inputs.size() != 2 || dead.contains(div)) continue;
            Node sub = producers.get(div.input(0)), sqrt = producers.get(div.input(1));
            if (!is(sub, "Sub", 2) || !is(sqrt, "Sqrt", 1)) continue;
            String x = sub.input(0), d = sub.output();
            Node mean1 = producers.get(sub.input(1));
            if (!is(mean1, "ReduceMean", -1) || !mean1.input(0).equals(x)) continue;
            Node addEps = producers.get(sqrt.input(0));
            if (!is(addEps, "Add", 2)) continue;
            int epsSide = scalar(g, addEps.input(1)) != null ? 1 : scalar(g, addEps.input(0)) != null ? 0 : -1;
            if (epsSide < 0) continue;
            Float eps = scalar(g, addEps.input(epsSide));
            Node mean2 = producers.get(addEps.input(1 - epsSide));
            if (!is(mean2, "ReduceMean", -1)) continue;
            Node sq = producers.get(mean2.input(0));
            boolean pow = is(sq, "Pow", 2) && sq.input(0).equals(d) && Float.valueOf(2f).equals(scalar(g, sq.input(1)));
            boolean mul = is(sq, "Mul", 2) && sq.input(0).equals(d) && sq.input(1).equals(d);
            if (!pow && !mul) continue;
            long[] axes = lnAxes(g, mean1);
            if (axes == null || !java.util.Arrays.equals(axes, lnAxes(g, mean2))) continue;
            // d feeds the square (once, or twice as Mul(d, d)) and the Div; everything else once.
            if (uses.getOrDefault(d, 0) != (mul ? 3 : 2)) continue;
            boolean single = true;
            for (Node n : new Node[] {mean1, sq, mean2, addEps, sqrt}) {
                single &= uses.getOrDefault(n.output(), 0) == 1 && !g.isGraphOutput(n.output());
            }
            if (!single || g.isGraphOutput(d)) continue;
            List<Node> pattern = new ArrayList<>(List.of(mean1, sub, sq, mean2, addEps, sqrt, div));
            Node tail = div;
            String gamma = null, beta = null;
            Node next = onlyReader(g, uses, consumer, tail);
            int m = axes.length;
            if (is(next, "Mul", 2)) {
                gamma = affineConstant(g, next, tail.output(), m);
                if (gamma != null) {
                    tail = next;
                    pattern.add(next);
                    next = onlyReader(g, uses, consumer, tail);
                }
            }
            if (is(next, "Add", 2)) {
                beta = affineConstant(g, next, tail.output(), m);
                if (beta != null) {
                    tail = next;
                    pattern.add(next);
                }
            }
            if (pattern.stream().anyMatch(dead::contains)) continue;
            String name = mean1.name.isEmpty() ? tail.output() : mean1.name;
            if (gamma == null) {
                gamma = tail.output() + "/vahost.layernorm_scale";
                g.constants.put(gamma, Tensor.ofFloats(new float[] {1f}, 1));
            }
            List<String> inputs = beta == null ? List.of(x, gamma) : List.of(x, gamma, beta);
            Map<String, Object> attrs = new LinkedHashMap<>();
            attrs.put("axis", (long) -m);
            attrs.put("epsilon", eps);
            replace.put(tail, new Node(name + "/vahost.layernorm", "LayerNormalization", inputs, List.of(tail.output()), attrs));
            dead.addAll(pattern);
        }
        if (replace.isEmpty()) return;
        List<Node> out = new ArrayList<>();
        for (Node n : g.nodes) {
            if (replace.containsKey(n)) out.add(replace.get(n));
            else if (!dead.contains(n)) out.add(n);
        }
        g.nodes.clear();
        g.nodes.addAll(out);
        LOG.debug("{}: {} decomposed LayerNorm(s) fused into LayerNormalization", g.source, replace.size());
    }

    private static boolean is(Node n, String op, int inputs) {
        return n != null && n.op.equals(op) && (inputs < 0 || n.inputs.size() == inputs) && n.outputs.size() == 1;
    }

    /** The value of a one-element float constant, else null. */
    private static Float scalar(Graph g, String name) {
        Tensor t = g.constants.get(name);
        return t != null && t.size() == 1 ? (float) t.get(0) : null;
    }

    /** A ReduceMean's axes when they are distinct, negative and contiguous up to -1 with keepdims, sorted; else null. */
    private static long[] lnAxes(Graph g, Node mean) {
        if (mean.i("keepdims", 1) == 0) return null;
        long[] axes;
        if (g.opset >= 18) {
            Tensor t = mean.hasInput(1) ? g.constants.get(mean.input(1)) : null;
            if (t == null || t.isFloat()) return null;
            axes = t.longs().clone();
        } else {
            if (mean.inputs.size() != 1) return null;
            axes = mean.ints("axes", null);
            if (axes == null) return null;
            axes = axes.clone();
        }
        if (axes.length == 0) return null;
        java.util.Arrays.sort(axes);
        for (int i = 0; i < axes.length; i++) {
            if (axes[i] != i - axes.length) return null;
        }
        return axes;
    }

    /** The node that alone reads {@code n}'s output (which no graph output is), else null. */
    private static Node onlyReader(Graph g, Map<String, Integer> uses, Map<String, Node> consumer, Node n) {
        String v = n.output();
        return uses.getOrDefault(v, 0) == 1 && !g.isGraphOutput(v) ? consumer.get(v) : null;
    }

    /** The other operand of {@code op} (beside {@code value}) when it is a float constant of rank ≤ m, else null. */
    private static String affineConstant(Graph g, Node op, String value, int m) {
        int side = op.input(0).equals(value) ? 1 : op.input(1).equals(value) ? 0 : -1;
        if (side < 0 || op.input(side).equals(value)) return null;
        Tensor t = g.constants.get(op.input(side));
        return t != null && t.isFloat() && t.rank() <= m ? op.input(side) : null;
    }

    static void foldBatchNorm(Graph g) {
        Map<String, Integer> uses = g.useCounts();
        Map<String, Node> producers = g.producers();
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node bn = it.next();
            if (!bn.op.equals("BatchNormalization") || bn.outputs.size() != 1) continue;
            Node conv = producers.get(bn.input(0));
            if (conv == null || !conv.op.equals("Conv") || conv.has("vahost.act") || uses.getOrDefault(conv.output(), 0) != 1
                    || g.isGraphOutput(conv.output())) continue;
            Tensor w = g.constants.get(conv.input(1));
            Tensor b = conv.hasInput(2) ? g.constants.get(conv.input(2)) : null;
            Tensor gamma = g.constants.get(bn.input(1)), beta = g.constants.get(bn.input(2)),
                    mean = g.constants.get(bn.input(3)), var = g.constants.get(bn.input(4));
            if (w == null || !w.isFloat() || (conv.hasInput(2) && b == null) || gamma == null || beta == null
                    || mean == null || var == null) continue;
            int k = (int) w.dim(0);
            if (gamma.size() != k || beta.size() != k || mean.size() != k || var.size() != k) continue;
            float eps = bn.f("epsilon", 1e-5f);
            float[] wf = w.floats(), nw = new float[wf.length], nb = new float[k];
            float[] gf = gamma.asFloats(), bf = beta.asFloats(), mf = mean.asFloats(), vf = var.asFloats();
            float[] cb = b == null ? null : b.asFloats();
            int per = wf.length / k;
            for (int o = 0; o < k; o++) {
                double s = gf[o] / Math.sqrt((double) vf[o] + eps);
                for (int i = 0; i < per; i++) nw[o * per + i] = (float) (wf[o * per + i] * s);
                nb[o] = (float) (((cb == null ? 0.0 : cb[o]) - mf[o]) * s + bf[o]);
            }
            String wName = conv.name + "/vahost.folded_w", bName = conv.name + "/vahost.folded_b";
            g.constants.put(wName, Tensor.ofFloats(nw, w.shape()));
            g.constants.put(bName, Tensor.ofFloats(nb, k));
            conv.inputs.set(1, wName);
            if (conv.inputs.size() > 2) conv.inputs.set(2, bName); else conv.inputs.add(bName);
            conv.outputs.set(0, bn.output());
            it.remove();
        }
    }

    static void fuseSilu(Graph g) {
        Map<String, Integer> uses = g.useCounts();
        Map<String, Node> producers = g.producers();
        List<Node> dead = new ArrayList<>();
        for (Node mul : g.nodes) {
            if (!mul.op.equals("Mul") || mul.inputs.size() != 2) continue;
            for (int side = 0; side < 2; side++) {
                String s = mul.input(side), x = mul.input(1 - side);
                Node sig = producers.get(s);
                if (sig != null && sig.op.equals("Sigmoid") && sig.input(0).equals(x) && uses.getOrDefault(s, 0) == 1
                        && !g.isGraphOutput(s) && !g.isConstant(x)) {
                    mul.op = "Silu";
                    mul.inputs.clear();
                    mul.inputs.add(x);
                    dead.add(sig);
                    break;
                }
            }
        }
        g.nodes.removeAll(dead);
    }

    /** Operators that move elements without computing (input 0 the data, the others constants). */
    private static final java.util.Set<String> MOVES = java.util.Set.of("Reshape", "Transpose", "Flatten", "Squeeze", "Unsqueeze");

    /**
     * {@code act(move(...move(Conv(x))))}, each value read once, becomes {@code move(...move(act(Conv(x))))}: an
     * element-wise activation commutes with moving elements (the same float32 results; in fp16 one rounding
     * fewer, the activation applied before the Conv's output is rounded), and the activation then fuses into
     * the Conv (fuseActivations). YOLOv5's head (Conv → Reshape → Transpose →
     * Sigmoid) loses a pass over its largest tensor, and the transposed value, read only by copies now, is
     * never materialised (CopyChains).
     */
    static void hoistActivations(Graph g) {
        boolean again = true;
        int hoisted = 0;
        while (again) {
            again = false;
            Map<String, Integer> uses = g.dataUseCounts();
            Map<String, Node> producers = g.producers();
            for (Node a : g.nodes) {
                Act act = Act.ofOp(a.op);
                if (act == null || !act.fusable() || a.op.equals("Clip") || a.inputs.size() != 1) continue;
                List<Node> chain = new ArrayList<>(); // nearest the activation first
                String v = a.input(0);
                Node p = producers.get(v);
                while (p != null && MOVES.contains(p.op) && uses.getOrDefault(v, 0) == 1 && !g.isGraphOutput(v)) {
                    chain.add(p);
                    v = p.input(0);
                    p = producers.get(v);
                }
                if (chain.isEmpty() || p == null || !p.op.equals("Conv") || p.has("vahost.act") || uses.getOrDefault(v, 0) != 1
                        || g.isGraphOutput(v)) {
                    continue;
                }
                Node first = chain.get(chain.size() - 1);
                // the activation reads the Conv's output and writes a new value the first move reads; the last move writes
                // what the activation wrote (its own output was read by the activation alone)
                String moved = v + "/vahost." + a.op, result = a.output();
                g.readShapeOf(chain.get(0).output(), result); // a Shape of the last move's old output: the same shape
                a.inputs.set(0, v);
                a.outputs.set(0, moved);
                first.inputs.set(0, moved);
                chain.get(0).outputs.set(0, result);
                g.nodes.remove(a);
                g.nodes.add(g.nodes.indexOf(p) + 1, a);
                hoisted++;
                again = true;
                break;
            }
        }
        if (hoisted > 0) LOG.debug("{}: {} activations moved before the reshapes/transposes after their Conv", g.source, hoisted);
    }

    private static final java.util.Set<String> BINARY_HOSTS = java.util.Set.of("Add", "Sub", "Mul", "Div");

    static void fuseActivations(Graph g) {
        Map<String, Integer> uses = g.dataUseCounts();
        Map<String, Node> producers = g.producers();
        for (Iterator<Node> it = g.nodes.iterator(); it.hasNext(); ) {
            Node a = it.next();
            Act act = Act.ofOp(a.op);
            float alpha = a.f("alpha", act == Act.HARDSIGMOID ? 0.2f : act == Act.ELU ? 1f : 0.01f);
            float beta = act == Act.HARDSIGMOID ? a.f("beta", 0.5f) : 0f;
            if (a.op.equals("Clip")) {
                float[] range = clipRange(g, a);
                if (range == null) continue;
                act = Act.CLIP;
                alpha = range[0];
                beta = range[1];
            }
            if (act == null || !act.fusable() || a.inputs.isEmpty()) continue;
            Node conv = producers.get(a.input(0));
            // Into a Conv (bias + activation after it are one kernel) or into an element-wise Add/Sub/Mul/Div
            // (ResNet's residual Add → Relu: one pass over the tensor instead of two).
            boolean into = conv != null && (conv.op.equals("Conv") || (BINARY_HOSTS.contains(conv.op) && conv.inputs.size() == 2
                    && !conv.has("broadcast")));
            if (!into || conv.has("vahost.act") || uses.getOrDefault(conv.output(), 0) != 1 || g.isGraphOutput(conv.output())) continue;
            g.readShapeOf(conv.output(), a.output()); // a dynamic export's Shape of the Conv output: the same shape
            conv.attrs.put("vahost.act", act.name());
            conv.attrs.put("vahost.alpha", alpha);
            conv.attrs.put("vahost.beta", beta);
            conv.outputs.set(0, a.output());
            it.remove();
        }
    }

    /**
     * {@code Add(Conv(x), r)} (either order, with the activation fuseActivations put into the Add) becomes one
     * Conv with {@code r} as input 3 and the Add's activation as {@code vahost.post_act}/{@code post_alpha}/
     * {@code post_beta}: y = post_act(act(conv(x) + bias) + r), the same float operations in the same order
     * (float addition commutes exactly). The Conv's output must be read by the Add alone and r must not be a
     * constant; the Conv moves to the Add's place in the node order, where r has been computed. Whether r has
     * the Conv output's shape is known only when planning: {@code ConvOps} plans a broadcasting Add after the
     * Conv when it has not. The GPU engine runs the addition inside the convolution's fused cuDNN graph
     * where that builds and measures faster, else as the same addition kernel as before (ResNet and YOLO
     * bottlenecks: one read and one write of the block's output fewer).
     */
    static void fuseResiduals(Graph g) {
        Map<String, Integer> uses = g.useCounts();
        Map<String, Node> producers = g.producers();
        List<Node> out = new ArrayList<>(g.nodes.size());
        Set<Node> moved = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Node, Node> into = new IdentityHashMap<>(); // Add -> the Conv that takes its place
        for (Node a : g.nodes) {
            if (!a.op.equals("Add") || a.inputs.size() != 2 || a.has("broadcast") || !a.hasInput(0) || !a.hasInput(1)) continue;
            for (int i = 0; i < 2; i++) {
                Node conv = producers.get(a.input(i));
                String r = a.input(1 - i);
                if (conv == null || !conv.op.equals("Conv") || moved.contains(conv) || conv.hasInput(3) || r.equals(a.input(i))
                        || uses.getOrDefault(conv.output(), 0) != 1 || g.isGraphOutput(conv.output()) || g.constants.containsKey(r)) {
                    continue;
                }
                while (conv.inputs.size() < 3) conv.inputs.add("");
                conv.inputs.add(r);
                if (a.has("vahost.act")) {
                    conv.attrs.put("vahost.post_act", a.attrs.get("vahost.act"));
                    conv.attrs.put("vahost.post_alpha", a.attrs.getOrDefault("vahost.alpha", 0f));
                    conv.attrs.put("vahost.post_beta", a.attrs.getOrDefault("vahost.beta", 0f));
                }
                conv.outputs.set(0, a.output());
                moved.add(conv);
                into.put(a, conv);
                break;
            }
        }
        if (into.isEmpty()) return;
        for (Node n : g.nodes) {
            if (moved.contains(n)) continue;
            out.add(into.getOrDefault(n, n));
        }
        g.nodes.clear();
        g.nodes.addAll(out);
        LOG.debug("{}: {} residual Adds fused into the Conv before them", g.source, into.size());
    }

    /** Clip's {min, max} when both are attributes (opset < 11) or constants, else null. */
    private static float[] clipRange(Graph g, Node a) {
        if (g.opset < 11) return new float[] {a.f("min", -Float.MAX_VALUE), a.f("max", Float.MAX_VALUE)};
        float lo = Float.NEGATIVE_INFINITY, hi = Float.POSITIVE_INFINITY;
        if (a.hasInput(1)) {
            Tensor t = g.constants.get(a.input(1));
            if (t == null || t.size() != 1) return null;
            lo = (float) t.get(0);
        }
        if (a.hasInput(2)) {
            Tensor t = g.constants.get(a.input(2));
            if (t == null || t.size() != 1) return null;
            hi = (float) t.get(0);
        }
        return new float[] {lo, hi};
    }
}
