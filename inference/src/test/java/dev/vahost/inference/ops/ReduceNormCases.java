package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.vahost.inference.ops.OpCase.in;
import static dev.vahost.inference.ops.OpCase.of;
import static dev.vahost.inference.ops.OpCase.random;

/**
 * Reductions, ArgMax/ArgMin, pooling and normalisations. Sizes are picked for the GPU kernels'
 * paths: reduced lengths ≤ 16 (one thread per output), &lt; 2048 contiguous (a warp per row),
 * ≥ 2048 contiguous (a block per row), strided with inner sizes that are not multiples of 32
 * (the 32 × 8 column kernel), and reduced axes that are not adjacent (permuted into scratch first).
 * Rank-4 inputs are graph inputs, so the fp16 NHWC engine reads them channels-last: the same
 * reductions then run as other geometries (GlobalAveragePool as [N, H·W, C] columns).
 * Inputs have a symbolic batch except where the batch axis itself is reduced (the output would
 * not grow with the batch). Tolerances: 1e-4 (CPU, fp32 GPU ×10) and 5e-2 for fp16 unless a case
 * says otherwise. ArgMax/ArgMin inputs are multiples of 1/4 (exact in fp16, with deliberate
 * ties), so fp16 engines must return the same indices. Not covered: NaN inputs (ONNX leaves
 * ReduceMax/ArgMax of NaN unspecified), empty tensors, integer reductions at run time (refused
 * on the GPU; only shape arithmetic reduces integers).
 */
final class ReduceNormCases {
    private ReduceNormCases() {}

    /** Multiples of 1/4 in [lo, hi): exact in fp16, many ties. */
    private static OpCase.In quarters(String name, long seed, int lo, int hi, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        Random r = new Random(seed);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (lo + r.nextInt(hi - lo)) / 4f;
        return in(name, v, shape);
    }

    /** One reduction with axes as an attribute (opset 13, ReduceSum 11) on [N, 3, 5, 7]-like inputs. */
    private static OpCase attr(String name, String op, long[] axes, long keep, float lo, float hi, long... shape) {
        int opset = op.equals("ReduceSum") ? 11 : 13;
        Object[] dims = dims(shape, true);
        OnnxBuilder b = new OnnxBuilder(opset).input("x", dims);
        if (axes == null) b.node(op, "x", "y", "keepdims", keep);
        else b.node(op, "x", "y", "axes", axes, "keepdims", keep);
        return of(name, op, b.output("y"), random("x", name.hashCode(), lo, hi, shape));
    }

    /** One reduction with axes as an input (opset 18; ReduceSum from 13). */
    private static OpCase input(String name, String op, int opset, long[] axes, long keep, boolean batchSymbolic, float lo,
                                float hi, long... shape) {
        OnnxBuilder b = new OnnxBuilder(opset).input("x", dims(shape, batchSymbolic)).longs("axes", axes)
                .node(op, new String[] {"x", "axes"}, new String[] {"y"}, "keepdims", keep).output("y");
        return of(name, op, b, random("x", name.hashCode(), lo, hi, shape));
    }

    private static Object[] dims(long[] shape, boolean batchSymbolic) {
        Object[] d = new Object[shape.length];
        for (int i = 0; i < d.length; i++) d[i] = i == 0 && batchSymbolic ? (Object) "N" : (Object) shape[i];
        return d;
    }

