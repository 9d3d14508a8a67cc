#!/usr/bin/env python3
"""Model zoo: well-known detectors and classifiers with seeded random weights, exported to ONNX the way users
export them, with onnxruntime reference outputs ("goldens") and a machine-readable index.

    python3 tools/zoo/zoo.py --out DIR [--tiny] [--models NAME,...] [--exporters torchscript,dynamo]
                             [--golden-batches 1,8] [--no-ort] [--strict] [--refusals]
                             [--bench [--bench-batches 1,8,32] [--compile | --compile-batches 32] [--bench-only]]

Writes into DIR (every path in the index is relative to DIR):
  <model>[-<variant>].<exporter>.onnx          the model (weights inside the file)
  <model>.b<B>.in0.pb                          golden input, uniform [0, 1) float32, shared by the model's variants
                                               and exporters (<model>.<H>x<W>.b<B>.in0.pb for another input size)
  <model>[-<variant>].<exporter>.b<B>.out<i>.pb onnxruntime CPU output i (graph optimisations off)
  <model>.priors.pb                            SSD / RetinaNet / FCOS anchors [A, 4] x1, y1, x2, y2 in input pixels
  refusals/*.onnx                              (--refusals) models the importer must refuse
  zoo.json                                     the index (see README.md)
Tensors are ONNX TensorProto files: float32 raw_data, little endian, name = graph input/output name.

--tiny       structurally identical small variants (for the repository's CI tests); golden batches 1,2.
--no-ort     models, inputs and index only (no onnxruntime needed); without onnxruntime and without --no-ort the
             script stops with a message before doing anything.
--bench      PyTorch eager baseline on CUDA (fp16, channels_last, cudnn.benchmark, BN folded), printed as
             "PYTORCH_BENCH model=<name> variant=eager-fp16-channels_last batch=<B> images_per_s=<X>"; with
             --compile also torch.compile(mode="reduce-overhead") lines at every bench batch, --compile-batches B,...
             at those batches only (each batch size compiles and records its own CUDA graph: tens of seconds per
             model and size). Always the full-size modules. --profile-batch B: the compiled model's CUDA kernels
             at batch B by torch.profiler, per kind ("PYTORCH_PROFILE ..." lines, tools/detector/bench_model.py's).
--strict     exit status 1 if anything failed (otherwise only when nothing could be written).
"""
import argparse
import datetime
import glob
import inspect
import json
import os
import sys
import time
import traceback
import warnings
import zlib

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import archs  # noqa: E402
import weights  # noqa: E402

TS_OPSET = 17
DYNAMO_OPSET = 18
SLOW_GOLDEN_S = 20.0       # a golden batch estimated to take longer on onnxruntime CPU is replaced by batch 2


def log(msg):
    print(msg, flush=True)


def seed_of(text):
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def one_line(e, limit=2000):
    text = f"{type(e).__name__}: {e}" if isinstance(e, BaseException) else str(e)
    text = " ".join(text.split())
    return text[:limit]


# ============================================================================ building

def build(name, tiny, device="cpu"):
    """The model with its seeded random weights (randomise, BN calibration, score calibration)."""
    b = archs.BUILDERS[name](tiny)
    m = b.module.eval()
    seed = seed_of(name + ("/tiny" if tiny else ""))
    torch.manual_seed(seed)
    weights.randomize(m, seed)
    if b.post_init is not None:
        b.post_init(m, None)
    h, w = b.input_size
    x = torch.rand(2, 3, h, w, generator=torch.Generator().manual_seed(seed + 7))
    if device != "cpu":
        m.to(device)
        x = x.to(device)
    b.bn_stats = weights.calibrate_bn(m, x, seed)
    b.score_calibration = weights.calibrate_scores(m, x, b.score_specs)
    m.to("cpu")
    b.params = sum(p.numel() for p in m.parameters())
    return b


# ============================================================================ export

EXPORT_PARAMS = set(inspect.signature(torch.onnx.export).parameters)


