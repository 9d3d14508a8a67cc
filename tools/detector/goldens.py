#!/usr/bin/env python3
"""Golden outputs for the inference module's tests: small ONNX models, one or more per documented
operator plus a few combinations, random inputs, and onnxruntime CPU's outputs for them.

    python3 tools/detector/goldens.py --out DIR [--no-ort]

Writes into DIR (the Java tests read it from inference/src/test/resources/goldens/):
  <case>.onnx                 the model (opset 17, IR 8; batch dimension "N" unless noted)
  <case>.in<i>.pb             input i as an ONNX TensorProto (name = graph input name)
  <case>.out<i>.pb            onnxruntime CPU's output i (graph optimisations off), TensorProto
  index.tsv                   case, model, inputs, outputs, operators covered, tolerance, note
Every input and output is float32 (TensorProto raw_data, little endian). Inputs use batch 2.
Needs numpy, onnx, onnxruntime; torch only for the cases exported from PyTorch (skipped without it).
--no-ort writes the models and inputs only (no outputs, no index rows): a dry run for machines
without onnxruntime.
"""
import argparse
import os
import sys
import traceback

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

OPSET = 17
R = np.random.default_rng(20251121)
INT64_MAX = np.iinfo(np.int64).max


def rnd(*shape, scale=1.0):
    return (R.standard_normal(shape) * scale).astype(np.float32)


def wconv(co, ci, kh, kw):
    return rnd(co, ci, kh, kw, scale=1.0 / np.sqrt(ci * kh * kw))


def i64(*v):
    return np.array(v, np.int64)


def f32(*v):
    return np.array(v, np.float32)


def N(*dims):
    """Declared input shape with a symbolic batch."""
    return ["N", *dims]


CASES = []  # (name, ops, tol, note, builder)


def case(name, ops, tol="1e-4", note=""):
    def deco(fn):
        CASES.append((name, ops, tol, note, fn))
        return fn
    return deco


def node(op, ins, outs, **attrs):
    return helper.make_node(op, ins, outs, name=f"{op.lower()}_{outs[0]}", **attrs)


def spec(nodes, inputs, outputs, inits=None):
    """inputs: [(name, array, declared_shape)]; inits: {name: array}."""
    return {"nodes": nodes, "inputs": inputs, "outputs": outputs, "inits": inits or {}}


# ---------------------------------------------------------------- Conv

@case("conv_3x3_bias", ["Conv"])
def _():
    return spec([node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])],
                [("x", rnd(2, 3, 11, 13), N(3, 11, 13))], ["y"], {"w": wconv(8, 3, 3, 3), "b": rnd(8)})


@case("conv_stride2_asym_pads", ["Conv"], note="pads [top,left,bottom,right] = [0,0,1,1]")
def _():
    return spec([node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])],
                [("x", rnd(2, 4, 12, 15), N(4, 12, 15))], ["y"], {"w": wconv(6, 4, 3, 3)})


@case("conv_dilation2", ["Conv"])
def _():
    return spec([node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], dilations=[2, 2], pads=[2, 2, 2, 2])],
                [("x", rnd(2, 4, 16, 16), N(4, 16, 16))], ["y"], {"w": wconv(5, 4, 3, 3), "b": rnd(5)})


@case("conv_groups2_stride21", ["Conv"])
def _():
    return spec([node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], group=2, strides=[2, 1], pads=[1, 1, 1, 1])],
                [("x", rnd(2, 8, 10, 10), N(8, 10, 10))], ["y"], {"w": wconv(6, 4, 3, 3), "b": rnd(6)})


@case("conv_depthwise", ["Conv"])
def _():
    return spec([node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], group=8, pads=[1, 1, 1, 1])],
                [("x", rnd(2, 8, 9, 9), N(8, 9, 9))], ["y"], {"w": wconv(8, 1, 3, 3), "b": rnd(8)})


@case("conv_1x1_nobias", ["Conv"])
def _():
    return spec([node("Conv", ["x", "w"], ["y"], kernel_shape=[1, 1])],
                [("x", rnd(2, 16, 7, 5), N(16, 7, 5))], ["y"], {"w": wconv(12, 16, 1, 1)})


