#!/usr/bin/env python3
"""The benchmark model: a YOLOv8n-class detector with random weights, and its PyTorch baseline.

    python3 tools/detector/bench_model.py --out DIR [--imgsz 640] [--export] [--golden] [--bench]

--export  DIR/bench<imgsz>.onnx: input "images" [N,3,imgsz,imgsz] float32 (dynamic batch), output
          "output0" [N, 4 + nc, A] (A = 8400 at 640): rows 0..3 cx,cy,w,h decoded in input pixels
          (DFL softmax + dist2bbox inside the network), rows 4.. sigmoid class scores; opset 17, IR 8.
--golden  DIR/bench<imgsz>_input.pb and DIR/bench<imgsz>_output.pb (ONNX TensorProto): one random
          image (seed) and onnxruntime CPU's output for it.
--bench   PyTorch eager fp16 throughput (torch.backends.cudnn.benchmark = True) at --batches, on
          device-resident input, timed with CUDA events after warm-up; printed as lines
          "PYTORCH_BENCH variant=... batch=B images_per_s=X".
--profile-batch B  after timing each torch.compile mode at batch B, its CUDA kernels over 20 calls by torch.profiler,
          per kind as the Java engine's JAVA_PROFILE names them (conv, gemm, copy, pointwise, reduction, ...):
          "PYTORCH_PROFILE variant=... batch=B kind=K ms=X share=S% launches=N" per call, then the slowest kernels.

The network follows Ultralytics YOLOv8n's published structure (width 0.25, depth 0.33): Conv-BN-SiLU,
C2f blocks, SPPF (MaxPool 5), nearest Upsample + Concat neck, decoupled Detect head with DFL
(reg_max 16). The weights are random (seeded): it measures speed and checks numerics, it detects nothing.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


class Conv(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    def __init__(self, c1, c2, shortcut=True):
        super().__init__()
        self.cv1 = Conv(c1, c2, 3)
        self.cv2 = Conv(c2, c2, 3)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    def __init__(self, c1, c2, n=1, shortcut=False):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = Conv(c1, 2 * self.c, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).split((self.c, self.c), 1))  # split, not chunk: chunk exports Shape arithmetic
        for m in self.m:
            y.append(m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1)
        self.cv2 = Conv(c_ * 4, c2, 1)
        self.m = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat([x, y1, y2, self.m(y2)], 1))


class Detect(nn.Module):
    reg_max = 16

    def __init__(self, nc, ch, imgsz, strides=(8, 16, 32)):
        super().__init__()
        self.nc = nc
        self.no = nc + 4 * self.reg_max
        c2 = max(16, ch[0] // 4, self.reg_max * 4)
        c3 = max(ch[0], min(nc, 100))
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * self.reg_max, 1)) for x in ch)
        self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, nc, 1)) for x in ch)
        self.dfl = nn.Conv2d(self.reg_max, 1, 1, bias=False).requires_grad_(False)
        self.dfl.weight.data[:] = torch.arange(self.reg_max, dtype=torch.float32).view(1, self.reg_max, 1, 1)
        self.hw = [(imgsz // s) ** 2 for s in strides]
        self.A = sum(self.hw)
        anchors, stride_t = [], []
        for s in strides:
            g = imgsz // s
            ys, xs = torch.meshgrid(torch.arange(g, dtype=torch.float32) + 0.5, torch.arange(g, dtype=torch.float32) + 0.5,
                                    indexing="ij")
            anchors.append(torch.stack([xs.reshape(-1), ys.reshape(-1)], 0))
            stride_t.append(torch.full((1, g * g), float(s)))
        self.register_buffer("anchors", torch.cat(anchors, 1)[None], persistent=False)    # [1, 2, A] in grid units
        self.register_buffer("strides", torch.cat(stride_t, 1)[None], persistent=False)   # [1, 1, A]

    def forward(self, xs):
        # Constant shapes with -1 for the batch: the exported graph has no Shape arithmetic.
        x = torch.cat([torch.cat([self.cv2[i](xi), self.cv3[i](xi)], 1).reshape(-1, self.no, self.hw[i])
                       for i, xi in enumerate(xs)], 2)
        box, cls = x.split((4 * self.reg_max, self.nc), 1)
        b = box.reshape(-1, 4, self.reg_max, self.A).transpose(2, 1).softmax(1)   # [N, 16, 4, A]
        b = self.dfl(b).reshape(-1, 4, self.A)                                     # expectation over 16 bins
        lt, rb = b.split((2, 2), 1)
        x1y1 = self.anchors - lt
        x2y2 = self.anchors + rb
        dbox = torch.cat([(x1y1 + x2y2) * 0.5, x2y2 - x1y1], 1) * self.strides
        return torch.cat([dbox, cls.sigmoid()], 1)


class YoloV8n(nn.Module):
    def __init__(self, nc=80, imgsz=640, width=1.0):
        super().__init__()
        c1, c2, c3, c4, c5 = (max(4, int(c * width)) for c in (16, 32, 64, 128, 256))
        self.b0 = Conv(3, c1, 3, 2)
        self.b1 = Conv(c1, c2, 3, 2)
        self.b2 = C2f(c2, c2, 1, True)
        self.b3 = Conv(c2, c3, 3, 2)
        self.b4 = C2f(c3, c3, 2, True)
        self.b5 = Conv(c3, c4, 3, 2)
        self.b6 = C2f(c4, c4, 2, True)
        self.b7 = Conv(c4, c5, 3, 2)
        self.b8 = C2f(c5, c5, 1, True)
        self.b9 = SPPF(c5, c5, 5)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.h12 = C2f(c5 + c4, c4, 1)
        self.h15 = C2f(c4 + c3, c3, 1)
        self.h16 = Conv(c3, c3, 3, 2)
        self.h18 = C2f(c3 + c4, c4, 1)
        self.h19 = Conv(c4, c4, 3, 2)
        self.h21 = C2f(c4 + c5, c5, 1)
        self.detect = Detect(nc, (c3, c4, c5), imgsz)

    def forward(self, x):
        x = self.b2(self.b1(self.b0(x)))
        p3 = self.b4(self.b3(x))
        p4 = self.b6(self.b5(p3))
        p5 = self.b9(self.b8(self.b7(p4)))
        h12 = self.h12(torch.cat([self.up(p5), p4], 1))
        h15 = self.h15(torch.cat([self.up(h12), p3], 1))
        h18 = self.h18(torch.cat([self.h16(h15), h12], 1))
        h21 = self.h21(torch.cat([self.h19(h18), p5], 1))
        return self.detect([h15, h18, h21])


def randomize(model, seed=0):
    """Seeded random weights that keep activations O(1) through the depth (fan-in scaled convs,
    BatchNorm statistics near identity but not equal to it, so folding them is tested)."""
    g = torch.Generator().manual_seed(seed)
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d) and mod.weight.requires_grad:
            fan_in = mod.weight[0].numel()
            mod.weight.data = torch.randn(mod.weight.shape, generator=g) * (1.6 / fan_in) ** 0.5
            if mod.bias is not None:
                mod.bias.data = torch.randn(mod.bias.shape, generator=g) * 0.1
        elif isinstance(mod, nn.BatchNorm2d):
            c = mod.num_features
            mod.weight.data = torch.rand(c, generator=g) * 0.5 + 0.75
            mod.bias.data = torch.randn(c, generator=g) * 0.1
            mod.running_mean.data = torch.randn(c, generator=g) * 0.1
            mod.running_var.data = torch.rand(c, generator=g) * 0.5 + 0.75
    return model.eval()


def build(nc=80, imgsz=640, seed=0, width=1.0):
    """A YOLOv8n-class model (width 1.0 = YOLOv8n's channels 16..256) in eval mode, random weights."""
    torch.manual_seed(seed)
    return randomize(YoloV8n(nc, imgsz, width), seed)


def count_params(m):
    return sum(p.numel() for p in m.parameters())


def fuse_conv_bn(model):
    """Folds every Conv's BatchNorm into it (what the exporter does), for the fused PyTorch variant."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval
    for mod in model.modules():
        if isinstance(mod, Conv):
            mod.conv = fuse_conv_bn_eval(mod.conv, mod.bn)
            mod.bn = nn.Identity()
    return model


def kernel_kind(name):
    """A CUDA kernel's kind from its name, in the Java engine's profile vocabulary where one exists."""
    n = name.lower()
    if n.startswith("memcpy") or n.startswith("memset"):
        return "copy"
    if "triton" in n:
        # inductor names its kernels triton_{poi,red,per,tem}_fused_<ops>_<n>; "cat" among the ops: it writes a Concat's slice
        kind = {"poi": "pointwise", "red": "reduction", "per": "reduction", "tem": "template"}.get(n.split("_")[1] if "_" in n else "", "other")
        return "triton-" + kind + ("+cat" if "_cat_" in n or n.endswith("_cat") else "")
    if "nchwtonhwc" in n or "nhwctonchw" in n or "transpose" in n:
        return "copy"  # layout conversions (cuDNN's own among them)
    if "fprop" in n or "conv" in n or "implicit_gemm" in n or "winograd" in n or "cudnn" in n:
        return "conv"
    if "gemm" in n or "gemv" in n or "cutlass" in n:
        return "gemm"
    if "copy" in n or "cat" in n:
        return "copy"
    if "softmax" in n or "reduce" in n:
        return "reduction"
    if "elementwise" in n or "vectorized" in n:
        return "pointwise"
    return "other"


def profile_kernels(m, x, name, log, iters=20, top=10):
    """Per call: CUDA kernel time by kind (kernel_kind) and the slowest kernels, by torch.profiler (CUPTI)."""
    from torch.profiler import ProfilerActivity, profile
    with torch.inference_mode():
        for _ in range(3):
            m(x)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(iters):
                m(x)
            torch.cuda.synchronize()
    kinds, kernels = {}, []
    for e in prof.key_averages():
        us = getattr(e, "self_device_time_total", None)
        if us is None:
            us = getattr(e, "self_cuda_time_total", 0)
        if not us or e.key.startswith("ProfilerStep") or e.key.startswith("cuda"):
            continue
        k = kernel_kind(e.key)
        t = kinds.setdefault(k, [0.0, 0])
        t[0] += us / 1000.0 / iters
        t[1] += e.count / iters
        kernels.append((us / 1000.0 / iters, e.count / iters, k, e.key))
    total = sum(t[0] for t in kinds.values())
    if total == 0:
        log(f"PYTORCH_PROFILE variant={name} batch={x.shape[0]} no CUDA kernels recorded (CUDA graph replays hidden from CUPTI?)")
        return
    log(f"PYTORCH_PROFILE variant={name} batch={x.shape[0]} sum_ms={total:.3f} launches={sum(t[1] for t in kinds.values()):.0f} (per call, {iters} calls)")
    for k, (ms, n) in sorted(kinds.items(), key=lambda kv: -kv[1][0]):
        log(f"PYTORCH_PROFILE variant={name} batch={x.shape[0]} kind={k} ms={ms:.3f} share={100 * ms / total:.1f}% launches={n:.0f}")
    for ms, n, k, key in sorted(kernels, reverse=True)[:top]:
        log(f"PYTORCH_PROFILE variant={name} batch={x.shape[0]} top kind={k} ms={ms:.3f} launches={n:.0f} name={key[:120]}")


def torch_bench(model_fp32, imgsz, batches, seconds, log=print, compile_modes=(), profile_batch=0):
    """PyTorch fp16 images/s at each batch size: eager on several memory layouts, then each torch.compile mode
    given (BN fused, channels_last; "reduce-overhead" is inductor with CUDA graphs, what a PyTorch user reaches for
    next); returns {variant: {batch: ips}}."""
    import copy
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    log(f"[bench] PyTorch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}, {torch.cuda.get_device_name(0)}, "
        f"cudnn.benchmark=True, fp16, input already on the GPU")
    variants = {}
    runs = [("eager-fp16-nchw", False, False, None), ("eager-fp16-channels_last", True, False, None),
            ("eager-fp16-nchw-bnfused", False, True, None), ("eager-fp16-channels_last-bnfused", True, True, None)]
    runs += [(f"compile-{mode}-fp16-channels_last-bnfused", True, True, mode) for mode in compile_modes]
    for name, channels_last, fused, mode in runs:
        m = copy.deepcopy(model_fp32)
        if fused:
            m = fuse_conv_bn(m)
        m = m.half().to(dev).eval()
        if channels_last:
            m = m.to(memory_format=torch.channels_last)
        if mode is not None:
            m = torch.compile(m, mode=mode, dynamic=False)
        res = {}
        for bs in batches:
            x = torch.rand(bs, 3, imgsz, imgsz, device=dev).half()
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                c0 = time.perf_counter()
                for _ in range(5):
                    m(x)
                torch.cuda.synchronize()
                if mode is not None:
                    log(f"[bench] {name} batch={bs}: compile and warm-up {time.perf_counter() - c0:.1f} s")
                t = time.perf_counter()
                for _ in range(5):
                    m(x)
                torch.cuda.synchronize()
                per = (time.perf_counter() - t) / 5
                iters = max(10, int(seconds / max(per, 1e-6)))
                e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                e0.record()
                for _ in range(iters):
                    m(x)
                e1.record()
                torch.cuda.synchronize()
                ms = e0.elapsed_time(e1)
            ips = iters * bs / (ms / 1000.0)
            res[bs] = ips
            log(f"PYTORCH_BENCH variant={name} batch={bs} images_per_s={ips:.1f} ms_per_batch={ms / iters:.3f} iters={iters}")
            if mode is not None and bs == profile_batch:
                try:
                    profile_kernels(m, x, name, log)
                except Exception as e:  # noqa: BLE001 - the profile is extra: never lose the benchmark for it
                    log(f"PYTORCH_PROFILE variant={name} batch={bs} error={type(e).__name__}: {str(e)[:200]}")
        variants[name] = res
        del m
        torch.cuda.empty_cache()
    for bs in batches:
        best = max(variants, key=lambda v: variants[v][bs])
        log(f"PYTORCH_BENCH_BEST batch={bs} images_per_s={variants[best][bs]:.1f} variant={best}")
    return variants


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=".")
    ap.add_argument("--imgsz", type=int, default=640)
    ap.add_argument("--nc", type=int, default=80)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--export", action="store_true")
    ap.add_argument("--golden", action="store_true")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--seconds", type=float, default=1.5, help="timed seconds per batch size and variant")
    ap.add_argument("--compile", default="", help="torch.compile modes to add, comma-separated (e.g. reduce-overhead,max-autotune-no-cudagraphs)")
    ap.add_argument("--profile-batch", type=int, default=0, help="profile each compiled variant's kernels at this batch")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    model = build(args.nc, args.imgsz, args.seed)
    print(f"[bench_model] YOLOv8n-class, nc={args.nc}, imgsz={args.imgsz}, {count_params(model)} parameters, "
          f"{model.detect.A} anchors", flush=True)
    path = os.path.join(args.out, f"bench{args.imgsz}.onnx")
    if args.export or args.golden:
        import onnx_export
        onnx_export.export(model, torch.zeros(1, 3, args.imgsz, args.imgsz), path, "images", "output0")
    if args.golden:
        import onnxruntime as ort
        from onnx import numpy_helper
        x = np.random.default_rng(args.seed).random((1, 3, args.imgsz, args.imgsz), dtype=np.float32)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y = sess.run(["output0"], {"images": x})[0]
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        print(f"[bench_model] onnxruntime output {y.shape}, range [{y.min():.3f}, {y.max():.3f}], "
              f"max |onnxruntime - PyTorch fp32| {np.abs(y - ref).max():.3e}", flush=True)
        for name, arr, tname in (("input", x, "images"), ("output", y, "output0")):
            with open(os.path.join(args.out, f"bench{args.imgsz}_{name}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(arr, tname).SerializeToString())
    if args.bench:
        if not torch.cuda.is_available():
            print("[bench_model] no CUDA device: PyTorch benchmark not run", flush=True)
            sys.exit(3)
        torch_bench(model, args.imgsz, [int(b) for b in args.batches.split(",")], args.seconds,
                    log=lambda s: print(s, flush=True), compile_modes=[c for c in args.compile.split(",") if c],
                    profile_batch=args.profile_batch)


if __name__ == "__main__":
    main()
