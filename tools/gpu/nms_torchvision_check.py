#!/usr/bin/env python3
"""Independent check of the GPU batched NMS against torchvision.

Reads the cases GpuPostprocessorTest wrote ($VAHOST_GOLDEN_OUT, default target/nms-golden):
index.json plus raw little-endian files per case (boxes f32 [N,M,4], scores f32 [N,M], classes i32
[N,M], kept i32 = each image's kept candidate indices, concatenated in image order). Group =
image*C + class (class-aware) or the image (class-agnostic). Per case, on the GPU:

  per-class   torchvision.ops.nms on each group's own, unshifted boxes (torchvision's
              _batched_nms_vanilla): the semantics check. Ours must equal it up to rounding/ties.
  batched_nms torchvision.ops.batched_nms as a user calls it. Depending on the input size and the
              torchvision version it runs the per-class loop or the "coordinate trick"
              (_batched_nms_coordinate_trick: one nms over boxes + group * (max_coordinate + 1), in
              float32). The script says which path it took (the result equal to which).

A group whose kept set differs is classified by its highest-ranked differing box F (rank = score
desc, index asc, the Java side's order):
  rounding         F has an IoU within 1e-5 of the threshold with a higher-ranked box of its group
                   (float64 on the original boxes; torchvision's kernel may contract to FMA)
  ties             F shares its score with another box of its group (torchvision's order among
                   equal scores is not part of its contract)
  coordinate trick (batched_nms only, when it took that path) torchvision's own per-class nms on
                   the unshifted boxes agrees with ours for this group, and the deciding pair's
                   IoU crosses the threshold only on the float32-shifted boxes: far from the origin
                   float32 spacing is coarse (1/64 px at an offset of 2^19), so the trick moves box
                   coordinates by up to half that. This is torchvision losing precision, not us;
                   the evidence (IoU in float64 on the original boxes, IoU on the shifted float32
                   boxes as torchvision sees them) is printed per group.
  unexplained      anything else -> exit status 1.
Usage: nms_torchvision_check.py [DIR]
"""
import json
import os
import sys
import time

import numpy as np

ROUNDING = 1e-5
MAX_EVIDENCE_LINES = 12


class TorchvisionOps:
    """torchvision on the GPU; methods take numpy arrays and return (kept indices, seconds)."""

    def __init__(self):
        import torch
        import torchvision
        from torchvision.ops import boxes as box_ops
        self.torch, self.tv, self.box_ops = torch, torchvision, box_ops
        self.dev = torch.device("cuda")
        self.describe = f"torch {torch.__version__}, torchvision {torchvision.__version__}, {torch.cuda.get_device_name(0)}"

    def _run(self, fn, boxes, scores, groups, iou):
        t = self.torch
        B = t.from_numpy(np.ascontiguousarray(boxes, dtype=np.float32)).to(self.dev)
        S = t.from_numpy(np.ascontiguousarray(scores, dtype=np.float32)).to(self.dev)
        G = t.from_numpy(np.ascontiguousarray(groups, dtype=np.int64)).to(self.dev)
        t.cuda.synchronize()
        t0 = time.perf_counter()
        keep = fn(B, S, G, iou)
        t.cuda.synchronize()
        return keep.cpu().numpy().astype(np.int64), time.perf_counter() - t0

    def batched_nms(self, *a):
        return self._run(self.tv.ops.batched_nms, *a)

    def per_class(self, *a):
        def loop(B, S, G, iou):  # the same as _batched_nms_vanilla, should it be renamed
            keep_mask = self.torch.zeros_like(S, dtype=self.torch.bool)
            for g in self.torch.unique(G):
                idx = self.torch.where(G == g)[0]
                keep_mask[idx[self.tv.ops.nms(B[idx], S[idx], iou)]] = True
            k = self.torch.where(keep_mask)[0]
            return k[S[k].sort(descending=True)[1]]
        return self._run(getattr(self.box_ops, "_batched_nms_vanilla", loop), *a)

    def coordinate_trick(self, *a):
        def trick(B, S, G, iou):  # the same as _batched_nms_coordinate_trick, should it be renamed
            off = G.to(B) * (B.max() + self.torch.tensor(1).to(B))
            return self.tv.ops.nms(B + off[:, None], S, iou)
        return self._run(getattr(self.box_ops, "_batched_nms_coordinate_trick", trick), *a)


def load(d, c):
    n, m = c["images"], c["candidates"]
    boxes = np.fromfile(os.path.join(d, c["name"] + ".boxes.f32"), dtype="<f4").reshape(n, m, 4)
    scores = np.fromfile(os.path.join(d, c["name"] + ".scores.f32"), dtype="<f4").reshape(n, m)
    classes = np.fromfile(os.path.join(d, c["name"] + ".classes.i32"), dtype="<i4").reshape(n, m)
    kept = np.fromfile(os.path.join(d, c["name"] + ".kept.i32"), dtype="<i4")
    return boxes, scores, classes, kept


