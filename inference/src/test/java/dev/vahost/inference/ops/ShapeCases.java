package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;

import static dev.vahost.inference.ops.OpCase.of;
import static dev.vahost.inference.ops.OpCase.random;

/**
 * The shape subgraphs exporters write, folded at load time (Shape, Gather, Unsqueeze, Squeeze,
 * Concat, Slice, Range, ConstantOfShape, Cast, Size, NonZero, EyeLike), and the data-movement
 * operators they feed (Reshape, Expand, Tile, Split with num_outputs, Gather on data). Inputs have
 * a symbolic batch, so the folding happens per batch size.
 */
final class ShapeCases {
    private ShapeCases() {}

    static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        // x.view(x.shape[0], -1): Shape → Gather(0) → Unsqueeze → Concat([-1]) → Reshape
        c.add(of("dynamic_flatten_view", "Shape,Gather,Unsqueeze,Concat,Reshape", new OnnxBuilder(13).input("x", "N", 3, 4, 5)
                .scalar("zero", 0L).longs("axes0", new long[] {0}).longs("minus1", new long[] {-1})
                .node("Shape", "x", "s").node("Gather", new String[] {"s", "zero"}, new String[] {"b"})
                .node("Unsqueeze", new String[] {"b", "axes0"}, new String[] {"bu"})
                .node("Concat", new String[] {"bu", "minus1"}, new String[] {"shape"}, "axis", 0L)
                .node("Reshape", new String[] {"x", "shape"}, new String[] {"y"}).output("y"), random("x", 1, -1, 1, 3, 3, 4, 5)));
        // opset 11 Unsqueeze/Squeeze with attributes, Shape with start/end (opset 15)
        c.add(of("squeeze_unsqueeze_attrs", "Squeeze,Unsqueeze", new OnnxBuilder(11).input("x", "N", 1, 4, 1)
                .node("Squeeze", "x", "s", "axes", new long[] {1, 3}).node("Unsqueeze", "s", "y", "axes", new long[] {1, 3})
                .output("y"), random("x", 2, -1, 1, 2, 1, 4, 1)));
        c.add(of("shape_start_end", "Shape,Reshape", new OnnxBuilder(15).input("x", "N", 6, 4).input("t", "N", 24)
                .node("Shape", "x", "s", "start", -2L).node("Shape", "t", "b", "end", 1L)
                .node("Concat", new String[] {"b", "s"}, new String[] {"shape"}, "axis", 0L)
                .node("Reshape", new String[] {"t", "shape"}, new String[] {"r"})
                .node("Add", new String[] {"r", "x"}, new String[] {"y"}).output("y"),
                random("x", 3, -1, 1, 2, 6, 4), random("t", 4, -1, 1, 2, 24)));
        // x[:, :, 1:] with the end computed from Shape (PyTorch's dynamic slicing) and a negative step
        c.add(of("slice_computed_ends", "Slice,Shape", new OnnxBuilder(13).input("x", "N", 6, 8).longs("one", new long[] {1})
                .longs("two", new long[] {2}).longs("axes", new long[] {2}).longs("mone", new long[] {-1}).longs("zero", new long[] {0})
                .node("Shape", "x", "s").node("Slice", new String[] {"s", "two", "mone"}, new String[] {"w"}) // [W]... empty: s[2:-1]
                .node("Slice", new String[] {"s", "mone", "zero", "zero", "mone"}, new String[] {"wlast"})    // s[-1:0:-1] = [W, C]
                .node("Slice", new String[] {"wlast", "zero", "one"}, new String[] {"end"})                   // [W]
                .node("Slice", new String[] {"x", "one", "end", "axes"}, new String[] {"y"}).output("y"),
                random("x", 5, -1, 1, 2, 6, 8)));
        // YOLOv5-style grid made in forward: Range over the feature size, meshgrid by Expand, stacked, added
        OnnxBuilder grid = new OnnxBuilder(13).input("f", "N", 2, 4, 6)
                .scalar("zero", 0L).scalar("one", 1L).scalar("two", 2L).scalar("three", 3L).scalar("step", 1L)
                .longs("ax0", new long[] {0}).longs("ax1", new long[] {1}).longs("ax2", new long[] {-1})
                .node("Shape", "f", "s")
                .node("Gather", new String[] {"s", "two"}, new String[] {"h"})
                .node("Gather", new String[] {"s", "three"}, new String[] {"w"})
                .node("Range", new String[] {"zero", "h", "step"}, new String[] {"ry"})
                .node("Range", new String[] {"zero", "w", "step"}, new String[] {"rx"})
                .node("Unsqueeze", new String[] {"ry", "ax1"}, new String[] {"ry2"})   // [H, 1]
                .node("Unsqueeze", new String[] {"rx", "ax0"}, new String[] {"rx2"})   // [1, W]
                .node("Unsqueeze", new String[] {"h", "ax0"}, new String[] {"h1"})
                .node("Unsqueeze", new String[] {"w", "ax0"}, new String[] {"w1"})
                .node("Concat", new String[] {"h1", "w1"}, new String[] {"hw"}, "axis", 0L)
                .node("Expand", new String[] {"ry2", "hw"}, new String[] {"gy"})
                .node("Expand", new String[] {"rx2", "hw"}, new String[] {"gx"})
                .node("Unsqueeze", new String[] {"gx", "ax0"}, new String[] {"gx3"})
                .node("Unsqueeze", new String[] {"gy", "ax0"}, new String[] {"gy3"})
                .node("Concat", new String[] {"gx3", "gy3"}, new String[] {"g"}, "axis", 0L) // [2, H, W]
                .node("Cast", "g", "gf", "to", 1L)
                .node("Add", new String[] {"f", "gf"}, new String[] {"y"}).output("y");
        c.add(of("yolov5_grid_from_shape", "Range,Expand,Cast,Shape,Gather,Unsqueeze,Concat,Add", grid, random("f", 6, -1, 1, 3, 2, 4, 6)));
        // ConstantOfShape of a computed shape, Size, float Range
        c.add(of("constant_of_shape_size_range", "ConstantOfShape,Size,Range", new OnnxBuilder(13).input("x", "N", 3, 4)
                .scalar("fzero", 0f).scalar("fstep", 0.5f).scalar("flimit", 2f).longs("ax", new long[] {0})
                .node("Shape", "x", "s")
                .node("ConstantOfShape", new String[] {"s"}, new String[] {"k"}, "value", OnnxBuilder.floatTensor("v", new float[] {0.25f}, 1))
                .node("Size", "x", "n").node("Cast", "n", "nf", "to", 1L)
                .node("Range", new String[] {"fzero", "flimit", "fstep"}, new String[] {"r"})  // [0, .5, 1, 1.5]
                .node("Mul", new String[] {"x", "nf"}, new String[] {"xn"})
                .node("Add", new String[] {"xn", "k"}, new String[] {"xk"})
                .node("Add", new String[] {"xk", "r"}, new String[] {"y"}).output("y"), random("x", 7, -1, 1, 2, 3, 4)));
        // NonZero and EyeLike of data known at load time
        c.add(of("nonzero_eyelike_known", "NonZero,EyeLike", new OnnxBuilder(13).input("x", "N", 3, 3)
                .floats("m", new float[] {0, 2, 0, 1, 0, 0, 0, 0, 3}, 3, 3).longs("zero", new long[] {0})
                .node("EyeLike", "m", "eye")
                .node("NonZero", "m", "nz")                                           // int64 [2, 3]: rows, columns
                .node("Cast", "nz", "nzf", "to", 1L)
                .node("Gather", new String[] {"nzf", "zero"}, new String[] {"row"}, "axis", 0L) // [1, 3]
                .node("Add", new String[] {"x", "eye"}, new String[] {"xe"})
                .node("Add", new String[] {"xe", "row"}, new String[] {"y"}).output("y"), random("x", 8, -1, 1, 2, 3, 3)));
        // a detection head's copy chain (folded by CopyChains): per level Concat(box, cls) -> Reshape -> Concat over levels ->
        // Split into box and class rows -> Reshape -> Transpose; and a Concat also read by a non-copy (kept)
        c.add(detectHeadChain());
        c.add(of("copy_chain_partly_read_elsewhere", "Concat,Slice,Sigmoid", new OnnxBuilder(13).input("a", "N", 3, 5).input("b", "N", 3, 4)
                .longs("st", new long[] {2}).longs("en", new long[] {7}).longs("ax", new long[] {2})
                .node("Concat", new String[] {"a", "b"}, new String[] {"cat"}, "axis", 2L)
                .node("Slice", new String[] {"cat", "st", "en", "ax"}, new String[] {"y1"}).node("Sigmoid", "cat", "y2")
                .output("y1").output("y2"), random("a", 11, -2, 2, 2, 3, 5), random("b", 12, -2, 2, 2, 3, 4)));
        // Expand and Tile of run-time data
        c.add(of("expand_tile", "Expand,Tile", new OnnxBuilder(13).input("x", "N", 1, 4).longs("shape", new long[] {1, 3, 4})
                .longs("reps", new long[] {1, 2, 3})
                .node("Expand", new String[] {"x", "shape"}, new String[] {"e"})
                .node("Tile", new String[] {"e", "reps"}, new String[] {"y"}).output("y"), random("x", 9, -1, 1, 2, 1, 4)));
        // Split with num_outputs (opset 18): 7 channels into 3 chunks of 3, 3, 1
        c.add(of("split_num_outputs_opset18", "Split", new OnnxBuilder(18).input("x", "N", 7, 2)
                .node("Split", new String[] {"x"}, new String[] {"a", "b", "d"}, "axis", 1L, "num_outputs", 3L)
                .output("a").output("b").output("d"), random("x", 10, -1, 1, 2, 7, 2)));
        // Gather on data: a known index vector, a known scalar (a strided copy), indices computed at run time
        c.add(of("gather_data_known", "Gather", new OnnxBuilder(13).input("x", "N", 4, 5).longs("idx", new long[] {3, 0, -1, 3})
                .scalar("last", -1L)
                .node("Gather", new String[] {"x", "idx"}, new String[] {"g"}, "axis", 1L)
                .node("Gather", new String[] {"x", "last"}, new String[] {"s"}, "axis", 2L)
                .output("g").output("s"), random("x", 11, -1, 1, 2, 4, 5)));
        c.add(of("gather_runtime_indices", "Gather,Cast", new OnnxBuilder(13).input("x", "N", 6).input("i", 3)
                .node("Cast", "i", "ii", "to", 7L)
                .node("Gather", new String[] {"x", "ii"}, new String[] {"y"}, "axis", 1L).output("y"),
                random("x", 12, -1, 1, 2, 6), OpCase.in("i", new float[] {5.7f, 0.2f, 2.9f}, 3)));
        return c;
    }

    /**
     * YOLOv8's head on two levels, small: per level box = conv1x1(x) (16 channels), cls = conv1x1(x) (8), cat = Concat(box,
     * cls) [N, 24, h, w] -> Reshape [N, 24, hw]; Concat over levels (axis 2) [N, 24, A]; Split (16, 8) on axis 1; the box
     * rows Reshape [N, 4, 4, A] -> Transpose (0, 2, 1, 3) -> Softmax (axis 1) (y1), the class rows -> Sigmoid (y2).
     */
    static OpCase detectHeadChain() {
        OnnxBuilder b = new OnnxBuilder(13).input("x0", "N", 8, 4, 6).input("x1", "N", 8, 2, 3);
        int[][] hw = {{4, 6}, {2, 3}};
        int a = 0;
        for (int l = 0; l < 2; l++) {
            int n = hw[l][0] * hw[l][1];
            a += n;
            b.floats("wb" + l, random("wb" + l, 20 + l, -0.5f, 0.5f, 16, 8, 1, 1).data(), 16, 8, 1, 1)
                    .floats("wc" + l, random("wc" + l, 30 + l, -0.5f, 0.5f, 8, 8, 1, 1).data(), 8, 8, 1, 1)
                    .longs("s" + l, new long[] {-1, 24, n}, 3)
                    .node("Conv", new String[] {"x" + l, "wb" + l}, new String[] {"box" + l})
                    .node("Conv", new String[] {"x" + l, "wc" + l}, new String[] {"cls" + l})
                    .node("Concat", new String[] {"box" + l, "cls" + l}, new String[] {"cat" + l}, "axis", 1L)
                    .node("Reshape", new String[] {"cat" + l, "s" + l}, new String[] {"r" + l});
        }
        b.node("Concat", new String[] {"r0", "r1"}, new String[] {"all"}, "axis", 2L).longs("split", new long[] {16, 8}, 2)
                .node("Split", new String[] {"all", "split"}, new String[] {"boxes", "classes"}, "axis", 1L)
                .longs("s4", new long[] {-1, 4, 4, a}, 4).node("Reshape", new String[] {"boxes", "s4"}, new String[] {"b4"})
                .node("Transpose", "b4", "t", "perm", new long[] {0, 2, 1, 3}).node("Softmax", "t", "y1", "axis", 1L)
                .node("Sigmoid", "classes", "y2").output("y1").output("y2");
        return of("detect_head_copy_chain", "Conv,Concat,Reshape,Split,Transpose,Softmax,Sigmoid", b,
                random("x0", 13, -1, 1, 2, 8, 4, 6), random("x1", 14, -1, 1, 2, 8, 2, 3));
    }
}
