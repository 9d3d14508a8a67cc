package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.InvalidModelException;
import dev.vahost.inference.UnsupportedModelException;

/**
 * Resolves a {@link Graph} for one batch size into a {@link Plan}: checks each node's attributes
 * against ONNX's definition (opset 7..17), infers every shape, and turns each node into steps.
 * Everything a node needs at plan time (weights, shapes, scales, slice bounds) must be a constant;
 * otherwise the node is reported as unsupported.
 */
public final class Planner {
    private final Graph g;
    private final int batch;
    private final List<String> names = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();
    private final List<Tensor> consts = new ArrayList<>();
    private final List<Integer> alias = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<Step> steps = new ArrayList<>();

    private Planner(Graph g, int batch) {
        this.g = g;
        this.batch = batch;
    }

    /** The plan of {@code g} at {@code batch} images. */
    public static Plan plan(Graph g, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch must be at least 1, got " + batch);
        Planner p = new Planner(g, batch);
        int[] in = new int[g.inputs.size()];
        for (int i = 0; i < in.length; i++) in[i] = p.defineInput(g.inputs.get(i), i == 0);
        for (Node n : g.nodes) {
            try {
                p.node(n);
            } catch (UnsupportedModelException | InvalidModelException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new InvalidModelException(g.source + ": " + n.where() + ": " + e.getMessage(), e);
            }
        }
        int[] out = new int[g.outputs.size()];
        for (int i = 0; i < out.length; i++) {
            ValueInfo o = g.outputs.get(i);
            out[i] = p.id(o.name());
            long[] s = p.shape(out[i]);
            if (o.dims() != null && o.dims().length == s.length) {
                for (int d = 0; d < s.length; d++) {
                    if (o.dims()[d] >= 0 && o.dims()[d] != s[d] && !(d == 0 && p.batchDeclaredSymbolic())) {
                        throw new InvalidModelException(g.source + ": output '" + o.name() + "' is declared "
                                + o.describe() + " but computes to " + Arrays.toString(s) + " at batch " + batch);
                    }
                }
            }
        }
        return p.build(in, out);
    }

    /** Evaluates a node whose inputs are all constants (constant folding); null when it cannot. */
    static Tensor evaluateConstant(Graph g, Node n) {
        Planner p = new Planner(g, 1);
        try {
            p.node(n);
        } catch (RuntimeException e) {
            return null; // leave it to the real plan, which reports the error with full context
        }
        Plan plan = p.build(new int[0], new int[] {p.id(n.output())});
        float[][] out = CpuExecutor.runConstant(plan);
        return Tensor.ofFloats(out[0], plan.shapes[plan.outputs[0]]);
    }

    private boolean batchDeclaredSymbolic() {
        ValueInfo in = g.inputs.get(0);
        return in.dims() != null && in.dims().length > 0 && in.dims()[0] < 0;
    }

    private Plan build(int[] in, int[] out) {
        int n = names.size();
        long[][] sh = shapes.toArray(new long[0][]);
        Tensor[] cs = consts.toArray(new Tensor[0]);
        int[] al = new int[n];
        for (int i = 0; i < n; i++) al[i] = alias.get(i);
        return new Plan(batch, names.toArray(new String[0]), sh, cs, al, in, out, steps);
    }

    private int defineInput(ValueInfo vi, boolean first) {
        if (vi.dims() == null) {
            throw new UnsupportedModelException(g.source + ": input " + vi.name() + " declares no shape; a fixed shape"
                    + " (batch may be symbolic) is required");
        }
        long[] s = vi.dims().clone();
        for (int d = 0; d < s.length; d++) {
            if (s[d] >= 0) continue;
            if (d == 0) s[d] = batch;
            else throw new UnsupportedModelException(g.source + ": input " + vi.describe() + " has dynamic dimension "
                    + d + "; only the batch (dimension 0) may be symbolic");
        }
        if (first && s.length > 0 && vi.dims()[0] >= 0 && vi.dims()[0] != batch) { // the first input carries the batch
            throw new IllegalArgumentException(g.source + ": input " + vi.describe() + " has a fixed batch of "
                    + vi.dims()[0] + "; cannot run it at batch " + batch);
        }
        return define(vi.name(), s, null, -1);
    }

