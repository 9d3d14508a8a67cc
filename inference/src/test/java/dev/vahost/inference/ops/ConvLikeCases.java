package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;

import static dev.vahost.inference.ops.OpCase.of;
import static dev.vahost.inference.ops.OpCase.random;

/**
 * The convolution family beside the goldens' plain Conv: ConvTranspose (YOLOv8-seg's 2x2 stride-2
 * upsampling, output_padding, groups, dilation, output_shape, auto_pad, asymmetric pads, 1-D),
 * Conv with asymmetric padding (TensorFlow's SAME_UPPER at stride 2, hand-written pads; the GPU pads
 * the input first) and 1-D Conv, and Resize in linear and cubic mode across the coordinate
 * transformation modes, up and down, by scales and by sizes. Inputs have a symbolic batch.
 * Not covered here: refusals (antialias=1, tf_crop_and_resize) and ConvTranspose outputs that extend
 * past every input's reach (output_padding ≥ stride, output_shape larger than the full result):
 * there onnxruntime 1.23.2 gives other values than the definition (seen when this was written), so
 * it cannot be the oracle; the CPU reference follows the definition (zeros plus bias), and so does
 * the GPU's crop copy.
 */
final class ConvLikeCases {
    private ConvLikeCases() {}

    /** The CPU reference repeats onnxruntime's float expressions: bit-exact with onnxruntime 1.23.2 when written. */
    private static final double RESIZE_TOL = 1e-6;
    private static final String RESIZE_NOTE = "tables and sums in onnxruntime's float arithmetic";

    /** A ConvTranspose of x [batch, c, h, w] (or [batch, c, w] when h is 0) by a random weight [c, kOut, kh, kw]. */
    private static OpCase convTranspose(String name, long seed, int batch, int c, int h, int w, int kOut, int kh, int kw, boolean bias,
                                        Object... attrs) {
        boolean oneD = h == 0;
        long[] ws = oneD ? new long[] {c, kOut, kw} : new long[] {c, kOut, kh, kw};
        long group = 1;
        for (int i = 0; i < attrs.length; i += 2) if (attrs[i].equals("group")) group = ((Number) attrs[i + 1]).longValue();
        int k = (int) (kOut * group);
        OnnxBuilder b = new OnnxBuilder(13);
        b = oneD ? b.input("x", "N", c, w) : b.input("x", "N", c, h, w);
        b.floats("w", random("w", seed + 1, -0.5f, 0.5f, ws).data(), ws);
        if (bias) b.floats("b", random("b", seed + 2, -1, 1, k).data(), k);
        b.node("ConvTranspose", bias ? new String[] {"x", "w", "b"} : new String[] {"x", "w"}, new String[] {"y"}, attrs).output("y");
        return of(name, "ConvTranspose", b, oneD ? random("x", seed, -1, 1, batch, c, w) : random("x", seed, -1, 1, batch, c, h, w));
    }

    /** A Conv of x [batch, c, h, w] (or [batch, c, w] when h is 0) by a random weight [k, c/group, kh, kw], with bias. */
    private static OpCase conv(String name, long seed, int batch, int c, int h, int w, int k, int group, int kh, int kw, Object... attrs) {
        boolean oneD = h == 0;
        long[] ws = oneD ? new long[] {k, c / group, kw} : new long[] {k, c / group, kh, kw};
        OnnxBuilder b = new OnnxBuilder(13);
        b = oneD ? b.input("x", "N", c, w) : b.input("x", "N", c, h, w);
        b.floats("w", random("w", seed + 1, -0.5f, 0.5f, ws).data(), ws).floats("b", random("b", seed + 2, -1, 1, k).data(), k);
        Object[] all = new Object[attrs.length + 2];
        all[0] = "group";
        all[1] = (long) group;
        System.arraycopy(attrs, 0, all, 2, attrs.length);
        b.node("Conv", new String[] {"x", "w", "b"}, new String[] {"y"}, all).output("y");
        return of(name, "Conv", b, oneD ? random("x", seed, -1, 1, batch, c, w) : random("x", seed, -1, 1, batch, c, h, w));
    }

