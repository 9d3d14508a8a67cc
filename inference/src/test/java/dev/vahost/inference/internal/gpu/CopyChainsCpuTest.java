package dev.vahost.inference.internal.gpu;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.inference.ops.OpCase;
import dev.vahost.inference.ops.OpCases;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which values the planner's copy-chain folding (internal.CopyChains) leaves unmaterialised, on the
 * operator cases built for it; their numbers against onnxruntime are OpCasesCpuTest's (and, on the GPU,
 * OpCasesGpuTest's).
 */
class CopyChainsCpuTest {
    private static Plan plan(String caseName, int batch) {
        OpCase c = OpCases.all().stream().filter(x -> x.name().equals(caseName)).findFirst().orElseThrow();
        return PlacementsCpuTest.plan(OnnxModel.parse(c.model(), c.name()), batch);
    }

    private static int value(Plan p, String name) {
        return Arrays.asList(p.names).indexOf(name);
    }

    /** The copy parts that write {@code v} (through its reshapes too). */
    private static List<DataMovement.Copy> writers(Plan p, int v) {
        return p.steps.stream().flatMap(st -> st instanceof DataMovement.CopyGroup g ? Arrays.stream(g.parts())
                : st instanceof DataMovement.Copy c ? java.util.stream.Stream.of(c) : java.util.stream.Stream.empty())
                .filter(c -> p.root(c.out()) == v).toList();
    }

    private static boolean written(Plan p, int v) {
        for (Step st : p.steps) for (int w : st.writes()) if (p.root(w) == v) return true;
        return false;
    }

    @Test
    void theHeadsConcatsAndSplitAreNeverMaterialised() {
        for (int batch : new int[] {1, 2}) {
            Plan p = plan("detect_head_copy_chain", batch);
            for (String folded : List.of("cat0", "cat1", "all", "boxes")) {
                assertFalse(written(p, value(p, folded)), "batch " + batch + ": " + folded + " is not materialised");
            }
            // the transpose's output and the class rows read the convolutions' outputs directly
            for (String kept : List.of("t", "classes")) {
                List<DataMovement.Copy> parts = writers(p, value(p, kept));
                assertEquals(2, parts.size(), kept + ": one copy per level");
                for (DataMovement.Copy c : parts) {
                    assertTrue(p.names[p.root(c.in())].matches((kept.equals("t") ? "box" : "cls") + "[01]"),
                            kept + " reads " + p.describe(c.in()));
                }
            }
        }
    }

    @Test
    void yolov5sHeadReadsTheConvolutionsChannelsLastOutputThroughItsReshape() {
        for (int batch : new int[] {1, 2}) {
            Plan p = plan("v5_head_conv51_reshape_transpose_sigmoid", batch);
            dev.vahost.inference.internal.ops.Conv conv = p.steps.stream().filter(st -> st instanceof dev.vahost.inference.internal.ops.Conv)
                    .map(st -> (dev.vahost.inference.internal.ops.Conv) st).findFirst().orElseThrow();
            assertEquals(dev.vahost.inference.internal.Act.SIGMOID, conv.act(), "the Sigmoid after Reshape and Transpose is in the Conv");
            assertTrue(p.steps.stream().noneMatch(st -> st instanceof dev.vahost.inference.internal.ops.Elementwise.Unary u
                    && p.names[u.out()].equals("sg")), "no Sigmoid step of its own");
            assertTrue(dev.vahost.inference.internal.Layouts.channelsLast(p).nhwc(conv.out()), "the 51-channel 1x1 convolution writes NHWC");
            assertFalse(written(p, value(p, "t")), "batch " + batch + ": the transposed value is not materialised");
            assertTrue(p.steps.stream().noneMatch(st -> st instanceof dev.vahost.inference.internal.Planner.Reshape rs && rs.in() == conv.out()),
                    "the reshape of the convolution output is dropped: the copies read the output itself");
        }
    }

    @Test
    void aValueAlsoReadByAComputationStays() {
        Plan p = plan("copy_chain_partly_read_elsewhere", 2);
        int cat = value(p, "cat");
        assertEquals(2, writers(p, cat).size(), "the Concat is kept: the Sigmoid reads it");
        assertTrue(p.steps.stream().anyMatch(st -> st instanceof DataMovement.Copy c && c.in() == cat), "the Slice still reads it");
    }
}