def dynamic_axes_for(b, variant):
    if variant == "static":
        return None
    d = {b.input_name: {0: "batch"}}
    for o in b.output_names:
        d[o] = {0: "batch"}
    if variant == "batchhw":
        d[b.input_name].update({2: "height", 3: "width"})
        for o, axes in getattr(b, "hw_output_axes", {"output0": {2: "anchors"}}).items():
            if o in d:
                d[o].update(axes)
    return d


def export_torchscript(m, x, path, b, dyn):
    kw = dict(input_names=[b.input_name], output_names=b.output_names, opset_version=TS_OPSET,
              do_constant_folding=True, dynamic_axes=dyn)
    if "dynamo" in EXPORT_PARAMS:
        kw["dynamo"] = False
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(m, (x,), path, **kw)
    return "torch.onnx.export(dynamo=False)"


def export_dynamo(m, x, path, b, dyn):
    if "dynamo" not in EXPORT_PARAMS:
        raise RuntimeError(f"torch {torch.__version__}: torch.onnx.export has no dynamo= argument")
    base = dict(dynamo=True, input_names=[b.input_name], output_names=b.output_names, opset_version=DYNAMO_OPSET)
    for k, v in (("external_data", False), ("fallback", False), ("verbose", False), ("report", False)):
        if k in EXPORT_PARAMS:
            base[k] = v
    attempts = []
    if dyn:
        in_axes = dyn[b.input_name]
        from torch.export import Dim
        if hasattr(Dim, "DYNAMIC"):
            attempts.append(("dynamic_shapes=Dim.DYNAMIC", dict(dynamic_shapes=({a: Dim.DYNAMIC for a in in_axes},))))
        named = {}
        for a, n in in_axes.items():
            named[a] = Dim(n, min=1, max=4096) if a == 0 else 32 * Dim(f"{n}_div32", min=1, max=128)
        attempts.append(("dynamic_shapes=named Dim (H, W = 32k)", dict(dynamic_shapes=(named,))))
        attempts.append(("dynamic_axes", dict(dynamic_axes=dyn)))
    else:
        attempts.append(("static shapes", {}))
    errors = []
    for label, extra in attempts:
        for f in glob.glob(path + "*"):
            os.remove(f)
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                prog = torch.onnx.export(m, (x,), path, **base, **extra)
            if not os.path.exists(path) and prog is not None and hasattr(prog, "save"):
                prog.save(path)
            if not os.path.exists(path):
                raise RuntimeError("the exporter wrote no file")
            return f"torch.onnx.export(dynamo=True, {label})", errors
        except Exception as e:  # noqa: BLE001 - try the next way of declaring the dynamic dimensions
            errors.append(f"[{label}] {one_line(e, 1500)}")
    raise RuntimeError(" | ".join(errors))


def _rename_value(model, old, new):
    if old == new:
        return
    g = model.graph
    for n in g.node:
        for i, v in enumerate(n.input):
            if v == old:
                n.input[i] = new
        for i, v in enumerate(n.output):
            if v == old:
                n.output[i] = new
    for coll in (g.input, g.output, g.value_info):
        for vi in coll:
            if vi.name == old:
                vi.name = new