    /**
     * A Conv of x [batch, c, h, w] by a random weight [k, c, kh, kw] (bias when {@code bias}) followed
     * by {@code act} ("Relu", "Sigmoid", "Tanh", "SiLU" as x * Sigmoid(x), or null): the shapes the GPU
     * engine may run as one fused cuDNN graph (channels multiples of 8).
     */
    private static OpCase convAct(String name, long seed, int batch, int c, int h, int w, int k, int kh, int kw, boolean bias,
                                  String act, Object... attrs) {
        long[] ws = {k, c, kh, kw};
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", c, h, w);
        b.floats("w", random("w", seed + 1, -0.25f, 0.25f, ws).data(), ws);
        if (bias) b.floats("b", random("b", seed + 2, -1, 1, k).data(), k);
        String conv = act == null ? "y" : "conv";
        b.node("Conv", bias ? new String[] {"x", "w", "b"} : new String[] {"x", "w"}, new String[] {conv}, attrs);
        String ops = "Conv";
        if ("SiLU".equals(act)) {
            b.node("Sigmoid", conv, "sig").node("Mul", new String[] {conv, "sig"}, new String[] {"y"});
            ops = "Conv,Sigmoid,Mul";
        } else if (act != null) {
            b.node(act, conv, "y");
            ops = "Conv," + act;
        }
        b.output("y");
        return of(name, ops, b, random("x", seed, -1, 1, batch, c, h, w));
    }