@case("conv_5x3_kernel", ["Conv"], note="no kernel_shape attribute: taken from the weights")
def _():
    return spec([node("Conv", ["x", "w", "b"], ["y"], pads=[2, 1, 2, 1])],
                [("x", rnd(2, 3, 9, 8), N(3, 9, 8))], ["y"], {"w": wconv(4, 3, 5, 3), "b": rnd(4)})


@case("conv_autopad_same_upper", ["Conv"])
def _():
    return spec([node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")],
                [("x", rnd(2, 3, 10, 9), N(3, 10, 9))], ["y"], {"w": wconv(4, 3, 3, 3)})


@case("conv_bn", ["Conv", "BatchNormalization"], note="BatchNormalization after Conv: folded at load")
def _():
    c = 6
    return spec([node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
                 node("BatchNormalization", ["c", "g", "beta", "mean", "var"], ["y"], epsilon=1e-3)],
                [("x", rnd(2, 3, 8, 7), N(3, 8, 7))], ["y"],
                {"w": wconv(c, 3, 3, 3), "b": rnd(c), "g": rnd(c, scale=0.5) + 1, "beta": rnd(c),
                 "mean": rnd(c, scale=0.3), "var": np.abs(rnd(c)) + 0.2})


# ---------------------------------------------------------------- normalisation, activations

@case("batchnorm", ["BatchNormalization"], note="standalone, not after a Conv")
def _():
    c = 5
    return spec([node("BatchNormalization", ["x", "g", "beta", "mean", "var"], ["y"], epsilon=1e-5)],
                [("x", rnd(2, c, 4, 6), N(c, 4, 6))], ["y"],
                {"g": rnd(c) + 1, "beta": rnd(c), "mean": rnd(c), "var": np.abs(rnd(c)) + 0.1})


def unary(op, **attrs):
    return spec([node(op, ["x"], ["y"], **attrs)], [("x", rnd(2, 4, 5, 6, scale=4.0), N(4, 5, 6))], ["y"])


case("relu", ["Relu"])(lambda: unary("Relu"))
case("leakyrelu", ["LeakyRelu"])(lambda: unary("LeakyRelu", alpha=0.1))
case("leakyrelu_default_alpha", ["LeakyRelu"], note="alpha defaults to 0.01")(lambda: unary("LeakyRelu"))
case("sigmoid", ["Sigmoid"])(lambda: unary("Sigmoid"))
case("hardswish", ["HardSwish"])(lambda: unary("HardSwish"))


@case("silu", ["Sigmoid", "Mul"], note="SiLU as exported: x * Sigmoid(x)")
def _():
    return spec([node("Sigmoid", ["x"], ["s"]), node("Mul", ["x", "s"], ["y"])],
                [("x", rnd(2, 4, 5, 6, scale=4.0), N(4, 5, 6))], ["y"])


# ---------------------------------------------------------------- elementwise with broadcasting

@case("add_same_shape", ["Add"])
def _():
    return spec([node("Add", ["x", "z"], ["y"])],
                [("x", rnd(2, 4, 5, 6), N(4, 5, 6)), ("z", rnd(2, 4, 5, 6), N(4, 5, 6))], ["y"])


@case("add_bcast_const", ["Add"])
def _():
    return spec([node("Add", ["x", "c"], ["y"])], [("x", rnd(2, 4, 5, 6), N(4, 5, 6))], ["y"], {"c": rnd(1, 4, 1, 1)})


@case("add_scalar_constant", ["Add", "Constant"], note="scalar from a Constant node, on the left")
def _():
    return spec([node("Constant", [], ["c"], value=numpy_helper.from_array(np.array(0.75, np.float32))),
                 node("Add", ["c", "x"], ["y"])], [("x", rnd(2, 4, 5, 6), N(4, 5, 6))], ["y"])


@case("mul_bcast_const_rank3", ["Mul"], note="constant of lower rank [4,1,6]")
def _():
    return spec([node("Mul", ["x", "c"], ["y"])], [("x", rnd(2, 4, 5, 6), N(4, 5, 6))], ["y"], {"c": rnd(4, 1, 6)})


@case("mul_bcast_inputs", ["Mul"], note="two activations, [N,4,5,6] * [N,4,1,1]")
def _():
    return spec([node("Mul", ["x", "z"], ["y"])],
                [("x", rnd(2, 4, 5, 6), N(4, 5, 6)), ("z", rnd(2, 4, 1, 1), N(4, 1, 1))], ["y"])


@case("sub_div_bcast", ["Sub", "Div"])
def _():
    return spec([node("Sub", ["x", "c"], ["t"]), node("Div", ["t", "d"], ["y"])],
                [("x", rnd(2, 4, 5, 6), N(4, 5, 6))], ["y"],
                {"c": rnd(1, 1, 1, 6), "d": (np.abs(rnd(4, 1, 1)) + 0.5).astype(np.float32)})


# ---------------------------------------------------------------- data movement

@case("concat_axis1", ["Concat"])
def _():
    return spec([node("Concat", ["a", "b", "c"], ["y"], axis=1)],
                [("a", rnd(2, 2, 4, 5), N(2, 4, 5)), ("b", rnd(2, 3, 4, 5), N(3, 4, 5)),
                 ("c", rnd(2, 1, 4, 5), N(1, 4, 5))], ["y"])


@case("concat_axis_neg1_const", ["Concat"], note="axis -1, one operand a constant")
def _():
    return spec([node("Concat", ["a", "k"], ["y"], axis=-1)], [("a", rnd(2, 3, 7), N(3, 7))], ["y"], {"k": rnd(2, 3, 2)})


@case("maxpool_k2s2", ["MaxPool"])
def _():
    return spec([node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
                [("x", rnd(2, 3, 8, 10), N(3, 8, 10))], ["y"])


@case("maxpool_k5s1p2", ["MaxPool"], note="SPPF's pool")
def _():
    return spec([node("MaxPool", ["x"], ["y"], kernel_shape=[5, 5], strides=[1, 1], pads=[2, 2, 2, 2])],
                [("x", rnd(2, 3, 7, 9), N(3, 7, 9))], ["y"])


@case("maxpool_k3s2p1_ceil", ["MaxPool"])
def _():
    return spec([node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)],
                [("x", rnd(2, 3, 10, 11), N(3, 10, 11))], ["y"])


@case("resize_nearest_x2", ["Resize"], note="as torch nn.Upsample exports: asymmetric, floor, scales")
def _():
    return spec([node("Resize", ["x", "", "s"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric",
                      nearest_mode="floor")],
                [("x", rnd(2, 3, 5, 7), N(3, 5, 7))], ["y"], {"s": f32(1, 1, 2, 2)})


@case("resize_nearest_sizes_half_pixel", ["Resize"], note="fixed batch 2; sizes; defaults half_pixel, round_prefer_floor")
def _():
    return spec([node("Resize", ["x", "", "", "sz"], ["y"], mode="nearest")],
                [("x", rnd(2, 3, 5, 7), [2, 3, 5, 7])], ["y"], {"sz": i64(2, 3, 8, 11)})


@case("reshape_zero_minus1", ["Reshape"])
def _():
    return spec([node("Reshape", ["x", "s"], ["y"])], [("x", rnd(2, 4, 6, 5), N(4, 6, 5))], ["y"], {"s": i64(0, -1, 5)})


@case("transpose_nhwc", ["Transpose"])
def _():
    return spec([node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])], [("x", rnd(2, 3, 4, 5), N(3, 4, 5))], ["y"])