    private int define(String name, long[] shape, Tensor constant, int aliasOf) {
        for (long d : shape) {
            if (d < 0) throw new InvalidModelException(g.source + ": value '" + name + "' gets negative shape " + Arrays.toString(shape));
        }
        int id = names.size();
        names.add(name);
        shapes.add(shape);
        consts.add(constant);
        alias.add(aliasOf);
        ids.put(name, id);
        return id;
    }

    /** The id of a value, defining constants on first use. */
    private int id(String name) {
        Integer id = ids.get(name);
        if (id != null) return id;
        Tensor c = g.constants.get(name);
        if (c == null) throw new InvalidModelException(g.source + ": value '" + name + "' is used but never produced");
        return define(name, c.shape(), c, -1);
    }

    private long[] shape(int id) {
        return shapes.get(id);
    }

    private Tensor constInput(Node n, int i, String what) {
        String name = n.input(i);
        Tensor t = g.constants.get(name);
        if (t == null) {
            throw n.unsupported(what + " (input " + i + ", '" + name + "') must be a constant (initializer or"
                    + " Constant); computed " + what + "s are not supported");
        }
        return t;
    }

    private static long[] rowMajor(long[] shape) {
        return Layouts.rowMajor(shape);
    }

    private static int axis(Node n, long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw n.invalid("axis " + axis + " is out of range for rank " + rank);
        return (int) a;
    }

