package dev.vahost.inference.internal.ops;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.OnnxSchema;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Operators of the shape subgraphs exporters write (Shape, Size, Range, ConstantOfShape, NonZero of
 * known data, EyeLike) and Cast/CastLike. Shape and Size are always known at load time (every shape
 * is concrete in a plan), so what is computed from them folds away; Cast also runs on data.
 */
public final class ShapeOps {
    private ShapeOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Shape", ShapeOps::shape);
        Operators.put(ops, "Size", ShapeOps::size);
        Operators.put(ops, "Range", ShapeOps::range);
        Operators.put(ops, "ConstantOfShape", ShapeOps::constantOfShape);
        Operators.put(ops, "NonZero", ShapeOps::nonZero);
        Operators.put(ops, "Cast", ShapeOps::cast);
        Operators.put(ops, "CastLike", ShapeOps::cast);
        Operators.put(ops, "EyeLike", ShapeOps::eyeLike);
    }

    private static void shape(Planner p, Node n) {
        long[] s = p.shape(p.in(n, 0));
        int r = s.length;
        long start = n.i("start", 0), end = n.i("end", r);
        if (start < 0) start += r;
        if (end < 0) end += r;
        start = Math.max(0, Math.min(r, start));
        end = Math.max(start, Math.min(r, end));
        long[] v = Arrays.copyOfRange(s, (int) start, (int) end);
        p.defineKnown(n, 0, Tensor.ofLongs(v, v.length));
    }

    private static void size(Planner p, Node n) {
        p.defineKnown(n, 0, Tensor.ofLongs(new long[] {Tensor.numel(p.shape(p.in(n, 0)))}));
    }

    private static void range(Planner p, Node n) {
        Tensor s = p.knownInput(n, 0, "start"), l = p.knownInput(n, 1, "limit"), d = p.knownInput(n, 2, "delta");
        double start = Elementwise.scalar(s, n, "start"), limit = Elementwise.scalar(l, n, "limit"),
                delta = Elementwise.scalar(d, n, "delta");
        if (delta == 0) throw n.invalid("delta 0");
        long count = Math.max(0, (long) Math.ceil((limit - start) / delta));
        if (count > Integer.MAX_VALUE) throw n.invalid("range of " + count + " elements");
        if (s.isFloat()) {
            float[] v = new float[(int) count];
            float fs = (float) start, fd = (float) delta;
            for (int i = 0; i < v.length; i++) v[i] = fs + i * fd;
            p.defineKnown(n, 0, Tensor.ofFloats(v, count));
        } else {
            long[] v = new long[(int) count];
            for (int i = 0; i < v.length; i++) v[i] = (long) start + i * (long) delta;
            p.defineKnown(n, 0, Tensor.ofLongs(v, count));
        }
    }

    private static void constantOfShape(Planner p, Node n) {
        long[] shape = p.knownInput(n, 0, "shape").asLongs();
        Tensor value = n.attrs.get("value") instanceof Tensor t ? t : Tensor.ofFloats(new float[] {0f}, 1);
        if (value.size() != 1) throw n.invalid("value must have one element, got " + value.describe());
        long count = Tensor.numel(shape);
        if (count > (1 << 28)) throw n.invalid("ConstantOfShape of " + count + " elements");
        if (value.isFloat()) {
            float[] v = new float[(int) count];
            Arrays.fill(v, value.floats()[0]);
            p.defineKnown(n, 0, Tensor.ofFloats(v, shape));
        } else {
            long[] v = new long[(int) count];
            Arrays.fill(v, value.longs()[0]);
            p.defineKnown(n, 0, Tensor.ofLongs(v, shape));
        }
    }

    private static void nonZero(Planner p, Node n) {
        Tensor t = p.known(p.in(n, 0));
        if (t == null) {
            throw n.unsupported("NonZero of data known only at run time has a data-dependent output shape; export the"
                    + " raw detection head (e.g. ultralytics export(nms=False)) and let the service run NMS");
        }
        long[] shape = t.shape();
        List<long[]> hits = new ArrayList<>();
        long[] idx = new long[shape.length];
        for (int i = 0; i < t.size(); i++) {
            if (t.get(i) != 0) {
                BinaryOps.unravel(i, shape, idx);
                hits.add(idx.clone());
            }
        }
        long[] v = new long[shape.length * hits.size()];
        for (int d = 0; d < shape.length; d++) {
            for (int k = 0; k < hits.size(); k++) v[d * hits.size() + k] = hits.get(k)[d];
        }
        p.defineKnown(n, 0, Tensor.ofLongs(v, shape.length, hits.size()));
    }

    private static void eyeLike(Planner p, Node n) {
        long[] s = p.shape(p.in(n, 0));
        if (s.length != 2) throw n.invalid("EyeLike needs a matrix");
        long k = n.i("k", 0);
        int type = (int) n.i("dtype", p.isInt(p.in(n, 0)) ? OnnxSchema.INT64 : OnnxSchema.FLOAT);
        int rows = (int) s[0], cols = (int) s[1];
        if (ElemType.ofOnnx(type) == ElemType.FLOAT) {
            float[] v = new float[rows * cols];
            for (int i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) v[(int) (i * cols + i + k)] = 1f;
            p.defineKnown(n, 0, Tensor.ofFloats(v, s));
        } else {
            long[] v = new long[rows * cols];
            for (int i = 0; i < rows; i++) if (i + k >= 0 && i + k < cols) v[(int) (i * cols + i + k)] = 1;
            p.defineKnown(n, 0, Tensor.ofLongs(v, s));
        }
    }

    private static void cast(Planner p, Node n) {
        int x = p.in(n, 0);
        int to;
        if (n.op.equals("CastLike")) {
            to = p.isInt(p.in(n, 1)) ? OnnxSchema.INT64 : OnnxSchema.FLOAT;
        } else {
            if (!n.has("to")) throw n.invalid("attribute 'to' is required");
            to = (int) n.i("to", 0);
        }
        if (to == OnnxSchema.STRING) throw n.unsupported("Cast to string");
        ElemType target = ElemType.ofOnnx(to);
        int y = p.define(n, 0, p.shape(x), target);
        p.add(new Cast(n.name, x, y, to == OnnxSchema.BOOL));
    }

    /**
     * Element type conversion: float → integer truncates toward zero (as onnxruntime's static_cast),
     * integer → float is exact below 2^24, to BOOL is x != 0. Float → float (fp16, fp64) keeps the
     * engine's precision; integer → integer of another width keeps the value.
     */
    public record Cast(String node, int in, int out, boolean toBool) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) {
            return r.same(in, out); // float → float keeps the layout; INT values are row-major anyway
        }

        @Override
        public void cpu(CpuRun r) {
            boolean fin = !r.plan.isInt(in), fout = !r.plan.isInt(out);
            int count = (int) r.plan.numel(out);
            if (fin && fout) {
                System.arraycopy(r.f(in), 0, r.outF(out), 0, count);
            } else if (fin) {
                float[] x = r.f(in);
                long[] y = r.outL(out);
                for (int i = 0; i < count; i++) y[i] = toBool ? (x[i] != 0 ? 1 : 0) : (long) x[i];
            } else if (fout) {
                long[] x = r.l(in);
                float[] y = r.outF(out);
                for (int i = 0; i < count; i++) y[i] = x[i];
            } else {
                long[] x = r.l(in), y = r.outL(out);
                for (int i = 0; i < count; i++) y[i] = toBool ? (x[i] != 0 ? 1 : 0) : x[i];
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            boolean fin = !g.plan().isInt(in), fout = !g.plan().isInt(out);
            long x = g.addr(in), y = g.addr(out), count = g.plan().numel(out);
            if (count == 0) return;
            if (fin == fout && !toBool) {
                long[] s = {count};
                g.copy("cast", x, y, g.elementBytes(out), s, new long[] {1}, 0, new long[] {1}, 0);
                return;
            }
            String name = fin ? "cast" + g.suffix() + "_i32" : fout ? "cast_i32" + g.suffix() : "cast_i32_i32";
            Kernel k = g.kernel(name);
            int bool = toBool ? 1 : 0;
            g.add("cast", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, count, bool));
        }
    }
}
