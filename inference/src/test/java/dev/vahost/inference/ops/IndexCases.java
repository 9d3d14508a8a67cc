package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.vahost.inference.ops.OpCase.in;
import static dev.vahost.inference.ops.OpCase.of;
import static dev.vahost.inference.ops.OpCase.random;

/**
 * Indexing operators: TopK (the DETR query selection at its real size, YOLO-like k = 1000, ties,
 * k = row length, k = 1, smallest, any axis, sorted = 0, integers, every opset form), GatherElements
 * with TopK's indices, GatherND, ScatterElements/ScatterND, GridSample (every mode, padding mode and
 * align_corners, with grid points out of range, and a deformable-attention grid computed from the
 * input), Pad (every mode, negative pads, every opset form), DepthToSpace/SpaceToDepth, OneHot, Trilu
 * and CumSum. Where a result picks elements (TopK, nearest sampling), the inputs lie on a grid that
 * float16 holds exactly, so that fp16 engines must pick the same elements as the CPU; ties are
 * frequent on purpose. Indices and integers computed at run time come from float inputs through Cast
 * (truncation), on a grid away from integers that float16 holds exactly (the same integers in every engine).
 * Not covered: NaN inputs of TopK (onnxruntime's order is undefined there), duplicate scatter targets
 * (ONNX leaves the winner open), reflect/wrap pads wider than the axis (onnxruntime reads out of its
 * row there).
 */
final class IndexCases {
    private IndexCases() {}

    /** Values lo + j·step, j uniform in [0, levels): with step a power of two, exact in float16 too. */
    private static OpCase.In levels(String name, long seed, int levels, float lo, float step, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        Random r = new Random(seed);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = lo + r.nextInt(levels) * step;
        return in(name, v, shape);
    }

    private static OpCase.In choices(String name, long seed, float[] from, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        Random r = new Random(seed);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = from[r.nextInt(from.length)];
        return in(name, v, shape);
    }

