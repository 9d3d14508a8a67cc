"""Small models the engine's importer must refuse, each with the reason it must give (DIR/refusals/).

  data-dependent   YOLOv8-style network with NMS inside (torchvision.ops.nms exported as NonMaxSuppression; if
                   that export fails, the same head + NonMaxSuppression built with onnx.helper)
  batch-baked      dynamic batch declared, but the graph reshapes to a literal batch of 1 (x.view(1, -1, ...))
  control-flow     an If node, and a Loop node (onnx.helper)
  external-data    weights saved as external data, the data file then deleted
  corrupt          the first half of a valid model file's bytes
  unsupported-op   ai.onnx StringNormalizer; a node of a custom domain
"""
import os
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

import archs
import weights


def _init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def _conv_net(name, x_shape=("batch", 3, 32, 32), out_ch=8, seed=0):
    """Conv 3x3/2 + Relu + Conv 1x1 graph (opset 17): a valid small model to damage."""
    r = np.random.default_rng(seed)
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["c1"], ["r1"]),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["y"], kernel_shape=[1, 1])]
    inits = [_init("w1", r.standard_normal((16, 3, 3, 3)).astype(np.float32) * 0.3),
             _init("b1", r.standard_normal(16).astype(np.float32) * 0.1),
             _init("w2", r.standard_normal((out_ch, 16, 1, 1)).astype(np.float32) * 0.3),
             _init("b2", r.standard_normal(out_ch).astype(np.float32) * 0.1)]
    h, w = x_shape[2] // 2, x_shape[3] // 2
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x_shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [x_shape[0], out_ch, h, w])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="vahost-zoo-refusals")
    m.ir_version = 8
    return m


class _YoloNms(nn.Module):
    """Tiny YOLOv8 + class-max score + torchvision NMS over batch 0: the output size depends on the data."""

    def __init__(self):
        super().__init__()
        self.det = archs.YOLOv8(nc=4, depth=0.1, c2_min=8, c3_cap=8, chs=(4, 4, 8, 8, 8))

    def forward(self, x):
        import torchvision
        y = self.det(x)[0]                     # [4 + nc, A]
        xy, wh, cls = y[:2], y[2:4], y[4:]
        boxes = torch.cat([xy - wh / 2, xy + wh / 2], 0).t()
        scores = cls.max(0).values
        keep = torchvision.ops.nms(boxes, scores, 0.5)
        return boxes[keep], scores[keep]


def _nms_helper_model():
    """Conv head -> boxes [1, A, 4], scores [1, 1, A] -> NonMaxSuppression (opset 17), built with onnx.helper."""
    r = np.random.default_rng(1)
    a = 64
    nodes = [
        helper.make_node("Conv", ["images", "w"], ["c"], kernel_shape=[8, 8], strides=[8, 8]),     # [1, 5, 8, 8]
        helper.make_node("Reshape", ["c", "s"], ["f"]),                                           # [1, 5, 64]
        helper.make_node("Split", ["f", "sp"], ["bx", "sc"], axis=1),
        helper.make_node("Transpose", ["bx"], ["boxes"], perm=[0, 2, 1]),                          # [1, 64, 4]
        helper.make_node("Sigmoid", ["sc"], ["scores"]),                                          # [1, 1, 64]
        helper.make_node("NonMaxSuppression", ["boxes", "scores", "maxk", "iou", "thr"], ["selected"]),
    ]
    inits = [_init("w", r.standard_normal((5, 3, 8, 8)).astype(np.float32) * 0.1),
             _init("s", np.array([1, 5, a], np.int64)), _init("sp", np.array([4, 1], np.int64)),
             _init("maxk", np.array([100], np.int64)), _init("iou", np.array([0.5], np.float32)),
             _init("thr", np.array([0.25], np.float32))]
    g = helper.make_graph(nodes, "yolo_nms_helper", [helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
                          [helper.make_tensor_value_info("selected", TensorProto.INT64, ["num_selected", 3])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="vahost-zoo-refusals")
    m.ir_version = 8
    return m


class _BatchBaked(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 2, 1)

    def forward(self, x):
        y = self.conv(x)
        return y.view(1, -1, y.shape[2] * y.shape[3]).softmax(-1)   # batch 1 baked in


def _torch_export(m, x, path, dyn, output_names=None):
    kw = dict(input_names=["images"], output_names=output_names, opset_version=17, do_constant_folding=True,
              dynamic_axes=dyn)
    import inspect
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), path, **kw)


def _if_model():
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then",
                               [], [helper.make_tensor_value_info("t", TensorProto.FLOAT, None)])
    else_g = helper.make_graph([helper.make_node("Sigmoid", ["x"], ["e"])], "else",
                               [], [helper.make_tensor_value_info("e", TensorProto.FLOAT, None)])
    nodes = [helper.make_node("ReduceMean", ["x"], ["m"], keepdims=0),
             helper.make_node("Greater", ["m", "half"], ["cond"]),
             helper.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g)]
    g = helper.make_graph(nodes, "control_flow_if",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [_init("half", np.array(0.5, np.float32))])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="vahost-zoo-refusals")
    m.ir_version = 8
    return m


