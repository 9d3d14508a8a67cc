package dev.vahost.inference.internal.gpu;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.ops.BenchModel;
import dev.vahost.nvmm.DType;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the fp16 channels-last GPU engine plans for the benchmark model's architecture (YOLOv8n-class at 640,
 * built in Java: {@link BenchModel}), without a GPU: launches by kind and the bytes copies move, at batch 1
 * and 32, with no channel views, with views where cuDNN refuses strided convolution operands (its legacy API
 * on the H200), and with views where its fused graphs take them (as they do on the H200: the engine ran 90
 * launches at batch 32 there on 2026-12-01, as counted here). Prints CENSUS lines, and the copies the engine runs as
 * tiled transposes; checks what the plan must hold whichever way cuDNN decides: SPPF's and the neck's Concats
 * move nothing, the backbone's six bottleneck Adds are inside their convolutions, and views never add launches.
 */
class PlanCensusCpuTest {
    private record Census(int launches, Map<String, Integer> kinds, long copyBytes, int residualConvs, List<String> transposes,
                          List<Integer> copyRanks) {}

    private static Census lower(Plan p, Layouts l, Placements pl, Boolean stridedConvs) {
        SliceLoweringCpuTest.Recorder g = new SliceLoweringCpuTest.Recorder(p, l, pl);
        g.stridedConvs = stridedConvs;
        int residualConvs = 0;
        for (Step st : p.steps) {
            g.lower(st);
            if (st instanceof Conv c && c.residual() >= 0) residualConvs++;
        }
        Map<String, Integer> kinds = new TreeMap<>();
        for (String k : g.kinds) kinds.merge(k, 1, Integer::sum);
        return new Census(g.kinds.size(), kinds, g.copyBytes, residualConvs, g.transposes, g.copyRanks);
    }

    @Test
    void theBenchmarkModelsPlanWithAndWithoutViews() {
        OnnxModel m = OnnxModel.parse(BenchModel.yolov8n(640, 80, 1), "bench640 (Java-built)");
        Plan max = PlacementsCpuTest.plan(m, 32);
        Layouts l = Layouts.channelsLast(max);
        Placements views = Placements.plan(max, l, DType.F16), none = Placements.none(max.names.length);
        System.out.println("CENSUS bench640 (Java-built): " + views.count() + " values stored as channel views (" + views.views + " Split outputs, "
                + views.parts + " Concat parts)");
        for (int batch : new int[] {1, 32}) {
            Plan p = PlacementsCpuTest.plan(m, batch);
            Census plain = lower(p, l, none, false), refused = lower(p, l, views, false), taken = lower(p, l, views, true);
            for (var e : List.of(Map.entry("no views", plain), Map.entry("views, strided convolutions refused", refused),
                    Map.entry("views, strided convolutions fused", taken))) {
                Census c = e.getValue();
                System.out.printf("CENSUS batch=%d %s: %d launches, copies move %.1f MB (%d of them tiled transposes); %s%n", batch,
                        e.getKey(), c.launches(), c.copyBytes() / 1e6, c.transposes().size(), c.kinds());
            }
            taken.transposes().forEach(tr -> System.out.println("CENSUS batch=" + batch + " tiled transpose " + tr));
            System.out.println("CENSUS batch=" + batch + " other copies by coalesced rank " + taken.copyRanks());
            assertTrue(taken.copyRanks().stream().allMatch(r -> r <= 4), "no copy needs the general (table) kernel: " + taken.copyRanks());
            assertEquals(6, taken.transposes().size(), "the head's per-level class and DFL copies out of channels-last convolution outputs"
                    + " run as tiled transposes");
            assertEquals(6, taken.residualConvs(), "the backbone's six bottleneck Adds taken into their convolutions");
            assertTrue(refused.launches() <= plain.launches() && refused.copyBytes() <= plain.copyBytes(),
                    "views never add launches or copied bytes, even with every strided convolution copying: " + refused + " vs " + plain);
            assertTrue(taken.launches() < refused.launches() && taken.copyBytes() < refused.copyBytes(), taken + " vs " + refused);
        }
        // SPPF's Concat and the two upsampling Concats: every part written in place, nothing copied
        for (Step st : max.steps) {
            if (!(st instanceof dev.vahost.inference.internal.ops.DataMovement.CopyGroup cg)) continue;
            boolean sppfOrNeck = java.util.Arrays.stream(cg.parts()).anyMatch(part -> max.steps.stream().anyMatch(w ->
                    (w instanceof dev.vahost.inference.internal.ops.PoolOps.MaxPool || w instanceof dev.vahost.inference.internal.ops.ResizeOps.Nearest)
                            && ((Step.OneOutput) w).out() == part.in()));
            if (!sppfOrNeck) continue;
            for (var part : cg.parts()) assertTrue(views.into[part.in()] >= 0, cg.node() + ": " + max.describe(part.in()) + " written in place");
        }
    }
}
