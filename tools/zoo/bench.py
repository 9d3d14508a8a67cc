"""PyTorch eager (and, at the batches asked, torch.compile) baseline on CUDA for the zoo's full-size modules.

Setup per model, as tools/detector/bench_model.py measures its baseline: fp16, channels_last, cudnn.benchmark=True,
BatchNorm folded into the preceding convolution wherever a Conv2d feeds a BatchNorm2d (checked numerically in fp32
against the unfolded module first; if they disagree the unfolded module is measured), input already on the GPU,
CUDA-event timing after warm-up, about `seconds` per point. One line per point:

    PYTORCH_BENCH model=<name> variant=eager-fp16-channels_last batch=<B> images_per_s=<X>
    PYTORCH_BENCH model=<name> variant=compile-reduce-overhead-fp16 batch=<B> images_per_s=<X>
    PYTORCH_BENCH model=<name> error=<text>
"""
import copy
import time

import torch
import torch.nn as nn

# modules whose forward applies attribute `bn` right after attribute `conv` (and so on)
_PAIR_CLASSES = {"Conv", "BaseConv", "ConvNormLayer", "TBlock", "MiniResNet", "DetectNetV2", "Bottleneck",
                 "BasicBlock", "ResNet"}
_PAIRS = (("conv", "bn"), ("conv", "norm"), ("conv1", "bn1"), ("conv2", "bn2"), ("conv3", "bn3"))


def fuse_conv_bn(model):
    """Folds BatchNorm2d into the Conv2d before it (Sequential neighbours, and known attribute pairs)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    n = 0
    for parent in list(model.modules()):
        if isinstance(parent, nn.Sequential):
            keys = list(parent._modules.keys())
            for a, b in zip(keys, keys[1:]):
                ca, cb = parent._modules[a], parent._modules[b]
                if isinstance(ca, nn.Conv2d) and isinstance(cb, nn.BatchNorm2d):
                    parent._modules[a] = fuse_conv_bn_eval(ca, cb)
                    parent._modules[b] = nn.Identity()
                    n += 1
        if type(parent).__name__ in _PAIR_CLASSES:
            for ca_name, cb_name in _PAIRS:
                ca, cb = getattr(parent, ca_name, None), getattr(parent, cb_name, None)
                if isinstance(ca, nn.Conv2d) and isinstance(cb, nn.BatchNorm2d):
                    setattr(parent, ca_name, fuse_conv_bn_eval(ca, cb))
                    setattr(parent, cb_name, nn.Identity())
                    n += 1
    return n


def _outputs(y):
    return y if isinstance(y, (tuple, list)) else (y,)


def _time(m, x, seconds, warmup):
    with torch.inference_mode():
        for _ in range(warmup):
            m(x)
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(3):
            m(x)
        torch.cuda.synchronize()
        per = (time.perf_counter() - t) / 3
        iters = max(10, int(seconds / max(per, 1e-6)))
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        for _ in range(iters):
            m(x)
        e1.record()
        torch.cuda.synchronize()
        return iters * x.shape[0] / (e0.elapsed_time(e1) / 1000.0)


def _err(name, e, log):
    text = " ".join(f"{type(e).__name__}: {e}".split())[:300]
    log(f"PYTORCH_BENCH model={name} error={text}")
    return dict(model=name, error=text)


def _profile(m, x, name, log):
    """torch.profiler's per-kind CUDA kernel times of one call (tools/detector/bench_model.py's vocabulary)."""
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "detector"))
    from bench_model import profile_kernels
    try:
        profile_kernels(m, x, name, log, top=25)
    except Exception as e:  # noqa: BLE001 - the profile is extra: never lose the benchmark for it
        log(f"PYTORCH_PROFILE variant={name} error={type(e).__name__}: {e}")


def bench_one(name, b, batches, seconds, compile_batches, log, profile_batch=0):
    dev = torch.device("cuda")
    rows = []
    h, w = b.input_size
    base = copy.deepcopy(b.module).eval().to(dev)
    fused = copy.deepcopy(base)
    n = fuse_conv_bn(fused)
    x = torch.rand(1, 3, h, w, device=dev)
    with torch.inference_mode():
        ref = _outputs(base(x))
        got = _outputs(fused(x))
    worst = max(float((r - g).abs().max() / (r.abs().max() + 1e-6)) for r, g in zip(ref, got))
    if worst > 1e-3:
        log(f"[bench] {name}: BN folding changed the fp32 output (relative {worst:.2e}): measuring unfolded")
        fused = base
    else:
        log(f"[bench] {name}: {n} BatchNorms folded (fp32 relative change {worst:.1e})")
        del base
    m = fused.half().to(memory_format=torch.channels_last).eval()
    for bs in batches:
        try:
            xb = torch.rand(bs, 3, h, w, device=dev).half().contiguous(memory_format=torch.channels_last)
            ips = _time(m, xb, seconds, 5)
            log(f"PYTORCH_BENCH model={name} variant=eager-fp16-channels_last batch={bs} images_per_s={ips:.1f}")
            rows.append(dict(model=name, variant="eager-fp16-channels_last", batch=bs, images_per_s=round(ips, 1)))
        except Exception as e:  # noqa: BLE001
            rows.append(_err(name, e, log))
        torch.cuda.empty_cache()
    if compile_batches:
        try:
            cm = torch.compile(m, mode="reduce-overhead")
        except Exception as e:  # noqa: BLE001
            rows.append(_err(name, e, log))
            cm = None
        for bs in (compile_batches if cm is not None else []):
            try:
                xb = torch.rand(bs, 3, h, w, device=dev).half().contiguous(memory_format=torch.channels_last)
                ips = _time(cm, xb, seconds, 10)
                log(f"PYTORCH_BENCH model={name} variant=compile-reduce-overhead-fp16 batch={bs} images_per_s={ips:.1f}")
                if bs == profile_batch:
                    _profile(cm, xb, f"{name}-compile-reduce-overhead", log)
                rows.append(dict(model=name, variant="compile-reduce-overhead-fp16", batch=bs,
                                 images_per_s=round(ips, 1)))
            except Exception as e:  # noqa: BLE001
                rows.append(_err(name, e, log))
    del m
    torch.cuda.empty_cache()
    return rows


def run_all(names, built_full, build, batches, seconds, compile_batches, log, profile_batch=0):
    if not torch.cuda.is_available():
        log("[bench] no CUDA device: PyTorch benchmark not run")
        return [dict(error="no CUDA device")]
    torch.backends.cudnn.benchmark = True
    log(f"[bench] PyTorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}, "
        f"fp16, channels_last, cudnn.benchmark=True, BN folded, input on the GPU, ~{seconds} s per point")
    rows = []
    for name in names:
        try:
            b = built_full.get(name) or build(name, False, device="cuda")
            rows += bench_one(name, b, batches, seconds, compile_batches, log, profile_batch)
        except Exception as e:  # noqa: BLE001 - one model's failure never stops the others
            rows.append(_err(name, e, log))
        torch.cuda.empty_cache()
    return rows