    private static int toInt(Node n, long v, String what) {
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) throw n.unsupported(what + " " + v + " is too large");
        return (int) v;
    }

    private void node(Node n) {
        if (!Ops.SUPPORTED.contains(n.op)) {
            throw new UnsupportedModelException(g.source + ": " + n.where() + " uses operator " + n.op
                    + ", which is not supported; supported: " + new java.util.TreeSet<>(Ops.SUPPORTED));
        }
        for (int i = 1; i < n.outputs.size(); i++) {
            if (!n.outputs.get(i).isEmpty() && !n.op.equals("Split")) {
                throw n.unsupported("only the first output is supported; output " + i + " ('" + n.outputs.get(i)
                        + "') is used");
            }
        }
        switch (n.op) {
            case "Conv" -> conv(n);
            case "BatchNormalization" -> batchNorm(n);
            case "Relu", "LeakyRelu", "Sigmoid", "HardSwish", "Silu" -> unary(n);
            case "Add" -> binary(n, Step.BinOp.ADD);
            case "Sub" -> binary(n, Step.BinOp.SUB);
            case "Mul" -> binary(n, Step.BinOp.MUL);
            case "Div" -> binary(n, Step.BinOp.DIV);
            case "Concat" -> concat(n);
            case "Split" -> split(n);
            case "Slice" -> slice(n);
            case "Transpose" -> transpose(n);
            case "Reshape" -> reshape(n);
            case "Flatten" -> flatten(n);
            case "MaxPool" -> maxPool(n);
            case "Resize", "Upsample" -> resize(n);
            case "Softmax" -> softmax(n);
            case "Gemm" -> gemm(n);
            case "MatMul" -> matmul(n);
            case "Identity", "Dropout" -> identity(n);
            default -> throw n.unsupported("operator is listed but not planned"); // Constant is removed by Optimizer
        }
    }

    // ------------------------------------------------------------------ convolution and pooling

    /** Output size and begin padding per spatial axis; returns {out, padBegin}. */
    private static int[] window(Node n, String autoPad, int in, int k, int s, int d, long padBegin, long padEnd,
                                boolean ceil) {
        int eff = d * (k - 1) + 1;
        switch (autoPad) {
            case "NOTSET": {
                long span = in + padBegin + padEnd - eff;
                if (span < 0) throw n.invalid("window " + eff + " is larger than the padded input " + (in + padBegin + padEnd));
                long out = ceil ? (span + s - 1) / s + 1 : span / s + 1;
                // PyTorch/onnxruntime: in ceil mode the last window must start inside the input or the begin padding
                if (ceil && (out - 1) * s >= in + padBegin) out--;
                return new int[] {(int) out, (int) padBegin};
            }
            case "VALID":
                if (in < eff) throw n.invalid("window " + eff + " is larger than the input " + in);
                return new int[] {(in - eff) / s + 1, 0};
            case "SAME_UPPER":
            case "SAME_LOWER": {
                int out = (in + s - 1) / s;
                int total = Math.max(0, (out - 1) * s + eff - in);
                int begin = autoPad.equals("SAME_UPPER") ? total / 2 : (total + 1) / 2;
                return new int[] {out, begin};
            }
            default:
                throw n.unsupported("auto_pad '" + autoPad + "'");
        }
    }

    private void conv(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        if (xs.length != 4) throw n.unsupported("only 2-D convolution (rank-4 input) is supported, input is " + Arrays.toString(xs));
        Tensor w = constInput(n, 1, "weight");
        if (!w.isFloat() || w.rank() != 4) throw n.invalid("weight must be a float [K, C/group, kh, kw] tensor, got " + w.describe());
        Tensor b = n.hasInput(2) ? constInput(n, 2, "bias") : null;
        int group = toInt(n, n.i("group", 1), "group");
        int c = (int) xs[1], k = (int) w.dim(0), kh = (int) w.dim(2), kw = (int) w.dim(3);
        if (group < 1 || c % group != 0 || k % group != 0 || w.dim(1) * group != c) {
            throw n.invalid("input has " + c + " channels, weight " + w.describe() + ", group " + group + ": inconsistent");
        }
        if (b != null && b.size() != k) throw n.invalid("bias has " + b.size() + " elements for " + k + " output channels");
        long[] ks = n.ints("kernel_shape", new long[] {kh, kw});
        if (ks.length != 2 || ks[0] != kh || ks[1] != kw) throw n.invalid("kernel_shape " + Arrays.toString(ks) + " differs from the weight " + w.describe());
        long[] st = n.ints("strides", new long[] {1, 1});
        long[] dl = n.ints("dilations", new long[] {1, 1});
        long[] pads = n.ints("pads", new long[] {0, 0, 0, 0});
        if (st.length != 2 || dl.length != 2 || pads.length != 4) throw n.invalid("strides, dilations or pads of the wrong length");
        String autoPad = n.s("auto_pad", "NOTSET");
        int[] hy = window(n, autoPad, (int) xs[2], kh, (int) st[0], (int) dl[0], pads[0], pads[2], false);
        int[] wx = window(n, autoPad, (int) xs[3], kw, (int) st[1], (int) dl[1], pads[1], pads[3], false);
        Act act = n.has("vahost.act") ? Act.valueOf(n.s("vahost.act", "NONE")) : Act.NONE;
        float alpha = n.f("vahost.alpha", 0.01f);
        int y = define(n.output(), new long[] {xs[0], k, hy[0], wx[0]}, null, -1);
        steps.add(new Step.Conv(n.name, x, y, (int) xs[0], c, (int) xs[2], (int) xs[3], k, hy[0], wx[0], kh, kw,
                (int) st[0], (int) st[1], hy[1], wx[1], (int) dl[0], (int) dl[1], group, w, b, act, alpha));
    }

    private void maxPool(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        if (xs.length != 4) throw n.unsupported("only 2-D max pooling (rank-4 input) is supported, input is " + Arrays.toString(xs));
        if (n.i("storage_order", 0) != 0) throw n.unsupported("storage_order 1");
        long[] ks = n.ints("kernel_shape", null);
        if (ks == null || ks.length != 2) throw n.invalid("kernel_shape must have 2 values");
        long[] st = n.ints("strides", new long[] {1, 1});
        long[] dl = n.ints("dilations", new long[] {1, 1});
        long[] pads = n.ints("pads", new long[] {0, 0, 0, 0});
        if (st.length != 2 || dl.length != 2 || pads.length != 4) throw n.invalid("strides, dilations or pads of the wrong length");
        boolean ceil = n.i("ceil_mode", 0) != 0;
        String autoPad = n.s("auto_pad", "NOTSET");
        int[] hy = window(n, autoPad, (int) xs[2], (int) ks[0], (int) st[0], (int) dl[0], pads[0], pads[2], ceil);
        int[] wx = window(n, autoPad, (int) xs[3], (int) ks[1], (int) st[1], (int) dl[1], pads[1], pads[3], ceil);
        int y = define(n.output(), new long[] {xs[0], xs[1], hy[0], wx[0]}, null, -1);
        steps.add(new Step.MaxPool(n.name, x, y, (int) xs[0], (int) xs[1], (int) xs[2], (int) xs[3], hy[0], wx[0],
                (int) ks[0], (int) ks[1], (int) st[0], (int) st[1], hy[1], wx[1], (int) dl[0], (int) dl[1]));
    }

    private void batchNorm(Node n) {
        if (n.i("training_mode", 0) != 0) throw n.unsupported("training_mode 1");
        int x = id(n.input(0));
        long[] xs = shape(x);
        if (xs.length < 2) throw n.invalid("input of rank " + xs.length);
        int c = (int) xs[1];
        float[] gm = constInput(n, 1, "scale").asFloats(), bt = constInput(n, 2, "bias").asFloats(),
                mn = constInput(n, 3, "mean").asFloats(), vr = constInput(n, 4, "variance").asFloats();
        if (gm.length != c || bt.length != c || mn.length != c || vr.length != c) {
            throw n.invalid("parameters must have " + c + " elements (one per channel)");
        }
        float eps = n.f("epsilon", 1e-5f);
        float[] scale = new float[c], shift = new float[c];
        for (int i = 0; i < c; i++) {
            double s = gm[i] / Math.sqrt((double) vr[i] + eps);
            scale[i] = (float) s;
            shift[i] = (float) (bt[i] - mn[i] * s);
        }
        long inner = 1;
        for (int d = 2; d < xs.length; d++) inner *= xs[d];
        int y = define(n.output(), xs.clone(), null, -1);
        steps.add(new Step.Affine(n.name, x, y, xs[0], c, inner, scale, shift));
    }

    // ------------------------------------------------------------------ element-wise

    private void unary(Node n) {
        int x = id(n.input(0));
        Act act = Act.ofOp(n.op);
        int y = define(n.output(), shape(x).clone(), null, -1);
        steps.add(new Step.Unary(n.name, x, y, Tensor.numel(shape(x)), act, n.f("alpha", 0.01f)));
    }

    private void binary(Node n, Step.BinOp op) {
        if (g.opset < 7 || n.has("broadcast")) throw n.unsupported("legacy broadcast attribute");
        int a = id(n.input(0)), b = id(n.input(1));
        long[] as = shape(a), bs = shape(b);
        int r = Math.max(as.length, bs.length);
        long[] out = new long[r], aStr = new long[r], bStr = new long[r];
        long[] ar = rowMajor(as), br = rowMajor(bs);
        for (int i = 0; i < r; i++) {
            int ia = i - (r - as.length), ib = i - (r - bs.length);
            long da = ia >= 0 ? as[ia] : 1, db = ib >= 0 ? bs[ib] : 1;
            if (da != db && da != 1 && db != 1) {
                throw n.invalid("shapes " + Arrays.toString(as) + " and " + Arrays.toString(bs) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
            aStr[i] = (ia >= 0 && da != 1) ? ar[ia] : 0;
            bStr[i] = (ib >= 0 && db != 1) ? br[ib] : 0;
        }
        int y = define(n.output(), out, null, -1);
        steps.add(new Step.Binary(n.name, op, a, b, y, out, aStr, bStr));
    }

    // ------------------------------------------------------------------ data movement

    private void concat(Node n) {
        if (n.inputs.isEmpty()) throw n.invalid("no inputs");
        int[] xs = new int[n.inputs.size()];
        for (int i = 0; i < xs.length; i++) xs[i] = id(n.input(i));
        long[] s0 = shape(xs[0]);
        if (!n.has("axis")) throw n.invalid("attribute axis is required");
        int ax = axis(n, n.i("axis", 0), s0.length);
        long[] out = s0.clone();
        out[ax] = 0;
        for (int x : xs) {
            long[] s = shape(x);
            if (s.length != s0.length) throw n.invalid("inputs of different rank " + Arrays.toString(s0) + ", " + Arrays.toString(s));
            for (int d = 0; d < s.length; d++) {
                if (d != ax && s[d] != s0[d]) throw n.invalid("inputs " + Arrays.toString(s0) + " and " + Arrays.toString(s) + " differ outside axis " + ax);
            }
            out[ax] += s[ax];
        }
        int y = define(n.output(), out, null, -1);
        long[] os = rowMajor(out);
        Step.Copy[] parts = new Step.Copy[xs.length];
        long off = 0;
        for (int i = 0; i < xs.length; i++) {
            long[] s = shape(xs[i]);
            parts[i] = new Step.Copy(n.name, xs[i], y, s.clone(), 0, rowMajor(s), off * os[ax], os);
            off += s[ax];
        }
        steps.add(new Step.CopyGroup(n.name, parts));
    }

    private void split(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        int ax = axis(n, n.i("axis", 0), xs.length);
        int parts = n.outputs.size();
        long[] sizes;
        if (n.hasInput(1)) sizes = constInput(n, 1, "split").asLongs();
        else if (n.has("split")) sizes = n.ints("split", null);
        else {
            if (xs[ax] % parts != 0) throw n.invalid("dimension " + xs[ax] + " does not split into " + parts + " equal parts");
            sizes = new long[parts];
            Arrays.fill(sizes, xs[ax] / parts);
        }
        if (sizes.length != parts) throw n.invalid(sizes.length + " split sizes for " + parts + " outputs");
        long sum = 0;
        for (long s : sizes) sum += s;
        if (sum != xs[ax]) throw n.invalid("split sizes " + Arrays.toString(sizes) + " do not add up to " + xs[ax]);
        long[] is = rowMajor(xs);
        List<Step.Copy> copies = new ArrayList<>();
        long off = 0;
        for (int i = 0; i < parts; i++) {
            long[] os = xs.clone();
            os[ax] = sizes[i];
            String name = n.outputs.get(i);
            if (!name.isEmpty()) {
                int y = define(name, os, null, -1);
                copies.add(new Step.Copy(n.name, x, y, os.clone(), off * is[ax], is, 0, rowMajor(os)));
            }
            off += sizes[i];
        }
        steps.add(new Step.CopyGroup(n.name, copies.toArray(new Step.Copy[0])));
    }

    private void slice(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        long[] starts, ends, axes, stepv;
        if (g.opset >= 10) {
            starts = constInput(n, 1, "starts").asLongs();
            ends = constInput(n, 2, "ends").asLongs();
            axes = n.hasInput(3) ? constInput(n, 3, "axes").asLongs() : null;
            stepv = n.hasInput(4) ? constInput(n, 4, "steps").asLongs() : null;
        } else {
            starts = n.ints("starts", null);
            ends = n.ints("ends", null);
            axes = n.ints("axes", null);
            stepv = null;
            if (starts == null || ends == null) throw n.invalid("starts and ends are required");
        }
        if (axes == null) {
            axes = new long[starts.length];
            for (int i = 0; i < axes.length; i++) axes[i] = i;
        }
        if (stepv == null) {
            stepv = new long[starts.length];
            Arrays.fill(stepv, 1);
        }
        if (ends.length != starts.length || axes.length != starts.length || stepv.length != starts.length) {
            throw n.invalid("starts, ends, axes and steps differ in length");
        }
        long[] begin = new long[xs.length], step = new long[xs.length], out = xs.clone();
        Arrays.fill(step, 1);
        boolean[] seen = new boolean[xs.length];
        for (int i = 0; i < starts.length; i++) {
            int a = axis(n, axes[i], xs.length);
            if (seen[a]) throw n.invalid("axis " + a + " sliced twice");
            seen[a] = true;
            long d = xs[a], st = stepv[i];
            if (st == 0) throw n.invalid("step 0");
            long s = starts[i], e = ends[i];
            if (s < 0) s += d;
            if (e < 0) e += d;
            if (st > 0) {
                s = Math.max(0, Math.min(d, s));
                e = Math.max(0, Math.min(d, e));
                out[a] = Math.max(0, (e - s + st - 1) / st);
            } else {
                s = Math.max(0, Math.min(d - 1, s));
                e = Math.max(-1, Math.min(d - 1, e));
                out[a] = Math.max(0, (s - e + (-st) - 1) / (-st));
            }
            begin[a] = s;
            step[a] = st;
        }
        long[] is = rowMajor(xs), inStr = new long[xs.length];
        long off = 0;
        for (int d = 0; d < xs.length; d++) {
            off += begin[d] * is[d];
            inStr[d] = is[d] * step[d];
        }
        int y = define(n.output(), out, null, -1);
        steps.add(new Step.Copy(n.name, x, y, out.clone(), off, inStr, 0, rowMajor(out)));
    }

    private void transpose(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        long[] perm = n.ints("perm", null);
        if (perm == null) {
            perm = new long[xs.length];
            for (int i = 0; i < perm.length; i++) perm[i] = xs.length - 1 - i;
        }
        if (perm.length != xs.length) throw n.invalid("perm " + Arrays.toString(perm) + " for rank " + xs.length);
        boolean[] used = new boolean[xs.length];
        long[] out = new long[xs.length], inStr = new long[xs.length], is = rowMajor(xs);
        for (int i = 0; i < perm.length; i++) {
            int p = axis(n, perm[i], xs.length);
            if (used[p]) throw n.invalid("perm " + Arrays.toString(perm) + " is not a permutation");
            used[p] = true;
            out[i] = xs[p];
            inStr[i] = is[p];
        }
        int y = define(n.output(), out, null, -1);
        steps.add(new Step.Copy(n.name, x, y, out.clone(), 0, inStr, 0, rowMajor(out)));
    }

    private void reshape(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        long[] spec;
        if (g.opset >= 5) spec = constInput(n, 1, "shape").asLongs();
        else spec = n.ints("shape", null);
        boolean allowZero = n.i("allowzero", 0) != 0;
        long[] out = new long[spec.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < spec.length; i++) {
            long d = spec[i];
            if (d == 0 && !allowZero) {
                if (i >= xs.length) throw n.invalid("shape " + Arrays.toString(spec) + " copies dimension " + i + " of " + Arrays.toString(xs));
                d = xs[i];
            }
            if (d == -1) {
                if (infer >= 0) throw n.invalid("shape " + Arrays.toString(spec) + " has two -1");
                infer = i;
                continue;
            }
            if (d < 0) throw n.invalid("shape " + Arrays.toString(spec) + " has a negative dimension");
            out[i] = d;
            known *= d;
        }
        long total = Tensor.numel(xs);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) throw n.invalid("cannot reshape " + Arrays.toString(xs) + " to " + Arrays.toString(spec));
            out[infer] = total / known;
        } else if (known != total) {
            throw n.invalid("cannot reshape " + Arrays.toString(xs) + " (" + total + " elements) to " + Arrays.toString(spec)
                    + " at batch " + batch);
        }
        alias(n, x, out);
    }

    private void flatten(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        long ax = n.i("axis", 1);
        int a = (int) (ax < 0 ? ax + xs.length : ax);
        if (a < 0 || a > xs.length) throw n.invalid("axis " + ax + " for rank " + xs.length);
        long outer = 1, inner = 1;
        for (int i = 0; i < xs.length; i++) {
            if (i < a) outer *= xs[i]; else inner *= xs[i];
        }
        alias(n, x, new long[] {outer, inner});
    }

    private void alias(Node n, int x, long[] shape) {
        Tensor c = consts.get(x);
        int y = define(n.output(), shape, c == null ? null : c.reshape(shape), x);
        steps.add(new Step.Reshape(n.name, x, y));
    }

    private void identity(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        int y = define(n.output(), xs.clone(), null, -1);
        steps.add(new Step.Copy(n.name, x, y, xs.clone(), 0, rowMajor(xs), 0, rowMajor(xs)));
    }

    // ------------------------------------------------------------------ resize

    private void resize(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        String mode = n.s("mode", "nearest");
        if (!mode.equals("nearest")) throw n.unsupported("mode '" + mode + "' (only nearest)");
        if (xs.length != 4) throw n.unsupported("only rank-4 (NCHW) input, got " + Arrays.toString(xs));
        String ctm, nearest;
        float[] scales = null;
        long[] sizes = null;
        if (n.op.equals("Upsample")) {
            ctm = "asymmetric";
            nearest = "floor";
            scales = n.hasInput(1) ? constInput(n, 1, "scales").asFloats() : n.floats("scales", null);
        } else {
            ctm = n.s("coordinate_transformation_mode", g.opset >= 11 ? "half_pixel" : "asymmetric");
            nearest = g.opset >= 11 ? n.s("nearest_mode", "round_prefer_floor") : "floor";
            if (g.opset < 11) {
                scales = constInput(n, 1, "scales").asFloats();
            } else {
                if (n.hasInput(3)) {
                    sizes = constInput(n, 3, "sizes").asLongs();
                } else if (n.hasInput(2)) {
                    Tensor s = constInput(n, 2, "scales");
                    if (s.size() > 0) scales = s.asFloats();
                }
                if (n.i("exclude_outside", 0) != 0) { /* no effect for nearest */ }
            }
        }
        if (ctm.equals("tf_crop_and_resize")) throw n.unsupported("coordinate_transformation_mode tf_crop_and_resize");
        if (scales == null && sizes == null) throw n.invalid("neither scales nor sizes given");
        long[] out = new long[4];
        float[] sc = new float[4];
        for (int d = 0; d < 4; d++) {
            if (sizes != null) {
                if (sizes.length != 4) throw n.invalid("sizes must have 4 values");
                out[d] = sizes[d];
                sc[d] = (float) sizes[d] / (float) xs[d];
            } else {
                if (scales.length != 4) throw n.invalid("scales must have 4 values");
                sc[d] = scales[d];
                out[d] = (long) Math.floor(xs[d] * (double) scales[d]);
            }
            if (out[d] <= 0) throw n.invalid("output dimension " + d + " would be " + out[d]);
        }
        if (out[0] != xs[0] || out[1] != xs[1]) {
            throw n.unsupported("resizing the batch or channel axis (" + Arrays.toString(xs) + " -> " + Arrays.toString(out)
                    + (sizes != null ? "; sizes fix the batch at " + sizes[0] : "") + ")");
        }
        int[] rows = nearestIndex(n, ctm, nearest, (int) xs[2], (int) out[2], sc[2]);
        int[] cols = nearestIndex(n, ctm, nearest, (int) xs[3], (int) out[3], sc[3]);
        int y = define(n.output(), out, null, -1);
        steps.add(new Step.Resize(n.name, x, y, (int) xs[0], (int) xs[1], (int) xs[2], (int) xs[3], (int) out[2],
                (int) out[3], rows, cols));
    }

    /** Source index per output index, as onnxruntime's nearest Resize computes it (float arithmetic). */
    static int[] nearestIndex(Node n, String ctm, String nearest, int in, int out, float scale) {
        int[] idx = new int[out];
        for (int o = 0; o < out; o++) {
            float x;
            switch (ctm) {
                case "half_pixel": x = (o + 0.5f) / scale - 0.5f; break;
                case "pytorch_half_pixel": x = out > 1 ? (o + 0.5f) / scale - 0.5f : 0f; break;
                case "asymmetric": x = o / scale; break;
                case "tf_half_pixel_for_nearest": x = (o + 0.5f) / scale; break;
                case "align_corners": x = out == 1 ? 0f : o * (float) (in - 1) / (float) (out - 1); break;
                default: throw n.unsupported("coordinate_transformation_mode '" + ctm + "'");
            }
            long r;
            switch (nearest) {
                case "round_prefer_floor":
                    r = (x == (long) x + 0.5f) ? (long) Math.floor(x) : Math.round((double) x); break;
                case "round_prefer_ceil":
                    r = (x == (long) x + 0.5f) ? (long) Math.ceil(x) : Math.round((double) x); break;
                case "floor": r = (long) Math.floor(x); break;
                case "ceil": r = (long) Math.ceil(x); break;
                default: throw n.unsupported("nearest_mode '" + nearest + "'");
            }
            idx[o] = (int) Math.max(0, Math.min(in - 1, r));
        }
        return idx;
    }

    // ------------------------------------------------------------------ softmax, matrix products

    private void softmax(Node n) {
        int x = id(n.input(0));
        long[] xs = shape(x);
        int r = xs.length;
        long dflt = g.opset >= 13 ? -1 : 1;
        int a = axis(n, n.i("axis", dflt), r);
        long outer = 1, len = 1, inner = 1;
        for (int d = 0; d < r; d++) {
            if (d < a) outer *= xs[d];
            else if (d == a || g.opset < 13) len *= xs[d]; // opset < 13: softmax over the flattened trailing axes
            else inner *= xs[d];
        }
        int y = define(n.output(), xs.clone(), null, -1);
        steps.add(new Step.Softmax(n.name, x, y, outer, toInt(n, len, "softmax axis length"), inner));
    }

    private void gemm(Node n) {
        int a = id(n.input(0)), b = id(n.input(1));
        long[] as = shape(a), bs = shape(b);
        if (as.length != 2 || bs.length != 2) throw n.invalid("A and B must be matrices, got " + Arrays.toString(as) + ", " + Arrays.toString(bs));
        boolean ta = n.i("transA", 0) != 0, tb = n.i("transB", 0) != 0;
        long m = ta ? as[1] : as[0], k = ta ? as[0] : as[1];
        long kb = tb ? bs[1] : bs[0], nn = tb ? bs[0] : bs[1];
        if (k != kb) throw n.invalid("inner dimensions differ: " + Arrays.toString(as) + (ta ? "ᵀ" : "") + " x " + Arrays.toString(bs) + (tb ? "ᵀ" : ""));
        float alpha = n.f("alpha", 1f), beta = n.f("beta", 1f);
        int c = -1;
        long[] cStr = null;
        if (n.hasInput(2)) {
            c = id(n.input(2));
            cStr = broadcastTo(n, shape(c), new long[] {m, nn});
        }
        int y = define(n.output(), new long[] {m, nn}, null, -1);
        steps.add(new Step.MatMul(n.name, a, b, y, 1, (int) m, (int) nn, (int) k, ta, tb, new long[] {0}, new long[] {0},
                alpha, c, cStr, c >= 0 ? beta : 0f));
    }

    /** Strides of {@code s} broadcast to {@code target} (unidirectional). */
    private static long[] broadcastTo(Node n, long[] s, long[] target) {
        if (s.length > target.length) throw n.invalid(Arrays.toString(s) + " does not broadcast to " + Arrays.toString(target));
        long[] rs = rowMajor(s), out = new long[target.length];
        for (int i = 0; i < target.length; i++) {
            int j = i - (target.length - s.length);
            long d = j >= 0 ? s[j] : 1;
            if (d != 1 && d != target[i]) throw n.invalid(Arrays.toString(s) + " does not broadcast to " + Arrays.toString(target));
            out[i] = (j >= 0 && d != 1) ? rs[j] : 0;
        }
        return out;
    }

    private void matmul(Node n) {
        int a = id(n.input(0)), b = id(n.input(1));
        long[] as = shape(a), bs = shape(b);
        if (as.length == 0 || bs.length == 0) throw n.invalid("scalar operand");
        boolean vecA = as.length == 1, vecB = bs.length == 1;
        long[] a2 = vecA ? new long[] {1, as[0]} : as, b2 = vecB ? new long[] {bs[0], 1} : bs;
        long m = a2[a2.length - 2], k = a2[a2.length - 1], kb = b2[b2.length - 2], nn = b2[b2.length - 1];
        if (k != kb) throw n.invalid("inner dimensions differ: " + Arrays.toString(as) + " x " + Arrays.toString(bs));
        int ra = a2.length - 2, rb = b2.length - 2, r = Math.max(ra, rb);
        long[] batchShape = new long[r], aBs = new long[r], bBs = new long[r];
        long aMat = m * k, bMat = k * nn;
        long[] aStr = rowMajor(Arrays.copyOf(a2, ra)), bStr = rowMajor(Arrays.copyOf(b2, rb));
        for (int i = 0; i < r; i++) {
            int ia = i - (r - ra), ib = i - (r - rb);
            long da = ia >= 0 ? a2[ia] : 1, db = ib >= 0 ? b2[ib] : 1;
            if (da != db && da != 1 && db != 1) throw n.invalid("batch dimensions of " + Arrays.toString(as) + " and " + Arrays.toString(bs) + " do not broadcast");
            batchShape[i] = Math.max(da, db);
            aBs[i] = (ia >= 0 && da != 1) ? aStr[ia] * aMat : 0;
            bBs[i] = (ib >= 0 && db != 1) ? bStr[ib] * bMat : 0;
        }
        int count = (int) Tensor.numel(batchShape);
        long[] aOff = new long[count], bOff = new long[count];
        long[] idx = new long[r];
        for (int bi = 0; bi < count; bi++) {
            long rem = bi, oa = 0, ob = 0;
            for (int d = r - 1; d >= 0; d--) {
                idx[d] = rem % batchShape[d];
                rem /= batchShape[d];
                oa += idx[d] * aBs[d];
                ob += idx[d] * bBs[d];
            }
            aOff[bi] = oa;
            bOff[bi] = ob;
        }
        List<Long> outShape = new ArrayList<>();
        for (long d : batchShape) outShape.add(d);
        if (!vecA) outShape.add(m);
        if (!vecB) outShape.add(nn);
        long[] out = outShape.stream().mapToLong(Long::longValue).toArray();
        int y = define(n.output(), out, null, -1);
        steps.add(new Step.MatMul(n.name, a, b, y, count, (int) m, (int) nn, (int) k, false, false, aOff, bOff, 1f, -1, null, 0f));
    }
}