def iou64(box, others):
    """IoU of one box with others, in float64 (exact for float32 inputs up to the final division)."""
    box, others = np.asarray(box, np.float64), np.asarray(others, np.float64).reshape(-1, 4)
    lt = np.maximum(box[:2], others[:, :2])
    rb = np.minimum(box[2:], others[:, 2:])
    wh = rb - lt
    inter = np.where((wh[:, 0] > 0) & (wh[:, 1] > 0), wh[:, 0] * wh[:, 1], 0.0)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-300)


def iou32(box, others):
    """IoU in float32 in torchvision's nms kernel order (without FMA contraction)."""
    f = np.float32
    box, others = np.asarray(box, f), np.asarray(others, f).reshape(-1, 4)
    w = np.maximum(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), f(0))
    h = np.maximum(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), f(0))
    inter = w * h
    sa = (box[2] - box[0]) * (box[3] - box[1])
    sb = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return inter / (sa + sb - inter)


class Case:
    def __init__(self, d, c):
        self.c = c
        self.name, self.n, self.m, self.ncls = c["name"], c["images"], c["candidates"], c["classes"]
        self.iou, self.agnostic = c["iou"], c["class_agnostic"]
        boxes, scores, classes, kept = load(d, c)
        self.boxes = boxes.reshape(-1, 4)
        self.scores = scores.reshape(-1)
        img = np.repeat(np.arange(self.n), self.m)
        self.groups = img if self.agnostic else img * self.ncls + classes.reshape(-1).astype(np.int64)
        self.sel = np.nonzero(self.scores > c["score_threshold"])[0]
        self.ours = np.zeros(self.n * self.m, bool)
        off = 0
        for b, k in enumerate(c["kept_counts"]):
            self.ours[b * self.m + kept[off:off + k]] = True
            off += k
        # torchvision's coordinate trick, reproduced in float32 as it computes it (elementwise IEEE ops).
        sb = self.boxes[self.sel]
        self.max_coordinate = sb.max() if len(sb) else np.float32(0)
        self.offsets = (self.groups.astype(np.float32) * (self.max_coordinate + np.float32(1))).astype(np.float32)
        self.shifted = (self.boxes + self.offsets[:, None]).astype(np.float32)

    def mask(self, keep_local):
        out = np.zeros(self.n * self.m, bool)
        out[self.sel[keep_local]] = True
        return out

    def where(self, g):
        if self.agnostic:
            return f"image {g}"
        return f"image {g // self.ncls}, class {g % self.ncls}"

    def classify(self, theirs, per_class=None, trick=False):
        """Differences between ours and theirs (masks over all candidates), by group.
        per_class: torchvision's per-class kept mask, needed to attribute a group to the trick."""
        counts = {"rounding": 0, "ties": 0, "coordinate trick": 0, "unexplained": 0}
        lines = []
        diff = np.nonzero(self.ours ^ theirs)[0]
        for g in sorted(set(self.groups[diff].tolist())):
            members = np.nonzero(self.groups == g)[0]
            order = sorted(members.tolist(), key=lambda i: (-float(self.scores[i]), i))
            first = next(i for i in order if self.ours[i] != theirs[i])
            higher = np.array(order[:order.index(first)], dtype=np.int64)
            near = len(higher) and np.any(np.abs(iou64(self.boxes[first], self.boxes[higher]) - self.iou) < ROUNDING)
            local = f"box {first % self.m} ({self.where(g)})"
            by = "ours" if self.ours[first] else "torchvision"
            if near:
                counts["rounding"] += 1
                continue
            if np.count_nonzero(self.scores[members] == self.scores[first]) > 1:
                counts["ties"] += 1
                continue
            if trick and per_class is not None and np.array_equal(per_class[members], self.ours[members]) and len(higher):
                # The deciding box: the kept higher-ranked box that suppressed F on the side that dropped it.
                if self.ours[first]:   # torchvision dropped F: which of its kept boxes overlaps F most on the shifted boxes
                    cand = higher[theirs[higher]]
                    score = iou32(self.shifted[first], self.shifted[cand])
                else:                  # we dropped F: which of our kept boxes overlaps F most on the original boxes
                    cand = higher[self.ours[higher]]
                    score = iou64(self.boxes[first], self.boxes[cand])
                if len(cand):
                    k = cand[int(np.nanargmax(score))]
                    orig = float(iou64(self.boxes[first], self.boxes[k])[0])
                    sh32 = float(iou32(self.shifted[first], self.shifted[k])[0])
                    moved = float(np.max(np.abs((self.shifted[[first, k]].astype(np.float64)
                                                 - self.offsets[[first, k], None].astype(np.float64))
                                                - self.boxes[[first, k]].astype(np.float64))))
                    thr = np.float32(self.iou)
                    crosses = (orig > self.iou) != (sh32 > thr) or abs(sh32 - self.iou) < ROUNDING
                    if crosses and moved > 0:
                        counts["coordinate trick"] += 1
                        lines.append(
                            f"    coordinate trick: {local} kept by {by} only; deciding box {k % self.m}: IoU "
                            f"{orig:.6f} in float64 on the original boxes, {sh32:.6f} on torchvision's float32 boxes "
                            f"shifted by {float(self.offsets[first]):.1f} (spacing "
                            f"{float(np.spacing(self.offsets[first])):.4f} px, coordinates moved up to {moved:.4f} px); "
                            f"threshold {self.iou}")
                        continue
            counts["unexplained"] += 1
            lines.append(f"    unexplained: {local}, score {self.scores[first]}, box {self.boxes[first]}, kept by {by} only")
        return counts, lines

    def per_image_same(self, theirs):
        return sum(np.array_equal(self.ours[b * self.m:(b + 1) * self.m], theirs[b * self.m:(b + 1) * self.m])
                   for b in range(self.n))


