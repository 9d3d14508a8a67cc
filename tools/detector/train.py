#!/usr/bin/env python3
"""Trains the project's test detector on synthetic scenes and exports it to ONNX.

Runs on the GPU machine (PyTorch, onnx, onnxruntime CPU, numpy; OpenCV optional; no network):

    python3 tools/detector/train.py --out DIR [--golden-dir DIR] [--seconds 110]

1. Renders scenes like gst-bridge's SceneRenderer (see scenes.py) at varied frame sizes, JPEG-
   degraded, letterboxed to 320x320 (pad 114, RGB, /255): a training set and a fixed validation set.
2. Trains detnet.DetNet (~0.6 M parameters) for --seconds on the GPU with blur/noise/colour/flip
   augmentation, bf16 autocast, AdamW, cosine learning rate, EMA weights.
3. Exports DIR/testdet.onnx: input "images" [N,3,320,320] float32, output "output0" [N,7,2000]
   (rows 0..3 cx,cy,w,h in input pixels, rows 4..6 sigmoid class scores); opset 17, IR 8.
4. Scores the exported model with onnxruntime on the validation set: recall and precision at
   IoU 0.5 after NMS, and writes DIR/testdet.md (the model card).
5. With --golden-dir: 16 validation images (uint8), their ground truth and onnxruntime's output,
   for the Java tests.
"""
import argparse
import json
import math
import multiprocessing as mp
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes  # noqa: E402  (numpy only: safe to use in forked workers)

T0 = time.time()


def log(*a):
    print(f"[train {time.time() - T0:6.1f}s]", *a, flush=True)


