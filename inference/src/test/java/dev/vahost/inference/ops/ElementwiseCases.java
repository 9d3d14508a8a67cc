package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;

import static dev.vahost.inference.ops.OpCase.in;
import static dev.vahost.inference.ops.OpCase.of;
import static dev.vahost.inference.ops.OpCase.random;

/**
 * Element-wise operators: every unary function with its attributes and input forms, the binary and
 * variadic arithmetic, comparisons, logic, Where and Cast (also on run-time integers), softmax
 * variants and broadcasting matrix products. Rank-4 float inputs, so channels-last GPU engines run
 * the element-wise steps on NHWC values.
 */
final class ElementwiseCases {
    private ElementwiseCases() {}

    private static final long[] X = {2, 3, 5, 7};

    /** One unary node on a [2,3,5,7] input drawn from [lo, hi). */
    private static OpCase unary(String name, String op, int opset, float lo, float hi, Object... attrs) {
        return of(name, op, 1e-4, 5e-2, "", new OnnxBuilder(opset).input("x", "N", 3, 5, 7).node(op, "x", "y", attrs).output("y"),
                random("x", name.hashCode(), lo, hi, X));
    }

    /** Values k + f with f in [0.1, 0.9] (|k| ≤ 5): exactly representable neighbourhoods for fp16. */
    private static OpCase.In awayFromIntegers(long seed) {
        OpCase.In r = random("x", seed, 0, 1, X);
        float[] v = r.data();
        java.util.Random k = new java.util.Random(seed);
        for (int i = 0; i < v.length; i++) v[i] = (k.nextInt(11) - 5) + 0.1f + 0.8f * v[i];
        return r;
    }

