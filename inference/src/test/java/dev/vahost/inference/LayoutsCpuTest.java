package dev.vahost.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.inference.internal.ops.Elementwise;
import dev.vahost.inference.internal.ops.MatMulOps;
import dev.vahost.inference.internal.ops.PoolOps;
import dev.vahost.inference.internal.ops.ResizeOps;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The channels-last layout analysis the GPU engine uses: addressing rewritten from row-major to NHWC
 * checked element by element against the definition of NHWC storage, and the assignment's rules
 * checked on every golden model and on the test detector.
 */
class LayoutsCpuTest {
    /** Storage index of logical element (n, c, h, w) of an NHWC [N, C, H, W] value, from the definition. */
    private static long nhwcIndex(long[] s, long n, long c, long h, long w) {
        return ((n * s[2] + h) * s[3] + w) * s[1] + c;
    }

    @Test
    void restrideAddressesEverySliceElementWhereNhwcStorageHasIt() {
        Random r = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            long[] v = {1 + r.nextInt(3), 1 + r.nextInt(9), 1 + r.nextInt(6), 1 + r.nextInt(7)};
            long[] start = new long[4], size = new long[4];
            for (int d = 0; d < 4; d++) {
                start[d] = r.nextInt((int) v[d]);
                size[d] = 1 + r.nextInt((int) (v[d] - start[d]));
            }
            long[] rm = Layouts.rowMajor(v);
            long offset = 0;
            for (int d = 0; d < 4; d++) offset += start[d] * rm[d];
            long[] got = Layouts.restride(size, rm, offset, v, true);
            assertNotNull(got, "slice " + java.util.Arrays.toString(start) + "+" + java.util.Arrays.toString(size) + " of "
                    + java.util.Arrays.toString(v));
            for (long n = 0; n < size[0]; n++) {
                for (long c = 0; c < size[1]; c++) {
                    for (long h = 0; h < size[2]; h++) {
                        for (long w = 0; w < size[3]; w++) {
                            long addr = got[4] + n * got[0] + c * got[1] + h * got[2] + w * got[3];
                            assertEquals(nhwcIndex(v, start[0] + n, start[1] + c, start[2] + h, start[3] + w), addr);
                        }
                    }
                }
            }
        }
    }

    @Test
    void restrideOfATransposeAndOfABroadcast() {
        long[] v = {2, 4, 3, 5};
        long[] rm = Layouts.rowMajor(v);
        // Iterate [N, H, W, C] (a transpose to NHWC order): strides of the value's dims, permuted.
        long[] it = {2, 3, 5, 4};
        long[] got = Layouts.restride(it, new long[] {rm[0], rm[2], rm[3], rm[1]}, 0, v, true);
        assertArrayEquals(new long[] {60, 20, 4, 1, 0}, got);
        // A per-channel operand broadcast over [N, C, H, W] from a [1, C, 1, 1] NHWC value: only C steps.
        long[] pc = {1, 4, 1, 1};
        long[] b = Layouts.restride(v, new long[] {0, 1, 0, 0}, 0, pc, true);
        assertArrayEquals(new long[] {0, 1, 0, 0, 0}, b);
    }

    /**
     * Channels read as two dimensions ([N, 64, H, W] as [N, 4, 16, H, W], as YOLOv8's DFL reshape reads a convolution's box
     * channels): both step within the channel dimension, each at its multiple of the channel stride, in any order.
     */
    @Test
    void severalIterationDimensionsWithinOneValueDimension() {
        long[] v = {2, 64, 3, 5}, rm = Layouts.rowMajor(v);
        long[] it = {2, 16, 4, 3, 5}; // iterate [N, 16, 4, H, W]: a transpose of the split channels
        long[] got = Layouts.restride(it, new long[] {rm[0], rm[1], 16 * rm[1], rm[2], rm[3]}, 0, v, true);
        assertNotNull(got);
        for (long n = 0; n < 2; n++) {
            for (long i = 0; i < 16; i++) {
                for (long j = 0; j < 4; j++) {
                    long addr = got[5] + n * got[0] + i * got[1] + j * got[2] + 2 * got[3] + 4 * got[4];
                    assertEquals(nhwcIndex(v, n, 16 * j + i, 2, 4), addr, "n " + n + " i " + i + " j " + j);
                }
            }
        }
        // 16 channels from channel 50 on run past the 64th: refused
        assertNull(Layouts.restride(new long[] {1, 16, 1, 1}, rm, 50 * rm[1], v, true));
        // two dimensions within one that together overrun it: refused
        assertNull(Layouts.restride(new long[] {1, 5, 16, 1, 1}, new long[] {rm[0], 16 * rm[1], rm[1], rm[2], rm[3]}, 0, v, true));
    }

    @Test
    void mergedDimensionsAndWrappingSlicesAreRefused() {
        long[] v = {2, 4, 3, 5};
        // [N, C*H*W] walked with stride 1: one iteration dim over three value dims.
        assertNull(Layouts.restride(new long[] {2, 60}, new long[] {60, 1}, 0, v, true));
        // rows 2..3 of a 3-row plane: wraps into the next channel in row-major terms.
        long[] rm = Layouts.rowMajor(v);
        assertNull(Layouts.restride(new long[] {1, 1, 2, 5}, rm, 2 * rm[2], v, true));
        // Row-major values are left alone.
        assertArrayEquals(new long[] {60, 1, 0}, Layouts.restride(new long[] {2, 60}, new long[] {60, 1}, 0, v, false));
    }

    @Test
    void physicalStridesAndStorageOrder() {
        assertArrayEquals(new long[] {60, 1, 20, 4}, Layouts.physicalStrides(new long[] {2, 4, 3, 5}, true));
        assertArrayEquals(new long[] {60, 15, 5, 1}, Layouts.physicalStrides(new long[] {2, 4, 3, 5}, false));
        int[] order = Layouts.storageOrder(new long[] {2, 4, 3, 5}, new long[] {60, 1, 20, 4});
        assertArrayEquals(new int[] {0, 2, 3, 1}, order);
        assertThrows(IllegalArgumentException.class, () -> Layouts.physicalStrides(new long[] {2, 3}, true));
    }

    @Test
    void assignmentFollowsTheRulesOnEveryGoldenModelAndTheTestDetector() {
        List<OnnxModel> models = new ArrayList<>();
        List<Integer> batches = new ArrayList<>();
        for (Goldens.Case c : Goldens.cases()) {
            models.add(Goldens.model(c.model()));
            batches.add((int) Goldens.tensor(c.inputs().get(0)).dim(0));
        }
        models.add(TestDetector.model());
        batches.add(8);
        int nhwcTotal = 0;
        for (int i = 0; i < models.size(); i++) {
            Plan p = models.get(i).plan(batches.get(i));
            Layouts l = Layouts.channelsLast(p);
            String name = models.get(i).name();
            java.util.Set<Integer> read = new java.util.HashSet<>();
            for (Step st : p.steps) for (int r : st.reads()) read.add(r);
            for (int o : p.outputs) read.add(o);
            for (int v = 0; v < p.names.length; v++) {
                if (!l.nhwc(v)) continue;
                nhwcTotal++;
                assertEquals(4, p.shapes[v].length, name + " " + p.describe(v));
                assertNull(p.constants[v], name + " constant " + p.describe(v));
                assertTrue(p.aliasOf[v] < 0, name + " alias " + p.describe(v));
                // reshapes of it that something still reads (copies read through the others)
                for (int a = 0; a < p.names.length; a++) {
                    assertFalse(p.aliasOf[a] >= 0 && p.root(a) == v && read.contains(a), name + " aliased " + p.describe(v));
                }
            }
            for (Step st : p.steps) {
                if (st instanceof Elementwise.Unary u) assertEquals(l.nhwc(u.in()), l.nhwc(u.out()), name + " " + st.node());
                if (st instanceof PoolOps.MaxPool m) assertEquals(l.nhwc(m.in()), l.nhwc(m.out()), name + " " + st.node());
                if (st instanceof ResizeOps.Nearest m) assertEquals(l.nhwc(m.in()), l.nhwc(m.out()), name + " " + st.node());
                if (st instanceof Elementwise.Affine m) assertEquals(l.nhwc(m.in()), l.nhwc(m.out()), name + " " + st.node());
                if (st instanceof Conv cv && cv.k() % 8 != 0 && !(cv.pointwiseGemm() && cv.k() >= 16)) {
                    assertFalse(l.nhwc(cv.in()) || l.nhwc(cv.out()), name + " " + st.node() + " has " + cv.k() + " output channels");
                }
                if (st instanceof MatMulOps.MatMul m) assertFalse(l.nhwc(m.a()) || l.nhwc(m.b()) || l.nhwc(m.out()), name + " " + st.node());
                if (st instanceof DataMovement.Copy c) copyExpressible(p, l, c, name);
                if (st instanceof DataMovement.CopyGroup g) for (DataMovement.Copy c : g.parts()) copyExpressible(p, l, c, name);
            }
            for (Step st : p.steps) {
                // Only convolutions ask for scratch: those whose layouts differ (the temporary they permute from)
                // and fp16 channels-last ones on fewer than 8 input channels (the input widened to 8).
                if (st.scratchBytes(p, l, 2) > 0) {
                    Conv c = (Conv) st;
                    boolean widens = l.nhwc(c.in()) && c.c() < 8 && c.groups() == 1 && c.kh() * c.kw() > 1;
                    assertTrue(widens || l.nhwc(c.in()) != l.nhwc(c.out()), name + " " + c.node());
                }
            }
        }
        assertTrue(nhwcTotal > 0, "no value anywhere was made NHWC");
        // The test detector: every convolution with a multiple of 8 output channels reads NHWC, all but the
        // two that feed the 7-channel output convolutions also write NHWC (those two permute into NCHW).
        Plan det = TestDetector.model().plan(8);
        Layouts l = Layouts.channelsLast(det);
        long wide = det.steps.stream().filter(s -> s instanceof Conv c && c.k() % 8 == 0).count();
        long nhwcIn = det.steps.stream().filter(s -> s instanceof Conv c && c.k() % 8 == 0 && l.nhwc(c.in())).count();
        long nhwcBoth = det.steps.stream().filter(s -> s instanceof Conv c && l.nhwc(c.in()) && l.nhwc(c.out())).count();
        assertEquals(wide, nhwcIn, "convolutions with 8k output channels reading NHWC");
        assertEquals(wide - 2, nhwcBoth, "convolutions NHWC in and out");
        // scratch: those two, and the RGB stem (3 input channels widened to 8 in fp16)
        assertEquals(3, det.steps.stream().filter(s -> s.scratchBytes(det, l, 2) > 0).count());
        assertEquals(2, det.steps.stream().filter(s -> s.scratchBytes(det, l, 4) > 0).count(), "fp32: no widening");
        assertEquals(0, Layouts.allNchw(det).count());
    }

    private static void copyExpressible(Plan p, Layouts l, DataMovement.Copy c, String name) {
        assertNotNull(Layouts.restride(c.shape(), c.inStrides(), c.inOffset(), p.shapes[c.in()], l.nhwc(c.in())), name + " " + c.node());
        assertNotNull(Layouts.restride(c.shape(), c.outStrides(), c.outOffset(), p.shapes[c.out()], l.nhwc(c.out())), name + " " + c.node());
        assertTrue(Tensor.numel(c.shape()) >= 0);
    }
}