@case("transpose_3d", ["Transpose"])
def _():
    return spec([node("Transpose", ["x"], ["y"], perm=[0, 2, 1])], [("x", rnd(2, 6, 7), N(6, 7))], ["y"])


@case("split_sizes", ["Split"])
def _():
    return spec([node("Split", ["x", "s"], ["a", "b", "c"], axis=1)], [("x", rnd(2, 8, 3, 4), N(8, 3, 4))],
                ["a", "b", "c"], {"s": i64(2, 3, 3)})


@case("split_equal", ["Split"], note="no split input: equal parts")
def _():
    return spec([node("Split", ["x"], ["a", "b"], axis=2)], [("x", rnd(2, 3, 6, 4), N(3, 6, 4))], ["a", "b"])


@case("slice_steps", ["Slice"])
def _():
    return spec([node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], [("x", rnd(2, 8, 10, 12), N(8, 10, 12))], ["y"],
                {"st": i64(1, 2), "en": i64(7, -1), "ax": i64(1, 3), "sp": i64(1, 2)})


@case("slice_int64max_end", ["Slice"], note="ends = INT64_MAX as PyTorch exports x[:, :, 2:]")
def _():
    return spec([node("Slice", ["x", "st", "en", "ax"], ["y"])], [("x", rnd(2, 3, 9, 4), N(3, 9, 4))], ["y"],
                {"st": i64(2), "en": i64(INT64_MAX), "ax": i64(2)})


