package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.internal.ops.Operators;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Load-time rewrites shared by every executor, each exact up to float rounding:
 * Constant nodes become constants; Identity nodes disappear; nodes whose inputs are all float
 * constants are evaluated once (constant folding); a BatchNormalization after a Conv is folded into
 * the Conv's weights and bias; {@code x * Sigmoid(x)} becomes one SiLU; an activation read only by
 * itself after a Conv is fused into the Conv ({@code vahost.act}, {@code vahost.alpha} attributes).
 */
public final class Optimizer {
    private static final Logger LOG = LoggerFactory.getLogger(Optimizer.class);

    private Optimizer() {}

    public static void optimize(Graph g) {
        int before = g.nodes.size();
        constantNodes(g);
        identities(g);
        fold(g);
        foldBatchNorm(g);
        fuseSilu(g);
        fuseActivations(g);
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

    static void fuseActivations(Graph g) {
        Map<String, Integer> uses = g.useCounts();
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
            if (conv == null || !conv.op.equals("Conv") || conv.has("vahost.act") || uses.getOrDefault(conv.output(), 0) != 1
                    || g.isGraphOutput(conv.output())) continue;
            conv.attrs.put("vahost.act", act.name());
            conv.attrs.put("vahost.alpha", alpha);
            conv.attrs.put("vahost.beta", beta);
            conv.outputs.set(0, a.output());
            it.remove();
        }
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