    /**
     * A channel Concat of two convolutions' outputs around the model input: [SiLU(conv3x3(x)) (16), x
     * (16), ReLU(conv1x1(x)) (24)] with x [batch, 16, h, w]. On the fp16 channels-last GPU path the two
     * convolutions write their slices of the Concat's output in place (internal.gpu.Placements) while
     * x, a model input, is copied.
     */
    private static OpCase concatOfConvs(String name, long seed, int batch, int h, int w) {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 16, h, w);
        b.floats("wa", random("wa", seed + 1, -0.25f, 0.25f, 16, 16, 3, 3).data(), 16, 16, 3, 3)
                .floats("ba", random("ba", seed + 2, -1, 1, 16).data(), 16)
                .floats("wb", random("wb", seed + 3, -0.25f, 0.25f, 24, 16, 1, 1).data(), 24, 16, 1, 1)
                .floats("bb", random("bb", seed + 4, -1, 1, 24).data(), 24);
        b.node("Conv", new String[] {"x", "wa", "ba"}, new String[] {"ca"}, "pads", new long[] {1, 1, 1, 1})
                .node("Sigmoid", "ca", "sa").node("Mul", new String[] {"ca", "sa"}, new String[] {"a"})
                .node("Conv", new String[] {"x", "wb", "bb"}, new String[] {"cb"}).node("Relu", "cb", "bo")
                .node("Concat", new String[] {"a", "x", "bo"}, new String[] {"y"}, "axis", 1L).output("y");
        return of(name, "Conv,Sigmoid,Mul,Relu,Concat", b, random("x", seed, -1, 1, batch, 16, h, w));
    }

    /**
     * A YOLOv8 C2f block with two shortcut bottlenecks around the model input x [batch, 16, h, w]:
     * t = SiLU(conv1x1(x)) (16), Split into y0, y1 (8 each), m0 = y1 + SiLU(conv3x3(SiLU(conv3x3(y1)))),
     * m1 = m0 + the same on m0, y = conv1x1(Concat(y0, y1, m0, m1)) (32 → 16). On the fp16
     * channels-last GPU path t is written into the Concat's first 16 channels and y0, y1 are read
     * there (the Split and those parts copy nothing), m0 and m1 (additions) write their slices in
     * place, and the 3x3 convolutions and additions read y1 and m0 from the Concat's storage
     * (internal.gpu.Placements).
     */
    private static OpCase c2f(String name, long seed, int batch, int h, int w) {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 16, h, w);
        b.floats("w0", random("w0", seed + 1, -0.4f, 0.4f, 16, 16, 1, 1).data(), 16, 16, 1, 1)
                .floats("b0", random("b0", seed + 2, -0.5f, 0.5f, 16).data(), 16)
                .longs("split", new long[] {8, 8}, 2)
                .floats("wo", random("wo", seed + 3, -0.3f, 0.3f, 16, 32, 1, 1).data(), 16, 32, 1, 1)
                .floats("bo", random("bo", seed + 4, -0.5f, 0.5f, 16).data(), 16);
        b.node("Conv", new String[] {"x", "w0", "b0"}, new String[] {"t0"}).node("Sigmoid", "t0", "t1")
                .node("Mul", new String[] {"t0", "t1"}, new String[] {"t"})
                .node("Split", new String[] {"t", "split"}, new String[] {"y0", "y1"}, "axis", 1L);
        String prev = "y1";
        for (int i = 0; i < 2; i++) {
            String in = prev;
            for (int j = 0; j < 2; j++) {
                String p = "m" + i + "c" + j;
                b.floats(p + "w", random(p + "w", seed + 10 + 4 * i + 2 * j, -0.3f, 0.3f, 8, 8, 3, 3).data(), 8, 8, 3, 3)
                        .floats(p + "b", random(p + "b", seed + 11 + 4 * i + 2 * j, -0.5f, 0.5f, 8).data(), 8);
                b.node("Conv", new String[] {in, p + "w", p + "b"}, new String[] {p + "o"}, "pads", new long[] {1, 1, 1, 1})
                        .node("Sigmoid", p + "o", p + "s").node("Mul", new String[] {p + "o", p + "s"}, new String[] {p});
                in = p;
            }
            b.node("Add", new String[] {prev, in}, new String[] {"m" + i});
            prev = "m" + i;
        }
        b.node("Concat", new String[] {"y0", "y1", "m0", "m1"}, new String[] {"cat"}, "axis", 1L)
                .node("Conv", new String[] {"cat", "wo", "bo"}, new String[] {"y"}).output("y");
        return of(name, "Conv,Sigmoid,Mul,Split,Add,Concat", b, random("x", seed, -1, 1, batch, 16, h, w));
    }

    /**
     * y = post(SiLU(conv3x3(x) + bias) + tanh(r)) with x [batch, c, h, w] and r [batch, k, h, w] (or [batch, k, 1, 1] when
     * {@code broadcast}); tanh(r) is computed after the convolution in node order, so taking the Add into the
     * convolution must move the convolution after it. {@code residualFirst}: Add(tanh(r), conv) instead.
     */
    private static OpCase convResidual(String name, long seed, int batch, int c, int h, int w, int k, boolean broadcast,
                                       boolean residualFirst, String post) {
        int rh = broadcast ? 1 : h, rw = broadcast ? 1 : w;
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", c, h, w).input("r", "N", k, rh, rw);
        b.floats("w", random("w", seed + 1, -0.3f, 0.3f, k, c, 3, 3).data(), k, c, 3, 3)
                .floats("b", random("b", seed + 2, -0.5f, 0.5f, k).data(), k);
        b.node("Conv", new String[] {"x", "w", "b"}, new String[] {"c0"}, "pads", new long[] {1, 1, 1, 1})
                .node("Sigmoid", "c0", "c1").node("Mul", new String[] {"c0", "c1"}, new String[] {"cv"})
                .node("Tanh", "r", "rt")
                .node("Add", residualFirst ? new String[] {"rt", "cv"} : new String[] {"cv", "rt"}, new String[] {post == null ? "y" : "sum"});
        if (post != null) b.node(post, "sum", "y");
        b.output("y");
        return of(name, "Conv,Sigmoid,Mul,Tanh,Add" + (post == null ? "" : "," + post), b, random("x", seed, -1, 1, batch, c, h, w),
                random("r", seed + 3, -1, 1, batch, k, rh, rw));
    }

    /**
     * YOLOv8's SPPF around the model input x [batch, 16, h, w]: t = SiLU(conv1x1(x)) (8), p1..p3 = three
     * chained 5x5 stride-1 max pools (pads 2), y = conv1x1(Concat(t, p1, p2, p3)) (32 → 16). On the fp16
     * channels-last GPU path t and the pools write their slices of the Concat and the pools read theirs
     * (maxpool_nhwc8_f16): the Concat copies nothing.
     */
    private static OpCase sppf(String name, long seed, int batch, int h, int w) {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 16, h, w);
        b.floats("w0", random("w0", seed + 1, -0.4f, 0.4f, 8, 16, 1, 1).data(), 8, 16, 1, 1)
                .floats("b0", random("b0", seed + 2, -0.5f, 0.5f, 8).data(), 8)
                .floats("wo", random("wo", seed + 3, -0.3f, 0.3f, 16, 32, 1, 1).data(), 16, 32, 1, 1)
                .floats("bo", random("bo", seed + 4, -0.5f, 0.5f, 16).data(), 16);
        b.node("Conv", new String[] {"x", "w0", "b0"}, new String[] {"t0"}).node("Sigmoid", "t0", "t1")
                .node("Mul", new String[] {"t0", "t1"}, new String[] {"t"});
        String prev = "t";
        for (int i = 1; i <= 3; i++) {
            b.node("MaxPool", new String[] {prev}, new String[] {"p" + i}, "kernel_shape", new long[] {5, 5}, "pads",
                    new long[] {2, 2, 2, 2}, "strides", new long[] {1, 1});
            prev = "p" + i;
        }
        b.node("Concat", new String[] {"t", "p1", "p2", "p3"}, new String[] {"cat"}, "axis", 1L)
                .node("Conv", new String[] {"cat", "wo", "bo"}, new String[] {"y"}).output("y");
        return of(name, "Conv,Sigmoid,Mul,MaxPool,Concat", b, random("x", seed, -1, 1, batch, 16, h, w));
    }

    /**
     * A YOLOv8 neck step around the model input x [batch, 16, h, w]: u = nearest x2 upsampling (Resize,
     * scales) of SiLU(conv3x3 stride 2(x)) (16 channels at h/2), s = ReLU(conv1x1(x)) (8), y = conv1x1(Concat(u,
     * s)) (24 → 8); h and w even. On the fp16 channels-last GPU path u and s write their Concat slices
     * (resize_nearest_nhwc8_f16, the convolution's strided output).
     */
    private static OpCase upsampleConcat(String name, long seed, int batch, int h2, int w2) {
        int h = 2 * h2, w = 2 * w2;
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 16, h, w);
        b.floats("wd", random("wd", seed + 1, -0.25f, 0.25f, 16, 16, 3, 3).data(), 16, 16, 3, 3)
                .floats("bd", random("bd", seed + 2, -0.5f, 0.5f, 16).data(), 16)
                .floats("ws", random("ws", seed + 3, -0.4f, 0.4f, 8, 16, 1, 1).data(), 8, 16, 1, 1)
                .floats("bs", random("bs", seed + 4, -0.5f, 0.5f, 8).data(), 8)
                .floats("wo", random("wo", seed + 5, -0.3f, 0.3f, 8, 24, 1, 1).data(), 8, 24, 1, 1)
                .floats("bo", random("bo", seed + 6, -0.5f, 0.5f, 8).data(), 8)
                .floats("scales", new float[] {1, 1, 2, 2}, 4);
        b.node("Conv", new String[] {"x", "wd", "bd"}, new String[] {"d0"}, "pads", new long[] {1, 1, 1, 1}, "strides", new long[] {2, 2})
                .node("Sigmoid", "d0", "d1").node("Mul", new String[] {"d0", "d1"}, new String[] {"d"})
                .node("Resize", new String[] {"d", "", "scales"}, new String[] {"u"}, "mode", "nearest")
                .node("Conv", new String[] {"x", "ws", "bs"}, new String[] {"s0"}).node("Relu", "s0", "s")
                .node("Concat", new String[] {"u", "s"}, new String[] {"cat"}, "axis", 1L)
                .node("Conv", new String[] {"cat", "wo", "bo"}, new String[] {"y"}).output("y");
        return of(name, "Conv,Sigmoid,Mul,Resize,Relu,Concat", b, random("x", seed, -1, 1, batch, 16, h, w));
    }

    /**
     * YOLOv5's Detect head on one level: a 1x1 convolution to 3 anchors x 17 outputs (51 channels: not a multiple
     * of 8, channels-last on the GPU as a GEMM), Reshape [N, 3, 17, h, w], Transpose to [N, 3, h, w, 17], Sigmoid
     * (moved before the reshape and into the convolution: Optimizer.hoistActivations), Split into xy, wh and the
     * rest, xy·2 − 0.5, (wh·2)², Concat and Reshape [N, 3·h·w, 17]; the transposed value is never materialised on
     * the GPU (the copies read the convolution's channels-last output through the reshape).
     */
    private static OpCase v5Head(String name, long seed, int batch, int h, int w) {
        OnnxBuilder b = new OnnxBuilder(13).input("x", "N", 16, h, w);
        b.floats("wh", random("wh", seed + 1, -0.3f, 0.3f, 51, 16, 1, 1).data(), 51, 16, 1, 1)
                .floats("bh", random("bh", seed + 2, -0.5f, 0.5f, 51).data(), 51)
                .longs("s5", new long[] {0, 3, 17, h, w}).longs("s3", new long[] {0, -1, 17}).longs("split", new long[] {2, 2, 13})
                .scalar("two", 2f).scalar("half", 0.5f);
        b.node("Conv", new String[] {"x", "wh", "bh"}, new String[] {"c"})
                .node("Reshape", new String[] {"c", "s5"}, new String[] {"r"})
                .node("Transpose", "r", "t", "perm", new long[] {0, 1, 3, 4, 2})
                .node("Sigmoid", "t", "sg")
                .node("Split", new String[] {"sg", "split"}, new String[] {"xy", "wh0", "conf"}, "axis", 4L)
                .node("Mul", new String[] {"xy", "two"}, new String[] {"xy2"}).node("Sub", new String[] {"xy2", "half"}, new String[] {"xy3"})
                .node("Mul", new String[] {"wh0", "two"}, new String[] {"wh2"}).node("Pow", new String[] {"wh2", "two"}, new String[] {"wh3"})
                .node("Concat", new String[] {"xy3", "wh3", "conf"}, new String[] {"cat"}, "axis", 4L)
                .node("Reshape", new String[] {"cat", "s3"}, new String[] {"y"}).output("y");
        return of(name, "Conv,Reshape,Transpose,Sigmoid,Split,Mul,Sub,Pow,Concat", b, random("x", seed, -1, 1, batch, 16, h, w));
    }

    /**
     * Resize (opset 13) of x [2, 3, 5, 7] by scales (4 values) or sizes (4 values, the other null;
     * sizes name the batch, so those models have a fixed batch of 2).
     */
    private static OpCase resize(String name, long seed, float[] scales, long[] sizes, Object... attrs) {
        return resize(name, 13, seed, scales, sizes, attrs);
    }

    private static OpCase resize(String name, int opset, long seed, float[] scales, long[] sizes, Object... attrs) {
        OnnxBuilder b = sizes != null ? new OnnxBuilder(opset).input("x", 2, 3, 5, 7) : new OnnxBuilder(opset).input("x", "N", 3, 5, 7);
        String[] in;
        if (sizes != null) {
            b.longs("sizes", sizes);
            in = new String[] {"x", "", "", "sizes"};
        } else {
            b.floats("scales", scales, 4);
            in = new String[] {"x", "", "scales"};
        }
        b.node("Resize", in, new String[] {"y"}, attrs).output("y");
        return of(name, "Resize", RESIZE_TOL, 5e-2, RESIZE_NOTE, b, random("x", seed, -1, 1, 2, 3, 5, 7));
    }

    static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        long[] s2 = {2, 2};
        // ConvTranspose: YOLOv8-seg's proto upsampling (k2 s2, bias), then the attributes one by one
        c.add(convTranspose("convtranspose_2x2_s2_bias", 100, 2, 8, 5, 6, 8, 2, 2, true, "strides", s2, "kernel_shape", s2));
        c.add(convTranspose("convtranspose_3x3_s2_p1_outpad1", 110, 2, 4, 5, 7, 6, 3, 3, true, "strides", s2,
                "pads", new long[] {1, 1, 1, 1}, "output_padding", new long[] {1, 1}));
        c.add(convTranspose("convtranspose_group2_p1", 120, 3, 4, 5, 5, 3, 3, 3, true, "group", 2L, "pads", new long[] {1, 1, 1, 1}));
        c.add(convTranspose("convtranspose_depthwise_s2", 125, 2, 6, 4, 5, 1, 4, 4, true, "group", 6L, "strides", s2,
                "pads", new long[] {1, 1, 1, 1}));
        c.add(convTranspose("convtranspose_dilation2_s2", 130, 2, 3, 4, 5, 4, 3, 3, false, "strides", s2, "dilations", s2,
                "pads", new long[] {1, 0, 1, 0}));
        c.add(convTranspose("convtranspose_stride3_k2_outpad", 135, 2, 3, 4, 4, 5, 2, 2, true, "strides", new long[] {3, 3},
                "output_padding", new long[] {1, 2}));
        // output_shape: the total padding split with the larger half at the end (NOTSET) or the begin (SAME_UPPER)
        c.add(convTranspose("convtranspose_output_shape", 140, 2, 3, 4, 5, 2, 3, 3, true, "strides", s2,
                "output_shape", new long[] {8, 10}));
        c.add(convTranspose("convtranspose_output_shape_same_upper", 145, 2, 3, 4, 5, 2, 3, 3, true, "strides", s2,
                "output_shape", new long[] {8, 10}, "auto_pad", "SAME_UPPER"));
        c.add(convTranspose("convtranspose_same_upper", 150, 2, 3, 4, 5, 4, 3, 3, true, "strides", s2, "auto_pad", "SAME_UPPER"));
        c.add(convTranspose("convtranspose_same_lower", 155, 2, 3, 4, 5, 4, 3, 3, true, "strides", s2, "auto_pad", "SAME_LOWER"));
        c.add(convTranspose("convtranspose_asym_pads", 160, 2, 3, 5, 4, 4, 3, 3, true, "strides", s2, "pads", new long[] {0, 1, 1, 0}));
        c.add(convTranspose("convtranspose_1d", 170, 2, 4, 0, 9, 3, 0, 4, true, "strides", new long[] {3}, "pads", new long[] {1, 2}));

        // Conv + bias + activation with channels in multiples of 8: fused into one cuDNN graph on the GPU
        long[] p1 = {1, 1, 1, 1};
        c.add(convAct("conv_bias_silu_3x3", 300, 2, 16, 12, 10, 32, 3, 3, true, "SiLU", "pads", p1));
        c.add(convAct("conv_bias_relu_3x3_s2", 310, 3, 24, 13, 11, 16, 3, 3, true, "Relu", "pads", p1, "strides", s2));
        c.add(convAct("conv_bias_sigmoid_1x1", 320, 2, 32, 7, 9, 24, 1, 1, true, "Sigmoid"));
        c.add(convAct("conv_tanh_nobias_3x3", 330, 2, 8, 9, 9, 16, 3, 3, false, "Tanh", "pads", p1));
        c.add(convAct("conv_bias_only_3x3", 340, 2, 16, 8, 8, 8, 3, 3, true, null, "pads", p1));
        c.add(convAct("conv_bias_silu_1x1", 350, 4, 64, 10, 10, 64, 1, 1, true, "SiLU"));
        // RGB stems (3 input channels: widened to 8 on the fp16 channels-last GPU path): YOLOv8's 3x3 s2, YOLOv5's 6x6 s2 p2
        c.add(convAct("conv_bias_silu_stem3x3_c3", 360, 2, 3, 20, 24, 16, 3, 3, true, "SiLU", "pads", p1, "strides", s2));
        c.add(convAct("conv_bias_silu_stem6x6_c3", 370, 2, 3, 20, 24, 16, 6, 6, true, "SiLU", "pads", new long[] {2, 2, 2, 2},
                "strides", s2));
        // convolutions writing their Concat slices in place on the GPU
        c.add(concatOfConvs("concat_of_convs_in_place", 380, 2, 9, 11));
        // a C2f block: Split outputs read in place, the Split's input and the additions written into the Concat
        c.add(c2f("c2f_split_concat_in_place", 390, 2, 10, 12));
        // 1x1 convolutions with few outputs (conv1x1_fewk on the GPU): YOLOv8's DFL 16 -> 1 over [N, 16, 4, A], a small head
        c.add(convAct("conv1x1_dfl_16_to_1", 392, 2, 16, 4, 37, 1, 1, 1, false, null));
        c.add(convAct("conv1x1_12_to_3_bias_relu", 393, 3, 12, 5, 9, 3, 1, 1, true, "Relu"));
        // residual Adds taken into the Conv before them (Optimizer.fuseResiduals; on the GPU inside the fused graph where faster):
        // the residual computed after the Conv in node order, either operand order, an activation after the Add, and a
        // broadcasting residual (planned as an Add after the Conv)
        c.add(convResidual("conv_residual_relu_in_graph", 394, 2, 8, 6, 7, 16, false, false, "Relu"));
        c.add(convResidual("conv_residual_first_operand_in_graph", 396, 2, 16, 5, 5, 8, false, true, null));
        c.add(convResidual("conv_residual_broadcast", 397, 2, 8, 4, 6, 8, true, false, "Relu"));
        // SPPF: a convolution and three 5x5 max pools written into one Concat, the pools reading their slices
        c.add(sppf("sppf_concat_in_place", 395, 2, 7, 9));
        // the neck: a nearest x2 upsampling written into its Concat slice beside a convolution's output
        c.add(upsampleConcat("upsample_concat_in_place", 398, 2, 5, 6));
        c.add(v5Head("v5_head_conv51_reshape_transpose_sigmoid", 399, 2, 6, 7));
        // Conv with padding cuDNN cannot express symmetrically: zero-padded input, then a symmetric convolution
        c.add(conv("conv_pads_top_left_heavier", 200, 2, 3, 7, 8, 4, 1, 3, 3, "pads", new long[] {2, 1, 0, 0}));
        c.add(conv("conv_same_upper_stride2_even", 210, 2, 3, 8, 10, 8, 1, 3, 3, "strides", s2, "auto_pad", "SAME_UPPER"));
        c.add(conv("conv_same_lower_stride2_even", 215, 2, 3, 8, 10, 8, 1, 3, 3, "strides", s2, "auto_pad", "SAME_LOWER"));
        c.add(conv("conv_asym_pads_dilated_grouped", 220, 2, 4, 9, 11, 6, 2, 3, 3, "strides", new long[] {1, 2}, "dilations", s2,
                "pads", new long[] {0, 3, 2, 1}));
        float[] wr = random("w", 231, -0.5f, 0.5f, 8, 3, 3, 3).data();
        c.add(of("conv_asym_pads_relu_fused", "Conv,Relu", 1e-4, 5e-2, "the Relu is fused into the Conv after the pad step",
                new OnnxBuilder(13).input("x", "N", 3, 6, 6).floats("w", wr, 8, 3, 3, 3)
                        .node("Conv", new String[] {"x", "w"}, new String[] {"c"}, "pads", new long[] {0, 0, 1, 1}, "strides", s2)
                        .node("Relu", "c", "y").output("y"),
                random("x", 230, -1, 1, 2, 3, 6, 6)));
        // 1-D Conv: [N, C, L] as the 2-D convolution of height 1
        c.add(conv("conv1d_pads", 300, 2, 4, 0, 17, 6, 1, 0, 3, "pads", new long[] {1, 1}, "kernel_shape", new long[] {3}));
        c.add(conv("conv1d_stride_dilation_group_asym", 310, 3, 4, 0, 20, 6, 2, 0, 3, "strides", new long[] {2},
                "dilations", new long[] {2}, "pads", new long[] {2, 1}));
        c.add(conv("conv1d_same_upper", 320, 2, 3, 0, 16, 5, 1, 0, 4, "strides", new long[] {2}, "auto_pad", "SAME_UPPER"));
        float[] w1 = random("w", 331, -0.5f, 0.5f, 6, 4, 5).data();
        c.add(of("conv1d_bn_silu", "Conv,BatchNormalization,Sigmoid,Mul", 1e-4, 5e-2,
                "BatchNormalization folded into the 1-D Conv, x*Sigmoid(x) fused as SiLU",
                new OnnxBuilder(13).input("x", "N", 4, 19).floats("w", w1, 6, 4, 5)
                        .floats("g", random("g", 332, 0.5f, 1.5f, 6).data(), 6).floats("be", random("be", 333, -1, 1, 6).data(), 6)
                        .floats("m", random("m", 334, -1, 1, 6).data(), 6).floats("v", random("v", 335, 0.5f, 2, 6).data(), 6)
                        .node("Conv", new String[] {"x", "w"}, new String[] {"c"}, "pads", new long[] {2, 2})
                        .node("BatchNormalization", new String[] {"c", "g", "be", "m", "v"}, new String[] {"bn"})
                        .node("Sigmoid", "bn", "s").node("Mul", new String[] {"bn", "s"}, new String[] {"y"}).output("y"),
                random("x", 330, -1, 1, 2, 4, 19)));

        // Resize linear: every coordinate mode, x2 up by scales and down by sizes
        float[] up2 = {1, 1, 2, 2};
        long[] down = {2, 3, 3, 4};
        String[] modes = {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"};
        for (int i = 0; i < modes.length; i++) {
            c.add(resize("resize_linear_up2_" + modes[i], 400 + i, up2, null, "mode", "linear", "coordinate_transformation_mode", modes[i]));
            c.add(resize("resize_linear_down_sizes_" + modes[i], 410 + i, null, down, "mode", "linear",
                    "coordinate_transformation_mode", modes[i]));
        }
        c.add(resize("resize_linear_fractional_scales", 420, new float[] {1, 1, 1.5f, 0.6f}, null, "mode", "linear"));
        c.add(resize("resize_linear_pytorch_half_pixel_one_row", 421, null, new long[] {2, 3, 1, 9}, "mode", "linear",
                "coordinate_transformation_mode", "pytorch_half_pixel"));
        c.add(resize("resize_linear_width_only_align_corners", 422, new float[] {1, 1, 1, 2}, null, "mode", "linear",
                "coordinate_transformation_mode", "align_corners"));
        c.add(resize("resize_linear_same_size_copy", 423, new float[] {1, 1, 1.1f, 1.1f}, null, "mode", "linear"));
        c.add(resize("resize_linear_half_pixel_symmetric", 19, 424, new float[] {1, 1, 1.7f, 0.8f}, null, "mode", "linear",
                "coordinate_transformation_mode", "half_pixel_symmetric"));
        // Resize-10 (scales as input 1, asymmetric) and Upsample-9: linear, and nearest downsampling (ceil before opset 11)
        c.add(of("resize_opset10_linear", "Resize", RESIZE_TOL, 5e-2, RESIZE_NOTE, new OnnxBuilder(10).input("x", "N", 3, 5, 7).floats("s", new float[] {1, 1, 2, 1.5f}, 4)
                .node("Resize", new String[] {"x", "s"}, new String[] {"y"}, "mode", "linear").output("y"),
                random("x", 430, -1, 1, 2, 3, 5, 7)));
        c.add(of("resize_opset10_nearest_down", "Resize", RESIZE_TOL, 5e-2, "onnxruntime rounds up when downsampling before opset 11", new OnnxBuilder(10).input("x", "N", 3, 5, 7)
                .floats("s", new float[] {1, 1, 0.6f, 0.5f}, 4)
                .node("Resize", new String[] {"x", "s"}, new String[] {"y"}, "mode", "nearest").output("y"),
                random("x", 431, -1, 1, 2, 3, 5, 7)));
        c.add(of("upsample_opset9_linear", "Upsample", RESIZE_TOL, 5e-2, RESIZE_NOTE, new OnnxBuilder(9).input("x", "N", 3, 5, 7).floats("s", new float[] {1, 1, 2, 3}, 4)
                .node("Upsample", new String[] {"x", "s"}, new String[] {"y"}, "mode", "linear").output("y"),
                random("x", 432, -1, 1, 2, 3, 5, 7)));
        // Resize cubic: default coefficient, another coefficient with exclude_outside, asymmetric
        c.add(resize("resize_cubic_up2_half_pixel", 440, up2, null, "mode", "cubic"));
        c.add(resize("resize_cubic_down_align_corners_a05_exclude", 441, null, down, "mode", "cubic", "cubic_coeff_a", -0.5f,
                "exclude_outside", 1L, "coordinate_transformation_mode", "align_corners"));
        c.add(resize("resize_cubic_asymmetric_fractional", 442, new float[] {1, 1, 2.5f, 1.5f}, null, "mode", "cubic",
                "coordinate_transformation_mode", "asymmetric"));
        c.add(resize("resize_cubic_up_exclude_outside", 443, new float[] {1, 1, 1.8f, 2f}, null, "mode", "cubic", "exclude_outside", 1L));
        c.add(resize("resize_cubic_down_pytorch_half_pixel", 444, null, new long[] {2, 3, 2, 3}, "mode", "cubic",
                "coordinate_transformation_mode", "pytorch_half_pixel"));
        return c;
    }
}