def finalize_dynamo(path, b, dyn, strip_metadata=False):
    """Weights inside the file, the requested input/output names, the dynamic dimensions named as asked;
    strip_metadata (--tiny, for the size budget) drops per-node metadata_props and doc strings."""
    import onnx
    m = onnx.load(path, load_external_data=False)
    locations = set()
    for t in m.graph.initializer:
        if t.data_location == onnx.TensorProto.EXTERNAL:
            for kv in t.external_data:
                if kv.key == "location":
                    locations.add(kv.value)
    if locations:
        from onnx.external_data_helper import load_external_data_for_model
        load_external_data_for_model(m, os.path.dirname(os.path.abspath(path)))
    notes = []
    if len(m.graph.input) >= 1 and m.graph.input[0].name != b.input_name:
        notes.append(f"input {m.graph.input[0].name} renamed {b.input_name}")
        _rename_value(m, m.graph.input[0].name, b.input_name)
    if len(m.graph.output) == len(b.output_names):
        for o, want in zip(list(m.graph.output), b.output_names):
            if o.name != want:
                notes.append(f"output {o.name} renamed {want}")
                _rename_value(m, o.name, want)
    if dyn:
        mapping = {}
        for vi in m.graph.input:
            if vi.name == b.input_name:
                for a, want in dyn[b.input_name].items():
                    d = vi.type.tensor_type.shape.dim[a]
                    if d.dim_param and d.dim_param != want:
                        mapping[d.dim_param] = want
        if mapping:
            notes.append("dims renamed " + ", ".join(f"{k}->{v}" for k, v in mapping.items()))
            for coll in (m.graph.input, m.graph.output, m.graph.value_info):
                for vi in coll:
                    for d in vi.type.tensor_type.shape.dim:
                        if d.dim_param in mapping:
                            d.dim_param = mapping[d.dim_param]
    lost = []
    for vi in m.graph.input:
        if dyn and vi.name == b.input_name:
            for a, want in dyn[b.input_name].items():
                d = vi.type.tensor_type.shape.dim[a]
                if not d.dim_param:
                    lost.append(f"{want} (axis {a}) is static {d.dim_value}")
    if lost:
        notes.append("DYNAMIC AXIS LOST: " + "; ".join(lost))
    if strip_metadata:
        n_meta = 0
        for node in m.graph.node:
            n_meta += len(node.metadata_props) if hasattr(node, "metadata_props") else 0
            if hasattr(node, "metadata_props"):
                del node.metadata_props[:]
            node.doc_string = ""
        m.graph.doc_string = ""
        if n_meta:
            notes.append(f"{n_meta} node metadata_props entries stripped (--tiny)")
    onnx.save(m, path)
    for loc in locations:
        p = os.path.join(os.path.dirname(os.path.abspath(path)), loc)
        if os.path.exists(p):
            os.remove(p)
    if locations:
        notes.append("external data inlined")
    return notes


def onnx_info(path):
    import onnx
    m = onnx.load(path, load_external_data=False)
    opset = next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), None)
    ops = sorted({(n.domain + "::" if n.domain not in ("", "ai.onnx") else "") + n.op_type for n in m.graph.node})

    def shape(vi):
        if not vi.type.tensor_type.HasField("shape"):
            return None
        return [d.dim_param if d.dim_param else (d.dim_value if d.HasField("dim_value") else "?")
                for d in vi.type.tensor_type.shape.dim]
    inits = {t.name for t in m.graph.initializer}
    info = dict(opset=opset, ir_version=m.ir_version, ops=ops, nodes=len(m.graph.node),
                params=int(sum(int(np.prod(t.dims)) if len(t.dims) else 1 for t in m.graph.initializer)),
                bytes=os.path.getsize(path),
                inputs=[dict(name=i.name, shape=shape(i)) for i in m.graph.input if i.name not in inits],
                outputs=[dict(name=o.name, shape=shape(o)) for o in m.graph.output])
    try:
        onnx.checker.check_model(m)
        info["check_model_error"] = None
    except Exception as e:  # noqa: BLE001
        info["check_model_error"] = one_line(e)
    return info


# ============================================================================ goldens

def write_pb(path, arr, name):
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(np.ascontiguousarray(arr), name).SerializeToString())


