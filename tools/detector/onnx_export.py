"""ONNX export shared by train.py, bench_model.py and goldens.py.

The engine reads opset <= 17 and IR version <= 9. torch.onnx.export(dynamo=True), the default since
PyTorch 2.9, emits opset 18+, so the TorchScript exporter (dynamo=False) is used; if a PyTorch build
no longer has it, the dynamo exporter is asked for opset 17 and the result is checked.
"""
import onnx
import torch

MAX_OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17


def export(model, dummy, path, input_name, output_names, dynamic_batch=True, log=print):
    """Exports model(dummy) to path; returns the onnx.ModelProto as saved."""
    model.eval()
    names = [output_names] if isinstance(output_names, str) else list(output_names)
    dyn = None
    if dynamic_batch:
        dyn = {input_name: {0: "N"}}
        for n in names:
            dyn[n] = {0: "N"}
    kwargs = dict(input_names=[input_name], output_names=names, opset_version=MAX_OPSET,
                  dynamic_axes=dyn, do_constant_folding=True)
    try:
        torch.onnx.export(model, (dummy,), path, dynamo=False, **kwargs)
    except TypeError as e:  # a PyTorch older than 2.5 has no 'dynamo' argument: its default is TorchScript
        if "dynamo" not in str(e):
            raise
        torch.onnx.export(model, (dummy,), path, **kwargs)
    except Exception as e:  # noqa: BLE001 - the TorchScript exporter is gone or failed: try dynamo
        log(f"[export] TorchScript exporter failed ({type(e).__name__}: {e}); trying dynamo=True, opset {MAX_OPSET}")
        torch.onnx.export(model, (dummy,), path, dynamo=True, **kwargs)
    m = onnx.load(path)
    opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset > MAX_OPSET:
        raise RuntimeError(f"{path}: exported opset {opset} > {MAX_OPSET}")
    if m.ir_version > IR_VERSION:
        m.ir_version = IR_VERSION
    onnx.checker.check_model(m)
    onnx.save(m, path)
    ops = sorted({n.op_type for n in m.graph.node})
    log(f"[export] {path}: opset {opset}, IR {m.ir_version}, {len(m.graph.node)} nodes, ops {ops}")
    return m