def _loop_model():
    # y = x * 0.9^3 through a Loop of 3 iterations carrying the tensor
    body = helper.make_graph(
        [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
         helper.make_node("Mul", ["v_in", "k"], ["v_out"])],
        "body",
        [helper.make_tensor_value_info("i", TensorProto.INT64, []),
         helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_in", TensorProto.FLOAT, None)],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
         helper.make_tensor_value_info("v_out", TensorProto.FLOAT, None)],
        [_init("k", np.array(0.9, np.float32))])
    nodes = [helper.make_node("Loop", ["trip", "cond", "x"], ["y"], body=body)]
    g = helper.make_graph(nodes, "control_flow_loop",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [_init("trip", np.array(3, np.int64)), _init("cond", np.array(True))])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="vahost-zoo-refusals")
    m.ir_version = 8
    return m


def _string_normalizer_model():
    n = helper.make_node("StringNormalizer", ["text"], ["y"], case_change_action="LOWER")
    g = helper.make_graph([n], "unsupported_string_normalizer",
                          [helper.make_tensor_value_info("text", TensorProto.STRING, [4])],
                          [helper.make_tensor_value_info("y", TensorProto.STRING, [4])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="vahost-zoo-refusals")
    m.ir_version = 8
    return m


def _custom_domain_model():
    base = _conv_net("unsupported_custom_domain", out_ch=4, seed=3)
    g = base.graph
    old_out = g.output[0]
    g.node.append(helper.make_node("FancyActivation", ["y"], ["z"], domain="com.example.vahost", alpha=0.5))
    g.output.remove(old_out)
    g.output.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", 4, 16, 16]))
    base.opset_import.append(helper.make_opsetid("com.example.vahost", 1))
    return base


def write_all(out, log=print):
    d = os.path.join(out, "refusals")
    os.makedirs(d, exist_ok=True)
    rows = []

    def add(fname, expect, note):
        rows.append(dict(file=f"refusals/{fname}", expect=expect, note=note))
        log(f"[refusals] {fname}: {expect}")

    # (a) NMS inside: data-dependent output size
    p = os.path.join(d, "yolov8_nms.onnx")
    try:
        m = _YoloNms().eval()
        weights.randomize(m, 11)
        _torch_export(m, torch.rand(1, 3, 64, 64), p, None, ["boxes", "scores"])
        ops = {n.op_type for n in onnx.load(p).graph.node}
        if "NonMaxSuppression" not in ops:
            raise RuntimeError(f"no NonMaxSuppression in the export (ops {sorted(ops)})")
        add("yolov8_nms.onnx", "data-dependent", "tiny YOLOv8 with torchvision.ops.nms inside, exported by PyTorch: "
            "NonMaxSuppression, and Gather by its output: the output size depends on the data")
    except Exception as e:  # noqa: BLE001
        onnx.save(_nms_helper_model(), p)
        add("yolov8_nms.onnx", "data-dependent", "conv head + ONNX NonMaxSuppression built with onnx.helper (the "
            f"PyTorch export with torchvision.ops.nms failed here: {type(e).__name__}): output [num_selected, 3]")

    # (b) batch baked in under a declared dynamic batch
    p = os.path.join(d, "batch_baked.onnx")
    try:
        _torch_export(_BatchBaked().eval(), torch.rand(1, 3, 32, 32), p, {"images": {0: "batch"}})
        note = "input declared [batch, 3, 32, 32]; forward does y.view(1, -1, H*W): Reshape to a literal batch 1"
    except Exception as e:  # noqa: BLE001
        m = _conv_net("batch_baked")
        g = m.graph
        g.initializer.append(_init("shape1", np.array([1, -1, 256], np.int64)))
        g.node.append(helper.make_node("Reshape", ["y", "shape1"], ["z"]))
        g.output.pop()
        g.output.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, "n", 256]))
        onnx.save(m, p)
        note = f"onnx.helper: Reshape to [1, -1, 256] under a dynamic batch (PyTorch export failed: {type(e).__name__})"
    add("batch_baked.onnx", "batch-baked", note)

    # (c) control flow
    onnx.save(_if_model(), os.path.join(d, "control_flow_if.onnx"))
    add("control_flow_if.onnx", "control-flow", "If on ReduceMean(x) > 0.5: Relu or Sigmoid")
    onnx.save(_loop_model(), os.path.join(d, "control_flow_loop.onnx"))
    add("control_flow_loop.onnx", "control-flow", "Loop of 3 iterations multiplying by 0.9")

    # (d) external data, data file deleted
    m = _conv_net("external_data")
    p = os.path.join(d, "external_data.onnx")
    onnx.save(m, p, save_as_external_data=True, all_tensors_to_one_file=True, location="external_data.onnx.data",
              size_threshold=0)
    os.remove(os.path.join(d, "external_data.onnx.data"))
    add("external_data.onnx", "external-data", "every initializer in external_data.onnx.data, which was deleted")

    # (e) truncated
    valid = _conv_net("truncated").SerializeToString()
    with open(os.path.join(d, "truncated.onnx"), "wb") as f:
        f.write(valid[:len(valid) // 2])
    add("truncated.onnx", "corrupt", f"the first {len(valid) // 2} of {len(valid)} bytes of a valid model")

    # (f) operators the engine will never support
    onnx.save(_string_normalizer_model(), os.path.join(d, "unsupported_string_normalizer.onnx"))
    add("unsupported_string_normalizer.onnx", "unsupported-op", "ai.onnx StringNormalizer on a string tensor")
    onnx.save(_custom_domain_model(), os.path.join(d, "unsupported_custom_domain.onnx"))
    add("unsupported_custom_domain.onnx", "unsupported-op", "node FancyActivation of domain com.example.vahost")
    return rows