    static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        topK(c);
        gathersAndScatters(c);
        gridSample(c);
        pad(c);
        rearrangements(c);
        return c;
    }

    private static void topK(List<OpCase> c) {
        // RT-DETR / D-FINE query selection: top 300 of 8400 scores (1024 levels: many ties at the cut),
        // then the boxes of the chosen queries by GatherElements with TopK's run-time indices.
        c.add(of("topk_detr_query_selection", "TopK,GatherElements,Unsqueeze,Expand,Cast", new OnnxBuilder(13)
                .input("scores", "N", 8400).input("boxes", "N", 8400, 4)
                .longs("k", new long[] {300}).longs("ax2", new long[] {2}).longs("shape", new long[] {1, 1, 4})
                .node("TopK", new String[] {"scores", "k"}, new String[] {"v", "i"}, "axis", -1L)
                .node("Unsqueeze", new String[] {"i", "ax2"}, new String[] {"i3"})
                .node("Expand", new String[] {"i3", "shape"}, new String[] {"i4"})
                .node("GatherElements", new String[] {"boxes", "i4"}, new String[] {"sel"}, "axis", 1L)
                .node("Cast", "i", "fi", "to", 1L)
                .output("v").output("fi").output("sel"),
                levels("scores", 1, 1024, 0f, 1f / 1024, 2, 8400), random("boxes", 2, 0, 1, 2, 8400, 4)));
        // YOLO-like: k = 1000 of 25200 (a 1024-wide sort in shared memory), values in [-0.5, 0.5)
        c.add(of("topk_yolo_k1000", "TopK,Cast", new OnnxBuilder(11).input("x", "N", 25200).longs("k", new long[] {1000})
                .node("TopK", new String[] {"x", "k"}, new String[] {"v", "i"}).node("Cast", "i", "fi", "to", 1L)
                .output("v").output("fi"), levels("x", 3, 2048, -0.5f, 1f / 2048, 2, 25200)));
        // k = row length over five distinct values (-0 and +0 are equal: ties by index)
        c.add(of("topk_ties_k_full_row", "TopK,Cast", new OnnxBuilder(11).input("x", "N", 6, 37).longs("k", new long[] {37})
                .node("TopK", new String[] {"x", "k"}, new String[] {"v", "i"}).node("Cast", "i", "fi", "to", 1L)
                .output("v").output("fi"), choices("x", 4, new float[] {-1f, -0f, 0f, 0.5f, 1f}, 2, 6, 37)));
        // k = 1, smallest, along a middle axis (strided rows)
        c.add(of("topk_k1_smallest_axis1", "TopK,Cast", new OnnxBuilder(11).input("x", "N", 9, 5).longs("k", new long[] {1})
                .node("TopK", new String[] {"x", "k"}, new String[] {"v", "i"}, "axis", 1L, "largest", 0L)
                .node("Cast", "i", "fi", "to", 1L).output("v").output("fi"), levels("x", 5, 4, -1f, 0.5f, 3, 9, 5)));
        c.add(of("topk_smallest_axis1_k20", "TopK,Cast", new OnnxBuilder(11).input("x", "N", 60, 7).longs("k", new long[] {20})
                .node("TopK", new String[] {"x", "k"}, new String[] {"v", "i"}, "axis", -2L, "largest", 0L)
                .node("Cast", "i", "fi", "to", 1L).output("v").output("fi"), levels("x", 6, 16, -2f, 0.25f, 2, 60, 7)));
        // opset 10: k as input, no largest/sorted attributes; opset 9 (TopK-1): k as attribute
        c.add(of("topk_opset10_k_input", "TopK,Cast", new OnnxBuilder(10).input("x", "N", 4, 33).longs("k", new long[] {3})
                .node("TopK", new String[] {"x", "k"}, new String[] {"v", "i"}, "axis", 1L)
                .node("Cast", "i", "fi", "to", 1L).output("v").output("fi"), levels("x", 7, 8, 0f, 0.125f, 2, 4, 33)));
        c.add(of("topk_opset9_k_attribute", "TopK,Cast", new OnnxBuilder(9).input("x", "N", 3, 40)
                .node("TopK", new String[] {"x"}, new String[] {"v", "i"}, "k", 5L)
                .node("Cast", "i", "fi", "to", 1L).output("v").output("fi"), levels("x", 8, 64, -1f, 1f / 32, 2, 3, 40)));
        // sorted = 0 leaves the order open: compare order-free sums (the indices scaled to stay within float16)
        float[] ones = new float[200];
        java.util.Arrays.fill(ones, 1f);
        c.add(of("topk_unsorted_sums", "TopK,MatMul,Cast,Mul", new OnnxBuilder(11).input("x", "N", 700).longs("k", new long[] {200})
                .floats("ones", ones, 200, 1).scalar("s", 0.01f)
                .node("TopK", new String[] {"x", "k"}, new String[] {"v", "i"}, "sorted", 0L)
                .node("Cast", "i", "fi", "to", 1L).node("Mul", new String[] {"fi", "s"}, new String[] {"si"})
                .node("MatMul", new String[] {"v", "ones"}, new String[] {"sv"})
                .node("MatMul", new String[] {"si", "ones"}, new String[] {"ss"}).output("sv").output("ss"),
                levels("x", 9, 512, 0f, 1f / 512, 2, 700)));
        // integers computed at run time (truncation makes ties)
        c.add(of("topk_int_runtime", "TopK,Cast", new OnnxBuilder(11).input("x", "N", 50).longs("k", new long[] {7})
                .node("Cast", "x", "xi", "to", 7L).node("TopK", new String[] {"xi", "k"}, new String[] {"v", "i"})
                .node("Cast", "v", "fv", "to", 1L).node("Cast", "i", "fi", "to", 1L).output("fv").output("fi"),
                levels("x", 10, 160, -19.875f, 0.25f, 2, 50)));
        // TopK of a constant: evaluated once when the model is loaded
        c.add(of("topk_known_folded", "TopK,Add", new OnnxBuilder(11).input("x", "N", 3)
                .floats("c", new float[] {0.5f, 3f, -1f, 3f, 2f, 0f, 7f, -4f, 2f, 1f}, 10).longs("k", new long[] {3})
                .node("TopK", new String[] {"c", "k"}, new String[] {"v", "i"}).node("Cast", "i", "fi", "to", 1L)
                .node("Add", new String[] {"x", "v"}, new String[] {"a"}).node("Add", new String[] {"a", "fi"}, new String[] {"y"})
                .output("y"), random("x", 11, -1, 1, 2, 3)));
    }

    private static void gathersAndScatters(List<OpCase> c) {
        // known indices with negatives, a negative axis, indices smaller than data outside the axis
        c.add(of("gather_elements_known", "GatherElements,Add", new OnnxBuilder(13).input("x", "N", 4, 5).input("z", "N", 3, 5)
                .longs("idx", new long[] {1, -1, 0, 3, -4, 2, 2, 0, -2, 1, 3, 3, -3, 0, 1}, 1, 3, 5)
                .node("GatherElements", new String[] {"x", "idx"}, new String[] {"g"}, "axis", -2L)
                .node("Add", new String[] {"g", "z"}, new String[] {"y"}).output("y"),
                random("x", 20, -1, 1, 2, 4, 5), random("z", 19, -1, 1, 2, 3, 5)));
        // integer data and indices, both computed at run time, on the last axis
        c.add(of("gather_elements_int_runtime", "GatherElements,Cast", new OnnxBuilder(13).input("x", "N", 6, 3).input("i", "N", 6, 2)
                .node("Cast", "x", "xi", "to", 7L).node("Cast", "i", "ii", "to", 7L)
                .node("GatherElements", new String[] {"xi", "ii"}, new String[] {"g"}, "axis", -1L)
                .node("Cast", "g", "y", "to", 1L).output("y"),
                levels("x", 21, 400, -49.875f, 0.25f, 2, 6, 3), levels("i", 22, 23, -2.875f, 0.25f, 2, 6, 2)));
        // GatherND with batch_dims = 1 and run-time indices (negative ones too); with known index pairs
        c.add(of("gather_nd_batch_dims_runtime", "GatherND,Cast", new OnnxBuilder(13).input("x", "N", 6, 4).input("i", "N", 3, 1)
                .node("Cast", "i", "ii", "to", 7L)
                .node("GatherND", new String[] {"x", "ii"}, new String[] {"y"}, "batch_dims", 1L).output("y"),
                random("x", 23, -1, 1, 2, 6, 4), levels("i", 24, 47, -5.875f, 0.25f, 2, 3, 1)));
        c.add(of("gather_nd_known_pairs", "GatherND,Transpose", new OnnxBuilder(13).input("x", "N", 3, 4, 5)
                .longs("idx", new long[] {2, 1, 0, 3, -1, -4}, 3, 2)
                .node("Transpose", "x", "t", "perm", new long[] {1, 2, 0, 3})          // [3, 4, N, 5]
                .node("GatherND", new String[] {"t", "idx"}, new String[] {"g"})       // [3, N, 5]
                .node("Transpose", "g", "y", "perm", new long[] {1, 0, 2}).output("y"), random("x", 25, -1, 1, 2, 3, 4, 5)));
        // ScatterElements with run-time indices (distinct targets per column, negative ones too) and with known ones
        float[] se = new float[2 * 2 * 6];
        for (int n = 0; n < 2; n++) {
            for (int w = 0; w < 6; w++) {
                se[(n * 2) * 6 + w] = w % 5;
                se[(n * 2 + 1) * 6 + w] = (w + 2) % 5 - 5;
            }
        }
        c.add(of("scatter_elements_runtime", "ScatterElements,Cast", new OnnxBuilder(13).input("x", "N", 5, 6).input("u", "N", 2, 6)
                .input("i", "N", 2, 6).node("Cast", "i", "ii", "to", 7L)
                .node("ScatterElements", new String[] {"x", "ii", "u"}, new String[] {"y"}, "axis", 1L).output("y"),
                random("x", 26, -1, 1, 2, 5, 6), random("u", 27, 2, 3, 2, 2, 6), in("i", se, 2, 2, 6)));
        c.add(of("scatter_elements_known_last_axis", "ScatterElements", new OnnxBuilder(16).input("x", "N", 4).input("u", 1, 2)
                .longs("idx", new long[] {3, -4}, 1, 2)
                .node("ScatterElements", new String[] {"x", "idx", "u"}, new String[] {"y"}, "axis", -1L, "reduction", "none")
                .output("y"), random("x", 28, -1, 1, 2, 4), random("u", 29, 5, 6, 1, 2)));
        // ScatterND: run-time (batch, row) pairs; known pairs with a negative index
        float[] sn = {0, 3, 0, -1, 1, 0, 1, 2};
        c.add(of("scatter_nd_runtime", "ScatterND,Cast", new OnnxBuilder(13).input("x", "N", 5, 4).input("u", "N", 2, 4)
                .input("i", "N", 2, 2).node("Cast", "i", "ii", "to", 7L)
                .node("ScatterND", new String[] {"x", "ii", "u"}, new String[] {"y"}).output("y"),
                random("x", 30, -1, 1, 2, 5, 4), random("u", 31, 2, 3, 2, 2, 4), in("i", sn, 2, 2, 2)));
        c.add(of("scatter_nd_known", "ScatterND,Transpose", new OnnxBuilder(13).input("x", "N", 4, 3).input("u", "N", 3)
                .longs("idx", new long[] {1, 2, 3, 0, -1, -1}, 3, 2)
                .node("Transpose", "x", "t", "perm", new long[] {1, 2, 0})             // [4, 3, N]
                .node("Transpose", "u", "ut", "perm", new long[] {1, 0})               // [3, N]
                .node("ScatterND", new String[] {"t", "idx", "ut"}, new String[] {"s"})
                .node("Transpose", "s", "y", "perm", new long[] {2, 0, 1}).output("y"),
                random("x", 32, -1, 1, 2, 4, 3), random("u", 33, 2, 3, 2, 3)));
    }

    private static void gridSample(List<OpCase> c) {
        // Multi-scale deformable attention: 300 queries × 4 points on a 20×24 value map, bilinear, zeros,
        // align_corners 0 (the defaults), grid points up to 15 % outside the map.
        c.add(of("grid_sample_deformable_attention", "GridSample", new OnnxBuilder(16).input("v", "N", 8, 20, 24).input("g", "N", 300, 4, 2)
                .node("GridSample", new String[] {"v", "g"}, new String[] {"y"}).output("y"),
                random("v", 40, -1, 1, 2, 8, 20, 24), levels("g", 41, 589, -1.1484375f, 1f / 256, 2, 300, 4, 2)));
        // Every mode × padding mode × align_corners, grid points on a 1/32 grid over [-1.75, 1.75]
        // (exact in float16; nearest meets exact half-pixel positions: rounding half to even).
        String[][] modes = {{"bilinear", "linear"}, {"nearest", "nearest"}};
        int seed = 42;
        for (String[] m : modes) {
            for (String pad : new String[] {"zeros", "border", "reflection"}) {
                for (long align = 0; align <= 1; align++) {
                    int opset = align == 0 ? 16 : 20;
                    String mode = opset == 16 ? m[0] : m[1];
                    c.add(of("grid_sample_" + m[0] + "_" + pad + "_align" + align, "GridSample", new OnnxBuilder(opset)
                            .input("x", "N", 3, 5, 7).input("g", "N", 6, 9, 2)
                            .node("GridSample", new String[] {"x", "g"}, new String[] {"y"}, "mode", mode, "padding_mode", pad,
                                    "align_corners", align).output("y"),
                            random("x", seed++, -2, 2, 2, 3, 5, 7), levels("g", seed++, 113, -1.75f, 1f / 32, 2, 6, 9, 2)));
                }
            }
        }
        // The grid computed from the input: sampling locations = reference points + 0.2·offsets, mapped to [-1, 1]
        float[] ref = random("ref", 43, 0, 1, 50, 2).data();
        c.add(of("grid_sample_grid_from_data", "GridSample,Mul,Add,Sub,Reshape", new OnnxBuilder(16)
                .input("v", "N", 4, 10, 12).input("off", "N", 50, 2)
                .floats("ref", ref, 50, 2).scalar("k", 0.2f).scalar("two", 2f).scalar("one", 1f)
                .longs("shape", new long[] {0, 50, 1, 2})
                .node("Mul", new String[] {"off", "k"}, new String[] {"o"})
                .node("Add", new String[] {"ref", "o"}, new String[] {"loc"})
                .node("Mul", new String[] {"loc", "two"}, new String[] {"l2"})
                .node("Sub", new String[] {"l2", "one"}, new String[] {"gr"})
                .node("Reshape", new String[] {"gr", "shape"}, new String[] {"g"})
                .node("GridSample", new String[] {"v", "g"}, new String[] {"y"}).output("y"),
                random("v", 44, -1, 1, 2, 4, 10, 12), random("off", 45, -1, 1, 2, 50, 2)));
    }

    private static OnnxBuilder padModel(int opset, String mode, long[] pads, Float value, long[] axes) {
        OnnxBuilder b = new OnnxBuilder(opset).input("x", "N", 3, 5, 6).longs("pads", pads);
        String[] ins;
        if (axes != null) {
            b.longs("axes", axes);
            ins = new String[] {"x", "pads", "", "axes"};
        } else if (value != null) {
            b.scalar("v", value);
            ins = new String[] {"x", "pads", "v"};
        } else {
            ins = new String[] {"x", "pads"};
        }
        return b.node("Pad", ins, new String[] {"y"}, "mode", mode).output("y");
    }

    private static void pad(List<OpCase> c) {
        OpCase.In x = random("x", 50, -1, 1, 2, 3, 5, 6);
        c.add(of("pad_constant_value", "Pad", padModel(13, "constant", new long[] {0, 1, 1, 2, 0, 0, 3, 1}, 1.5f, null), x));
        c.add(of("pad_reflect", "Pad", padModel(13, "reflect", new long[] {0, 0, 2, 3, 0, 0, 4, 5}, null, null), x));
        c.add(of("pad_edge", "Pad", padModel(11, "edge", new long[] {0, 2, 3, 1, 0, 1, 2, 4}, null, null), x));
        // negative pads crop; the modes pad what is left
        c.add(of("pad_negative_constant", "Pad", padModel(13, "constant", new long[] {0, -1, -1, 2, 0, 0, 1, -2}, 0.5f, null), x));
        c.add(of("pad_negative_edge", "Pad", padModel(13, "edge", new long[] {0, 0, -1, 2, 0, 0, 2, -1}, null, null), x));
        c.add(of("pad_negative_reflect", "Pad", padModel(13, "reflect", new long[] {0, 0, -2, 2, 0, 0, 2, -3}, null, null), x));
        // opset 18 axes (one negative), opset 19 wrap
        c.add(of("pad_axes_opset18", "Pad", padModel(18, "constant", new long[] {1, 2, 0, 3}, null, new long[] {2, -1}), x));
        c.add(of("pad_wrap_opset19", "Pad", padModel(19, "wrap", new long[] {0, 0, 3, 2, 0, 0, 5, 6}, null, null), x));
        // opset 2: pads and value as attributes
        c.add(of("pad_opset7_attributes", "Pad", new OnnxBuilder(7).input("x", "N", 3, 5, 6)
                .node("Pad", "x", "y", "pads", new long[] {0, 0, 1, 1, 0, 0, 2, 0}, "value", -2f).output("y"), x));
        // integers computed at run time, an integer constant
        c.add(of("pad_int_runtime", "Pad,Cast", new OnnxBuilder(13).input("x", "N", 7).longs("pads", new long[] {0, 2, 0, 3})
                .scalar("v", 9L)
                .node("Cast", "x", "xi", "to", 7L).node("Pad", new String[] {"xi", "pads", "v"}, new String[] {"p"})
                .node("Cast", "p", "y", "to", 1L).output("y"), levels("x", 51, 72, -8.875f, 0.25f, 2, 7)));
    }

    private static void rearrangements(List<OpCase> c) {
        c.add(of("depth_to_space_dcr", "DepthToSpace", new OnnxBuilder(13).input("x", "N", 8, 3, 5)
                .node("DepthToSpace", "x", "y", "blocksize", 2L).output("y"), random("x", 60, -1, 1, 2, 8, 3, 5)));
        c.add(of("depth_to_space_crd_b3", "DepthToSpace", new OnnxBuilder(13).input("x", "N", 18, 2, 3)
                .node("DepthToSpace", "x", "y", "blocksize", 3L, "mode", "CRD").output("y"), random("x", 61, -1, 1, 2, 18, 2, 3)));
        c.add(of("space_to_depth", "SpaceToDepth", new OnnxBuilder(13).input("x", "N", 3, 6, 4)
                .node("SpaceToDepth", "x", "y", "blocksize", 2L).output("y"), random("x", 62, -1, 1, 2, 3, 6, 4)));
        // OneHot of run-time indices: negative ones count from the end, 4 is out of range (all off)
        float[] oh = {0, 3, -1, 4, 2, -4, 1, 1, 3, -2};
        for (long axis : new long[] {-1, 1}) {
            c.add(of("one_hot_axis" + axis, "OneHot,Cast", new OnnxBuilder(11).input("i", "N", 5).scalar("depth", 4L)
                    .floats("values", new float[] {0.25f, 2f}, 2)
                    .node("Cast", "i", "ii", "to", 7L)
                    .node("OneHot", new String[] {"ii", "depth", "values"}, new String[] {"y"}, "axis", axis).output("y"),
                    in("i", oh, 2, 5)));
        }
        OpCase.In m = random("x", 63, -1, 1, 2, 5, 7);
        c.add(of("trilu_upper_k1", "Trilu", new OnnxBuilder(14).input("x", "N", 5, 7).scalar("k", 1L)
                .node("Trilu", new String[] {"x", "k"}, new String[] {"y"}).output("y"), m));
        c.add(of("trilu_lower_k_minus2", "Trilu", new OnnxBuilder(14).input("x", "N", 5, 7).scalar("k", -2L)
                .node("Trilu", new String[] {"x", "k"}, new String[] {"y"}, "upper", 0L).output("y"), m));
        c.add(of("trilu_upper_default", "Trilu", new OnnxBuilder(14).input("x", "N", 5, 7)
                .node("Trilu", "x", "y").output("y"), m));
        OpCase.In cs = random("x", 64, -1, 1, 2, 6, 7);
        c.add(of("cumsum_axis1", "CumSum", new OnnxBuilder(14).input("x", "N", 6, 7).scalar("ax", 1L)
                .node("CumSum", new String[] {"x", "ax"}, new String[] {"y"}).output("y"), cs));
        c.add(of("cumsum_last_exclusive_reverse", "CumSum", new OnnxBuilder(11).input("x", "N", 6, 7).scalar("ax", -1L)
                .node("CumSum", new String[] {"x", "ax"}, new String[] {"y"}, "exclusive", 1L, "reverse", 1L).output("y"), cs));
        c.add(of("cumsum_int_runtime", "CumSum,Cast", new OnnxBuilder(14).input("x", "N", 40).longs("ax", new long[] {1})
                .node("Cast", "x", "xi", "to", 7L).node("CumSum", new String[] {"xi", "ax"}, new String[] {"s"}, "exclusive", 1L)
                .node("Cast", "s", "y", "to", 1L).output("y"), levels("x", 65, 72, -8.875f, 0.25f, 2, 40)));
    }
}