def generate(n, seed, workers, degrade, deadline=None, chunk=64):
    """n samples from a pool of workers; stops early at the deadline (training data only)."""
    tasks = [(seed + i, min(chunk, n - i * chunk), degrade) for i in range((n + chunk - 1) // chunk)]
    imgs, gts, sizes = [], [], []
    ctx = mp.get_context("fork")
    with ctx.Pool(workers) as pool:
        it = pool.imap(scenes.make_chunk, tasks) if deadline is None else pool.imap_unordered(scenes.make_chunk, tasks)
        for a, b, c in it:
            imgs.append(a)
            gts.append(b)
            sizes.append(c)
            if deadline is not None and time.time() > deadline:
                log(f"generation deadline reached after {sum(len(x) for x in imgs)} samples")
                pool.terminate()
                break
    return np.concatenate(imgs), np.concatenate(gts), np.concatenate(sizes)


# --------------------------------------------------------------------------------------------
# evaluation (shared by the PyTorch and onnxruntime scoring)

def box_iou_np(a, b):
    """IoU of xyxy boxes a [n,4] and b [m,4] -> [n,m]."""
    tl = np.maximum(a[:, None, :2], b[None, :, :2])
    br = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.prod(np.clip(br - tl, 0, None), axis=2)
    area_a = np.prod(a[:, 2:] - a[:, :2], axis=1)
    area_b = np.prod(b[:, 2:] - b[:, :2], axis=1)
    return inter / (area_a[:, None] + area_b[None, :] - inter + 1e-9)


def nms_np(boxes, scores, iou):
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        if order.size == 1:
            break
        ious = box_iou_np(boxes[i:i + 1], boxes[order[1:]])[0]
        order = order[1:][ious <= iou]
    return np.array(keep, np.int64)


def postprocess(out, conf, iou):
    """YOLOv8-style: per anchor the best class, score threshold, class-aware NMS.
    out [7, A] -> list of (cls, score, x1, y1, x2, y2)."""
    scores = out[4:]
    cls = scores.argmax(0)
    sc = scores.max(0)
    m = sc > conf
    if not m.any():
        return []
    cx, cy, w, h = out[0, m], out[1, m], out[2, m], out[3, m]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
    sc, cls = sc[m], cls[m]
    dets = []
    for c in np.unique(cls):
        k = cls == c
        keep = nms_np(boxes[k], sc[k], iou)
        for j in keep:
            dets.append((int(c), float(sc[k][j]), *boxes[k][j].tolist()))
    dets.sort(key=lambda d: -d[1])
    return dets


def score(outputs, gts, conf=0.25, iou_nms=0.5, iou_match=0.5):
    """Recall and precision at IoU iou_match, greedy matching by score, same class."""
    tp = fp = n_gt = 0
    per_cls = np.zeros((scenes.NUM_CLASSES, 3), np.int64)  # tp, fp, gt
    for out, gt in zip(outputs, gts):
        gt = gt[gt[:, 0] >= 0]
        n_gt += len(gt)
        for g in gt:
            per_cls[int(g[0]), 2] += 1
        used = np.zeros(len(gt), bool)
        for c, s, x1, y1, x2, y2 in postprocess(out, conf, iou_nms):
            best, bj = 0.0, -1
            if len(gt):
                ious = box_iou_np(np.array([[x1, y1, x2, y2]], np.float64), gt[:, 1:].astype(np.float64))[0]
                for j in range(len(gt)):
                    if not used[j] and int(gt[j, 0]) == c and ious[j] > best:
                        best, bj = ious[j], j
            if bj >= 0 and best >= iou_match:
                used[bj] = True
                tp += 1
                per_cls[c, 0] += 1
            else:
                fp += 1
                per_cls[c, 1] += 1
    recall = tp / max(n_gt, 1)
    precision = tp / max(tp + fp, 1)
    return {"conf": conf, "recall": recall, "precision": precision, "tp": tp, "fp": fp, "gt": n_gt,
            "per_class": {scenes.CLASS_NAMES[i]: {"tp": int(per_cls[i, 0]), "fp": int(per_cls[i, 1]),
                                                  "gt": int(per_cls[i, 2])} for i in range(scenes.NUM_CLASSES)}}


# --------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--golden-dir", default=None)
    ap.add_argument("--seconds", type=float, default=110.0, help="training time budget")
    ap.add_argument("--gen-seconds", type=float, default=60.0, help="time budget for rendering training data")
    ap.add_argument("--train-samples", type=int, default=14000)
    ap.add_argument("--val-samples", type=int, default=512)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--workers", type=int, default=max(1, min(15, (os.cpu_count() or 2) - 1)))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    # 1. data, rendered before torch is imported so the forked workers stay plain numpy
    log(f"rendering {args.val_samples} validation + up to {args.train_samples} training scenes "
        f"with {args.workers} workers (OpenCV {'yes' if scenes.cv2 is not None else 'no: no JPEG degradation'})")
    val_x, val_gt, val_sizes = generate(args.val_samples, 10_000_000 + args.seed * 1000, args.workers, True)
    tr_x, tr_gt, _ = generate(args.train_samples, 1000 + args.seed * 100_000, args.workers, True,
                              deadline=time.time() + args.gen_seconds)
    log(f"data: train {tr_x.shape}, val {val_x.shape}")

    import torch
    import torch.nn.functional as F
    import detnet
    import onnx_export

    torch.manual_seed(args.seed)
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    log(f"torch {torch.__version__} on {torch.cuda.get_device_name(0) if dev.type == 'cuda' else 'CPU'}")

    X = torch.from_numpy(tr_x).to(dev).permute(0, 3, 1, 2).contiguous()   # uint8 NCHW on the GPU
    G = torch.from_numpy(tr_gt).to(dev)
    n_train = X.shape[0]
    del tr_x

    model = detnet.DetNet().to(dev).to(memory_format=torch.channels_last)
    log(f"DetNet: {detnet.count_params(model)} parameters")
    import copy
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    decay_params = [p for n, p in model.named_parameters() if p.ndim > 1]
    other_params = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay_params, "weight_decay": 5e-4},
                             {"params": other_params, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.99))

    S = float(scenes.SIZE)

    def augment(x, gt):
        bs = x.shape[0]
        flip = torch.rand(bs, device=dev) < 0.5
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
        gt = gt.clone()
        x1, x2 = gt[..., 1].clone(), gt[..., 3].clone()
        gt[..., 1] = torch.where(flip[:, None], S - x2, x1)
        gt[..., 3] = torch.where(flip[:, None], S - x1, x2)
        # blur: per-sample Gaussian 5x5, sigma 0 (half of the samples) or 0.4..1.4
        sigma = torch.where(torch.rand(bs, device=dev) < 0.5, torch.zeros(bs, device=dev),
                            torch.empty(bs, device=dev).uniform_(0.4, 1.4))
        d = torch.arange(-2, 3, device=dev, dtype=torch.float32)
        k1 = torch.exp(-(d[None] ** 2) / (2 * sigma[:, None].clamp_min(1e-3) ** 2))
        k1 = k1 / k1.sum(1, keepdim=True)
        k2 = (k1[:, :, None] * k1[:, None, :]).repeat_interleave(3, 0)[:, None]        # [bs*3, 1, 5, 5]
        x = F.conv2d(F.pad(x.reshape(1, bs * 3, x.shape[2], x.shape[3]), (2, 2, 2, 2), mode="replicate"),
                     k2, groups=bs * 3).reshape(bs, 3, x.shape[2], x.shape[3])
        # colour: saturation, contrast, brightness
        gray = x.mean(1, keepdim=True)
        sat = torch.empty(bs, 1, 1, 1, device=dev).uniform_(0.6, 1.4)
        con = torch.empty(bs, 1, 1, 1, device=dev).uniform_(0.75, 1.25)
        bri = torch.empty(bs, 1, 1, 1, device=dev).uniform_(-0.08, 0.08)
        x = gray + (x - gray) * sat
        x = (x - 0.5) * con + 0.5 + bri
        # sensor / codec noise, then back to 8-bit steps as decoded frames have
        noise = torch.empty(bs, 1, 1, 1, device=dev).uniform_(0.0, 0.04)
        x = x + torch.randn_like(x) * noise
        x = (x.clamp(0, 1) * 255).round() / 255
        return x, gt

    def giou(p, g):
        px1, py1, px2, py2 = p[:, 0] - p[:, 2] / 2, p[:, 1] - p[:, 3] / 2, p[:, 0] + p[:, 2] / 2, p[:, 1] + p[:, 3] / 2
        gx1, gy1, gx2, gy2 = g[:, 0] - g[:, 2] / 2, g[:, 1] - g[:, 3] / 2, g[:, 0] + g[:, 2] / 2, g[:, 1] + g[:, 3] / 2
        iw = (torch.minimum(px2, gx2) - torch.maximum(px1, gx1)).clamp_min(0)
        ih = (torch.minimum(py2, gy2) - torch.maximum(py1, gy1)).clamp_min(0)
        inter = iw * ih
        union = p[:, 2] * p[:, 3] + g[:, 2] * g[:, 3] - inter + 1e-7
        iou = inter / union
        cw = torch.maximum(px2, gx2) - torch.minimum(px1, gx1)
        ch = torch.maximum(py2, gy2) - torch.minimum(py1, gy1)
        c_area = cw * ch + 1e-7
        return iou - (c_area - union) / c_area, iou

    def compute_loss(raws, gt):
        valid = gt[..., 0] >= 0
        cls_t = gt[..., 0].clamp_min(0).long()
        gcx = (gt[..., 1] + gt[..., 3]) / 2
        gcy = (gt[..., 2] + gt[..., 4]) / 2
        gw = (gt[..., 3] - gt[..., 1]).clamp_min(1.0)
        gh = (gt[..., 4] - gt[..., 2]).clamp_min(1.0)
        box_loss = torch.zeros((), device=dev)
        cls_loss = torch.zeros((), device=dev)
        npos = 0
        mean_iou = []
        for lvl, raw in enumerate(raws):
            raw = raw.float()
            stride, ref = detnet.LEVELS[lvl]
            bs, _, gsz, _ = raw.shape
            ratio = torch.maximum(torch.maximum(gw / ref, ref / gw), torch.maximum(gh / ref, ref / gh))
            m = valid & (ratio < 4.0)
            fx, fy = gcx / stride, gcy / stride
            cx0, cy0 = fx.floor(), fy.floor()
            ox = torch.where(fx - cx0 < 0.5, -1.0, 1.0)
            oy = torch.where(fy - cy0 < 0.5, -1.0, 1.0)
            bl, gl, xl, yl = [], [], [], []
            for ccx, ccy in ((cx0, cy0), (cx0 + ox, cy0), (cx0, cy0 + oy)):
                ok = m & (ccx >= 0) & (ccx < gsz) & (ccy >= 0) & (ccy < gsz)
                b_idx, g_idx = ok.nonzero(as_tuple=True)
                bl.append(b_idx)
                gl.append(g_idx)
                xl.append(ccx[b_idx, g_idx].long())
                yl.append(ccy[b_idx, g_idx].long())
            b_idx, g_idx, xs, ys = torch.cat(bl), torch.cat(gl), torch.cat(xl), torch.cat(yl)
            tgt = torch.zeros_like(raw[:, 4:])
            if b_idx.numel():
                t = raw[b_idx, :, ys, xs]                       # [P, 7]
                s = torch.sigmoid(t[:, :4])
                pred = torch.stack([(s[:, 0] * 2 - 0.5 + xs) * stride, (s[:, 1] * 2 - 0.5 + ys) * stride,
                                    (s[:, 2] * 2) ** 2 * ref, (s[:, 3] * 2) ** 2 * ref], 1)
                tbox = torch.stack([gcx[b_idx, g_idx], gcy[b_idx, g_idx], gw[b_idx, g_idx], gh[b_idx, g_idx]], 1)
                g_, iou = giou(pred, tbox)
                box_loss = box_loss + (1 - g_).sum()
                tgt[b_idx, cls_t[b_idx, g_idx], ys, xs] = 1.0
                npos += b_idx.numel()
                mean_iou.append(iou.detach().mean())
            cls_loss = cls_loss + F.binary_cross_entropy_with_logits(raw[:, 4:], tgt, reduction="sum")
        n = max(npos, 1)
        return 5.0 * box_loss / n + cls_loss / n, box_loss.detach() / n, cls_loss.detach() / n, \
            (torch.stack(mean_iou).mean() if mean_iou else torch.zeros((), device=dev))

    # 2. train
    budget = args.seconds
    warm = min(3.0, budget * 0.05)
    step = 0
    t_start = time.time()
    last_log = t_start
    while True:
        el = time.time() - t_start
        if el >= budget:
            break
        lr = args.lr * (el / warm if el < warm else 0.5 * (1 + math.cos(math.pi * (el - warm) / (budget - warm))))
        lr = max(lr, args.lr * 0.01)
        for gparam in opt.param_groups:
            gparam["lr"] = lr
        idx = torch.randint(0, n_train, (args.batch,), device=dev)
        x, gt = augment(X[idx].float().div_(255), G[idx])
        x = x.contiguous(memory_format=torch.channels_last)
        model.train()
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=dev.type == "cuda"):
            raws = model.raw(x)
        loss, lb, lc, miou = compute_loss(raws, gt)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        opt.step()
        step += 1
        d = 0.999 * (1 - math.exp(-step / 300.0))
        with torch.no_grad():
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        if time.time() - last_log > 10 or step == 1:
            last_log = time.time()
            log(f"step {step} lr {lr:.2e} loss {loss.item():.3f} box {lb.item():.3f} cls {lc.item():.3f} "
                f"iou {miou.item():.3f} ({step * args.batch / max(time.time() - t_start, 1e-9):.0f} img/s)")
    log(f"trained {step} steps ({step * args.batch} samples, {step * args.batch / n_train:.1f} epochs) "
        f"in {time.time() - t_start:.1f}s")

    # 3. score EMA and raw weights in PyTorch, keep the better
    def predict_torch(net, imgs, bs=128):
        net.eval()
        outs = []
        with torch.no_grad():
            for i in range(0, len(imgs), bs):
                xb = torch.from_numpy(imgs[i:i + bs]).to(dev).permute(0, 3, 1, 2).float().div_(255)
                outs.append(net(xb.contiguous(memory_format=torch.channels_last)).float().cpu().numpy())
        return np.concatenate(outs)

    best_name, best_net, best_f1 = None, None, -1.0
    for name, net in (("ema", ema), ("raw", model)):
        r = score(predict_torch(net, val_x), val_gt)
        f1 = 2 * r["recall"] * r["precision"] / max(r["recall"] + r["precision"], 1e-9)
        log(f"val (PyTorch, {name} weights): recall {r['recall']:.4f} precision {r['precision']:.4f} "
            f"tp {r['tp']} fp {r['fp']} gt {r['gt']}")
        if f1 > best_f1:
            best_name, best_net, best_f1 = name, net, f1
    ckpt = os.path.join(args.out, "testdet.pt")
    torch.save(best_net.state_dict(), ckpt)

    # 4. export and check with onnxruntime
    onnx_path = os.path.join(args.out, "testdet.onnx")
    net_cpu = copy.deepcopy(best_net).float().cpu().eval().to(memory_format=torch.contiguous_format)
    onnx_export.export(net_cpu, torch.zeros(1, 3, scenes.SIZE, scenes.SIZE), onnx_path, "images", "output0", log=log)
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = min(8, os.cpu_count() or 1)
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    val_f = val_x.transpose(0, 3, 1, 2).astype(np.float32) / 255.0
    ort_out = np.concatenate([sess.run(["output0"], {"images": val_f[i:i + 64]})[0] for i in range(0, len(val_f), 64)])
    with torch.no_grad():
        ref = net_cpu(torch.from_numpy(val_f[:8])).numpy()
    log(f"onnxruntime vs PyTorch fp32 on 8 images: max |diff| {np.abs(ort_out[:8] - ref).max():.3e}, "
        f"output {ort_out.shape}")
    results = {c: score(ort_out, val_gt, conf=c) for c in (0.25, 0.4, 0.5)}
    for c, r in results.items():
        log(f"val (onnxruntime, {len(val_x)} images, conf {c}): recall {r['recall']:.4f} "
            f"precision {r['precision']:.4f} per class {r['per_class']}")

    # 5. goldens for the Java tests: 16 validation images, ground truth, onnxruntime's output
    gold = None
    if args.golden_dir:
        from onnx import numpy_helper
        os.makedirs(args.golden_dir, exist_ok=True)
        n = 16
        imgs = np.ascontiguousarray(val_x[:n].transpose(0, 3, 1, 2))                  # uint8 NCHW RGB
        out16 = sess.run(["output0"], {"images": imgs.astype(np.float32) / 255.0})[0]
        with open(os.path.join(args.golden_dir, "detector_images.pb"), "wb") as f:
            f.write(numpy_helper.from_array(imgs, "images_u8").SerializeToString())
        with open(os.path.join(args.golden_dir, "detector_output.pb"), "wb") as f:
            f.write(numpy_helper.from_array(out16.astype(np.float32), "output0").SerializeToString())
        with open(os.path.join(args.golden_dir, "detector_boxes.tsv"), "w") as f:
            f.write("# image\tclass\tx1\ty1\tx2\ty2  (letterbox pixels, x2/y2 exclusive; frame size in the comment)\n")
            for i in range(n):
                f.write(f"# image {i} frame {int(val_sizes[i][0])}x{int(val_sizes[i][1])}\n")
                for g in val_gt[i]:
                    if g[0] >= 0:
                        f.write(f"{i}\t{int(g[0])}\t{g[1]:.4f}\t{g[2]:.4f}\t{g[3]:.4f}\t{g[4]:.4f}\n")
        gold = score(out16, val_gt[:n])
        log(f"golden 16 images (onnxruntime, conf 0.25): recall {gold['recall']:.4f} precision {gold['precision']:.4f}")

    # 6. model card
    r25 = results[0.25]
    card = f"""# testdet: the project's test detector

A small anchor-free detector trained by `tools/detector/train.py` on synthetic scenes that mirror
gst-bridge's `SceneRenderer` (classes 0 rectangle, 1 disc, 2 triangle; one shape per horizontal lane;
vivid colours over a shaded grey background). It exists to test the inference path end to end with
exact ground truth; it knows nothing else.

| | |
| --- | --- |
| file | `testdet.onnx`, {os.path.getsize(onnx_path)} bytes, opset 17, IR 8 |
| input | `images` float32 [N, 3, 320, 320], RGB, values /255 (no mean/std), letterboxed with pad 114 |
| output | `output0` float32 [N, 7, 2000]: rows 0..3 cx, cy, w, h in input pixels (decoded inside the network), rows 4..6 sigmoid class scores; anchors 0..1599 stride 8 (40x40, row-major), 1600..1999 stride 16 (20x20) |
| network | detnet.DetNet: Conv-BN-SiLU backbone to stride 32, SPPF, two-level neck (nearest upsample + concat), heads at strides 8 and 16; {detnet.count_params(best_net)} parameters |
| training | {step} steps of batch {args.batch} ({n_train} rendered scenes, {step * args.batch / n_train:.1f} epochs) in {budget:.0f} s on {torch.cuda.get_device_name(0) if dev.type == 'cuda' else 'CPU'}; AdamW lr {args.lr}, cosine; GIoU + BCE; {best_name} weights kept; seed {args.seed} |
| data | frame sizes 160..1920 wide (60 % common camera sizes), JPEG q25..90 on 70 % of frames, letterbox centred (70 %) or top-left; augmentation: flip, Gaussian blur, colour, noise |

## Validation ({len(val_x)} scenes not seen in training, scored on the exported model with onnxruntime CPU)
Post-processing as YOLOv8: per anchor the best class, score > threshold, class-aware NMS at IoU 0.5;
a detection is correct at IoU >= 0.5 with the right class.

| score threshold | recall | precision | TP | FP | ground truth |
| --- | --- | --- | --- | --- | --- |
""" + "".join(f"| {c} | {r['recall']:.4f} | {r['precision']:.4f} | {r['tp']} | {r['fp']} | {r['gt']} |\n"
              for c, r in results.items()) + f"""
Per class at 0.25: {json.dumps(r25['per_class'])}

{'Goldens (first 16 validation images): recall %.4f, precision %.4f at 0.25.' % (gold['recall'], gold['precision']) if gold else ''}

Regenerate: `python3 tools/detector/train.py --out DIR` on a machine with a CUDA GPU (about 3 minutes).
"""
    with open(os.path.join(args.out, "testdet.md"), "w") as f:
        f.write(card)
    with open(os.path.join(args.out, "testdet-metrics.json"), "w") as f:
        json.dump({"val": {str(k): v for k, v in results.items()}, "golden16": gold, "steps": step,
                   "weights": best_name, "params": detnet.count_params(best_net)}, f, indent=1)
    log("done")


if __name__ == "__main__":
    main()
