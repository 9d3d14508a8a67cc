#!/usr/bin/env python3
"""Independent check of the GPU batched NMS against torchvision.ops.batched_nms.

Reads the cases GpuPostprocessorTest wrote ($VAHOST_GOLDEN_OUT, default target/nms-golden):
index.json plus raw little-endian files per case (boxes f32 [N,M,4], scores f32 [N,M], classes i32
[N,M], kept i32 = each image's kept candidate indices, concatenated in image order). Runs
torchvision.ops.batched_nms on the GPU over the whole batch (group = image*C + class, or the image
when class-agnostic) and compares the kept sets per image.

A difference is classified by its highest-ranked differing box in its group (rank = score desc,
index asc, the Java side's order):
  rounding : that box has an IoU within 1e-5 of the threshold with a higher-ranked box of its group
             (computed in float64; torchvision's kernel may round differently from IEEE-exact float)
  ties     : that box shares its score with another box of its group (torchvision's sort order among
             equal scores is not part of its contract)
  unexplained: anything else -> exit status 1.
The whole-pixel cases cannot have rounding differences (every IoU comparison there is exact).
Usage: nms_torchvision_check.py [DIR]
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torchvision


def load(d, c):
    n, m = c["images"], c["candidates"]
    boxes = np.fromfile(os.path.join(d, c["name"] + ".boxes.f32"), dtype="<f4").reshape(n, m, 4)
    scores = np.fromfile(os.path.join(d, c["name"] + ".scores.f32"), dtype="<f4").reshape(n, m)
    classes = np.fromfile(os.path.join(d, c["name"] + ".classes.i32"), dtype="<i4").reshape(n, m)
    kept = np.fromfile(os.path.join(d, c["name"] + ".kept.i32"), dtype="<i4")
    return boxes, scores, classes, kept


def iou64(box, others):
    lt = np.maximum(box[:2], others[:, :2])
    rb = np.minimum(box[2:], others[:, 2:])
    wh = rb - lt
    inter = np.where((wh[:, 0] > 0) & (wh[:, 1] > 0), wh[:, 0] * wh[:, 1], 0.0)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-300)


def classify(boxes, scores, groups, ours, theirs, thr):
    """Classifies one image's differences group by group; returns counts per category."""
    out = {"rounding": 0, "ties": 0, "unexplained": 0}
    diff = ours ^ theirs
    for g in sorted({int(groups[i]) for i in diff}):
        members = np.nonzero(groups == g)[0]
        order = sorted(members.tolist(), key=lambda i: (-float(scores[i]), i))
        first = next(i for i in order if i in diff)
        higher = np.array(order[:order.index(first)], dtype=np.int64)
        b64 = boxes.astype(np.float64)
        if len(higher) and np.any(np.abs(iou64(b64[first], b64[higher]) - thr) < 1e-5):
            out["rounding"] += 1
        elif np.count_nonzero(scores[members] == scores[first]) > 1:
            out["ties"] += 1
        else:
            out["unexplained"] += 1
            print(f"    unexplained: group {g}, first differing box {first} (score {scores[first]}, box {boxes[first]}),"
                  f" kept by {'GPU' if first in ours else 'torchvision'} only")
    return out


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VAHOST_GOLDEN_OUT", "target/nms-golden")
    cases = json.load(open(os.path.join(d, "index.json")))
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.cuda.get_device_name(0)}")
    totals = {"rounding": 0, "ties": 0, "unexplained": 0}
    for c in cases:
        boxes, scores, classes, kept = load(d, c)
        n, m, ncls = c["images"], c["candidates"], c["classes"]
        mask = scores.reshape(-1) > c["score_threshold"]
        img = np.repeat(np.arange(n), m)
        groups = img if c["class_agnostic"] else img * ncls + classes.reshape(-1)
        sel = np.nonzero(mask)[0]
        B = torch.from_numpy(boxes.reshape(-1, 4)[sel]).to(dev)
        S = torch.from_numpy(scores.reshape(-1)[sel]).to(dev)
        G = torch.from_numpy(groups[sel].astype(np.int64)).to(dev)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        keep = torchvision.ops.batched_nms(B, S, G, c["iou"])
        torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        kept_global = sel[keep.cpu().numpy()]
        off = 0
        same = 0
        counts = {"rounding": 0, "ties": 0, "unexplained": 0}
        n_tv = n_ours = 0
        for b in range(n):
            k = c["kept_counts"][b]
            ours = set(int(x) for x in kept[off:off + k])
            off += k
            theirs = set(int(x) - b * m for x in kept_global[(kept_global >= b * m) & (kept_global < (b + 1) * m)])
            n_tv += len(theirs)
            n_ours += len(ours)
            if ours == theirs:
                same += 1
                continue
            r = classify(boxes[b], scores[b], (groups[b * m:(b + 1) * m]), ours, theirs, c["iou"])
            for key in counts:
                counts[key] += r[key]
        for key in totals:
            totals[key] += counts[key]
        print(f"{c['name']}: {n} images x {m} candidates, {ncls} classes, IoU {c['iou']}, "
              f"{'class-agnostic' if c['class_agnostic'] else 'class-aware'}: kept GPU {n_ours} / torchvision {n_tv}; "
              f"{same}/{n} images identical; differing groups: rounding {counts['rounding']}, ties {counts['ties']}, "
              f"unexplained {counts['unexplained']} (torchvision batched_nms {dt * 1e3:.1f} ms)")
    print(f"TOTAL differing groups: rounding {totals['rounding']}, ties {totals['ties']}, unexplained {totals['unexplained']}")
    if totals["unexplained"]:
        print("FAIL: kept sets differ from torchvision beyond rounding at the threshold and tie order")
        return 1
    print("OK: kept sets agree with torchvision.ops.batched_nms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
