package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which values of a {@link Plan} a GPU engine stores channels-last (NHWC), and how the plan's steps,
 * written for row-major (NCHW) storage, address values stored that way.
 *
 * <p>A value may be NHWC when it is rank 4, not a constant, and neither a reshape alias nor aliased
 * (a reshape of NHWC storage is not the same elements). Then steps constrain the choice:
 * <ul>
 * <li>Unary, Affine (BatchNormalization), MaxPool, Resize and Softmax read and write the same layout
 * (if one side must be NCHW, so must the other); Softmax over an axis other than 1 is NCHW.</li>
 * <li>MatMul operands are NCHW.</li>
 * <li>Copies (Concat, Split, Slice, Transpose) and Binary operations address every operand by
 * strides: any mix of layouts works as long as {@link #restride} can express the step's logical
 * strides on the operand's physical layout; where it cannot, the operand is NCHW.</li>
 * <li>A convolution reads and writes either layout; when its input and output differ the engine
 * convolves into a temporary in the input's layout and permutes ({@link #convTemporaries}). A
 * convolution with a number of output channels that is not a multiple of 8 reads and writes NCHW
 * (tensor cores want multiples of 8; on the H200 the NHWC DFL chain of YOLOv8 ran several times
 * slower than memory speed).</li>
 * </ul>
 * Model inputs and outputs may be NHWC: the engine converts them when it copies them in and out.
 * The choice depends only on the graph's structure, so one analysis (at the max batch) serves every
 * batch size.
 */
public final class Layouts {
    private final boolean[] nhwc;

    private Layouts(boolean[] nhwc) {
        this.nhwc = nhwc;
    }

    /** All values row-major. */
    public static Layouts allNchw(Plan p) {
        return new Layouts(new boolean[p.names.length]);
    }

    /** The channels-last assignment of {@code p} (see the class comment). */
    public static Layouts channelsLast(Plan p) {
        int n = p.names.length;
        boolean[] ok = new boolean[n];
        for (int v = 0; v < n; v++) ok[v] = p.shapes[v].length == 4 && p.constants[v] == null && p.aliasOf[v] < 0;
        for (int v = 0; v < n; v++) {
            if (p.aliasOf[v] >= 0) ok[p.root(v)] = false;
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Step st : p.steps) {
                if (st instanceof Step.Unary u) changed |= same(ok, u.in(), u.out());
                else if (st instanceof Step.Affine a) changed |= same(ok, a.in(), a.out());
                else if (st instanceof Step.MaxPool m) changed |= same(ok, m.in(), m.out());
                else if (st instanceof Step.Resize r) changed |= same(ok, r.in(), r.out());
                else if (st instanceof Step.Softmax s) {
                    long[] sh = p.shapes[s.in()];
                    boolean axis1 = sh.length == 4 && s.outer() == sh[0] && s.axis() == sh[1] && s.inner() == sh[2] * sh[3];
                    changed |= axis1 ? same(ok, s.in(), s.out()) : clear(ok, s.in()) | clear(ok, s.out());
                } else if (st instanceof Step.MatMul m) {
                    changed |= clear(ok, m.a()) | clear(ok, m.b()) | clear(ok, m.out());
                    if (m.c() >= 0) changed |= clear(ok, m.c());
                } else if (st instanceof Step.Copy c) changed |= copyFits(p, ok, c);
                else if (st instanceof Step.CopyGroup g) {
                    for (Step.Copy c : g.parts()) changed |= copyFits(p, ok, c);
                } else if (st instanceof Step.Binary b) {
                    changed |= operandFits(p, ok, b.a(), b.shape(), b.aStrides(), 0)
                            | operandFits(p, ok, b.b(), b.shape(), b.bStrides(), 0);
                }
                else if (st instanceof Step.Conv c && c.k() % 8 != 0) {
                    // Few output channels (YOLOv8's DFL: 16 -> 1): no tensor-core NHWC kernel, and the
                    // chain before it (a transpose and a softmax over 16 channels) gathers across rows.
                    changed |= clear(ok, c.in()) | clear(ok, c.out());
                }
                // Other convolutions: any pair of layouts. Reshape: aliases are NCHW already.
            }
        }
        return new Layouts(ok);
    }

    private static boolean same(boolean[] ok, int a, int b) {
        if (ok[a] == ok[b]) return false;
        ok[a] = false;
        ok[b] = false;
        return true;
    }

    private static boolean clear(boolean[] ok, int v) {
        boolean was = ok[v];
        ok[v] = false;
        return was;
    }

    private static boolean copyFits(Plan p, boolean[] ok, Step.Copy c) {
        return operandFits(p, ok, c.in(), c.shape(), c.inStrides(), c.inOffset())
                | operandFits(p, ok, c.out(), c.shape(), c.outStrides(), c.outOffset());
    }

    private static boolean operandFits(Plan p, boolean[] ok, int v, long[] shape, long[] strides, long offset) {
        if (!ok[v]) return false;
        if (restride(shape, strides, offset, p.shapes[v], true) != null) return false;
        ok[v] = false;
        return true;
    }

    /** True when value {@code v} is stored NHWC. */
    public boolean nhwc(int v) {
        return nhwc[v];
    }

    public int count() {
        int c = 0;
        for (boolean b : nhwc) if (b) c++;
        return c;
    }

    /** Steps (indices into {@code p.steps}) that are convolutions whose input and output layouts differ. */
    public List<Integer> convTemporaries(Plan p) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < p.steps.size(); i++) {
            if (p.steps.get(i) instanceof Step.Conv c && nhwc[c.in()] != nhwc[c.out()]) r.add(i);
        }
        return r;
    }

    /** Element strides of a value of {@code shape} in storage: row-major, or for NHWC (n, c, h, w) ↦ (HWC, 1, WC, C). */
    public static long[] physicalStrides(long[] shape, boolean nhwc) {
        if (!nhwc) return rowMajor(shape);
        if (shape.length != 4) throw new IllegalArgumentException("NHWC needs rank 4, got " + Arrays.toString(shape));
        long c = shape[1], h = shape[2], w = shape[3];
        return new long[] {h * w * c, 1, w * c, c};
    }

    public long[] physicalStrides(Plan p, int v) {
        return physicalStrides(p.shapes[v], nhwc[v]);
    }

    public static long[] rowMajor(long[] shape) {
        return dev.vahost.nvmm.DeviceTensor.rowMajorStrides(shape);
    }

    /**
     * Rewrites the addressing of a value of {@code valueShape} written in row-major terms (element
     * {@code offset}, and {@code logical} strides, one per dimension of the iteration {@code shape},
     * 0 for broadcast) into its physical layout. Returns the physical strides followed by the
     * physical offset ({@code shape.length + 1} numbers), or null when it cannot be expressed: every
     * iteration dimension of size &gt; 1 must step along its own dimension of the value (no merged
     * dimensions) and stay within it.
     */
    public static long[] restride(long[] shape, long[] logical, long offset, long[] valueShape, boolean nhwc) {
        long[] out = new long[shape.length + 1];
        if (!nhwc) {
            System.arraycopy(logical, 0, out, 0, shape.length);
            out[shape.length] = offset;
            return out;
        }
        long numel = Tensor.numel(valueShape);
        if (offset < 0 || (offset >= numel && offset != 0)) return null;
        long[] rm = rowMajor(valueShape), ph = physicalStrides(valueShape, true);
        long[] at = new long[valueShape.length];
        long rem = offset, phys = 0;
        for (int j = 0; j < valueShape.length; j++) {
            at[j] = rem / rm[j];
            rem -= at[j] * rm[j];
            phys += at[j] * ph[j];
        }
        boolean[] used = new boolean[valueShape.length];
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 || logical[d] == 0) continue;
            int match = -1;
            for (int j = 0; j < valueShape.length; j++) {
                if (valueShape[j] > 1 && rm[j] == logical[d]) match = j;
            }
            if (match < 0 || used[match] || at[match] + shape[d] > valueShape[match]) return null;
            used[match] = true;
            out[d] = ph[match];
        }
        out[shape.length] = phys;
        return out;
    }

    /**
     * Orders iteration dimensions so that {@code primary} strides descend (the kernels walk the
     * output in storage order, which keeps writes coalesced). Returns the permutation.
     */
    public static int[] storageOrder(long[] shape, long[] primary) {
        Integer[] idx = new Integer[shape.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Long.compare(primary[b], primary[a])); // stable: ties keep their order
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    public static long[] permute(long[] a, int[] order) {
        long[] r = new long[order.length];
        for (int i = 0; i < order.length; i++) r[i] = a[order[i]];
        return r;
    }
}