    static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        c.add(unary("tanh", "Tanh", 13, -4, 4));
        c.add(unary("exp", "Exp", 13, -3, 3));
        c.add(unary("log", "Log", 13, 0.05f, 20));
        c.add(unary("sqrt", "Sqrt", 13, 0, 50));
        c.add(unary("neg", "Neg", 13, -5, 5));
        c.add(unary("reciprocal", "Reciprocal", 13, 0.25f, 4));
        c.add(unary("abs", "Abs", 13, -5, 5));
        c.add(unary("erf", "Erf", 13, -3, 3));
        // Floor/Ceil: fractions kept 0.1 away from integers, so fp16 storage of the input cannot cross one
        c.add(of("floor", "Floor", new OnnxBuilder(13).input("x", "N", 3, 5, 7).node("Floor", "x", "y").output("y"), awayFromIntegers(41)));
        c.add(of("ceil", "Ceil", new OnnxBuilder(13).input("x", "N", 3, 5, 7).node("Ceil", "x", "y").output("y"), awayFromIntegers(42)));
        c.add(unary("sin", "Sin", 7, -6, 6));
        c.add(unary("cos", "Cos", 7, -6, 6));
        c.add(unary("softplus", "Softplus", 7, -8, 8));
        c.add(unary("elu_alpha", "Elu", 7, -4, 4, "alpha", 0.7f));
        c.add(unary("sign", "Sign", 13, -2, 2));
        c.add(unary("mish", "Mish", 18, -5, 5));
        c.add(unary("hardsigmoid_default", "HardSigmoid", 7, -6, 6));
        c.add(unary("hardsigmoid_attrs", "HardSigmoid", 7, -6, 6, "alpha", 1f / 6f, "beta", 0.5f));
        // a multiple of 8 values: fp16 engines take unary_flat8_f16 (8 per thread)
        c.add(of("sigmoid_8wide", "Sigmoid", new OnnxBuilder(13).input("x", "N", 8, 4, 5).node("Sigmoid", "x", "y").output("y"),
                random("x", 43, -6, 6, 2, 8, 4, 5)));
        c.add(of("neg_8wide", "Neg", new OnnxBuilder(13).input("x", "N", 8, 4, 5).node("Neg", "x", "y").output("y"),
                random("x", 44, -6, 6, 2, 8, 4, 5)));
        c.add(unary("gelu_erf", "Gelu", 20, -4, 4));
        c.add(unary("gelu_tanh", "Gelu", 20, -4, 4, "approximate", "tanh"));
        // Round: half to even on exact halves, and ordinary values
        c.add(of("round_half_even", "Round", new OnnxBuilder(11).input("x", 2, 6).node("Round", "x", "y").output("y"),
                in("x", new float[] {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.375f, 0.625f, -3.75f, 3.25f, 1000.5f, 7f}, 2, 6)));
        // Clip: attributes (opset 6), min/max inputs (opset 13), only a max, and ReLU6 fused after a Conv
        c.add(unary("clip_attrs_opset7", "Clip", 7, -8, 8, "min", -1.5f, "max", 2.25f));
        c.add(of("clip_inputs_opset13", "Clip", new OnnxBuilder(13).input("x", "N", 3, 5, 7).scalar("lo", -0.5f).scalar("hi", 3f)
                .node("Clip", new String[] {"x", "lo", "hi"}, new String[] {"y"}).output("y"), random("x", 1, -6, 6, X)));
        c.add(of("clip_max_only", "Clip", new OnnxBuilder(13).input("x", "N", 3, 5, 7).scalar("hi", 1f)
                .node("Clip", new String[] {"x", "", "hi"}, new String[] {"y"}).output("y"), random("x", 2, -6, 6, X)));
        float[] w = random("w", 3, -0.5f, 0.5f, 8, 3, 3, 3).data();
        c.add(of("conv_relu6_fused", "Conv,Clip", 1e-4, 5e-2, "Clip(0, 6) after a Conv is fused into it",
                new OnnxBuilder(13).input("x", "N", 3, 9, 9).floats("w", w, 8, 3, 3, 3).scalar("lo", 0f).scalar("hi", 6f)
                        .node("Conv", new String[] {"x", "w"}, new String[] {"c"}, "pads", new long[] {1, 1, 1, 1})
                        .node("Clip", new String[] {"c", "lo", "hi"}, new String[] {"y"}).output("y"),
                random("x", 4, -6, 6, 2, 3, 9, 9)));
        // An activation after an element-wise Add/Sub is fused into it (ResNet's residual Add → Relu): same-shape
        // operands (the flat kernels) and a broadcast operand (the strided kernel)
        c.add(of("residual_add_relu_fused", "Add,Relu", new OnnxBuilder(13).input("a", "N", 3, 5, 7).input("b", "N", 3, 5, 7)
                .node("Add", new String[] {"a", "b"}, new String[] {"s"}).node("Relu", "s", "y").output("y"),
                random("a", 43, -2, 2, X), random("b", 44, -2, 2, X)));
        c.add(of("bcast_sub_leakyrelu_fused", "Sub,LeakyRelu", new OnnxBuilder(13).input("a", "N", 3, 5, 7).floats("m", new float[] {0.5f, -1f, 2f}, 1, 3, 1, 1)
                .node("Sub", new String[] {"a", "m"}, new String[] {"s"}).node("LeakyRelu", "s", "y", "alpha", 0.2f).output("y"),
                random("a", 45, -3, 3, X)));
        // Broadcasts over a middle dimension (binary_rows8x2_f16 on the fp16 GPU engine): RT-DETR's valid mask [1, HW, 1]
        // times [N, HW, C], and attention weights [N, 1, P] times [N, L, P]
        c.add(of("mul_bcast_one_per_middle_row", "Mul", new OnnxBuilder(13).input("a", "N", 12, 16)
                .floats("m", random("m", 47, 0, 1, 1, 12, 1).data(), 1, 12, 1)
                .node("Mul", new String[] {"a", "m"}, new String[] {"y"}).output("y"), random("a", 46, -2, 2, 2, 12, 16)));
        c.add(of("add_bcast_over_middle_relu", "Add,Relu", new OnnxBuilder(13).input("a", "N", 4, 24).input("b", "N", 1, 24)
                .node("Add", new String[] {"a", "b"}, new String[] {"s"}).node("Relu", "s", "y").output("y"),
                random("a", 48, -2, 2, 3, 4, 24), random("b", 49, -2, 2, 3, 1, 24)));
        // Pow: by a scalar constant (the unary path: 2, 0.5, 3) and by a tensor
        for (float e : new float[] {2f, 0.5f, 3f}) {
            c.add(of("pow_scalar_" + e, "Pow", new OnnxBuilder(13).input("x", "N", 3, 5, 7).scalar("e", e)
                    .node("Pow", new String[] {"x", "e"}, new String[] {"y"}).output("y"), random("x", 5, 0.1f, 3, X)));
        }
        c.add(of("pow_tensor", "Pow", new OnnxBuilder(13).input("x", "N", 3, 5, 7).input("e", 1, 3, 1, 7)
                .node("Pow", new String[] {"x", "e"}, new String[] {"y"}).output("y"),
                random("x", 6, 0.2f, 2, X), random("e", 7, -2, 2, 1, 3, 1, 7)));
        // variadic Min/Max/Sum/Mean with broadcasting
        for (String op : new String[] {"Min", "Max", "Sum", "Mean"}) {
            c.add(of("variadic_" + op.toLowerCase(), op, new OnnxBuilder(13).input("a", "N", 3, 5, 7).input("b", 1, 3, 1, 1)
                    .input("c", 5, 7).node(op, new String[] {"a", "b", "c"}, new String[] {"y"}).output("y"),
                    random("a", 8, -2, 2, X), random("b", 9, -2, 2, 1, 3, 1, 1), random("c", 10, -2, 2, 5, 7)));
        }
        c.add(of("min_single_input", "Min", new OnnxBuilder(13).input("a", "N", 3, 5, 7).node("Min", "a", "y").output("y"),
                random("a", 11, -2, 2, X)));
        c.add(of("mod_fmod_float", "Mod", new OnnxBuilder(13).input("a", "N", 3, 5, 7).scalar("d", 1.5f)
                .node("Mod", new String[] {"a", "d"}, new String[] {"y"}, "fmod", 1L).output("y"), random("a", 12, -7, 7, X)));
        // comparisons → Where / Cast; logic on their results
        String[] cmp = {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"};
        for (String op : cmp) {
            OnnxBuilder b = new OnnxBuilder(16).input("a", "N", 3, 5, 7).input("b", 1, 3, 1, 7)
                    .node("Floor", "a", "fa").node("Floor", "b", "fb")
                    .node(op, new String[] {"fa", "fb"}, new String[] {"m"})
                    .node("Where", new String[] {"m", "a", "b"}, new String[] {"y"})
                    .node("Cast", "m", "z", "to", 1L).output("y").output("z");
            c.add(of("compare_" + op.toLowerCase() + "_where_cast", op + ",Where,Cast,Floor", 1e-4, 5e-2, "", b,
                    random("a", 13, -3, 3, X), random("b", 14, -3, 3, 1, 3, 1, 7)));
        }
        for (String op : new String[] {"And", "Or", "Xor"}) {
            OnnxBuilder b = new OnnxBuilder(13).input("a", "N", 3, 5, 7).scalar("z", 0f).scalar("o", 0.5f)
                    .node("Greater", new String[] {"a", "z"}, new String[] {"p"})
                    .node("Less", new String[] {"a", "o"}, new String[] {"q"})
                    .node(op, new String[] {"p", "q"}, new String[] {"m"})
                    .node("Cast", "m", "y", "to", 1L).output("y");
            c.add(of("logic_" + op.toLowerCase(), op + ",Greater,Less", b, random("a", 15, -1, 1, X)));
        }
        // Not, only where it is known at load time (shape logic): Not(1 > 2) selects a
        OnnxBuilder not = new OnnxBuilder(13).input("a", "N", 3, 5, 7).scalar("one", 1f).scalar("two", 2f)
                .node("Greater", new String[] {"one", "two"}, new String[] {"g"}).node("Not", "g", "ng")
                .node("Where", new String[] {"ng", "a", "one"}, new String[] {"y"}).output("y");
        c.add(of("not_known", "Not", not, random("a", 16, -1, 1, X)));
        // integers computed at run time: Cast to int64, integer arithmetic (Div truncates, Mod takes the divisor's sign), back to float
        OnnxBuilder ints = new OnnxBuilder(13).input("a", "N", 3, 5, 7).longs("three", new long[] {3}).longs("mfive", new long[] {-5})
                .node("Cast", "a", "i", "to", 7L)
                .node("Div", new String[] {"i", "three"}, new String[] {"d"})
                .node("Mod", new String[] {"i", "mfive"}, new String[] {"m"})
                .node("Mul", new String[] {"d", "m"}, new String[] {"p"})
                .node("Sub", new String[] {"p", "i"}, new String[] {"s"})
                .node("Cast", "s", "y", "to", 1L).output("y");
        c.add(of("runtime_int_arith", "Cast,Div,Mod,Mul,Sub", ints, random("a", 17, -20, 20, X)));
        c.add(of("castlike", "CastLike", new OnnxBuilder(15).input("a", "N", 3, 5, 7).longs("proto", new long[] {0})
                .node("CastLike", new String[] {"a", "proto"}, new String[] {"i"}).node("Cast", "i", "y", "to", 1L).output("y"),
                random("a", 18, -9, 9, X)));
        // softmax family: opset 11 semantics (flattened trailing axes), LogSoftmax, long contiguous rows
        c.add(of("softmax_opset11_axis1", "Softmax", new OnnxBuilder(11).input("x", "N", 4, 6).node("Softmax", "x", "y", "axis", 1L)
                .output("y"), random("x", 19, -3, 3, 2, 4, 6)));
        c.add(of("logsoftmax_last", "LogSoftmax", new OnnxBuilder(13).input("x", "N", 4, 6).node("LogSoftmax", "x", "y").output("y"),
                random("x", 20, -3, 3, 2, 4, 6)));
        c.add(of("softmax_long_rows", "Softmax", new OnnxBuilder(13).input("x", "N", 8, 300).node("Softmax", "x", "y").output("y"),
                random("x", 21, -6, 6, 2, 8, 300)));
        // MatMul with batch broadcasting that is not uniform: [N,1,3,4] x [1,5,4,6]
        c.add(of("matmul_broadcast_4d", "MatMul", 1e-4, 5e-2, "pointer-array batched GEMM on the GPU",
                new OnnxBuilder(13).input("a", "N", 1, 3, 4).input("b", 1, 5, 4, 6)
                        .node("MatMul", new String[] {"a", "b"}, new String[] {"y"}).output("y"),
                random("a", 22, -1, 1, 2, 1, 3, 4), random("b", 23, -1, 1, 1, 5, 4, 6)));
        c.add(of("matmul_vector_rhs", "MatMul", new OnnxBuilder(13).input("a", "N", 3, 4).floats("v", new float[] {1, -2, 0.5f, 3}, 4)
                .node("MatMul", new String[] {"a", "v"}, new String[] {"y"}).output("y"), random("a", 24, -1, 1, 2, 3, 4)));
        return c;
    }
}