@case("slice_negative", ["Slice"], note="negative axis and start, end past the dimension")
def _():
    return spec([node("Slice", ["x", "st", "en", "ax"], ["y"])], [("x", rnd(2, 3, 5, 9), N(3, 5, 9))], ["y"],
                {"st": i64(-4), "en": i64(100), "ax": i64(-1)})


@case("softmax_axis1", ["Softmax"], note="as the DFL head uses it")
def _():
    return spec([node("Softmax", ["x"], ["y"], axis=1)], [("x", rnd(2, 16, 4, 5, scale=3.0), N(16, 4, 5))], ["y"])


@case("softmax_last", ["Softmax"], note="default axis -1")
def _():
    return spec([node("Softmax", ["x"], ["y"])], [("x", rnd(2, 3, 10, scale=3.0), N(3, 10))], ["y"])


@case("flatten_gemm", ["Flatten", "Gemm"])
def _():
    return spec([node("Flatten", ["x"], ["f"], axis=1), node("Gemm", ["f", "w", "b"], ["y"], transB=1)],
                [("x", rnd(2, 4, 3, 3), N(4, 3, 3))], ["y"], {"w": rnd(10, 36, scale=0.2), "b": rnd(10)})


@case("gemm_transb_bias", ["Gemm"])
def _():
    return spec([node("Gemm", ["x", "w", "c"], ["y"], transB=1)], [("x", rnd(2, 32), N(32))], ["y"],
                {"w": rnd(16, 32, scale=0.2), "c": rnd(16)})


@case("gemm_alpha_beta", ["Gemm"], note="alpha 0.5, beta 2, C broadcast [1,8]")
def _():
    return spec([node("Gemm", ["x", "w", "c"], ["y"], alpha=0.5, beta=2.0)], [("x", rnd(2, 12), N(12))], ["y"],
                {"w": rnd(12, 8, scale=0.3), "c": rnd(1, 8)})


@case("matmul_2d_const", ["MatMul"])
def _():
    return spec([node("MatMul", ["x", "w"], ["y"])], [("x", rnd(2, 32), N(32))], ["y"], {"w": rnd(32, 10, scale=0.2)})


@case("matmul_3d_const", ["MatMul"])
def _():
    return spec([node("MatMul", ["x", "w"], ["y"])], [("x", rnd(2, 5, 32), N(5, 32))], ["y"], {"w": rnd(32, 10, scale=0.2)})


@case("matmul_batched_inputs", ["MatMul"], note="two activations [N,5,8] x [N,8,6]")
def _():
    return spec([node("MatMul", ["a", "b"], ["y"])], [("a", rnd(2, 5, 8), N(5, 8)), ("b", rnd(2, 8, 6), N(8, 6))], ["y"])


@case("identity_relu", ["Identity", "Relu"])
def _():
    return spec([node("Identity", ["x"], ["i"]), node("Relu", ["i"], ["y"])], [("x", rnd(2, 3, 4, 4), N(3, 4, 4))], ["y"])


@case("constant_mul", ["Constant", "Mul"])
def _():
    return spec([node("Constant", [], ["c"], value=numpy_helper.from_array(rnd(1, 4, 1, 1))),
                 node("Mul", ["x", "c"], ["y"])], [("x", rnd(2, 4, 3, 5), N(4, 3, 5))], ["y"])


# ---------------------------------------------------------------- combinations

@case("combo_cbs_sppf_up", ["Conv", "BatchNormalization", "Sigmoid", "Mul", "MaxPool", "Concat", "Resize", "Add"],
      tol="1e-3", note="Conv-BN-SiLU, SPPF-style pools + Concat, 1x1 Conv, nearest x2, residual Add")