class Goldens:
    def __init__(self, out, ort, threads, tiny, max_mb):
        self.out, self.ort, self.threads, self.tiny, self.max_bytes = out, ort, threads, tiny, max_mb * 1e6
        self.inputs_written = set()
        self.batch_plan = {}    # (model, requested B) -> (effective B, reason)
        self.torch16 = {}       # (model, B, size) -> output files of PyTorch fp16 on CUDA (shared by variants)

    def input_file(self, model, b, batch, size):
        h, w = size
        tag = "" if tuple(size) == tuple(b.input_size) else f".{h}x{w}"
        fname = f"{model}{tag}.b{batch}.in0.pb"
        if fname not in self.inputs_written:
            x = np.random.default_rng(seed_of(f"{model}|{h}x{w}|b{batch}")).random((batch, 3, h, w), dtype=np.float32)
            write_pb(os.path.join(self.out, fname), x, b.input_name)
            self.inputs_written.add(fname)
        return fname, tag

    def load_input(self, fname):
        import onnx
        from onnx import numpy_helper
        t = onnx.TensorProto()
        with open(os.path.join(self.out, fname), "rb") as f:
            t.ParseFromString(f.read())
        return numpy_helper.to_array(t)

    def session(self, path):
        so = self.ort.SessionOptions()
        so.graph_optimization_level = self.ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        so.intra_op_num_threads = self.threads
        so.inter_op_num_threads = 1
        return self.ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])

    def run(self, model, stem, b, path, batches, module, extra_sizes=()):
        """Goldens of one exported file; returns the index's 'goldens' list."""
        sess = self.session(path)
        in_name = sess.get_inputs()[0].name
        out_names = [o.name for o in sess.get_outputs()]
        res = []
        plan = []
        for bt in batches:
            plan.append((bt, tuple(b.input_size)))
        for size in extra_sizes:    # one golden at another input size: batch 2 (1 when only batch 1 is asked)
            plan.append((2 if max(batches) > 1 else 1, tuple(size)))
        t1 = per_image_bytes = None
        for req, size in plan:
            eff, reason = req, None
            key = (model, req, size)
            if key in self.batch_plan:
                eff, reason = self.batch_plan[key]
            elif req > 2 and t1 is not None:
                if t1 * req > SLOW_GOLDEN_S:
                    eff, reason = 2, f"batch {req} estimated {t1 * req:.0f} s on onnxruntime CPU (> {SLOW_GOLDEN_S:.0f} s)"
                elif per_image_bytes * req > self.max_bytes:
                    eff, reason = 2, (f"batch {req} outputs {per_image_bytes * req / 1e6:.0f} MB "
                                      f"(> --golden-max-mb {self.max_bytes / 1e6:.0f})")
                self.batch_plan[key] = (eff, reason)
            fname, tag = self.input_file(model, b, eff, size)
            x = self.load_input(fname)
            t = time.time()
            outs = sess.run(out_names, {in_name: x})
            dt = time.time() - t
            if eff == 1 and size == tuple(b.input_size):
                t1 = dt
                per_image_bytes = sum(o.nbytes for o in outs)
            files = []
            for i, (n, o) in enumerate(zip(out_names, outs)):
                f = f"{stem}{tag}.b{eff}.out{i}.pb"
                write_pb(os.path.join(self.out, f), o.astype(np.float32, copy=False), n)
                files.append(f)
            entry = dict(batch=eff, input_size=list(size), input=fname, outputs=files,
                         output_shapes=[list(o.shape) for o in outs],
                         max_abs=[float(np.nanmax(np.abs(o))) if o.size else 0.0 for o in outs],
                         finite=bool(all(np.isfinite(o).all() for o in outs)), seconds=round(dt, 3))
            if reason:
                entry["requested_batch"] = req
                entry["reduced_because"] = reason
            if size == tuple(b.input_size) and module is not None:
                entry["torch_fp16_outputs"] = self.torch_fp16(model, module, x, eff, out_names)
                d32 = self.torch_fp32_cuda_diff(model, module, x, outs)
                if d32 is not None:
                    entry["max_rel_diff_vs_torch"] = d32
            if eff == 1 and module is not None:   # onnxruntime vs the PyTorch module, fp32, same input
                try:
                    with torch.no_grad():
                        ref = module(torch.from_numpy(x))
                    ref = ref if isinstance(ref, (tuple, list)) else (ref,)
                    entry["max_abs_diff_vs_torch"] = [float(np.max(np.abs(r.numpy() - o))) if o.size else 0.0
                                                      for r, o in zip(ref, outs)]
                    # the disagreement of two fp32 implementations (onnxruntime, PyTorch) on this network, in the
                    # tests' metric |a - b| / (1 + |b|): what a third one can be held to
                    entry["max_rel_diff_vs_torch_cpu"] = [float(np.max(np.abs(r.numpy() - o) / (1 + np.abs(o)))) if o.size else 0.0
                                                      for r, o in zip(ref, outs)]
                except Exception as e:  # noqa: BLE001
                    entry["max_abs_diff_vs_torch"] = one_line(e, 300)
            res.append(entry)
        return res


    def torch_fp32_cuda_diff(self, model, module, x, outs):
        """max |torch - ort| / (1 + |ort|) per output, PyTorch fp32 on CUDA with TF32 off: how far two correct
        fp32 implementations are apart on this network and input. None without CUDA."""
        if not torch.cuda.is_available():
            return None
        import copy
        try:
            torch.backends.cudnn.allow_tf32 = False
            torch.backends.cuda.matmul.allow_tf32 = False
            m32 = copy.deepcopy(module).cuda().float().eval()
            with torch.no_grad():
                ref = m32(torch.from_numpy(x).cuda())
            ref = ref if isinstance(ref, (tuple, list)) else (ref,)
            r = [float(np.max(np.abs(t.float().cpu().numpy() - o) / (1 + np.abs(o)))) if o.size else 0.0 for t, o in zip(ref, outs)]
            del m32
            torch.cuda.empty_cache()
            return r
        except Exception as e:  # noqa: BLE001
            log(f"[zoo] {model}: PyTorch fp32 CUDA reference failed: {one_line(e, 300)}")
            return None

    def torch_fp16(self, model, module, x, batch, out_names):
        """PyTorch's own fp16 outputs on CUDA (channels_last, cuDNN) for the same input: the accuracy any
        fp16 engine can be held to on these random-weight networks. [] without CUDA."""
        key = (model, batch, x.shape[2:])
        if key in self.torch16:
            return self.torch16[key]
        files = []
        if torch.cuda.is_available():
            import copy
            try:
                m16 = copy.deepcopy(module).cuda().half().eval().to(memory_format=torch.channels_last)
                with torch.no_grad():
                    ref = m16(torch.from_numpy(x).cuda().half().contiguous(memory_format=torch.channels_last))
                ref = ref if isinstance(ref, (tuple, list)) else (ref,)
                for i, (n, r) in enumerate(zip(out_names, ref)):
                    f = f"{model}.b{batch}.torch16.out{i}.pb"
                    write_pb(os.path.join(self.out, f), r.float().cpu().numpy(), n)
                    files.append(f)
                del m16
                torch.cuda.empty_cache()
            except Exception as e:  # noqa: BLE001
                log(f"[zoo] {model}: PyTorch fp16 reference failed: {one_line(e, 300)}")
                files = []
        self.torch16[key] = files
        return files


