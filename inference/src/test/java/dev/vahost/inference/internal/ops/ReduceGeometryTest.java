package dev.vahost.inference.internal.ops;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Tensor;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU addressing of reductions, checked on the CPU: for random shapes (sizes of 1 included),
 * reduced axes, keepdims and every NCHW/NHWC combination of input and output storage, the input
 * is laid out physically, the {@link ReduceOps.Geometry} is followed exactly as the GPU lowering
 * does (the permuting copy into scratch when it asks for one, then a reduction of [outer, len,
 * inner] written to [outer, inner]), the output is read back through its physical strides and
 * compared with sums over the reduced elements computed from logical indices. What the
 * kernels do inside [outer, len, inner] is covered by the GPU operator tests, not here.
 */
class ReduceGeometryTest {
    @Test
    void everyLayoutCombinationReducesTheRightElements() {
        Random r = new Random(7);
        int checked = 0, permuted = 0;
        for (int iter = 0; iter < 4000; iter++) {
            int rank = 1 + r.nextInt(5);
            long[] xs = new long[rank];
            for (int d = 0; d < rank; d++) xs[d] = 1 + r.nextInt(4);
            boolean[] red = new boolean[rank];
            for (int d = 0; d < rank; d++) red[d] = r.nextBoolean();
            boolean keep = r.nextBoolean();
            long[] os = ReduceOps.outShape(xs, red, keep);
            for (int layouts = 0; layouts < 4; layouts++) {
                boolean inNhwc = (layouts & 1) != 0, outNhwc = (layouts & 2) != 0;
                if (inNhwc && rank != 4 || outNhwc && os.length != 4) continue;
                ReduceOps.Geometry geo = ReduceOps.Geometry.of(xs, os, red, inNhwc, outNhwc);
                if (!geo.direct()) permuted++;
                check(xs, red, os, inNhwc, outNhwc, geo, r.nextLong());
                checked++;
            }
        }
        assertTrue(checked > 4000 && permuted > 100, checked + " checked, " + permuted + " through the permuting copy");
    }

    @Test
    void globalAveragePoolReadsNhwcDirectlyAsColumns() {
        long[] xs = {2, 16, 9, 11};
        boolean[] red = {false, false, true, true};
        ReduceOps.Geometry nchw = ReduceOps.Geometry.of(xs, new long[] {2, 16, 1, 1}, red, false, false);
        assertTrue(nchw.direct());
        assertArrayEquals(new long[] {32, 99, 1}, new long[] {nchw.outer(), nchw.len(), nchw.inner()});
        ReduceOps.Geometry nhwc = ReduceOps.Geometry.of(xs, new long[] {2, 16, 1, 1}, red, true, false);
        assertTrue(nhwc.direct());
        assertArrayEquals(new long[] {2, 99, 16}, new long[] {nhwc.outer(), nhwc.len(), nhwc.inner()});
        // axes 1 and 3 of NCHW are not adjacent: permuted first
        ReduceOps.Geometry split = ReduceOps.Geometry.of(new long[] {2, 4, 6, 10}, new long[] {2, 1, 6, 1},
                new boolean[] {false, true, false, true}, false, false);
        assertFalse(split.direct());
        assertArrayEquals(new long[] {12, 40, 1}, new long[] {split.outer(), split.len(), split.inner()});
    }

    @Test
    void splitPartialsFitTheScratchBoundAtEveryShape() {
        long most = 0;
        for (long outer = 1; outer <= 600; outer++) {
            for (long inner : new long[] {1, 2, 7, 31, 32, 33, 64, 100, 255, 256, 1000, 5000}) {
                for (long len : new long[] {17, 100, 2047, 2048, 5000, 100_000, 10_000_000}) {
                    ReduceOps.Path path = ReduceOps.Path.of(len, inner);
                    for (ReduceOps.Kind kind : ReduceOps.Kind.values()) {
                        int s = ReduceOps.splits(kind, path, outer, len, inner);
                        assertTrue(s >= 1 && s <= 256);
                        if (s > 1) {
                            assertNotEquals(ReduceOps.Kind.LOG_SUM_EXP, kind);
                            most = Math.max(most, outer * s * inner);
                        }
                    }
                }
            }
        }
        assertTrue(most <= ReduceOps.PARTIAL_FLOATS, most + " partials > " + ReduceOps.PARTIAL_FLOATS);
        assertTrue(most > ReduceOps.PARTIAL_FLOATS / 2, "the sweep reaches the bound's order: " + most);
    }

