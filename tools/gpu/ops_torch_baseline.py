#!/usr/bin/env python3
"""PyTorch GPU baseline for the fused preprocessing of issue 4, on the same frames, side by side.

The seed pipeline's way of preprocessing, written with PyTorch tensor ops on the GPU:
NV12 (uint8, already on the GPU) -> Y and UV planes -> chroma upsampled (nearest) -> YUV->RGB
matrix (the frames' colour spec, BT.709 limited for the bench frames) -> clamp ->
torch.nn.functional.interpolate(bilinear, align_corners=False) to the letterbox size -> F.pad with
114 -> normalise (x/255 - mean)/std with mean 0, std 1 (the same math as the Java config) -> half.
Timed with torch.cuda events over a loop of calls (launch overheads included, as in a pipeline),
microseconds per frame at batch 1, 8, 32.

Reads the directory LetterboxResizeBench --frames-out wrote: frame_NN.nv12, index.json (with the
Java results) and java_frame0_f16_nchw.bin; prints both and the speedups, checks the issue's
targets (ours <= 20 us/frame at batch 32, >= 3x faster than this), and prints how far this
PyTorch pipeline's output is from ours on frame 0 (it rounds differently: no 8-bit RGB step,
textbook coefficients; informational).

Usage: ops_torch_baseline.py DIR [--iters N]
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def yuv_to_rgb_matrix(matrix, rng):
    kr, kb = (0.2126, 0.0722) if matrix == "BT709" else (0.299, 0.114)
    kg = 1.0 - kr - kb
    ys, cs = (255.0 / 219.0, 255.0 / 224.0) if rng == "LIMITED" else (1.0, 1.0)
    return [[ys, 0.0, 2 * (1 - kr) * cs],
            [ys, -2 * kb * (1 - kb) / kg * cs, -2 * kr * (1 - kr) / kg * cs],
            [ys, 2 * (1 - kb) * cs, 0.0]]


def make_preprocess(h, w, out, pad, m, y_offset, device):
    mat = torch.tensor(m, dtype=torch.float32, device=device)
    mean = torch.zeros(1, 3, 1, 1, device=device)
    std = torch.ones(1, 3, 1, 1, device=device)
    r = min(out / w, out / h)
    nw, nh = int(round(w * r)), int(round(h * r))
    px, py = (out - nw) // 2, (out - nh) // 2

    def preprocess(nv12):  # uint8 [N, H*3/2, W] on the GPU
        n = nv12.shape[0]
        y = nv12[:, :h, :].float().sub_(y_offset)                                   # [N,H,W]
        uv = nv12[:, h:, :].reshape(n, h // 2, w // 2, 2).permute(0, 3, 1, 2).float().sub_(128.0)
        uv = F.interpolate(uv, scale_factor=2, mode="nearest")                      # [N,2,H,W]
        yuv = torch.cat([y.unsqueeze(1), uv], dim=1)                                # [N,3,H,W]
        rgb = torch.einsum("ij,njhw->nihw", mat, yuv).clamp_(0.0, 255.0)
        rgb = F.interpolate(rgb, size=(nh, nw), mode="bilinear", align_corners=False)
        rgb = F.pad(rgb, (px, out - nw - px, py, out - nh - py), value=float(pad))
        return rgb.div_(255.0).sub_(mean).div_(std).half()

    return preprocess, (px, py, nw, nh)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--iters", type=int, default=0, help="timed calls per batch size (default: by batch size)")
    a = ap.parse_args()
    idx = json.load(open(os.path.join(a.dir, "index.json")))
    w, h, n, out, pad = idx["width"], idx["height"], idx["frames"], idx["out"], idx["pad"]
    if not torch.cuda.is_available():
        print("CUDA is not available to PyTorch")
        return 1
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}; {n} frames {w}x{h} NV12 "
          f"({idx['matrix']} {idx['range']}) -> {out}x{out} letterbox fp16 NCHW")
    frames = np.stack([np.fromfile(os.path.join(a.dir, f"frame_{i:02d}.nv12"), np.uint8).reshape(h * 3 // 2, w)
                       for i in range(n)])
    nv12 = torch.from_numpy(frames).to(dev)
    m = yuv_to_rgb_matrix(idx["matrix"], idx["range"])
    preprocess, geo = make_preprocess(h, w, out, pad, m, 16.0 if idx["range"] == "LIMITED" else 0.0, dev)
    print(f"letterbox geometry (pad_x, pad_y, w, h) = {geo}")

    torch_us = {}
    for b in (1, 8, 32):
        x = nv12[:b] if b <= n else nv12.repeat((b + n - 1) // n, 1, 1)[:b]
        iters = a.iters or (200 if b == 1 else 50 if b == 8 else 20)
        for _ in range(5):
            preprocess(x)
        torch.cuda.synchronize()
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            preprocess(x)
        end.record()
        end.synchronize()
        torch_us[b] = start.elapsed_time(end) * 1000.0 / iters / b
    peak_mem = torch.cuda.max_memory_allocated() / 2**20

    java = idx.get("results", {})
    print()
    print("batch | torch us/frame | ours gpu us/frame | ours stream us/frame | speedup (stream) | speedup (gpu)")
    for b in (1, 8, 32):
        j = java.get(str(b), {})
        g, s = j.get("gpu_us_per_frame"), j.get("stream_us_per_frame")
        print(f"{b:5d} | {torch_us[b]:14.2f} | {g if g is None else f'{g:17.2f}'} | "
              f"{s if s is None else f'{s:20.2f}'} | {'-' if not s else f'{torch_us[b] / s:15.1f}x'} | "
              f"{'-' if not g else f'{torch_us[b] / g:12.1f}x'}")
    print(f"PyTorch peak GPU memory: {peak_mem:.0f} MiB")

    j32 = java.get("32")
    if j32:
        ours = j32["stream_us_per_frame"]
        t1 = ours <= 20.0
        t2 = torch_us[32] / ours >= 3.0
        print(f"target: <= 20 us/frame at batch 32 (stream, launches included): {ours:.2f} -> {'MET' if t1 else 'MISSED'}")
        print(f"target: >= 3x faster than PyTorch at batch 32: {torch_us[32] / ours:.1f}x -> {'MET' if t2 else 'MISSED'}")
    else:
        print("no Java results in index.json: run LetterboxResizeBench --frames-out first")

    ref = os.path.join(a.dir, "java_frame0_f16_nchw.bin")
    if os.path.exists(ref):
        ours = np.fromfile(ref, np.float16).astype(np.float32).reshape(3, out, out)
        theirs = preprocess(nv12[:1]).float().cpu().numpy()[0]
        d = np.abs(ours - theirs) * 255.0
        print(f"frame 0, ours vs this PyTorch pipeline (pixel units): max {d.max():.2f}, mean {d.mean():.3f} "
              f"(different rounding: informational)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