def _():
    c = 8
    return spec([
        node("Conv", ["x", "w1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
        node("BatchNormalization", ["c1", "g", "beta", "mean", "var"], ["b1"], epsilon=1e-3),
        node("Sigmoid", ["b1"], ["s1"]), node("Mul", ["b1", "s1"], ["a1"]),
        node("MaxPool", ["a1"], ["p1"], kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1]),
        node("MaxPool", ["p1"], ["p2"], kernel_shape=[5, 5], pads=[2, 2, 2, 2], strides=[1, 1]),
        node("Concat", ["a1", "p1", "p2"], ["cat"], axis=1),
        node("Conv", ["cat", "w2", "b2"], ["c2"], kernel_shape=[1, 1]),
        node("Add", ["c2", "a1"], ["r"]),
        node("Resize", ["r", "", "sc"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric",
             nearest_mode="floor"),
    ], [("x", rnd(2, 3, 16, 12), N(3, 16, 12))], ["y"],
        {"w1": wconv(c, 3, 3, 3), "g": rnd(c, scale=0.3) + 1, "beta": rnd(c, scale=0.3), "mean": rnd(c, scale=0.3),
         "var": np.abs(rnd(c)) + 0.5, "w2": wconv(c, 3 * c, 1, 1), "b2": rnd(c), "sc": f32(1, 1, 2, 2)})


@case("combo_dfl_decode", ["Reshape", "Transpose", "Softmax", "Conv", "Split", "Sub", "Add", "Mul", "Concat", "Sigmoid"],
      tol="1e-3", note="YOLOv8's DFL + dist2bbox on 12 anchors, 2 classes")
def _():
    a, rm = 12, 16
    anchors = (R.integers(0, 8, (1, 2, a)) + 0.5).astype(np.float32)
    return spec([
        node("Split", ["x", "sp"], ["box", "cls"], axis=1),
        node("Reshape", ["box", "s1"], ["r1"]),
        node("Transpose", ["r1"], ["t1"], perm=[0, 2, 1, 3]),
        node("Softmax", ["t1"], ["sm"], axis=1),
        node("Conv", ["sm", "dw"], ["dc"]),
        node("Reshape", ["dc", "s2"], ["d"]),
        node("Split", ["d", "sp2"], ["lt", "rb"], axis=1),
        node("Sub", ["anc", "lt"], ["x1y1"]),
        node("Add", ["anc", "rb"], ["x2y2"]),
        node("Add", ["x1y1", "x2y2"], ["sxy"]),
        node("Mul", ["sxy", "half"], ["cxy"]),
        node("Sub", ["x2y2", "x1y1"], ["wh"]),
        node("Concat", ["cxy", "wh"], ["db"], axis=1),
        node("Mul", ["db", "stride"], ["dbs"]),
        node("Sigmoid", ["cls"], ["sc"]),
        node("Concat", ["dbs", "sc"], ["y"], axis=1),
    ], [("x", rnd(2, 4 * rm + 2, a, scale=2.0), N(4 * rm + 2, a))], ["y"],
        {"sp": i64(4 * rm, 2), "s1": i64(-1, 4, rm, a), "dw": np.arange(rm, dtype=np.float32).reshape(1, rm, 1, 1),
         "s2": i64(-1, 4, a), "sp2": i64(2, 2), "anc": anchors, "half": f32(0.5), "stride": f32(8)})


def torch_cases():
    """Cases exported from PyTorch modules (the exporter's real patterns)."""
    import torch
    import bench_model

    out = []

    def c2f():
        torch.manual_seed(3)
        m = bench_model.randomize(bench_model.C2f(16, 32, 2, True), 3)
        return m, rnd(2, 16, 12, 10)

    def yolo96():
        return bench_model.build(nc=3, imgsz=96, seed=1, width=0.25), R.random((2, 3, 96, 96), dtype=np.float32)

    out.append(("torch_c2f", ["Conv", "Sigmoid", "Mul", "Split", "Add", "Concat"], "1e-3",
                "bench_model.C2f(16, 32, n=2, shortcut) exported by PyTorch", c2f))
    out.append(("torch_yolov8_w025_96", ["Conv", "Sigmoid", "Mul", "Split", "Add", "Concat", "MaxPool", "Resize", "Reshape",
                                          "Transpose", "Softmax", "Sub"], "1e-3",
                "bench_model YOLOv8n structure at width 0.25, 3 classes, 96x96 input: output [N, 7, 189]", yolo96))
    return out


# ---------------------------------------------------------------- driver

def to_model(name, sp, out_shapes=None):
    """The case as a ModelProto; checked by onnx.checker once the output shapes are known."""
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.int64): TensorProto.INT64}
    g_in = [helper.make_tensor_value_info(n, elem[a.dtype], shape) for n, a, shape in sp["inputs"]]
    g_out = [helper.make_tensor_value_info(o, TensorProto.FLOAT, out_shapes[i] if out_shapes else None)
             for i, o in enumerate(sp["outputs"])]
    inits = [numpy_helper.from_array(v, k) for k, v in sp["inits"].items()]
    graph = helper.make_graph(sp["nodes"], name, g_in, g_out, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="vahost-goldens")
    model.ir_version = 8
    if out_shapes is not None:
        onnx.checker.check_model(model)
    return model


