package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Element-wise operators of two (or more) tensors with numpy broadcasting: Add, Sub, Mul, Div, Pow,
 * Min, Max, Sum, Mean, Mod, the comparisons Equal, Less, LessOrEqual, Greater, GreaterOrEqual
 * (integer 0/1 results), And, Or, Xor, and the ternary Where. Pow by a scalar known at load time is
 * the unary {@link Act#POW}. Float arithmetic follows float32 (IEEE, as onnxruntime); integer
 * arithmetic int64 on the CPU, int32 on the GPU: Div truncates, Mod takes the divisor's sign
 * (fmod=1: the dividend's).
 */
public final class BinaryOps {
    private BinaryOps() {}

    /** Operation codes, as {@code binop()} in glue.cu numbers them. */
    public enum Op {
        ADD, SUB, MUL, DIV, POW, MIN, MAX, MOD, FMOD, EQUAL, LESS, LESS_EQ, GREATER, GREATER_EQ, AND, OR, XOR;

        boolean comparison() {
            return ordinal() >= EQUAL.ordinal() && ordinal() <= GREATER_EQ.ordinal();
        }

        boolean logical() {
            return ordinal() >= AND.ordinal();
        }
    }

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Add", (p, n) -> binary(p, n, Op.ADD));
        Operators.put(ops, "Sub", (p, n) -> binary(p, n, Op.SUB));
        Operators.put(ops, "Mul", (p, n) -> binary(p, n, Op.MUL));
        Operators.put(ops, "Div", (p, n) -> binary(p, n, Op.DIV));
        Operators.put(ops, "Pow", BinaryOps::pow);
        Operators.put(ops, "Min", (p, n) -> variadic(p, n, Op.MIN, false));
        Operators.put(ops, "Max", (p, n) -> variadic(p, n, Op.MAX, false));
        Operators.put(ops, "Sum", (p, n) -> variadic(p, n, Op.ADD, false));
        Operators.put(ops, "Mean", (p, n) -> variadic(p, n, Op.ADD, true));
        Operators.put(ops, "Mod", (p, n) -> binary(p, n, n.i("fmod", 0) != 0 ? Op.FMOD : Op.MOD));
        Operators.put(ops, "Equal", (p, n) -> binary(p, n, Op.EQUAL));
        Operators.put(ops, "Less", (p, n) -> binary(p, n, Op.LESS));
        Operators.put(ops, "LessOrEqual", (p, n) -> binary(p, n, Op.LESS_EQ));
        Operators.put(ops, "Greater", (p, n) -> binary(p, n, Op.GREATER));
        Operators.put(ops, "GreaterOrEqual", (p, n) -> binary(p, n, Op.GREATER_EQ));
        Operators.put(ops, "And", (p, n) -> binary(p, n, Op.AND));
        Operators.put(ops, "Or", (p, n) -> binary(p, n, Op.OR));
        Operators.put(ops, "Xor", (p, n) -> binary(p, n, Op.XOR));
        Operators.put(ops, "Where", BinaryOps::where);
    }

    /** Output shape and per-operand broadcast strides (0 on broadcast dimensions) of numpy broadcasting. */
    static long[][] broadcast(Node n, long[]... shapes) {
        int r = 0;
        for (long[] s : shapes) r = Math.max(r, s.length);
        long[] out = new long[r];
        Arrays.fill(out, 1);
        for (long[] s : shapes) {
            for (int i = 0; i < r; i++) {
                int j = i - (r - s.length);
                long d = j >= 0 ? s[j] : 1;
                if (d != 1) {
                    if (out[i] != 1 && out[i] != d) {
                        StringBuilder b = new StringBuilder();
                        for (long[] t : shapes) b.append(b.length() == 0 ? "" : " and ").append(Arrays.toString(t));
                        throw n.invalid("shapes " + b + " do not broadcast");
                    }
                    out[i] = d;
                }
            }
        }
        long[][] res = new long[shapes.length + 1][];
        res[0] = out;
        for (int k = 0; k < shapes.length; k++) {
            long[] s = shapes[k], rm = Layouts.rowMajor(s), st = new long[r];
            for (int i = 0; i < r; i++) {
                int j = i - (r - s.length);
                st[i] = (j >= 0 && s[j] != 1) ? rm[j] : 0;
            }
            res[k + 1] = st;
        }
        return res;
    }

    static int binary(Planner p, Node n, Op op) {
        if (p.opset() < 7 || n.has("broadcast")) throw n.unsupported("legacy broadcast attribute");
        return add(p, n, op, p.in(n, 0), p.in(n, 1), n.outputs.get(0));
    }

    /** Plans {@code a op b} into output {@code name} (the node's output, or a temporary of a chain). */
    private static int add(Planner p, Node n, Op op, int a, int b, String name) {
        if (p.type(a) != p.type(b)) {
            throw n.invalid("operands of different types: " + p.type(a) + " and " + p.type(b));
        }
        boolean ints = p.isInt(a);
        if (op.logical() && !ints) throw n.invalid(n.op + " of float tensors");
        if ((op == Op.MOD) && !ints) throw n.invalid("Mod of floats needs fmod=1");
        long[][] bc = broadcast(n, p.shape(a), p.shape(b));
        ElemType outType = op.comparison() || op.logical() ? ElemType.INT : p.type(a);
        int y = p.defineNamed(n, name, bc[0], outType);
        // An activation the optimiser fused into this node (ResNet's Add → Relu): applied in the same kernel.
        Act act = n.has("vahost.act") && name.equals(n.output()) ? Act.valueOf(n.s("vahost.act", "NONE")) : Act.NONE;
        if (act != Act.NONE && (ints || outType == ElemType.INT)) throw n.unsupported("an activation fused into an integer " + n.op);
        p.add(new Binary(n.name, op, a, b, y, bc[0], bc[1], bc[2], act, n.f("vahost.alpha", 0f), n.f("vahost.beta", 0f)));
        return y;
    }

    private static void pow(Planner p, Node n) {
        Tensor e = p.has(n, 1) ? p.known(p.in(n, 1)) : null;
        int x = p.in(n, 0);
        if (e != null && e.size() == 1 && !p.isInt(x) && p.rank(p.in(n, 1)) <= p.rank(x)) {
            Elementwise.define(p, n, Act.POW, (float) e.get(0), 0f);
            return;
        }
        if (p.isInt(x) || p.isInt(p.in(n, 1))) {
            Tensor b = p.known(x), ex = p.known(p.in(n, 1));
            if (b == null || ex == null) throw n.unsupported("Pow of run-time integer tensors");
            // Integer powers only appear in shape arithmetic: evaluate in double and keep the base's type.
            long[][] bc = broadcast(n, b.shape(), ex.shape());
            int count = (int) Tensor.numel(bc[0]);
            long[] idx = new long[bc[0].length];
            double[] r = new double[count];
            for (int i = 0; i < count; i++) {
                unravel(i, bc[0], idx);
                r[i] = Math.pow(b.get((int) dot(idx, bc[1])), ex.get((int) dot(idx, bc[2])));
            }
            if (b.isFloat()) {
                float[] f = new float[count];
                for (int i = 0; i < count; i++) f[i] = (float) r[i];
                p.defineKnown(n, 0, Tensor.ofFloats(f, bc[0]));
            } else {
                long[] l = new long[count];
                for (int i = 0; i < count; i++) l[i] = (long) r[i];
                p.defineKnown(n, 0, Tensor.ofLongs(l, bc[0]));
            }
            return;
        }
        binary(p, n, Op.POW);
    }

    private static void variadic(Planner p, Node n, Op op, boolean mean) {
        if (n.inputs.isEmpty()) throw n.invalid("no inputs");
        int acc = p.in(n, 0);
        int count = n.inputs.size();
        if (count == 1 && !mean) {
            int y = p.define(n, 0, p.shape(acc), p.type(acc));
            long[] s = p.shape(acc);
            p.add(new DataMovement.Copy(n.name, acc, y, s, 0, Layouts.rowMajor(s), 0, Layouts.rowMajor(s)));
            return;
        }
        for (int i = 1; i < count; i++) {
            boolean last = i == count - 1 && !mean;
            acc = add(p, n, op, acc, p.in(n, i), last ? n.output() : n.output() + "/vahost.partial" + i);
        }
        if (mean) {
            if (p.isInt(acc)) throw n.invalid("Mean of integers");
            // mean = sum · (1/count): a one-channel affine map
            int y = p.define(n, 0, p.shape(acc), ElemType.FLOAT);
            p.add(new Elementwise.Affine(n.name, acc, y, 1, 1, Tensor.numel(p.shape(acc)), new float[] {1f / count},
                    new float[] {0f}, Act.NONE, 0f, 0f));
        }
    }

    private static void where(Planner p, Node n) {
        int c = p.in(n, 0), x = p.in(n, 1), y = p.in(n, 2);
        if (!p.isInt(c)) throw n.invalid("condition must be boolean, got float");
        if (p.type(x) != p.type(y)) throw n.invalid("X and Y of different types");
        long[][] bc = broadcast(n, p.shape(c), p.shape(x), p.shape(y));
        int out = p.define(n, 0, bc[0], p.type(x));
        p.add(new Where(n.name, c, x, y, out, bc[0], bc[1], bc[2], bc[3]));
    }

    static void unravel(long i, long[] shape, long[] idx) {
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
    }

    static long dot(long[] idx, long[] strides) {
        long o = 0;
        for (int d = 0; d < idx.length; d++) o += idx[d] * strides[d];
        return o;
    }

    static float apply(Op op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (float) Math.pow(x, y);
            case MIN -> (x != x || y != y) ? Float.NaN : Math.min(x, y);
            case MAX -> (x != x || y != y) ? Float.NaN : Math.max(x, y);
            case FMOD -> x % y; // C fmod: the dividend's sign
            default -> throw new IllegalStateException(op + " has no float result");
        };
    }

    static boolean compare(Op op, double x, double y) {
        return switch (op) {
            case EQUAL -> x == y;
            case LESS -> x < y;
            case LESS_EQ -> x <= y;
            case GREATER -> x > y;
            case GREATER_EQ -> x >= y;
            default -> throw new IllegalStateException(op + " is not a comparison");
        };
    }

    static long apply(Op op, long x, long y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y; // truncation (C), as onnxruntime
            case MIN -> Math.min(x, y);
            case MAX -> Math.max(x, y);
            case MOD -> Math.floorMod(x, y); // the divisor's sign (ONNX Mod, fmod=0)
            case FMOD -> x % y;
            case POW -> (long) Math.pow(x, y);
            case AND -> (x != 0 && y != 0) ? 1 : 0;
            case OR -> (x != 0 || y != 0) ? 1 : 0;
            case XOR -> ((x != 0) != (y != 0)) ? 1 : 0;
            default -> compare(op, x, y) ? 1 : 0;
        };
    }

    /**
     * out = a op b with numpy broadcasting. {@code shape} is the output shape; {@code aStrides} and
     * {@code bStrides} are the operands' element strides aligned to it (0 on broadcast dimensions).
     */
    public record Binary(String node, Op op, int a, int b, int out, long[] shape, long[] aStrides, long[] bStrides, Act act,
                         float alpha, float beta) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {a, b}; }


        @Override
        public boolean layouts(Layouts.Rules r) {
            return r.addressable(a, shape, aStrides, 0) | r.addressable(b, shape, bStrides, 0);
        }

        @Override
        public void cpu(CpuRun r) {
            int rank = shape.length;
            boolean intIn = r.plan.isInt(a), intOut = r.plan.isInt(out);
            Object x = r.data(a), y = r.data(b), o = r.out(out);
            int total = (int) Tensor.numel(shape);
            if (rank == 0) {
                element(x, 0, y, 0, o, 0, intIn, intOut);
                return;
            }
            // The last axis in an inner loop; the outer index is decomposed once per row.
            int last = (int) shape[rank - 1];
            long as = aStrides[rank - 1], bs = bStrides[rank - 1];
            int rows = last == 0 ? 0 : total / last;
            int tasks = Math.max(1, Math.min(rows, 64)), per = (rows + tasks - 1) / tasks;
            r.parallel(tasks, task -> {
                int lo = task * per, hi = Math.min(rows, lo + per);
                for (int row = lo; row < hi; row++) {
                    long rem = row, ao = 0, bo = 0;
                    for (int d = rank - 2; d >= 0; d--) {
                        long i = rem % shape[d];
                        rem /= shape[d];
                        ao += i * aStrides[d];
                        bo += i * bStrides[d];
                    }
                    int ob = row * last;
                    if (!intIn && !intOut && as == 1 && bs == 1) {
                        float[] fx = (float[]) x, fy = (float[]) y, fo = (float[]) o;
                        int ai = (int) ao, bi = (int) bo;
                        for (int i = 0; i < last; i++) fo[ob + i] = act.apply(apply(op, fx[ai + i], fy[bi + i]), alpha, beta);
                    } else {
                        for (int i = 0; i < last; i++) element(x, (int) (ao + i * as), y, (int) (bo + i * bs), o, ob + i, intIn, intOut);
                    }
                }
            });
        }

        private void element(Object x, int xi, Object y, int yi, Object o, int oi, boolean intIn, boolean intOut) {
            if (intIn) {
                ((long[]) o)[oi] = apply(op, ((long[]) x)[xi], ((long[]) y)[yi]);
            } else if (intOut) {
                ((long[]) o)[oi] = compare(op, ((float[]) x)[xi], ((float[]) y)[yi]) ? 1 : 0;
            } else {
                ((float[]) o)[oi] = act.apply(apply(op, ((float[]) x)[xi], ((float[]) y)[yi]), alpha, beta);
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long pa0 = g.addr(a), pb0 = g.addr(b), py0 = g.addr(out);
            long n = Tensor.numel(shape);
            int code = op.ordinal(), ac = act.code;
            float al = alpha, be = beta;
            boolean intIn = g.plan().isInt(a), intOut = g.plan().isInt(out);
            long[] pa = Arrays.copyOf(g.physical(a, shape, aStrides, 0), shape.length);
            long[] pb = Arrays.copyOf(g.physical(b, shape, bStrides, 0), shape.length);
            // y's own strides, or pixels wider apart when y is a channel slice of a Concat's output (written in place; physical()
            // leaves size-1 dimensions at stride 0, so it is asked only then)
            boolean ySlice = g.nhwc(out) && shape.length == 4 && g.pixelStride(out) != shape[1];
            long[] phy = ySlice ? Arrays.copyOf(g.physical(out, shape, Layouts.rowMajor(shape), 0), shape.length)
                    : Layouts.physicalStrides(shape, g.nhwc(out));
            if (ySlice) {
                long[] own = Layouts.physicalStrides(shape, true);
                for (int d = 0; d < shape.length; d++) if (shape[d] == 1) phy[d] = own[d] / shape[1] * g.pixelStride(out);
            }
            // Walk y in storage order: the kernel writes y contiguously.
            int[] order = Layouts.storageOrder(shape, phy);
            long[] ps = Layouts.permute(shape, order);
            pa = Layouts.permute(pa, order);
            pb = Layouts.permute(pb, order);
            long[] py = Layouts.permute(phy, order);
            long[] rm = Layouts.rowMajor(ps);
            boolean yContiguous = Arrays.equals(py, rm);
            String kernel = intIn ? "binary_bcast_i32" : intOut ? "compare_bcast" + g.suffix() : "binary_bcast" + g.suffix();
            if (!intIn && !intOut && yContiguous && Arrays.equals(pa, rm) && Arrays.equals(pb, rm)) {
                if (g.precision() == DType.F16 && n % 8 == 0) {
                    long n8 = n / 8;
                    Kernel k = g.kernel("binary_flat8_f16");
                    g.add("binary", s -> k.launch(s, blocks(n8), 1, 1, THREADS, 1, 1, 0, pa0, pb0, py0, code, n8, ac, al, be));
                } else {
                    Kernel k = g.kernel("binary_flat" + g.suffix());
                    g.add("binary", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, pa0, pb0, py0, code, n, ac, al, be));
                }
                return;
            }
            long[][] c = Layouts.coalesce(ps, new long[][] {pa, pb, py});
            int r = c[0].length;
            if (!intIn && !intOut && g.precision() == DType.F16 && rows8(g, c, pa0, pb0, py0, code, ac, al, be)) return;
            if (!yContiguous) {
                throw new IllegalStateException(node + ": output " + g.plan().describe(out) + " is a channel slice (pixels "
                        + Arrays.toString(phy) + " apart) that only binary_rows8_f16 writes, and it does not fit this operation");
            }
            long[] t = new long[3 * r];
            for (int d = 0; d < r; d++) { t[d] = c[0][d]; t[r + d] = c[1][d]; t[2 * r + d] = c[2][d]; }
            long[] ref = g.table(t);
            Kernel k = g.kernel(kernel);
            if (intIn || intOut) {
                g.add("binary", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, pa0, pb0, py0, code, r, n, g.tableAddress(ref)));
            } else {
                g.add("binary", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, pa0, pb0, py0, code, r, n, g.tableAddress(ref), ac, al, be));
            }
        }

        /**
         * The fp16 fast path for two coalesced dimensions [rows, cols], cols % 8 == 0 (kernel
         * {@code binary_rows8_f16}): each operand a row of values (column stride 1, row stride a
         * multiple of 8 or 0) or one value per row (column stride 0); y rows of values (column stride
         * 1, row stride a multiple of 8: cols, or more for a channel slice of a Concat's output).
         * False when the shapes do not fit.
         */
        private static boolean rows8(GpuLowering g, long[][] c, long pa0, long pb0, long py0, int code, int ac, float al, float be) {
            int r = c[0].length;
            if (r == 3) return rows8x2(g, c, pa0, pb0, py0, code, ac, al, be);
            if (r > 2) return false;
            long rows = r == 2 ? c[0][0] : 1, cols = c[0][r - 1];
            if (cols % 8 != 0) return false;
            long[] as = operand(c[1], r), bs = operand(c[2], r), ys = operand(c[3], r);
            if (as == null || bs == null || ys == null || ys[1] != 0 || (r == 2 && ys[0] < cols)) return false;
            long cols8 = cols / 8, n8 = rows * cols8, yRow = r == 2 ? ys[0] : cols;
            long span = Math.max(rows * yRow + cols, Math.max(rows * as[0] + cols, rows * bs[0] + cols));
            Kernel k = g.kernel("binary_rows8_f16");
            int aScalar = (int) as[1], bScalar = (int) bs[1];
            long aRow = as[0], bRow = bs[0];
            g.add("binary", s -> k.launch(s, blocks(n8), 1, 1, THREADS, 1, 1, 0, pa0, pb0, py0, code, rows, cols8, aRow, bRow, yRow,
                    aScalar, bScalar, ac, al, be, span));
            return true;
        }

        /**
         * The same for three coalesced dimensions [outer, inner, cols] (kernel {@code binary_rows8x2_f16}): rows in two
         * levels, each operand's outer stride a multiple of 8 or 0 as well. False when the shapes do not fit.
         */
        private static boolean rows8x2(GpuLowering g, long[][] c, long pa0, long pb0, long py0, int code, int ac, float al, float be) {
            long outer = c[0][0], inner = c[0][1], cols = c[0][2];
            if (cols % 8 != 0) return false;
            long[][] in = new long[3][];
            for (int k = 0; k < 3; k++) {
                long[] st = c[k + 1], rest = operand(new long[] {st[1], st[2]}, 2);
                if (rest == null || st[0] < 0 || (rest[1] == 0 && st[0] % 8 != 0)) return false; // vector rows start on 16 bytes
                in[k] = new long[] {st[0], rest[0], rest[1]};
            }
            long[] as = in[0], bs = in[1], ys = in[2];
            if (ys[2] != 0 || ys[1] < cols || ys[0] < inner * ys[1]) return false; // y: rows of values that do not overlap
            long cols8 = cols / 8, n8 = outer * inner * cols8;
            long span = 0;
            for (long[] o : in) span = Math.max(span, (outer - 1) * o[0] + (inner - 1) * o[1] + cols);
            long spanAll = span + 1;
            Kernel k = g.kernel("binary_rows8x2_f16");
            int aScalar = (int) as[2], bScalar = (int) bs[2];
            g.add("binary", s -> k.launch(s, blocks(n8), 1, 1, THREADS, 1, 1, 0, pa0, pb0, py0, code, outer, inner, cols8, as[0], bs[0], ys[0],
                    as[1], bs[1], ys[1], aScalar, bScalar, ac, al, be, spanAll));
            return true;
        }

        /** {row stride, 1 when one value per row} of an operand with strides {@code st}, or null when it does not fit. */
        private static long[] operand(long[] st, int r) {
            long row = r == 2 ? st[0] : 0, col = st[r - 1];
            if (row < 0) return null;
            if (col == 0) return new long[] {row, 1};
            return col == 1 && row % 8 == 0 ? new long[] {row, 0} : null;
        }
    }

    /** out = cond ? x : y with numpy broadcasting of the three (row-major on the GPU). */
    public record Where(String node, int cond, int x, int y, int out, long[] shape, long[] cStrides, long[] xStrides,
                        long[] yStrides) implements Step.OneOutput {
        @Override
        public int[] reads() { return new int[] {cond, x, y}; }


        @Override
        public void cpu(CpuRun r) {
            long[] c = r.l(cond);
            Object xs = r.data(x), ys = r.data(y), o = r.out(out);
            int total = (int) Tensor.numel(shape);
            long[] idx = new long[shape.length];
            for (int i = 0; i < total; i++) {
                unravel(i, shape, idx);
                boolean pick = c[(int) dot(idx, cStrides)] != 0;
                int src = (int) dot(idx, pick ? xStrides : yStrides);
                Object from = pick ? xs : ys;
                if (o instanceof float[] f) f[i] = ((float[]) from)[src];
                else ((long[]) o)[i] = ((long[]) from)[src];
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long pc = g.addr(cond), px = g.addr(x), pyv = g.addr(y), po = g.addr(out);
            long n = Tensor.numel(shape);
            long[][] c = Layouts.coalesce(shape, new long[][] {cStrides, xStrides, yStrides});
            int r = c[0].length;
            long[] t = new long[4 * r];
            for (int d = 0; d < r; d++) { t[d] = c[0][d]; t[r + d] = c[1][d]; t[2 * r + d] = c[2][d]; t[3 * r + d] = c[3][d]; }
            long[] ref = g.table(t);
            String kind = g.plan().isInt(out) ? "_i32" : g.suffix();
            Kernel k = g.kernel("where_bcast" + kind);
            g.add("where", s -> k.launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, pc, px, pyv, po, r, n, g.tableAddress(ref)));
        }
    }

}
