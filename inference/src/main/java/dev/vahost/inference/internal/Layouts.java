package dev.vahost.inference.internal;

import java.util.Arrays;

/**
 * Which values of a {@link Plan} a GPU engine stores channels-last (NHWC), and how the plan's steps,
 * written for row-major (NCHW) storage, address values stored that way.
 *
 * <p>A value may be NHWC when it is a rank-4 float activation (not known at load time) and neither a
 * reshape alias nor aliased by one that is in use (a reshape of NHWC storage is not the same elements;
 * copies read through reshapes, see {@link CopyChains}). Then each step
 * constrains its operands ({@link Step#layouts}, iterated to a fixed point):
 * <ul>
 * <li>Element-wise steps, BatchNormalization, pooling, nearest Resize and Softmax over the channel
 * axis read and write the same layout (if one side must be NCHW, so must the other).</li>
 * <li>Copies (Concat, Split, Slice, Transpose) and broadcasting binary operations address every
 * operand by strides: any mix of layouts works as long as {@link #restride} can express the step's
 * logical strides on the operand's physical layout; where it cannot, the operand is NCHW.</li>
 * <li>A convolution reads and writes either layout; when its input and output differ the engine
 * convolves into a scratch buffer in the input's layout and permutes. A convolution with a number of
 * output channels that is not a multiple of 8 reads and writes NCHW (tensor cores want multiples of
 * 8; on the H200 the NHWC DFL chain of YOLOv8 ran several times slower than memory speed), unless it is
 * a 1x1 convolution with at least 16 of them (YOLOv5's 255-channel head: a GEMM with any N).</li>
 * <li>Every other step (the default of {@link Step#layouts}) reads and writes NCHW.</li>
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
        for (int v = 0; v < n; v++) {
            ok[v] = p.shapes[v].length == 4 && p.constants[v] == null && p.aliasOf[v] < 0 && p.types[v] == ElemType.FLOAT;
        }
        boolean[] reshaped = p.reshapedRoots();
        for (int v = 0; v < n; v++) {
            if (reshaped[v]) ok[v] = false;
        }
        Rules rules = new Rules(p, ok);
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Step st : p.steps) changed |= st.layouts(rules);
        }
        return new Layouts(ok);
    }

    /**
     * What a step may say about the layouts of its operands while {@link #channelsLast} iterates to a
     * fixed point. Every method returns true when it changed the assignment.
     */
    public static final class Rules {
        private final Plan p;
        private final boolean[] ok;

        Rules(Plan p, boolean[] ok) {
            this.p = p;
            this.ok = ok;
        }

        public Plan plan() {
            return p;
        }

        /** {@code a} and {@code b} share a layout (if one must be row-major, so must the other). */
        public boolean same(int a, int b) {
            if (ok[a] == ok[b]) return false;
            ok[a] = false;
            ok[b] = false;
            return true;
        }

        /** Every value in {@code vs} is row-major. */
        public boolean rowMajor(int... vs) {
            boolean changed = false;
            for (int v : vs) {
                changed |= ok[v];
                ok[v] = false;
            }
            return changed;
        }

        /**
         * Operand {@code v} is addressed by row-major {@code strides}/{@code offset} over {@code shape}:
         * it stays an NHWC candidate only when {@link #restride} can express that on NHWC storage.
         */
        public boolean addressable(int v, long[] shape, long[] strides, long offset) {
            if (!ok[v]) return false;
            if (restride(shape, strides, offset, p.shapes[v], true) != null) return false;
            ok[v] = false;
            return true;
        }
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
     * iteration dimension of size &gt; 1 must step within one dimension of the value (no merged
     * dimensions; several may step within the same one) and stay within it.
     */
    public static long[] restride(long[] shape, long[] logical, long offset, long[] valueShape, boolean nhwc) {
        return restride(shape, logical, offset, valueShape, nhwc, nhwc ? valueShape[1] : 0);
    }

    /**
     * As {@link #restride(long[], long[], long, long[], boolean)} for an NHWC value whose pixels are
     * {@code pixelStride} elements apart: its own channel count, or more when it is a channel slice of
     * a wider value's storage (a Concat part written in place, a Split output read in place).
     */
    public static long[] restride(long[] shape, long[] logical, long offset, long[] valueShape, boolean nhwc, long pixelStride) {
        long[] out = new long[shape.length + 1];
        if (!nhwc) {
            System.arraycopy(logical, 0, out, 0, shape.length);
            out[shape.length] = offset;
            return out;
        }
        long numel = Tensor.numel(valueShape);
        if (offset < 0 || (offset >= numel && offset != 0)) return null;
        long[] rm = rowMajor(valueShape), ph = physicalStrides(pixelStride == valueShape[1] ? valueShape
                : new long[] {valueShape[0], pixelStride, valueShape[2], valueShape[3]}, true);
        long[] at = new long[valueShape.length];
        long rem = offset, phys = 0;
        for (int j = 0; j < valueShape.length; j++) {
            at[j] = rem / rm[j];
            rem -= at[j] * rm[j];
            phys += at[j] * ph[j];
        }
        long[] reach = new long[valueShape.length]; // per value dimension: how far past `at` the iteration steps
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 || logical[d] == 0) continue;
            int match = -1;
            for (int j = 0; j < valueShape.length; j++) {
                long s = logical[d];
                if (valueShape[j] > 1 && rm[j] <= s && s % rm[j] == 0 && s / rm[j] < valueShape[j]) match = j;
            }
            if (match < 0) return null;
            // q indices of that dimension per step: several iteration dimensions may step within one value dimension
            // (a reshape's split channels: [.., 64, ..] read as [.., 4, 16, ..])
            long q = logical[d] / rm[match];
            reach[match] += (shape[d] - 1) * q;
            if (at[match] + reach[match] >= valueShape[match]) return null;
            out[d] = q * ph[match];
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

    /**
     * Merges adjacent dimensions that are contiguous in every stride set and drops dimensions of
     * size 1, so kernels do fewer divisions. Returns {shape, strides0, strides1, ...}.
     */
    public static long[][] coalesce(long[] shape, long[][] strides) {
        java.util.List<Long> s = new java.util.ArrayList<>();
        java.util.List<java.util.List<Long>> st = new java.util.ArrayList<>();
        for (int k = 0; k < strides.length; k++) st.add(new java.util.ArrayList<>());
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (!s.isEmpty()) {
                int last = s.size() - 1;
                boolean merge = true;
                for (int k = 0; k < strides.length; k++) {
                    if (st.get(k).get(last) != strides[k][d] * shape[d]) { merge = false; break; }
                }
                if (merge) {
                    s.set(last, s.get(last) * shape[d]);
                    for (int k = 0; k < strides.length; k++) st.get(k).set(last, strides[k][d]);
                    continue;
                }
            }
            s.add(shape[d]);
            for (int k = 0; k < strides.length; k++) st.get(k).add(strides[k][d]);
        }
        if (s.isEmpty()) {
            s.add(1L);
            for (int k = 0; k < strides.length; k++) st.get(k).add(0L);
        }
        long[][] r = new long[strides.length + 1][];
        r[0] = s.stream().mapToLong(Long::longValue).toArray();
        for (int k = 0; k < strides.length; k++) r[k + 1] = st.get(k).stream().mapToLong(Long::longValue).toArray();
        return r;
    }
}