def fmt(counts, keys):
    return ", ".join(f"{k} {counts[k]}" for k in keys)


def main(ops=None):
    d = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("VAHOST_GOLDEN_OUT", "target/nms-golden")
    cases = json.load(open(os.path.join(d, "index.json")))
    ops = ops or TorchvisionOps()
    print(ops.describe)
    totals = {"rounding": 0, "ties": 0, "coordinate trick": 0, "unexplained": 0}
    for c in cases:
        k = Case(d, c)
        args = (k.boxes[k.sel], k.scores[k.sel], k.groups[k.sel], k.iou)
        keep_bn, t_bn = ops.batched_nms(*args)
        keep_pc, t_pc = ops.per_class(*args)
        bn, pc = k.mask(keep_bn), k.mask(keep_pc)
        path = "the per-class loop"
        if not np.array_equal(bn, pc):
            keep_tr, _ = ops.coordinate_trick(*args)
            path = "the coordinate trick" if np.array_equal(bn, k.mask(keep_tr)) else "neither known path (?)"
        print(f"{k.name}: {k.n} images x {k.m} candidates, {k.ncls} classes, IoU {k.iou}, "
              f"{'class-agnostic' if k.agnostic else 'class-aware'}; kept: ours {int(k.ours.sum())}")
        cp, lp = k.classify(pc)
        print(f"  torchvision per-class nms (unshifted boxes, {t_pc * 1e3:.1f} ms): kept {int(pc.sum())}; "
              f"{k.per_image_same(pc)}/{k.n} images identical; differing groups: "
              f"{fmt(cp, ['rounding', 'ties', 'unexplained'])}")
        for line in lp[:MAX_EVIDENCE_LINES]:
            print(line)
        if path == "the per-class loop":
            print(f"  torchvision batched_nms as called ({t_bn * 1e3:.1f} ms) took the per-class loop: the same kept sets")
            for key in totals:
                totals[key] += cp.get(key, 0)
            continue
        cb, lb = k.classify(bn, per_class=pc, trick=(path == "the coordinate trick"))
        print(f"  torchvision batched_nms as called ({t_bn * 1e3:.1f} ms) took {path}"
              + (f" (max coordinate {float(k.max_coordinate):.2f}, offsets up to {float(k.offsets.max()):.1f}, "
                 f"float32 spacing there {float(np.spacing(k.offsets.max())):.4f} px)" if "trick" in path else "")
              + f": kept {int(bn.sum())}; {k.per_image_same(bn)}/{k.n} images identical; differing groups: "
              f"{fmt(cb, ['rounding', 'ties', 'coordinate trick', 'unexplained'])}")
        for line in lb[:MAX_EVIDENCE_LINES]:
            print(line)
        if len(lb) > MAX_EVIDENCE_LINES:
            print(f"    ... {len(lb) - MAX_EVIDENCE_LINES} more")
        for key in totals:
            totals[key] += cp.get(key, 0) + cb.get(key, 0)
    print(f"TOTAL differing groups: {fmt(totals, totals.keys())}")
    if totals["unexplained"]:
        print("FAIL: kept sets differ from torchvision beyond rounding at the threshold, tie order and the "
              "coordinate trick's float32 precision")
        return 1
    note = (f"; {totals['coordinate trick']} group(s) differ from batched_nms only because its coordinate trick "
            f"shifts boxes in float32 (torchvision's precision, see above)") if totals["coordinate trick"] else ""
    print("OK: kept sets agree with torchvision (per-class nms and batched_nms)" + note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
