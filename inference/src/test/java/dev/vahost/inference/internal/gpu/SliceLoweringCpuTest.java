package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.sun.jna.Pointer;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.BinaryOps;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.inference.ops.OpCase;
import dev.vahost.inference.ops.OpCases;
import dev.vahost.inference.ops.OnnxBuilder;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the GPU lowering makes of channel views (Placements), without a GPU: the steps of a plan are
 * lowered against a recording {@link GpuLowering} that addresses values as {@link GpuPlan} does
 * (storage base + channel offset, pixels the storage's channel count apart) and records the kernels
 * asked for, the launches added and the pixel strides handed to convolutions. Checked at batch 1 and
 * 2 (at batch 1 size-1 dimensions get stride 0 from {@code physical}, the case that once made a
 * contiguous output look strided on the H200).
 */
class SliceLoweringCpuTest {
    /** A GpuLowering that records instead of launching; addresses follow the placements. */
    static final class Recorder implements GpuLowering {
        final Plan plan;
        final Layouts layouts;
        final Placements pl;
        final List<String> kernels = new ArrayList<>(), kinds = new ArrayList<>();
        final Map<Integer, long[]> convStrides = new HashMap<>(); // conv output value -> {x pixel stride, y pixel stride}
        final Map<Integer, Boolean> forceNhwc = new HashMap<>();
        final Map<Integer, Residual> residuals = new HashMap<>(); // conv output value -> the residual it was handed
        /**
         * null: convolutions are recorded as "conv" and decline residuals. Else the engine's convolution as
         * PlanCensusCpuTest assumes it: true, cuDNN runs fused graphs on channel views (and takes residuals into
         * them); false, it refuses strided operands, so a convolution on views copies through buffers of its own
         * and the Conv adds its residual itself.
         */
        Boolean stridedConvs;
        /** Bytes the recorded copies read and write. */
        long copyBytes;
        Conv lastConv;

        Recorder(Plan plan, Layouts layouts, Placements pl) {
            this.plan = plan;
            this.layouts = layouts;
            this.pl = pl;
        }

        @Override public String modelName() { return "test"; }
        @Override public Plan plan() { return plan; }
        @Override public DType precision() { return DType.F16; }

        @Override
        public long addr(int v) {
            int root = plan.root(v), s = pl.storage(root);
            return (1L + s) * (1L << 32) + (pl.into[root] >= 0 ? pl.channel[root] * 2 : 0);
        }

        @Override
        public boolean nhwc(int v) {
            return forceNhwc.getOrDefault(plan.root(v), layouts.nhwc(plan.root(v)));
        }

        @Override
        public long pixelStride(int v) {
            int root = plan.root(v);
            return plan.shapes[pl.storage(root)][1];
        }

        @Override public long scratch() { return 1L << 60; }

        @Override
        public Kernel kernel(String name) {
            kernels.add(name);
            return null; // launches are recorded, never run
        }

        @Override
        public Kernel kernel(String module, String name) {
            return kernel(name);
        }

        @Override public void add(String kind, Launch l) { kinds.add(kind); }
        /** OFF: first convolutions widen their input for cuDNN; ON: the engine's direct kernel (conv-fewc) runs them. */
        EngineConfig.Fusion fusion = EngineConfig.Fusion.OFF;
        @Override public EngineConfig.Fusion fusion() { return fusion; }
        @Override
        public boolean faster(String key, Runnable a, Runnable b, boolean untunedA) {
            (untunedA ? a : b).run(); // as a plan prepared after load with nothing remembered
            return untunedA;
        }
        @Override public long[] table(long[] data) { return new long[] {0}; }
        @Override public long tableAddress(long[] ref) { return 0; }
        @Override public long uploadF32(Object key, float[] data, String what) { return 1; }
        @Override public long uploadInts(Object key, int[] data, String what) { return 1; }
        @Override public long uploadActivations(Object key, float[] data, String what) { return 1; }

        @Override
        public long[] physical(int v, long[] shape, long[] strides, long offset) {
            boolean n = nhwc(v);
            long[] r = Layouts.restride(shape, strides, offset, plan.shapes[v], n, n ? pixelStride(v) : 0);
            if (r == null) throw new IllegalStateException("not addressable");
            return r;
        }

        @Override
        public void copy(String kind, long x, long y, int elementBytes, long[] shape, long[] from, long fromOffset, long[] to,
                         long toOffset) {
            kinds.add(kind);
            copyBytes += 2 * dev.vahost.inference.internal.Tensor.numel(shape) * elementBytes;
            GpuPlan.IoCopy c = GpuPlan.stridedCopy(shape, from, fromOffset, to, toOffset);
            if (elementBytes == 2 && GpuPlan.transposeArgs(c.table(), c.rank()) != null) transposes.add(describeCopy(shape, from, to));
            else copyRanks.add(c.rank());
        }

        /** The coalesced rank of every copy that is not a tiled transpose (copy2d up to 2, copy4d up to 4, the table kernel beyond). */
        final List<Integer> copyRanks = new ArrayList<>();

        /** Copies the engine runs as tiled transposes (transpose_b2): their shapes and strides. */
        final List<String> transposes = new ArrayList<>();

        private static String describeCopy(long[] shape, long[] from, long[] to) {
            return java.util.Arrays.toString(shape) + " from strides " + java.util.Arrays.toString(from) + " to " + java.util.Arrays.toString(to);
        }

        @Override public long cublas() { return 0; }
        @Override public long cudnn() { return 0; }
        @Override public Pointer one() { return null; }
        @Override public Pointer zero() { return null; }
        @Override public long[] workspace(long bytes) { return new long[] {0}; }

        @Override
        public boolean convolution(Conv c, boolean nhwc, long x, long xPixelStride, long y, long yPixelStride, Epilogue epilogue,
                                   Residual residual) {
            convStrides.put(c.out(), new long[] {xPixelStride, yPixelStride});
            if (residual != null) residuals.put(c.out(), residual);
            if (stridedConvs == null) {
                kinds.add("conv");
                return false; // as an engine whose fused graph does not take the residual: the Conv lowers the addition itself
            }
            boolean fusable = nhwc && c.groups() == 1 && c.c() % 8 == 0 && c.k() % 8 == 0;
            boolean onViews = xPixelStride != c.c() || yPixelStride != c.k();
            if (onViews && !(stridedConvs && fusable)) {
                long in = (long) c.n() * c.h() * c.w() * c.c(), out = (long) c.n() * c.oh() * c.ow() * c.k();
                if (xPixelStride != c.c()) {
                    kinds.add("copy");
                    copyBytes += 2 * 2 * in;
                }
                kinds.add("conv");
                if (yPixelStride != c.k()) {
                    kinds.add("copy");
                    copyBytes += 2 * 2 * out;
                }
                return false;
            }
            kinds.add("conv");
            return residual != null && fusable && stridedConvs;
        }

        /** Lowers step {@code st}; returns the launch kinds it added. */
        List<String> lower(Step st) {
            int before = kinds.size();
            st.gpu(this);
            return new ArrayList<>(kinds.subList(before, kinds.size()));
        }
    }

    /** An operator case's model with the fp16 channels-last layouts and placements of its batch-2 plan. */
    private record Placed(OnnxModel m, Layouts l, Placements pl) {
        static Placed of(String caseName) {
            OpCase c = OpCases.all().stream().filter(x -> x.name().equals(caseName)).findFirst().orElseThrow();
            OnnxModel m = OnnxModel.parse(c.model(), c.name());
            Plan max = PlacementsCpuTest.plan(m, 2);
            Layouts l = Layouts.channelsLast(max);
            return new Placed(m, l, Placements.plan(max, l, DType.F16));
        }
    }

    @Test
    void aC2fBlockMovesNothingAndItsReadersAndWritersGetTheConcatsPixelStride() {
        Placed c2f = Placed.of("c2f_split_concat_in_place");
        OnnxModel m = c2f.m();
        Layouts l = c2f.l();
        Placements pl = c2f.pl();
        for (int batch : new int[] {1, 2}) {
            Plan p = PlacementsCpuTest.plan(m, batch);
            Recorder g = new Recorder(p, l, pl);
            int cat = -1, residualConvs = 0;
            for (Step st : p.steps) if (st instanceof DataMovement.CopyGroup cg && cg.parts().length == 4) cat = cg.parts()[0].out();
            long catChannels = p.shapes[cat][1];
            for (Step st : p.steps) {
                List<String> launched = g.lower(st);
                String what = "batch " + batch + " " + st.node();
                if (st instanceof DataMovement.CopyGroup) {
                    assertEquals(List.of(), launched, what + ": the Split and the Concat move nothing");
                } else if (st instanceof BinaryOps.Binary b) {
                    assertEquals(List.of("binary"), launched, what);
                    assertEquals("binary_rows8_f16", g.kernels.get(g.kernels.size() - 1), what + ": the addition writes its Concat slice by rows");
                    assertEquals(cat, pl.storage(b.out()), what);
                } else if (st instanceof Conv cv) {
                    long[] s = g.convStrides.get(cv.out());
                    boolean readsSlice = pl.storage(p.root(cv.in())) == cat, writesSlice = pl.storage(cv.out()) == cat;
                    assertEquals(readsSlice ? catChannels : cv.c(), s[0], what + ": input pixel stride");
                    assertEquals(writesSlice ? catChannels : cv.k(), s[1], what + ": output pixel stride");
                    if (cv.residual() >= 0) {
                        // a bottleneck's Add taken in: handed to the engine with the residual's slice stride; this recorder
                        // declines it, so the convolution adds it by rows like the Add did
                        assertEquals(catChannels, g.residuals.get(cv.out()).pixelStride(), what + ": residual pixel stride");
                        assertEquals(List.of("conv", "binary"), launched, what);
                        assertEquals("binary_rows8_f16", g.kernels.get(g.kernels.size() - 1), what);
                        residualConvs++;
                    }
                }
            }
            assertEquals(2, residualConvs, "batch " + batch + ": both bottleneck Adds taken into their convolutions (Optimizer.fuseResiduals)");
            // the first convolution writes the Concat's first 16 channels; the bottleneck convolutions read y1 and m0 from it
            assertTrue(g.convStrides.values().stream().filter(s -> s[1] == catChannels).count() >= 1, "batch " + batch);
            assertTrue(g.convStrides.values().stream().filter(s -> s[0] == catChannels).count() >= 2, "batch " + batch);
        }
    }

    /**
     * SPPF and the neck's upsampling: the Concat moves nothing; the pools and the resize take the 16-byte
     * kernels with the Concat's pixel stride for what they write (and, for the pools after the first, read).
     */
    @Test
    void poolsAndUpsamplingWriteTheirConcatSlices() {
        for (String name : List.of("sppf_concat_in_place", "upsample_concat_in_place")) {
            Placed c = Placed.of(name);
            for (int batch : new int[] {1, 2}) {
                Plan p = PlacementsCpuTest.plan(c.m(), batch);
                Recorder g = new Recorder(p, c.l(), c.pl());
                int pools = 0, resizes = 0;
                for (Step st : p.steps) {
                    List<String> launched = g.lower(st);
                    String what = name + " batch " + batch + " " + st.node();
                    if (st instanceof DataMovement.CopyGroup) assertEquals(List.of(), launched, what + ": the Concat moves nothing");
                    if (st instanceof dev.vahost.inference.internal.ops.PoolOps.MaxPool mp) {
                        assertEquals("maxpool_nhwc8_f16", g.kernels.get(g.kernels.size() - 1), what);
                        assertEquals(32, g.pixelStride(mp.out()), what + ": writes its slice of the 32-channel Concat");
                        pools++;
                    }
                    if (st instanceof dev.vahost.inference.internal.ops.ResizeOps.Nearest nr) {
                        assertEquals("resize_nearest_nhwc8_f16", g.kernels.get(g.kernels.size() - 1), what);
                        assertEquals(24, g.pixelStride(nr.out()), what + ": writes its slice of the 24-channel Concat");
                        resizes++;
                    }
                }
                assertEquals(name.startsWith("sppf") ? 3 : 0, pools, name);
                assertEquals(name.startsWith("sppf") ? 0 : 1, resizes, name);
            }
        }
    }

    /**
     * Binary operations whose output is not a slice lower as they did before channel views, at
     * batch 1 too (a 12-channel NHWC addition: no row kernel, the table kernel with y contiguous);
     * a slice output the row kernel cannot write is refused by name rather than written wrongly.
     */
    @Test
    void binaryOutputsOutsideSlicesKeepTheirKernelsAndUnwritableSlicesAreRefused() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 12, 5, 5).input("z", "N", 12, 1, 5);
        b.node("Add", new String[] {"x", "z"}, new String[] {"y"}).output("y");
        OnnxModel m = OnnxModel.parse(b.build(), "add12");
        for (int batch : new int[] {1, 2}) {
            Plan p = PlacementsCpuTest.plan(m, batch);
            Recorder g = new Recorder(p, Layouts.channelsLast(p), Placements.none(p.names.length));
            BinaryOps.Binary add = (BinaryOps.Binary) p.steps.stream().filter(s -> s instanceof BinaryOps.Binary).findFirst().orElseThrow();
            for (int v : new int[] {add.a(), add.b(), add.out()}) g.forceNhwc.put(p.root(v), true);
            assertEquals(List.of("binary"), g.lower(add), "batch " + batch);
            assertEquals("binary_bcast_f16", g.kernels.get(g.kernels.size() - 1), "batch " + batch);
        }
        OnnxBuilder b8 = new OnnxBuilder(13).input("x", "N", 8, 5, 5).input("z", "N", 8, 1, 5);
        b8.node("Add", new String[] {"x", "z"}, new String[] {"y"}).node("Concat", new String[] {"y", "x"}, new String[] {"o"}, "axis", 1L)
                .output("o");
        OnnxModel m8 = OnnxModel.parse(b8.build(), "add8");
        Plan p = PlacementsCpuTest.plan(m8, 2);
        Layouts l = Layouts.channelsLast(p);
        BinaryOps.Binary add = (BinaryOps.Binary) p.steps.stream().filter(s -> s instanceof BinaryOps.Binary).findFirst().orElseThrow();
        int concat = p.steps.stream().filter(s -> s instanceof DataMovement.CopyGroup).mapToInt(s -> ((DataMovement.CopyGroup) s).parts()[0].out())
                .findFirst().orElseThrow();
        // pretend the broadcasting addition's output were placed in the Concat (Placements never does this)
        Placements forced = Placements.none(p.names.length);
        forced.into[add.out()] = concat;
        Recorder g = new Recorder(p, l, forced);
        for (int v : new int[] {add.a(), add.b(), add.out(), concat}) g.forceNhwc.put(p.root(v), true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> g.lower(add));
        assertTrue(e.getMessage().contains("channel slice"), e.getMessage());
        assertFalse(Placements.plan(p, l, DType.F16).into[add.out()] >= 0, "a broadcasting addition is not placed");
    }

    @Test
    void broadcastsOverAMiddleDimensionTakeTheTwoLevelRowKernel() {
        for (String name : List.of("mul_bcast_one_per_middle_row", "add_bcast_over_middle_relu")) {
            OpCase c = OpCases.all().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
            OnnxModel m = OnnxModel.parse(c.model(), name);
            for (int batch : new int[] {2, 3}) {
                Plan p = PlacementsCpuTest.plan(m, batch);
                Recorder g = new Recorder(p, Layouts.channelsLast(p), Placements.none(p.names.length));
                BinaryOps.Binary op = (BinaryOps.Binary) p.steps.stream().filter(s -> s instanceof BinaryOps.Binary).findFirst().orElseThrow();
                assertEquals(List.of("binary"), g.lower(op), name + " batch " + batch);
                assertEquals("binary_rows8x2_f16", g.kernels.get(g.kernels.size() - 1), name + " batch " + batch);
            }
        }
    }

    /**
     * Every step of every tiny-zoo model (TorchScript exports) and of the in-place op cases lowers, with
     * the fp16 channels-last placements, at batch 1 and at the max batch: no lowering refuses a view it
     * was given (the yolo11n failure seen on the H200 was of this kind).
     */
    @Test
    void everyZooModelLowersWithItsViewsAtBatch1AndMax() throws Exception {
        java.util.Map<String, OnnxModel> models = PlacementsCpuTest.models();
        int lowered = 0;
        for (java.util.Map.Entry<String, OnnxModel> e : models.entrySet()) {
            OnnxModel m = e.getValue();
            int max = m.fixedBatch() > 0 ? m.fixedBatch() : 2;
            Plan maxPlan = PlacementsCpuTest.plan(m, max);
            Layouts l = Layouts.channelsLast(maxPlan);
            Placements pl = Placements.plan(maxPlan, l, DType.F16);
            for (int batch : m.fixedBatch() > 0 ? new int[] {max} : new int[] {1, max}) {
                Recorder g = new Recorder(PlacementsCpuTest.plan(m, batch), l, pl);
                for (Step st : g.plan.steps) {
                    try {
                        g.lower(st);
                        lowered++;
                    } catch (RuntimeException ex) {
                        fail(e.getKey() + " batch " + batch + ": " + st.node() + ": " + ex, ex);
                    }
                }
            }
        }
        assertTrue(lowered > 1000, "steps lowered: " + lowered);
    }
}