    static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        reductions(c);
        argReductions(c);
        pooling(c);
        normalisations(c);
        return c;
    }

    private static void reductions(List<OpCase> c) {
        // The SE / GlobalAveragePool pattern: mean over H, W of [N, C, H, W], short and long planes
        c.add(attr("reduce_mean_hw", "ReduceMean", new long[] {2, 3}, 1, -2, 2, 2, 16, 9, 11));
        c.add(attr("reduce_mean_hw_long", "ReduceMean", new long[] {-2, -1}, 1, -2, 2, 2, 6, 48, 50));
        c.add(attr("reduce_mean_hw_nokeep", "ReduceMean", new long[] {2, 3}, 0, -2, 2, 3, 40, 5, 7));
        // every kind over one axis, attribute form (keepdims both ways, negative axes)
        c.add(attr("reduce_sum_axis1_opset11", "ReduceSum", new long[] {1}, 1, -2, 2, 2, 3, 5, 7));
        c.add(attr("reduce_max_last_nokeep", "ReduceMax", new long[] {-1}, 0, -5, 5, 2, 3, 5, 7));
        c.add(attr("reduce_min_axis2", "ReduceMin", new long[] {2}, 1, -5, 5, 2, 3, 5, 7));
        c.add(attr("reduce_prod_axis1", "ReduceProd", new long[] {1}, 1, 0.6f, 1.4f, 2, 3, 5, 7));
        c.add(attr("reduce_l1_last", "ReduceL1", new long[] {-1}, 1, -3, 3, 2, 3, 5, 7));
        c.add(attr("reduce_l2_hw", "ReduceL2", new long[] {2, 3}, 0, -3, 3, 2, 3, 5, 7));
        c.add(attr("reduce_sumsquare_axis1", "ReduceSumSquare", new long[] {1}, 1, -3, 3, 2, 20, 5, 7));
        // log-sum-exp beyond exp's float range (needs the max shift), over a long strided axis
        c.add(attr("reduce_logsumexp_shifted", "ReduceLogSumExp", new long[] {1}, 1, -20, 100, 2, 40, 5, 7));
        // strided reductions (inner > 1, not a multiple of 32) long enough for the column kernel
        c.add(attr("reduce_sum_cols", "ReduceSum", new long[] {1}, 0, -1, 1, 2, 300, 33));
        c.add(attr("reduce_max_cols", "ReduceMax", new long[] {1}, 1, -4, 4, 3, 70, 45));
        // long contiguous rows (block per row), and the kinds with non-trivial finish on them
        c.add(attr("reduce_mean_long_rows", "ReduceMean", new long[] {-1}, 1, -1, 3, 2, 5, 3000));
        c.add(attr("reduce_l2_long_rows", "ReduceL2", new long[] {-1}, 0, -1, 1, 2, 3, 2500));
        c.add(attr("reduce_logsumexp_long_rows", "ReduceLogSumExp", new long[] {-1}, 0, -30, 30, 2, 3, 2500));
        // few outputs, long reductions: split over gridDim.y, partials combined by a second kernel
        // (rows here; the NHWC engine splits global_average_pool_large and global_max_pool_split as columns)
        c.add(attr("reduce_sum_split_rows", "ReduceSum", new long[] {-1}, 1, -1, 1, 2, 3, 10000));
        c.add(attr("reduce_max_split_rows", "ReduceMax", new long[] {2}, 0, -4, 4, 2, 3, 9000));
        c.add(attr("reduce_l2_axes_1_3_split", "ReduceL2", new long[] {1, 3}, 1, -1, 1, 2, 48, 3, 100));
        // axes that are not adjacent: permuted into scratch first
        c.add(attr("reduce_sum_axes_1_3", "ReduceSum", new long[] {1, 3}, 1, -1, 1, 2, 4, 6, 10));
        c.add(attr("reduce_max_axes_1_3_nokeep", "ReduceMax", new long[] {1, -1}, 0, -3, 3, 2, 4, 6, 10));
        // opset 18: axes as an input, every kind
        String[] kinds = {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare",
                "ReduceLogSumExp"};
        for (String op : kinds) {
            boolean prod = op.equals("ReduceProd");
            c.add(input(op.toLowerCase() + "_opset18_axes_input", op, 18, new long[] {-1, 1}, 1, true,
                    prod ? 0.7f : -2, prod ? 1.3f : 2, 2, 3, 5, 4));
        }
        c.add(input("reduce_sum_opset13_axes_input", "ReduceSum", 13, new long[] {2}, 0, true, -2, 2, 2, 3, 5, 7));
        c.add(input("reduce_mean_opset18_channels", "ReduceMean", 18, new long[] {1}, 1, true, -2, 2, 2, 24, 5, 7));
        // all axes: no axes given (attribute form and input form), fixed batch (it is reduced too)
        OnnxBuilder all13 = new OnnxBuilder(13).input("x", 2, 3, 5, 7).node("ReduceMean", "x", "y", "keepdims", 0L).output("y");
        c.add(of("reduce_mean_all_scalar", "ReduceMean", all13, random("x", 1, -2, 2, 2, 3, 5, 7)));
        OnnxBuilder all18 = new OnnxBuilder(18).input("x", 2, 3, 5, 7).node("ReduceL2", "x", "y").output("y");
        c.add(of("reduce_l2_all_keepdims_opset18", "ReduceL2", all18, random("x", 2, -2, 2, 2, 3, 5, 7)));
        c.add(input("reduce_max_batch_axis", "ReduceMax", 18, new long[] {0, 2}, 1, false, -3, 3, 3, 4, 5, 6));
        OnnxBuilder allLong = new OnnxBuilder(13).input("x", 2, 40, 50).node("ReduceSum", "x", "y", "keepdims", 1L).output("y");
        c.add(of("reduce_sum_all_long", "ReduceSum", 1e-4, 5e-2, "4000 values into one: a single block on the GPU", allLong,
                random("x", 3, -1, 1, 2, 40, 50)));
        // noop_with_empty_axes: an empty axes input or none at all leaves the input as it is
        OnnxBuilder noopEmpty = new OnnxBuilder(18).input("x", "N", 3, 5).longs("axes", new long[0])
                .node("ReduceSumSquare", new String[] {"x", "axes"}, new String[] {"y"}, "noop_with_empty_axes", 1L).output("y");
        c.add(of("reduce_sumsquare_noop_empty_axes", "ReduceSumSquare", noopEmpty, random("x", 4, -2, 2, 2, 3, 5)));
        // (onnxruntime 1.23 fails a noop_with_empty_axes reduction whose axes input is omitted; ours copies too)
        OnnxBuilder noopSum = new OnnxBuilder(13).input("x", "N", 3, 5).longs("axes", new long[0])
                .node("ReduceSum", new String[] {"x", "axes"}, new String[] {"y"}, "noop_with_empty_axes", 1L).output("y");
        c.add(of("reduce_sum_noop_empty_axes_opset13", "ReduceSum", noopSum, random("x", 5, -2, 2, 2, 3, 5)));
        OnnxBuilder emptyAll = new OnnxBuilder(18).input("x", 2, 3, 5).longs("axes", new long[0])
                .node("ReduceMin", new String[] {"x", "axes"}, new String[] {"y"}, "keepdims", 0L).output("y");
        c.add(of("reduce_min_empty_axes_reduces_all", "ReduceMin", emptyAll, random("x", 6, -2, 2, 2, 3, 5)));
        // integers at load time (shape arithmetic): x.flatten(1) as Reshape(x, [-1, prod(shape[1:])])
        OnnxBuilder flat = new OnnxBuilder(13).input("x", "N", 3, 5, 7).longs("one", new long[] {1}).longs("big", new long[] {99})
                .longs("zero", new long[] {0}).longs("minus1", new long[] {-1})
                .node("Shape", "x", "s")
                .node("Slice", new String[] {"s", "one", "big", "zero"}, new String[] {"tail"})
                .node("ReduceProd", "tail", "prod", "keepdims", 1L)
                .node("ReduceSum", new String[] {"tail", "zero"}, new String[] {"sum"}, "keepdims", 1L)
                .node("ReduceMax", "tail", "max", "keepdims", 1L)
                .node("Concat", new String[] {"minus1", "prod"}, new String[] {"shape"}, "axis", 0L)
                .node("Reshape", new String[] {"x", "shape"}, new String[] {"f"})
                .node("Concat", new String[] {"sum", "max"}, new String[] {"sm"}, "axis", 0L)
                .node("Cast", "sm", "smf", "to", 1L)
                .node("ReduceSum", new String[] {"smf", "zero"}, new String[] {"k"}, "keepdims", 1L) // 15 + 7 = 22, float
                .node("Mul", new String[] {"f", "k"}, new String[] {"y"}).output("y");
        c.add(of("reduce_int_shape_arithmetic", "ReduceProd,ReduceSum,ReduceMax,Shape,Slice,Reshape", flat,
                random("x", 7, -1, 1, 2, 3, 5, 7)));
    }

    private static void argReductions(List<OpCase> c) {
        String note = "inputs are multiples of 1/4 with ties: fp16 engines must return the same indices";
        for (String op : new String[] {"ArgMax", "ArgMin"}) {
            String l = op.toLowerCase();
            // axis 1 of rank 4 (segmentation-style: strided), keepdims
            c.add(of(l + "_axis1", op, 1e-4, 5e-2, note, new OnnxBuilder(13).input("x", "N", 6, 5, 7)
                    .node(op, "x", "i", "axis", 1L).node("Cast", "i", "y", "to", 1L).output("y"), quarters("x", 1, -8, 8, 2, 6, 5, 7)));
            // last axis, long contiguous rows (a warp per row), keepdims 0, ties resolved to the first index
            c.add(of(l + "_last_rows", op, 1e-4, 5e-2, note, new OnnxBuilder(13).input("x", "N", 6, 100)
                    .node(op, "x", "i", "axis", -1L, "keepdims", 0L).node("Cast", "i", "y", "to", 1L).output("y"),
                    quarters("x", 2, -6, 6, 3, 6, 100)));
            // select_last_index (opset 12+) on both paths
            c.add(of(l + "_select_last_rows", op, 1e-4, 5e-2, note, new OnnxBuilder(13).input("x", "N", 6, 100)
                    .node(op, "x", "i", "axis", -1L, "select_last_index", 1L).node("Cast", "i", "y", "to", 1L).output("y"),
                    quarters("x", 3, -6, 6, 2, 6, 100)));
            c.add(of(l + "_select_last_axis2", op, 1e-4, 5e-2, note, new OnnxBuilder(13).input("x", "N", 3, 9, 7)
                    .node(op, "x", "i", "axis", 2L, "keepdims", 0L, "select_last_index", 1L).node("Cast", "i", "y", "to", 1L)
                    .output("y"), quarters("x", 4, -3, 3, 2, 3, 9, 7)));
        }
        // ArgMax over the batch axis (axis attribute default 0), fixed batch
        c.add(of("argmax_default_axis0", "ArgMax", new OnnxBuilder(11).input("x", 3, 4, 5).node("ArgMax", "x", "i")
                .node("Cast", "i", "y", "to", 1L).output("y"), quarters("x", 5, -8, 8, 3, 4, 5)));
    }

    private static void pooling(List<OpCase> c) {
        c.add(of("global_average_pool", "GlobalAveragePool", new OnnxBuilder(13).input("x", "N", 16, 9, 11)
                .node("GlobalAveragePool", "x", "y").output("y"), random("x", 1, -2, 2, 2, 16, 9, 11)));
        c.add(of("global_average_pool_large", "GlobalAveragePool", new OnnxBuilder(13).input("x", "N", 8, 48, 50)
                .node("GlobalAveragePool", "x", "y").output("y"), random("x", 2, -2, 2, 2, 8, 48, 50)));
        c.add(of("global_max_pool", "GlobalMaxPool", new OnnxBuilder(13).input("x", "N", 5, 7, 9)
                .node("GlobalMaxPool", "x", "y").output("y"), random("x", 3, -2, 2, 3, 5, 7, 9)));
        c.add(of("global_max_pool_split", "GlobalMaxPool", new OnnxBuilder(13).input("x", "N", 6, 40, 41)
                .node("GlobalMaxPool", "x", "y").output("y"), random("x", 9, -2, 2, 2, 6, 40, 41)));
        c.add(of("global_average_pool_split_rows", "GlobalAveragePool", new OnnxBuilder(13).input("x", "N", 4, 96, 100)
                .node("GlobalAveragePool", "x", "y").output("y"), random("x", 10, -2, 2, 2, 4, 96, 100)));
        // the classification head: GlobalAveragePool → Flatten → Gemm (the pooled value is reshaped)
        c.add(of("global_average_pool_flatten_gemm", "GlobalAveragePool,Flatten,Gemm", new OnnxBuilder(13).input("x", "N", 12, 6, 6)
                .floats("w", random("w", 4, -1, 1, 5, 12).data(), 5, 12).node("GlobalAveragePool", "x", "p")
                .node("Flatten", "p", "f").node("Gemm", new String[] {"f", "w"}, new String[] {"y"}, "transB", 1L).output("y"),
                random("x", 5, -2, 2, 2, 12, 6, 6)));
        // the SE block: mean over H, W → 1x1 conv → sigmoid → scale
        float[] w1 = random("w1", 6, -0.5f, 0.5f, 4, 16, 1, 1).data(), w2 = random("w2", 7, -0.5f, 0.5f, 16, 4, 1, 1).data();
        c.add(of("se_block", "ReduceMean,Conv,Relu,Sigmoid,Mul", new OnnxBuilder(13).input("x", "N", 16, 10, 10)
                .floats("w1", w1, 4, 16, 1, 1).floats("w2", w2, 16, 4, 1, 1)
                .node("ReduceMean", "x", "m", "axes", new long[] {2, 3}, "keepdims", 1L)
                .node("Conv", new String[] {"m", "w1"}, new String[] {"a"}).node("Relu", "a", "r")
                .node("Conv", new String[] {"r", "w2"}, new String[] {"b"}).node("Sigmoid", "b", "s")
                .node("Mul", new String[] {"x", "s"}, new String[] {"y"}).output("y"), random("x", 8, -2, 2, 2, 16, 10, 10)));
        long[] x = {2, 5, 11, 13};
        c.add(pool("avgpool_k3s1p1_exclude_pad", 11, x, "kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1}));
        c.add(pool("avgpool_k3s1p1_include_pad", 11, x, "kernel_shape", new long[] {3, 3}, "pads", new long[] {1, 1, 1, 1},
                "count_include_pad", 1L));
        c.add(pool("avgpool_k2s2", 11, x, "kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2}));
        // ceil mode: the last row of windows overhangs the (padded) input; with count_include_pad
        // onnxruntime divides by the whole kernel before opset 19 and by the window cut at the end
        // padding from opset 19 on (PyTorch's rule): both followed by opset
        long[] odd = {2, 5, 12, 13};
        c.add(pool("avgpool_k2s2_ceil", 11, odd, "kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2}, "ceil_mode", 1L));
        c.add(pool("avgpool_k2s2_ceil_include_pad", 11, odd, "kernel_shape", new long[] {2, 2}, "strides", new long[] {2, 2},
                "ceil_mode", 1L, "count_include_pad", 1L));
        c.add(pool("avgpool_k3s2p1_ceil_include_pad_opset19", 19, odd, "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2},
                "pads", new long[] {1, 1, 1, 1}, "ceil_mode", 1L, "count_include_pad", 1L));
        c.add(pool("avgpool_k3s2p1_ceil_include_pad_opset11", 11, odd, "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 2},
                "pads", new long[] {1, 1, 1, 1}, "ceil_mode", 1L, "count_include_pad", 1L));
        c.add(pool("avgpool_asym_pads_rect", 11, x, "kernel_shape", new long[] {2, 4}, "strides", new long[] {1, 3},
                "pads", new long[] {0, 2, 1, 1}));
        c.add(pool("avgpool_same_upper", 11, x, "kernel_shape", new long[] {3, 2}, "strides", new long[] {2, 2}, "auto_pad", "SAME_UPPER"));
        c.add(pool("avgpool_same_lower_include_pad", 11, x, "kernel_shape", new long[] {4, 3}, "strides", new long[] {3, 2},
                "auto_pad", "SAME_LOWER", "count_include_pad", 1L));
        c.add(pool("avgpool_valid", 11, x, "kernel_shape", new long[] {3, 3}, "strides", new long[] {2, 3}, "auto_pad", "VALID"));
        c.add(pool("avgpool_dilated_opset19", 19, x, "kernel_shape", new long[] {3, 2}, "dilations", new long[] {2, 3},
                "pads", new long[] {2, 1, 1, 1}));
        c.add(pool("avgpool_dilated_include_pad_opset19", 19, x, "kernel_shape", new long[] {2, 3}, "dilations", new long[] {2, 2},
                "strides", new long[] {2, 1}, "pads", new long[] {1, 2, 1, 2}, "count_include_pad", 1L));
    }

    private static OpCase pool(String name, int opset, long[] shape, Object... attrs) {
        return of(name, "AveragePool", new OnnxBuilder(opset).input("x", dims(shape, true)).node("AveragePool", "x", "y", attrs)
                .output("y"), random("x", name.hashCode(), -2, 2, shape));
    }

    private static void normalisations(List<OpCase> c) {
        // LayerNormalization (opset 17): transformer rows (a warp per row), two normalised axes,
        // no bias, long rows (a block per row) with an offset mean (fp32 statistics in fp16 engines)
        c.add(of("layernorm_last_axis", "LayerNormalization", new OnnxBuilder(17).input("x", "N", 10, 64)
                .floats("g", random("g", 1, 0.5f, 1.5f, 64).data(), 64).floats("b", random("b", 2, -0.5f, 0.5f, 64).data(), 64)
                .node("LayerNormalization", new String[] {"x", "g", "b"}, new String[] {"y"}).output("y"),
                random("x", 3, -2, 3, 2, 10, 64)));
        c.add(of("layernorm_axis_minus2_no_bias", "LayerNormalization", new OnnxBuilder(17).input("x", "N", 3, 6, 10)
                .floats("g", random("g", 4, 0.5f, 1.5f, 6, 10).data(), 6, 10)
                .node("LayerNormalization", new String[] {"x", "g"}, new String[] {"y"}, "axis", -2L, "epsilon", 1e-3f).output("y"),
                random("x", 5, -1, 1, 2, 3, 6, 10)));
        c.add(of("layernorm_long_rows_offset", "LayerNormalization", 1e-4, 5e-2,
                "rows of 3000 around a mean of 3 (block per row): fp16 storage rounds x by up to 2^-10, about 3e-3"
                        + " after normalising by std 0.58; with fp32 statistics the default 5e-2 holds",
                new OnnxBuilder(17).input("x", "N", 4, 3000)
                .floats("g", random("g", 6, 0.5f, 1.5f, 3000).data(), 3000).floats("b", random("b", 7, -1, 1, 3000).data(), 3000)
                .node("LayerNormalization", new String[] {"x", "g", "b"}, new String[] {"y"}, "axis", 2L).output("y"),
                random("x", 8, 2, 4, 2, 4, 3000)));
        // DETR-like activations around 200: x² (about 4e4 each, 1e7 per row) is far beyond fp16's 65504,
        // so an fp16 engine that summed in half precision would overflow; fp32 statistics do not
        c.add(of("layernorm_large_activations", "LayerNormalization", 1e-4, 5e-2,
                "x in [100, 300): fp16 rounds x by up to 2^-3 (above 256), about 3e-3 after normalising by std 58",
                new OnnxBuilder(17).input("x", "N", 20, 256)
                .floats("g", random("g", 27, 0.5f, 1.5f, 256).data(), 256).floats("b", random("b", 28, -1, 1, 256).data(), 256)
                .node("LayerNormalization", new String[] {"x", "g", "b"}, new String[] {"y"}).output("y"),
                random("x", 29, 100, 300, 2, 20, 256)));
        c.add(of("layernorm_axis1_rank4", "LayerNormalization", new OnnxBuilder(17).input("x", "N", 4, 5, 6)
                .floats("g", random("g", 9, 0.5f, 1.5f, 4, 5, 6).data(), 4, 5, 6)
                .floats("b", random("b", 10, -1, 1, 4, 5, 6).data(), 4, 5, 6)
                .node("LayerNormalization", new String[] {"x", "g", "b"}, new String[] {"y"}, "axis", 1L).output("y"),
                random("x", 11, -1, 1, 2, 4, 5, 6)));
        // InstanceNormalization: small planes (a warp per row) and large ones (a block per row)
        c.add(of("instancenorm", "InstanceNormalization", new OnnxBuilder(13).input("x", "N", 4, 9, 11)
                .floats("s", new float[] {1f, 0.5f, 2f, -1f}, 4).floats("b", new float[] {0f, 1f, -0.5f, 0.25f}, 4)
                .node("InstanceNormalization", new String[] {"x", "s", "b"}, new String[] {"y"}, "epsilon", 1e-4f).output("y"),
                random("x", 12, -2, 2, 2, 4, 9, 11)));
        c.add(of("instancenorm_large_planes", "InstanceNormalization", new OnnxBuilder(13).input("x", "N", 3, 50, 60)
                .floats("s", new float[] {1f, 0.5f, 2f}, 3).floats("b", new float[] {0f, 1f, -0.5f}, 3)
                .node("InstanceNormalization", new String[] {"x", "s", "b"}, new String[] {"y"}).output("y"),
                random("x", 13, -1, 3, 2, 3, 50, 60)));
        // GroupNormalization: opset 18 (scale and bias per group), opset 21 (per channel), long groups
        c.add(of("groupnorm_opset18_per_group", "GroupNormalization", new OnnxBuilder(18).input("x", "N", 6, 5, 7)
                .floats("s", new float[] {1f, 0.5f, 2f}, 3).floats("b", new float[] {0f, 1f, -0.5f}, 3)
                .node("GroupNormalization", new String[] {"x", "s", "b"}, new String[] {"y"}, "num_groups", 3L).output("y"),
                random("x", 14, -2, 2, 2, 6, 5, 7)));
        c.add(of("groupnorm_opset21_per_channel", "GroupNormalization", new OnnxBuilder(21).input("x", "N", 6, 5, 7)
                .floats("s", random("s", 15, 0.5f, 1.5f, 6).data(), 6).floats("b", random("b", 16, -1, 1, 6).data(), 6)
                .node("GroupNormalization", new String[] {"x", "s", "b"}, new String[] {"y"}, "num_groups", 2L, "epsilon", 1e-3f)
                .output("y"), random("x", 17, -2, 2, 2, 6, 5, 7)));
        c.add(of("groupnorm_opset21_long_groups", "GroupNormalization", new OnnxBuilder(21).input("x", "N", 8, 30, 40)
                .floats("s", random("s", 18, 0.5f, 1.5f, 8).data(), 8).floats("b", random("b", 19, -1, 1, 8).data(), 8)
                .node("GroupNormalization", new String[] {"x", "s", "b"}, new String[] {"y"}, "num_groups", 4L).output("y"),
                random("x", 20, -2, 2, 2, 8, 30, 40)));
        // LpNormalization: p = 2 over the channels, p = 1 over the last axis with an all-zero row (gives 0)
        c.add(of("lpnorm_p2_axis1", "LpNormalization", new OnnxBuilder(13).input("x", "N", 3, 5, 7)
                .node("LpNormalization", "x", "y", "axis", 1L).output("y"), random("x", 21, -2, 2, 2, 3, 5, 7)));
        float[] z = random("x", 22, -2, 2, 2, 3, 6).data();
        for (int i = 6; i < 12; i++) z[i] = 0f;
        c.add(of("lpnorm_p1_last_zero_row", "LpNormalization", new OnnxBuilder(13).input("x", "N", 3, 6)
                .node("LpNormalization", "x", "y", "p", 1L).output("y"), in("x", z, 2, 3, 6)));
        // PyTorch's opset < 17 LayerNorm export, which the optimiser fuses into one LayerNormalization
        // (LayerNormFusionTest checks the fusion itself): opset 13 with Pow, opset 18 with axes inputs and Mul(d, d)
        float[] gamma = random("g", 23, 0.5f, 1.5f, 48).data(), beta = random("b", 24, -1, 1, 48).data();
        c.add(of("layernorm_decomposed_opset13", "ReduceMean,Sub,Pow,Add,Sqrt,Div,Mul", decomposedLayerNorm(13, false, gamma, beta),
                random("x", 25, -2, 3, 2, 7, 48)));
        c.add(of("layernorm_decomposed_opset18_mul", "ReduceMean,Sub,Mul,Add,Sqrt,Div", decomposedLayerNorm(18, true, gamma, null),
                random("x", 26, -2, 3, 2, 7, 48)));
    }

    /**
     * torch.onnx's LayerNorm before opset 17 on [N, 7, 48]: ReduceMean(x, [-1]) → Sub → Pow(2) (or
     * Mul(d, d)) → ReduceMean → Add(1e-5) → Sqrt → Div → Mul(γ) → Add(β); γ, β optional.
     */
    static OnnxBuilder decomposedLayerNorm(int opset, boolean square, float[] gamma, float[] beta) {
        OnnxBuilder b = new OnnxBuilder(opset).input("x", "N", 7, 48).scalar("two", 2f).scalar("eps", 1e-5f);
        if (opset >= 18) {
            b.longs("axes", new long[] {-1})
                    .node("ReduceMean", new String[] {"x", "axes"}, new String[] {"mean"})
                    .node("Sub", new String[] {"x", "mean"}, new String[] {"d"});
        } else {
            b.node("ReduceMean", "x", "mean", "axes", new long[] {-1})
                    .node("Sub", new String[] {"x", "mean"}, new String[] {"d"});
        }
        if (square) b.node("Mul", new String[] {"d", "d"}, new String[] {"sq"});
        else b.node("Pow", new String[] {"d", "two"}, new String[] {"sq"});
        if (opset >= 18) b.node("ReduceMean", new String[] {"sq", "axes"}, new String[] {"var"});
        else b.node("ReduceMean", "sq", "var", "axes", new long[] {-1});
        b.node("Add", new String[] {"var", "eps"}, new String[] {"ve"}).node("Sqrt", "ve", "std")
                .node("Div", new String[] {"d", "std"}, new String[] {"n"});
        String last = "n";
        if (gamma != null) {
            b.floats("gamma", gamma, gamma.length).node("Mul", new String[] {last, "gamma"}, new String[] {"ng"});
            last = "ng";
        }
        if (beta != null) {
            b.floats("beta", beta, beta.length).node("Add", new String[] {"beta", last}, new String[] {"nb"});
            last = "nb";
        }
        return b.output(last);
    }
}