def output_shapes(sp, shapes):
    """Declared output shapes: the batch is "N" where the first input's batch is."""
    symbolic = sp["inputs"][0][2][0] == "N"
    batch = sp["inputs"][0][1].shape[0]
    return [["N", *s[1:]] if symbolic and len(s) and s[0] == batch else list(s) for s in shapes]


def inferred_shapes(model, names):
    """Output shapes from ONNX shape inference (for --no-ort dry runs)."""
    inf = onnx.shape_inference.infer_shapes(model)
    known = {v.name: v for v in list(inf.graph.value_info) + list(inf.graph.output)}
    res = []
    for n in names:
        dims = known[n].type.tensor_type.shape.dim
        res.append([d.dim_param if d.dim_param else d.dim_value for d in dims])
    return res


def write_pb(path, arr, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(arr), name).SerializeToString())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-ort", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ort = None
    if not args.no_ort:
        import onnxruntime as ort  # noqa: F811
        print(f"[goldens] onnx {onnx.__version__}, onnxruntime {ort.__version__}", flush=True)
    rows, failed = [], []

    def run_case(name, ops, tol, note, model, feeds, out_names, sp=None):
        in_files = []
        for i, (n, a) in enumerate(feeds):
            f = f"{name}.in{i}.pb"
            write_pb(os.path.join(args.out, f), a, n)
            in_files.append(f)
        if ort is None:
            if sp is not None:
                model = to_model(name, sp, inferred_shapes(model, out_names))
            onnx.save(model, os.path.join(args.out, f"{name}.onnx"))
            return
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
        outs = sess.run(out_names, dict(feeds))
        if sp is not None:  # now that the output shapes are known: declare them and check the model
            model = to_model(name, sp, output_shapes(sp, [o.shape for o in outs]))
        onnx.save(model, os.path.join(args.out, f"{name}.onnx"))
        out_files = []
        for i, (n, a) in enumerate(zip(out_names, outs)):
            f = f"{name}.out{i}.pb"
            write_pb(os.path.join(args.out, f), a.astype(np.float32), n)
            out_files.append(f)
        shapes = " ".join(f"{n}{list(a.shape)}" for n, a in zip(out_names, outs))
        rows.append("\t".join([name, f"{name}.onnx", ",".join(in_files), ",".join(out_files), ",".join(ops), tol, note]))
        print(f"[goldens] {name}: {shapes}", flush=True)

    for name, ops, tol, note, fn in CASES:
        try:
            sp = fn()
            run_case(name, ops, tol, note, to_model(name, sp), [(n, a) for n, a, _ in sp["inputs"]], sp["outputs"], sp)
        except Exception:  # noqa: BLE001 - one bad case must not lose the others
            failed.append(name)
            traceback.print_exc()
    try:
        import torch
        import onnx_export
        for name, ops, tol, note, fn in torch_cases():
            try:
                module, x = fn()
                path = os.path.join(args.out, f"{name}.onnx")
                model = onnx_export.export(module, torch.from_numpy(x[:1]), path, "x", "y")
                run_case(name, ops, tol, note, model, [("x", x)], ["y"])
            except Exception:  # noqa: BLE001
                failed.append(name)
                traceback.print_exc()
    except ImportError as e:
        print(f"[goldens] PyTorch cases skipped: {e}", flush=True)
        failed.append("torch_*")
    if ort is not None:
        with open(os.path.join(args.out, "index.tsv"), "w") as f:
            f.write("# case\tmodel\tinputs\toutputs\toperators\ttolerance\tnote\n")
            f.write("# Written by tools/detector/goldens.py: outputs are onnxruntime CPU's (graph optimisations off).\n")
            for r in rows:
                f.write(r + "\n")
    print(f"[goldens] {len(rows)} cases written to {args.out}; failed: {failed or 'none'}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
