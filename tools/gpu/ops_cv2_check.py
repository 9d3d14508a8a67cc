#!/usr/bin/env python3
"""Independent check of the ops module's outputs with OpenCV (issue 4).

Reads a golden directory written by the Java side (dev.vahost.ops.GoldenSet: by the GPU test
OpenCvGoldenGpuTest, or by dev.vahost.ops.CpuGoldenOutputs for the CPU references): NV12 frames,
their RGB conversion, resizes of that RGB and a 640x640 letterbox batch (fp32 and fp16, NCHW, RGB,
pad 114, no normalisation). Recomputes each with cv2 on the same frames and asserts
max |ours - cv2| <= 1 (8-bit units), printing the numbers:

  cvtColor   ours vs cv2.cvtColor(nv12, COLOR_YUV2RGB_NV12)                     (assert <= 1)
  resize     ours vs cv2.resize(our RGB, size, INTER_LINEAR)                      (assert <= 1)
             INTER_NEAREST: printed only (OpenCV's floor(d * scale) is what we implement, but
             it is not part of the issue's acceptance)
  letterbox  ours vs cvtColor -> cv2.resize(INTER_LINEAR, 8-bit) -> pad             (assert <= 1)
             geometry recomputed here (r = min(W/w, H/h), round(), floor centring) (assert equal)
             pad area exactly the pad value                                      (assert)
             ours vs the same with cv2.resize on float32 RGB (OpenCV's float path)  (printed)

Usage: ops_cv2_check.py [DIR]   (default: $VAHOST_GOLDEN_OUT or target/ops-golden)
Exit status 1 when any assertion fails.
"""
import json
import os
import sys

import numpy as np
import cv2


def load(d, name, dtype, shape):
    a = np.fromfile(os.path.join(d, name), dtype=dtype)
    want = int(np.prod(shape))
    if a.size != want:
        raise ValueError(f"{name}: {a.size} elements, expected {want} for shape {shape}")
    return a.reshape(shape)


def diff(got, want):
    d = np.abs(got.astype(np.float64) - want.astype(np.float64))
    return float(d.max()), float((d > 0).mean()), int((d > 1).sum())


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VAHOST_GOLDEN_OUT", "target/ops-golden")
    index = json.load(open(os.path.join(d, "index.json")))
    print(f"ops_cv2_check: {d} ({index.get('producer', '?')}); cv2 {cv2.__version__}, numpy {np.__version__}")
    failures = []

    def check(label, ok, detail):
        print(f"  {'ok  ' if ok else 'FAIL'} {label}: {detail}")
        if not ok:
            failures.append(label)

    frames = {f["id"]: f for f in index["frames"]}
    nv12 = {}
    rgb_cv = {}
    for i, f in frames.items():
        w, h = f["width"], f["height"]
        assert f["format"] == "NV12" and f["matrix"] == "BT601" and f["range"] == "LIMITED", f
        nv12[i] = load(d, f["file"], np.uint8, (h * 3 // 2, w))
        rgb_cv[i] = cv2.cvtColor(nv12[i], cv2.COLOR_YUV2RGB_NV12)

    for o in index["outputs"]:
        kind = o["kind"]
        if kind == "cvtColor":
            f = frames[o["frame"]]
            got = load(d, o["file"], np.uint8, (f["height"], f["width"], 3))
            m, frac, over = diff(got, rgb_cv[o["frame"]])
            check(f"cvtColor frame {o['frame']} {f['width']}x{f['height']} NV12->RGB", m <= 1,
                  f"max |ours-cv2| = {m:g}, {100 * frac:.4f}% of bytes differ, {over} differ by more than 1")
        elif kind == "resize":
            f = frames[o["frame"]]
            src = load(d, o["input"], np.uint8, (f["height"], f["width"], 3))
            w, h = o["width"], o["height"]
            got = load(d, o["file"], np.uint8, (h, w, 3))
            label = f"resize frame {o['frame']} {f['width']}x{f['height']} -> {w}x{h} {o['interpolation']}"
            if o["interpolation"] == "LINEAR":
                want = cv2.resize(src, (w, h), interpolation=cv2.INTER_LINEAR)
                m, frac, over = diff(got, want)
                check(label, m <= 1, f"max |ours-cv2| = {m:g}, {100 * frac:.4f}% differ, {over} by more than 1")
            else:
                want = cv2.resize(src, (w, h), interpolation=cv2.INTER_NEAREST)
                m, frac, over = diff(got, want)
                print(f"  info {label}: vs INTER_NEAREST max {m:g}, {100 * frac:.4f}% differ (not asserted)")
        elif kind == "letterbox":
            W, H, pad = o["out_width"], o["out_height"], o["pad"]
            assert o["layout"] == "NCHW" and o["order"] == "RGB" and o["fit"] == "LETTERBOX_CENTER", o
            dtype = np.float32 if o["dtype"] == "float32" else np.float16
            n = len(o["frames"])
            got = load(d, o["file"], dtype, (n, 3, H, W)).astype(np.float32)
            for e in o["frames"]:
                i = e["frame"]
                f = frames[i]
                w, h = f["width"], f["height"]
                r = min(W / w, H / h)
                nw, nh = int(round(w * r)), int(round(h * r))
                px, py = (W - nw) // 2, (H - nh) // 2
                geo = (px, py, nw, nh) == (e["pad_x"], e["pad_y"], e["width"], e["height"])
                label = f"letterbox {o['dtype']} frame {i} {w}x{h} -> {W}x{H}"
                check(label + " geometry", geo, f"ours {(e['pad_x'], e['pad_y'], e['width'], e['height'])}, "
                      f"recomputed {(px, py, nw, nh)} (pad_x, pad_y, w, h)")
                canvas = np.full((H, W, 3), pad, np.float32)
                canvas[py:py + nh, px:px + nw] = cv2.resize(rgb_cv[i], (nw, nh), interpolation=cv2.INTER_LINEAR)
                want8 = canvas.transpose(2, 0, 1)
                m, frac, over = diff(got[i], want8)
                check(label, m <= 1, f"max |ours-cv2 8-bit pipeline| = {m:.4g}, {over} elements differ by more than 1")
                mask = np.ones((H, W), bool)
                mask[py:py + nh, px:px + nw] = False
                pad_dev = float(np.abs(got[i][:, mask] - pad).max()) if mask.any() else 0.0
                check(label + " padding", pad_dev == 0, f"max |pad - {pad}| = {pad_dev:g}")
                canvas[py:py + nh, px:px + nw] = cv2.resize(rgb_cv[i].astype(np.float32), (nw, nh),
                                                            interpolation=cv2.INTER_LINEAR)
                mf, _, _ = diff(got[i], canvas.transpose(2, 0, 1))
                print(f"  info {label}: vs cv2's float32 resize of the same RGB: max {mf:.4g} "
                      f"({'fp16 rounding is at most 0.0625 here' if dtype == np.float16 else 'float rounding only'})")
        else:
            check(f"unknown output kind {kind}", False, str(o))

    print(f"ops_cv2_check: {len(failures)} failure(s)" + (": " + ", ".join(failures) if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