    private static void check(long[] xs, boolean[] red, long[] os, boolean inNhwc, boolean outNhwc, ReduceOps.Geometry geo,
                              long seed) {
        int n = (int) Tensor.numel(xs);
        Random r = new Random(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) x[i] = r.nextDouble();
        // physical input
        long[] ps = Layouts.physicalStrides(xs, inNhwc), rm = Layouts.rowMajor(xs);
        double[] px = new double[n];
        for (int i = 0; i < n; i++) px[(int) offset(i, xs, rm, ps)] = x[i];
        double[] src = px;
        if (!geo.direct()) {
            long[] cs = geo.copyShape(), crm = Layouts.rowMajor(cs);
            src = new double[n];
            int m = (int) Tensor.numel(cs);
            assertEquals(n, m, "the copy moves the whole input");
            for (int k = 0; k < m; k++) src[k] = px[(int) offset(k, cs, crm, geo.copyFrom())];
        }
        long outer = geo.outer(), len = geo.len(), inner = geo.inner();
        assertEquals(n, outer * len * inner, "geometry covers the input");
        // the reduction as the kernels index it: sums and sums of cubes (together they pin the set)
        double[] pyPlain = new double[(int) (outer * inner)], pySq = new double[pyPlain.length];
        for (long o = 0; o < outer; o++) {
            for (long i = 0; i < inner; i++) {
                double s = 0, q = 0;
                for (long a = 0; a < len; a++) {
                    double v = src[(int) ((o * len + a) * inner + i)];
                    s += v;
                    q += v * v * v;
                }
                pyPlain[(int) (o * inner + i)] = s;
                pySq[(int) (o * inner + i)] = q;
            }
        }
        long[] po = Layouts.physicalStrides(os, outNhwc), orm = Layouts.rowMajor(os);
        int outs = (int) Tensor.numel(os);
        assertEquals(outs, pyPlain.length);
        // logical output index → the input's kept coordinates
        for (int j = 0; j < outs; j++) {
            long[] at = new long[xs.length];
            long rem = j;
            // walk output dims from the last, mapping to input dims
            int od = os.length - 1;
            for (int d = xs.length - 1; d >= 0; d--) {
                if (red[d]) {
                    if (os.length == xs.length) { rem /= os[od]; od--; }
                    continue;
                }
                at[d] = rem % os[od];
                rem /= os[od];
                od--;
            }
            double s = 0, q = 0;
            for (int i = 0; i < n; i++) {
                long[] idx = unravel(i, xs);
                boolean match = true;
                for (int d = 0; d < xs.length && match; d++) match = red[d] || idx[d] == at[d];
                if (match) {
                    s += x[i];
                    q += x[i] * x[i] * x[i];
                }
            }
            int phys = (int) offset(j, os, orm, po);
            String what = java.util.Arrays.toString(xs) + " reduced " + java.util.Arrays.toString(red) + " in NHWC " + inNhwc
                    + " out NHWC " + outNhwc + " output " + j;
            assertEquals(s, pyPlain[phys], 1e-9, what);
            assertEquals(q, pySq[phys], 1e-9, what);
        }
    }

    private static long[] unravel(long i, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = i % shape[d];
            i /= shape[d];
        }
        return idx;
    }

    /** The offset under {@code strides} of row-major element {@code i} of {@code shape}. */
    private static long offset(long i, long[] shape, long[] rowMajor, long[] strides) {
        long off = 0;
        for (int d = 0; d < shape.length; d++) {
            long k = shape[d] == 0 ? 0 : i / rowMajor[d] % shape[d];
            off += k * strides[d];
        }
        return off;
    }
}