# ============================================================================ main

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true")
    ap.add_argument("--models", default="", help="comma-separated names (default: all): " + ",".join(archs.BUILDERS))
    ap.add_argument("--exporters", default="torchscript,dynamo")
    ap.add_argument("--golden-batches", default=None, help="default 1,8 (tiny: 1,2)")
    ap.add_argument("--golden-max-mb", type=float, default=256.0,
                    help="a golden batch whose outputs would exceed this is replaced by batch 2")
    ap.add_argument("--threads", type=int, default=min(4, os.cpu_count() or 1), help="onnxruntime threads (1-4)")
    ap.add_argument("--no-ort", action="store_true")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--refusals", action="store_true")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--bench-only", action="store_true", help="--bench without exporting anything")
    ap.add_argument("--bench-batches", default="1,8,32")
    ap.add_argument("--bench-seconds", type=float, default=1.0)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--compile-batches", default="", help="torch.compile at these batches only (implies --compile)")
    ap.add_argument("--profile-batch", type=int, default=0,
                    help="torch.profiler's per-kind kernel times of the compiled model at this batch (PYTORCH_PROFILE lines)")
    return ap.parse_args(argv)


def variant_stem(name, b, variant):
    return name if len(b.variants) == 1 else f"{name}-{variant}"


def main(argv=None):
    args = parse_args(argv)
    if args.bench_only:
        args.bench = True
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    names = [n.strip() for n in args.models.split(",") if n.strip()] or list(archs.BUILDERS)
    unknown = [n for n in names if n not in archs.BUILDERS]
    if unknown:
        log(f"[zoo] unknown model(s) {unknown}; known: {', '.join(archs.BUILDERS)}")
        return 2
    exporters = [e.strip() for e in args.exporters.split(",") if e.strip()]
    bad = [e for e in exporters if e not in ("torchscript", "dynamo")]
    if bad:
        log(f"[zoo] unknown exporter(s) {bad}: torchscript, dynamo")
        return 2
    gb = args.golden_batches or ("1,2" if args.tiny else "1,8")
    golden_batches = sorted({int(v) for v in gb.split(",") if v.strip()})
    import onnx
    ort = None
    if not args.no_ort and not args.bench_only:
        try:
            import onnxruntime as ort  # noqa: F811
        except ImportError as e:
            log(f"[zoo] onnxruntime is not installed ({e}): install it (pip install onnxruntime) or pass --no-ort "
                f"to write the models and inputs without goldens")
            return 2
    import torchvision
    log(f"[zoo] torch {torch.__version__}, torchvision {torchvision.__version__}, onnx {onnx.__version__}, "
        f"onnxruntime {ort.__version__ if ort else None}; tiny={args.tiny}; exporters {exporters}; "
        f"golden batches {golden_batches if ort else 'none (--no-ort)'}; out {out}")
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    index = dict(generated=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                 torch=torch.__version__, torchvision=torchvision.__version__, onnx=onnx.__version__,
                 onnxruntime=ort.__version__ if ort else None, tiny=args.tiny,
                 golden_batches=golden_batches if ort else [], models=[], refusals=[])
    goldens = Goldens(out, ort, max(1, min(4, args.threads)), args.tiny, args.golden_max_mb) if ort else None
    inputs_only = Goldens(out, None, 1, args.tiny, args.golden_max_mb)   # --no-ort: golden inputs without outputs
    failures, written = [], 0
    built_full = {}
    t_all = time.time()

    for name in ([] if args.bench_only else names):
        t0 = time.time()
        try:
            b = build(name, args.tiny)
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            failures.append(f"{name}: build: {one_line(e, 300)}")
            index["models"].append(dict(name=name, file=None, export_error=f"build failed: {one_line(e)}"))
            continue
        if not args.tiny:
            built_full[name] = b
        t_build = time.time() - t0
        log(f"[zoo] {name}: {b.params / 1e6:.3f} M parameters, input {b.input_size}, built in {t_build:.1f} s; "
            f"scores: {'; '.join(b.score_calibration) or '-'}")
        hints = dict(b.hints)
        if b.priors:
            try:
                pri = b.module.priors(b.input_size).float().contiguous()
                pf = f"{name}.priors.pb"
                write_pb(os.path.join(out, pf), pri.numpy(), "priors")
                hints["anchors_file"] = pf
                hints["num_anchors"] = int(pri.shape[0])
                written += 1
            except Exception as e:  # noqa: BLE001
                failures.append(f"{name}: priors: {one_line(e, 300)}")
                hints["anchors_error"] = one_line(e)
        for variant in b.variants:
            dyn = dynamic_axes_for(b, variant)
            stem0 = variant_stem(name, b, variant)
            for exporter in exporters:
                stem = f"{stem0}.{exporter}"
                fname = f"{stem}.onnx"
                path = os.path.join(out, fname)
                h, w = b.input_size
                batch = 1 if variant == "static" else (b.export_batch if exporter == "torchscript" else 2)
                x = torch.rand(batch, 3, h, w, generator=torch.Generator().manual_seed(5))
                entry = dict(name=name, file=None, arch=b.arch, family=b.family, exporter=exporter, variant=variant,
                             input=dict(name=b.input_name, shape=None), input_size=[h, w], outputs=[],
                             num_classes=b.num_classes, hints=hints, goldens=[], check_model_error=None,
                             export_error=None)
                t = time.time()
                try:
                    if os.path.exists(path):
                        os.remove(path)
                    if exporter == "torchscript":
                        how = export_torchscript(b.module, x, path, b, dyn)
                    else:
                        how, tried = export_dynamo(b.module, x, path, b, dyn)
                        notes = finalize_dynamo(path, b, dyn, strip_metadata=args.tiny)
                        if tried:
                            notes = ["earlier attempts failed: " + " | ".join(tried)] + notes
                        if notes:
                            entry["export_notes"] = notes
                        for n in notes:
                            if n.startswith("DYNAMIC AXIS LOST"):
                                failures.append(f"{stem}: {n}")
                    entry["export"] = how
                except Exception as e:  # noqa: BLE001 - one model's failure never stops the others
                    entry["export_error"] = one_line(e, 8000)
                    failures.append(f"{stem}: export: {one_line(e, 300)}")
                    log(f"[zoo] {stem}: EXPORT FAILED {one_line(e, 400)}")
                    index["models"].append(entry)
                    continue
                entry["export_seconds"] = round(time.time() - t, 2)
                try:
                    info = onnx_info(path)
                except Exception as e:  # noqa: BLE001
                    entry["export_error"] = f"written but unreadable by onnx: {one_line(e)}"
                    failures.append(f"{stem}: onnx.load: {one_line(e, 300)}")
                    index["models"].append(entry)
                    continue
                written += 1
                entry["file"] = fname
                entry.update(opset=info["opset"], ir_version=info["ir_version"], ops=info["ops"], nodes=info["nodes"],
                             params=info["params"], bytes=info["bytes"],
                             input=info["inputs"][0] if info["inputs"] else entry["input"], outputs=info["outputs"],
                             check_model_error=info["check_model_error"])
                if info["check_model_error"]:
                    failures.append(f"{stem}: check_model: {info['check_model_error'][:300]}")
                if goldens is not None:
                    t = time.time()
                    try:
                        gbs = [1] if variant == "static" else golden_batches
                        extra = [b.alt_size] if variant == "batchhw" and b.alt_size else []
                        entry["goldens"] = goldens.run(name, stem, b, path, gbs, b.module, extra)
                        if not all(g["finite"] for g in entry["goldens"]):
                            failures.append(f"{stem}: NaN/Inf in onnxruntime outputs")
                    except Exception as e:  # noqa: BLE001
                        entry["golden_error"] = one_line(e, 4000)
                        failures.append(f"{stem}: goldens: {one_line(e, 300)}")
                    entry["golden_seconds"] = round(time.time() - t, 2)
                elif args.no_ort:   # inputs only
                    gbs = [1] if variant == "static" else golden_batches
                    for bt in gbs:
                        fn, _ = inputs_only.input_file(name, b, bt, b.input_size)
                        entry["goldens"].append(dict(batch=bt, input_size=[h, w], input=fn, outputs=[]))
                log(f"[zoo] {stem}: opset {entry.get('opset')}, {entry.get('nodes')} nodes, "
                    f"{entry.get('bytes', 0) / 1e6:.2f} MB, export {entry.get('export_seconds')} s"
                    + (f", goldens {entry.get('golden_seconds')} s" if goldens else "")
                    + (f", CHECK FAILED {entry['check_model_error'][:200]}" if entry["check_model_error"] else "")
                    + (f", GOLDEN FAILED {entry['golden_error'][:200]}" if entry.get("golden_error") else ""))
                index["models"].append(entry)
        log(f"[zoo] {name}: done in {time.time() - t0:.1f} s")

    if args.refusals and not args.bench_only:
        import refusals
        try:
            index["refusals"] = refusals.write_all(out, log)
            written += len(index["refusals"])
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            failures.append(f"refusals: {one_line(e, 300)}")

    if args.bench:
        import bench
        index["bench"] = bench.run_all(names, built_full, build, [int(v) for v in args.bench_batches.split(",")],
                                       args.bench_seconds, compile_batches(args), log, args.profile_batch)

    if not args.bench_only:
        with open(os.path.join(out, "zoo.json"), "w") as f:
            json.dump(index, f, indent=1)
        log(f"[zoo] wrote {os.path.join(out, 'zoo.json')}: {sum(1 for m in index['models'] if m.get('file'))} model "
            f"files, {len(index['refusals'])} refusals; total {time.time() - t_all:.1f} s")
    if failures:
        log(f"[zoo] {len(failures)} failure(s):")
        for f in failures:
            log(f"[zoo]   {f}")
    else:
        log("[zoo] no failures")
    if not args.bench_only and written == 0:
        return 1
    return 1 if (args.strict and failures) else 0


def compile_batches(args):
    """The batches torch.compile is measured at: --compile-batches, else every bench batch with --compile, else none."""
    if args.compile_batches:
        return [int(v) for v in args.compile_batches.split(",")]
    return [int(v) for v in args.bench_batches.split(",")] if args.compile else []


if __name__ == "__main__":
    sys.exit(main())
