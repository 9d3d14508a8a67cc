"""Architectures of the model zoo, written from the upstream repositories' published structure.

Every builder takes `tiny` and returns a `Built`: the module (eval mode, not yet randomised), its input
and output names, its input size and what the index says about it. The tiny variants keep every
operator and every shape computation of the full model; only widths, repeats, classes and input sizes
shrink. Nothing here downloads anything: torchvision builders are called with weights=None,
weights_backbone=None.

Upstream sources the structures follow (no code copied):
  ultralytics/yolov5        models/yolov5s.yaml, models/common.py (Conv, C3, SPPF), models/yolo.py (Detect)
  ultralytics/ultralytics   cfg/models/v8/yolov8.yaml, cfg/models/11/yolo11.yaml, nn/modules/{block,head,conv}.py,
                            utils/tal.py (make_anchors, dist2bbox)
  Megvii-BaseDetection/YOLOX yolox/models/{darknet,network_blocks,yolo_pafpn,yolo_head}.py
  lyuwenyu/RT-DETR          rtdetr_pytorch/src/zoo/rtdetr/{hybrid_encoder,rtdetr_decoder,utils}.py, nn/backbone/presnet.py
  pytorch/vision            models/detection/{ssd,ssdlite,retinanet,fcos}.py, models/{resnet,mobilenetv3,vgg}.py
  NVIDIA TAO DetectNet_v2   (documented structure: ResNet18 to stride 16, 1x1 coverage and bbox heads)
"""
import math
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

BN_EPS = 1e-3        # ultralytics / YOLOX initialise BatchNorm with eps 1e-3, momentum 0.03
BN_MOMENTUM = 0.03


class Built:
    """What a builder returns: the module and its metadata for the index."""

    def __init__(self, module, input_name, output_names, input_size, family, num_classes, hints=None,
                 score_specs=None, priors=None, variants=("batch",), alt_size=None, arch=""):
        self.module = module
        self.input_name = input_name
        self.output_names = list(output_names)
        self.input_size = tuple(input_size)        # (H, W)
        self.family = family
        self.num_classes = num_classes
        self.hints = dict(hints or {})
        self.score_specs = score_specs or []        # see weights.calibrate_scores
        self.priors = priors                        # callable(module, (H, W)) -> Tensor [A, 4] xyxy pixels, or None
        self.variants = tuple(variants)
        self.alt_size = alt_size                    # (H, W) of the extra golden for the batchhw variant
        self.arch = arch
        self.post_init = None                       # callable(module, generator) run after randomisation
        self.export_batch = 1                       # example batch for the TorchScript trace (dynamic-batch variants)


def make_divisible(x, d):
    return int(math.ceil(x / d) * d)


def autopad(k, p=None, d=1):
    if d > 1:
        k = d * (k - 1) + 1 if isinstance(k, int) else [d * (x - 1) + 1 for x in k]
    if p is None:
        p = k // 2 if isinstance(k, int) else [x // 2 for x in k]
    return p


# ============================================================================ ultralytics building blocks

class Conv(nn.Module):
    """Conv2d (no bias) + BatchNorm2d + SiLU, as ultralytics' and YOLOv5's Conv."""

    def __init__(self, c1, c2, k=1, s=1, p=None, g=1, d=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, autopad(k, p, d), groups=g, dilation=d, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = nn.SiLU() if act is True else (act if isinstance(act, nn.Module) else nn.Identity())

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


def DWConv(c1, c2, k=1, s=1, d=1, act=True):
    """Depth-wise Conv (groups = gcd(c1, c2)), as ultralytics' DWConv."""
    return Conv(c1, c2, k, s, g=math.gcd(c1, c2), d=d, act=act)


class Bottleneck(nn.Module):
    """ultralytics Bottleneck: k = (k1, k2) kernels, hidden channels int(c2 * e), residual when c1 == c2."""

    def __init__(self, c1, c2, shortcut=True, g=1, k=(3, 3), e=0.5):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, k[0], 1)
        self.cv2 = Conv(c_, c2, k[1], 1, g=g)
        self.add = shortcut and c1 == c2

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C3(nn.Module):
    """CSP bottleneck with 3 convolutions (YOLOv5 v6 C3; ultralytics C3 uses k=((1,1),(3,3)) bottlenecks)."""

    def __init__(self, c1, c2, n=1, shortcut=True, g=1, e=0.5, k=((1, 1), (3, 3))):
        super().__init__()
        c_ = int(c2 * e)
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c1, c_, 1, 1)
        self.cv3 = Conv(2 * c_, c2, 1)
        self.m = nn.Sequential(*(Bottleneck(c_, c_, shortcut, g, k=k, e=1.0) for _ in range(n)))

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), 1))


class SPPF(nn.Module):
    """Spatial pyramid pooling, fast: three chained MaxPool(5, 1, 2)."""

    def __init__(self, c1, c2, k=5):
        super().__init__()
        c_ = c1 // 2
        self.cv1 = Conv(c1, c_, 1, 1)
        self.cv2 = Conv(c_ * 4, c2, 1, 1)
        self.m = nn.MaxPool2d(kernel_size=k, stride=1, padding=k // 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class C2f(nn.Module):
    """YOLOv8 C2f; forward as ultralytics' exporter uses it (forward_split: split, not chunk)."""

    def __init__(self, c1, c2, n=1, shortcut=False, g=1, e=0.5):
        super().__init__()
        self.c = int(c2 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv((2 + n) * self.c, c2, 1)
        self.m = nn.ModuleList(Bottleneck(self.c, self.c, shortcut, g, k=((3, 3), (3, 3)), e=1.0) for _ in range(n))

    def forward(self, x):
        y = list(self.cv1(x).split((self.c, self.c), 1))
        y.extend(m(y[-1]) for m in self.m)
        return self.cv2(torch.cat(y, 1))


class C3k(C3):
    """YOLO11 C3k: C3 with k x k bottlenecks."""

    def __init__(self, c1, c2, n=1, shortcut=True, g=1, e=0.5, k=3):
        super().__init__(c1, c2, n, shortcut, g, e, k=((k, k), (k, k)))


class C3k2(C2f):
    """YOLO11 C3k2: C2f whose inner blocks are C3k (c3k=True) or Bottlenecks."""

    def __init__(self, c1, c2, n=1, c3k=False, e=0.5, g=1, shortcut=True):
        super().__init__(c1, c2, n, shortcut, g, e)
        self.m = nn.ModuleList(C3k(self.c, self.c, 2, shortcut, g) if c3k else
                               Bottleneck(self.c, self.c, shortcut, g) for _ in range(n))


class Attention(nn.Module):
    """YOLO11 position-sensitive attention: qkv 1x1 conv, heads, softmax(q^T k * scale), v, depth-wise pe conv."""

    def __init__(self, dim, num_heads=8, attn_ratio=0.5):
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = dim // num_heads
        self.key_dim = int(self.head_dim * attn_ratio)
        self.scale = self.key_dim ** -0.5
        nh_kd = self.key_dim * num_heads
        h = dim + nh_kd * 2
        self.qkv = Conv(dim, h, 1, act=False)
        self.proj = Conv(dim, dim, 1, act=False)
        self.pe = Conv(dim, dim, 3, 1, g=dim, act=False)

    def forward(self, x):
        B, C, H, W = x.shape
        N = H * W
        qkv = self.qkv(x)
        q, k, v = qkv.view(B, self.num_heads, self.key_dim * 2 + self.head_dim, N).split(
            [self.key_dim, self.key_dim, self.head_dim], dim=2)
        attn = (q.transpose(-2, -1) @ k) * self.scale
        attn = attn.softmax(dim=-1)
        x = (v @ attn.transpose(-2, -1)).view(B, C, H, W) + self.pe(v.reshape(B, C, H, W))
        return self.proj(x)


class PSABlock(nn.Module):
    def __init__(self, c, attn_ratio=0.5, num_heads=4, shortcut=True):
        super().__init__()
        self.attn = Attention(c, attn_ratio=attn_ratio, num_heads=num_heads)
        self.ffn = nn.Sequential(Conv(c, c * 2, 1), Conv(c * 2, c, 1, act=False))
        self.add = shortcut

    def forward(self, x):
        x = x + self.attn(x) if self.add else self.attn(x)
        return x + self.ffn(x) if self.add else self.ffn(x)


class C2PSA(nn.Module):
    """YOLO11 C2PSA: split, PSA blocks on one half, concat, 1x1. Heads = c // head_div (64 upstream)."""

    def __init__(self, c1, c2, n=1, e=0.5, head_div=64):
        super().__init__()
        assert c1 == c2
        self.c = int(c1 * e)
        self.cv1 = Conv(c1, 2 * self.c, 1, 1)
        self.cv2 = Conv(2 * self.c, c1, 1)
        self.m = nn.Sequential(*(PSABlock(self.c, attn_ratio=0.5, num_heads=max(1, self.c // head_div)) for _ in range(n)))

    def forward(self, x):
        a, b = self.cv1(x).split((self.c, self.c), dim=1)
        b = self.m(b)
        return self.cv2(torch.cat((a, b), 1))


class DFL(nn.Module):
    """Distribution focal loss integral: softmax over reg_max bins, fixed 1x1 conv with weights 0..reg_max-1."""

    def __init__(self, c1=16):
        super().__init__()
        self.conv = nn.Conv2d(c1, 1, 1, bias=False).requires_grad_(False)
        self.conv.weight.data[:] = torch.arange(c1, dtype=torch.float32).view(1, c1, 1, 1)
        self.conv._zoo_fixed = True   # weights.randomize leaves it alone
        self.c1 = c1

    def forward(self, x):
        b, _, a = x.shape
        return self.conv(x.view(b, 4, self.c1, a).transpose(2, 1).softmax(1)).view(b, 4, a)


def make_anchors(feats, strides, grid_cell_offset=0.5):
    """ultralytics utils/tal.py make_anchors: anchor points (cell centres, grid units) and strides, from shapes."""
    anchor_points, stride_tensor = [], []
    dtype, device = feats[0].dtype, feats[0].device
    for i, stride in enumerate(strides):
        h, w = feats[i].shape[2:]
        sx = torch.arange(end=w, device=device, dtype=dtype) + grid_cell_offset
        sy = torch.arange(end=h, device=device, dtype=dtype) + grid_cell_offset
        sy, sx = torch.meshgrid(sy, sx, indexing="ij")
        anchor_points.append(torch.stack((sx, sy), -1).view(-1, 2))
        stride_tensor.append(torch.full((h * w, 1), stride, dtype=dtype, device=device))
    return torch.cat(anchor_points), torch.cat(stride_tensor)


def dist2bbox(distance, anchor_points, xywh=True, dim=-1):
    lt, rb = distance.chunk(2, dim)
    x1y1 = anchor_points - lt
    x2y2 = anchor_points + rb
    if xywh:
        return torch.cat(((x1y1 + x2y2) / 2, x2y2 - x1y1), dim)
    return torch.cat((x1y1, x2y2), dim)


class Detect(nn.Module):
    """YOLOv8 (legacy=True) / YOLO11 (legacy=False) detect head, inference path as exported:
    output [N, 4 + nc, A]: cx, cy, w, h in input pixels, then sigmoid class scores."""

    def __init__(self, nc, ch, strides=(8, 16, 32), legacy=True, c2_min=16, reg_max=16, c3_cap=None):
        super().__init__()
        self.nc = nc
        self.nl = len(ch)
        self.reg_max = reg_max
        self.no = nc + reg_max * 4
        self.stride = list(strides)
        c2 = max(c2_min, ch[0] // 4, self.reg_max * 4) if c2_min >= 16 else max(c2_min, ch[0] // 4)
        c3 = max(ch[0], min(self.nc, 100))
        if c3_cap:                                   # tiny variants only
            c3 = min(c3, c3_cap)
        self.cv2 = nn.ModuleList(nn.Sequential(Conv(x, c2, 3), Conv(c2, c2, 3), nn.Conv2d(c2, 4 * self.reg_max, 1))
                                 for x in ch)
        if legacy:
            self.cv3 = nn.ModuleList(nn.Sequential(Conv(x, c3, 3), Conv(c3, c3, 3), nn.Conv2d(c3, self.nc, 1)) for x in ch)
        else:
            self.cv3 = nn.ModuleList(nn.Sequential(nn.Sequential(DWConv(x, x, 3), Conv(x, c3, 1)),
                                                   nn.Sequential(DWConv(c3, c3, 3), Conv(c3, c3, 1)),
                                                   nn.Conv2d(c3, self.nc, 1)) for x in ch)
        self.dfl = DFL(self.reg_max)

    def forward(self, x):
        x = [torch.cat((self.cv2[i](x[i]), self.cv3[i](x[i])), 1) for i in range(self.nl)]
        shape = x[0].shape
        x_cat = torch.cat([xi.view(shape[0], self.no, -1) for xi in x], 2)
        anchors, strides = (t.transpose(0, 1) for t in make_anchors(x, self.stride, 0.5))
        box, cls = x_cat.split((self.reg_max * 4, self.nc), 1)
        dbox = dist2bbox(self.dfl(box), anchors.unsqueeze(0), xywh=True, dim=1) * strides
        return torch.cat((dbox, cls.sigmoid()), 1)


def _ch(c, width, max_ch, div):
    return make_divisible(min(c, max_ch) * width, div)


def _n(n, depth):
    return max(round(n * depth), 1) if n > 1 else n


class YOLOv8(nn.Module):
    """yolov8.yaml: Conv stem, C2f stages, SPPF, PAN neck with nearest upsampling, Detect."""

    def __init__(self, nc=80, depth=0.33, width=0.25, max_ch=1024, div=8, c2_min=16, c3_cap=None, chs=None):
        super().__init__()
        c = list(chs) if chs else [_ch(v, width, max_ch, div) for v in (64, 128, 256, 512, 1024)]
        self.model = nn.ModuleList([
            Conv(3, c[0], 3, 2), Conv(c[0], c[1], 3, 2), C2f(c[1], c[1], _n(3, depth), True),
            Conv(c[1], c[2], 3, 2), C2f(c[2], c[2], _n(6, depth), True),
            Conv(c[2], c[3], 3, 2), C2f(c[3], c[3], _n(6, depth), True),
            Conv(c[3], c[4], 3, 2), C2f(c[4], c[4], _n(3, depth), True), SPPF(c[4], c[4], 5),
        ])
        self.up = nn.Upsample(None, 2, "nearest")
        self.h12 = C2f(c[4] + c[3], c[3], _n(3, depth))
        self.h15 = C2f(c[3] + c[2], c[2], _n(3, depth))
        self.h16 = Conv(c[2], c[2], 3, 2)
        self.h18 = C2f(c[2] + c[3], c[3], _n(3, depth))
        self.h19 = Conv(c[3], c[3], 3, 2)
        self.h21 = C2f(c[3] + c[4], c[4], _n(3, depth))
        self.detect = Detect(nc, (c[2], c[3], c[4]), legacy=True, c2_min=c2_min, c3_cap=c3_cap)

    def forward(self, x):
        m = self.model
        x = m[2](m[1](m[0](x)))
        p3 = m[4](m[3](x))
        p4 = m[6](m[5](p3))
        p5 = m[9](m[8](m[7](p4)))
        h12 = self.h12(torch.cat([self.up(p5), p4], 1))
        h15 = self.h15(torch.cat([self.up(h12), p3], 1))
        h18 = self.h18(torch.cat([self.h16(h15), h12], 1))
        h21 = self.h21(torch.cat([self.h19(h18), p5], 1))
        return self.detect([h15, h18, h21])


class YOLO11(nn.Module):
    """yolo11.yaml: C3k2 stages, SPPF, C2PSA, PAN neck, Detect with depth-wise class branch."""

    def __init__(self, nc=80, depth=0.5, width=0.25, max_ch=1024, div=8, head_div=64, c2_min=16, c3k_mlx=False):
        super().__init__()
        c = [_ch(v, width, max_ch, div) for v in (64, 128, 256, 512, 1024)]
        n = _n(2, depth)
        self.b0 = Conv(3, c[0], 3, 2)
        self.b1 = Conv(c[0], c[1], 3, 2)
        self.b2 = C3k2(c[1], c[2], n, c3k_mlx, 0.25)
        self.b3 = Conv(c[2], c[2], 3, 2)
        self.b4 = C3k2(c[2], c[3], n, c3k_mlx, 0.25)
        self.b5 = Conv(c[3], c[3], 3, 2)
        self.b6 = C3k2(c[3], c[3], n, True)
        self.b7 = Conv(c[3], c[4], 3, 2)
        self.b8 = C3k2(c[4], c[4], n, True)
        self.b9 = SPPF(c[4], c[4], 5)
        self.b10 = C2PSA(c[4], c[4], n, head_div=head_div)
        self.up = nn.Upsample(None, 2, "nearest")
        self.h13 = C3k2(c[4] + c[3], c[3], n, c3k_mlx)
        self.h16 = C3k2(c[3] + c[3], c[2], n, c3k_mlx)
        self.h17 = Conv(c[2], c[2], 3, 2)
        self.h19 = C3k2(c[2] + c[3], c[3], n, c3k_mlx)
        self.h20 = Conv(c[3], c[3], 3, 2)
        self.h22 = C3k2(c[3] + c[4], c[4], n, True)
        self.detect = Detect(nc, (c[2], c[3], c[4]), legacy=False, c2_min=c2_min)

    def forward(self, x):
        x = self.b2(self.b1(self.b0(x)))
        p3 = self.b4(self.b3(x))
        p4 = self.b6(self.b5(p3))
        p5 = self.b10(self.b9(self.b8(self.b7(p4))))
        h13 = self.h13(torch.cat([self.up(p5), p4], 1))
        h16 = self.h16(torch.cat([self.up(h13), p3], 1))
        h19 = self.h19(torch.cat([self.h17(h16), h13], 1))
        h22 = self.h22(torch.cat([self.h20(h19), p5], 1))
        return self.detect([h16, h19, h22])


# ============================================================================ YOLOv5 (v6.x)

YOLOV5_ANCHORS = [[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119], [116, 90, 156, 198, 373, 326]]


class V5Detect(nn.Module):
    """YOLOv5 Detect, inference path with export=True, dynamic=True: grids rebuilt from the feature shapes."""

    def __init__(self, nc, anchors, ch, strides=(8, 16, 32)):
        super().__init__()
        self.nc = nc
        self.no = nc + 5
        self.nl = len(anchors)
        self.na = len(anchors[0]) // 2
        self.register_buffer("stride", torch.tensor(strides, dtype=torch.float32), persistent=False)
        a = torch.tensor(anchors, dtype=torch.float32).view(self.nl, -1, 2)
        # anchors kept in stride units, as YOLOv5 does after check_anchor_order()
        self.register_buffer("anchors", a / self.stride.view(-1, 1, 1))
        self.m = nn.ModuleList(nn.Conv2d(x, self.no * self.na, 1) for x in ch)

    def forward(self, x):
        z = []
        for i in range(self.nl):
            xi = self.m[i](x[i])
            bs, _, ny, nx = xi.shape
            xi = xi.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()
            grid, anchor_grid = self._make_grid(nx, ny, i)
            xy, wh, conf = xi.sigmoid().split((2, 2, self.nc + 1), 4)
            xy = (xy * 2 + grid) * self.stride[i]
            wh = (wh * 2) ** 2 * anchor_grid
            y = torch.cat((xy, wh, conf), 4)
            z.append(y.view(bs, self.na * nx * ny, self.no))
        return torch.cat(z, 1)

    def _make_grid(self, nx, ny, i):
        d, t = self.anchors[i].device, self.anchors[i].dtype
        shape = 1, self.na, ny, nx, 2
        y, x = torch.arange(ny, device=d, dtype=t), torch.arange(nx, device=d, dtype=t)
        yv, xv = torch.meshgrid(y, x, indexing="ij")
        grid = torch.stack((xv, yv), 2).expand(shape) - 0.5
        anchor_grid = (self.anchors[i] * self.stride[i]).view((1, self.na, 1, 1, 2)).expand(shape)
        return grid, anchor_grid


class YOLOv5(nn.Module):
    """yolov5s.yaml (v6.0): 6x6/2 stem, C3, SPPF, PANet head, Detect."""

    def __init__(self, nc=80, depth=0.33, width=0.5, div=8, max_ch=1024):
        super().__init__()
        c = [make_divisible(min(v, max_ch) * width, div) for v in (64, 128, 256, 512, 1024)]
        n3, n6, n9 = _n(3, depth), _n(6, depth), _n(9, depth)
        self.b0 = Conv(3, c[0], 6, 2, 2)
        self.b1 = Conv(c[0], c[1], 3, 2)
        self.b2 = C3(c[1], c[1], n3)
        self.b3 = Conv(c[1], c[2], 3, 2)
        self.b4 = C3(c[2], c[2], n6)
        self.b5 = Conv(c[2], c[3], 3, 2)
        self.b6 = C3(c[3], c[3], n9)
        self.b7 = Conv(c[3], c[4], 3, 2)
        self.b8 = C3(c[4], c[4], n3)
        self.b9 = SPPF(c[4], c[4], 5)
        self.h10 = Conv(c[4], c[3], 1, 1)
        self.up = nn.Upsample(None, 2, "nearest")
        self.h13 = C3(c[3] * 2, c[3], n3, False)
        self.h14 = Conv(c[3], c[2], 1, 1)
        self.h17 = C3(c[2] * 2, c[2], n3, False)
        self.h18 = Conv(c[2], c[2], 3, 2)
        self.h20 = C3(c[2] * 2, c[3], n3, False)
        self.h21 = Conv(c[3], c[3], 3, 2)
        self.h23 = C3(c[3] * 2, c[4], n3, False)
        self.detect = V5Detect(nc, YOLOV5_ANCHORS, (c[2], c[3], c[4]))

    def forward(self, x):
        x = self.b2(self.b1(self.b0(x)))
        p3 = self.b4(self.b3(x))
        p4 = self.b6(self.b5(p3))
        p5 = self.b9(self.b8(self.b7(p4)))
        h10 = self.h10(p5)
        h13 = self.h13(torch.cat([self.up(h10), p4], 1))
        h14 = self.h14(h13)
        h17 = self.h17(torch.cat([self.up(h14), p3], 1))
        h20 = self.h20(torch.cat([self.h18(h17), h14], 1))
        h23 = self.h23(torch.cat([self.h21(h20), h10], 1))
        return self.detect([h17, h20, h23])


# ============================================================================ YOLOX

class BaseConv(nn.Module):
    """YOLOX BaseConv: Conv2d (same padding, no bias) + BN + SiLU."""

    def __init__(self, cin, cout, ksize, stride, groups=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, ksize, stride, (ksize - 1) // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=BN_EPS, momentum=BN_MOMENTUM)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class XBottleneck(nn.Module):
    def __init__(self, cin, cout, shortcut=True, expansion=0.5):
        super().__init__()
        h = int(cout * expansion)
        self.conv1 = BaseConv(cin, h, 1, 1)
        self.conv2 = BaseConv(h, cout, 3, 1)
        self.use_add = shortcut and cin == cout

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        return y + x if self.use_add else y


class CSPLayer(nn.Module):
    def __init__(self, cin, cout, n=1, shortcut=True, expansion=0.5):
        super().__init__()
        h = int(cout * expansion)
        self.conv1 = BaseConv(cin, h, 1, 1)
        self.conv2 = BaseConv(cin, h, 1, 1)
        self.conv3 = BaseConv(2 * h, cout, 1, 1)
        self.m = nn.Sequential(*[XBottleneck(h, h, shortcut, 1.0) for _ in range(n)])

    def forward(self, x):
        return self.conv3(torch.cat((self.m(self.conv1(x)), self.conv2(x)), dim=1))


class Focus(nn.Module):
    """Space-to-depth by strided slicing (4 phases), then a 3x3 BaseConv."""

    def __init__(self, cin, cout, ksize=1, stride=1):
        super().__init__()
        self.conv = BaseConv(cin * 4, cout, ksize, stride)

    def forward(self, x):
        tl = x[..., ::2, ::2]
        tr = x[..., ::2, 1::2]
        bl = x[..., 1::2, ::2]
        br = x[..., 1::2, 1::2]
        return self.conv(torch.cat((tl, bl, tr, br), dim=1))


class SPPBottleneck(nn.Module):
    def __init__(self, cin, cout, kernel_sizes=(5, 9, 13)):
        super().__init__()
        h = cin // 2
        self.conv1 = BaseConv(cin, h, 1, 1)
        self.m = nn.ModuleList([nn.MaxPool2d(ks, 1, ks // 2) for ks in kernel_sizes])
        self.conv2 = BaseConv(h * (len(kernel_sizes) + 1), cout, 1, 1)

    def forward(self, x):
        x = self.conv1(x)
        return self.conv2(torch.cat([x] + [m(x) for m in self.m], dim=1))


class YOLOX(nn.Module):
    """CSPDarknet + PAFPN + decoupled YOLOXHead; decode_in_inference=False: [N, A, 5 + nc] raw reg, sigmoid obj/cls."""

    def __init__(self, nc=80, depth=0.33, width=0.5, head_width=None, max_ch=None, mid_repeats=None):
        super().__init__()
        bc = int(width * 64)
        bd = max(round(depth * 3), 1)
        k = [bc * m if max_ch is None else min(bc * m, max_ch) for m in (1, 2, 4, 8, 16)]   # max_ch: tiny only
        self.stem = Focus(3, k[0], ksize=3)
        self.dark2 = nn.Sequential(BaseConv(k[0], k[1], 3, 2), CSPLayer(k[1], k[1], n=bd))
        mid = bd * 3 if mid_repeats is None else mid_repeats
        self.dark3 = nn.Sequential(BaseConv(k[1], k[2], 3, 2), CSPLayer(k[2], k[2], n=mid))
        self.dark4 = nn.Sequential(BaseConv(k[2], k[3], 3, 2), CSPLayer(k[3], k[3], n=mid))
        self.dark5 = nn.Sequential(BaseConv(k[3], k[4], 3, 2), SPPBottleneck(k[4], k[4]),
                                   CSPLayer(k[4], k[4], n=bd, shortcut=False))
        c0, c1, c2 = k[2], k[3], k[4]                  # in_channels [256, 512, 1024] * width
        n = round(3 * depth)
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        self.lateral_conv0 = BaseConv(c2, c1, 1, 1)
        self.C3_p4 = CSPLayer(2 * c1, c1, n, False)
        self.reduce_conv1 = BaseConv(c1, c0, 1, 1)
        self.C3_p3 = CSPLayer(2 * c0, c0, n, False)
        self.bu_conv2 = BaseConv(c0, c0, 3, 2)
        self.C3_n3 = CSPLayer(2 * c0, c1, n, False)
        self.bu_conv1 = BaseConv(c1, c1, 3, 2)
        self.C3_n4 = CSPLayer(2 * c1, c2, n, False)
        hw = int(256 * width) if head_width is None else head_width
        self.nc = nc
        self.stems = nn.ModuleList(BaseConv(ci, hw, 1, 1) for ci in (c0, c1, c2))
        self.cls_convs = nn.ModuleList(nn.Sequential(BaseConv(hw, hw, 3, 1), BaseConv(hw, hw, 3, 1)) for _ in range(3))
        self.reg_convs = nn.ModuleList(nn.Sequential(BaseConv(hw, hw, 3, 1), BaseConv(hw, hw, 3, 1)) for _ in range(3))
        self.cls_preds = nn.ModuleList(nn.Conv2d(hw, nc, 1) for _ in range(3))
        self.reg_preds = nn.ModuleList(nn.Conv2d(hw, 4, 1) for _ in range(3))
        self.obj_preds = nn.ModuleList(nn.Conv2d(hw, 1, 1) for _ in range(3))

    def forward(self, x):
        x = self.stem(x)
        x = self.dark2(x)
        x2 = self.dark3(x)
        x1 = self.dark4(x2)
        x0 = self.dark5(x1)
        fpn_out0 = self.lateral_conv0(x0)
        f_out0 = self.C3_p4(torch.cat([self.upsample(fpn_out0), x1], 1))
        fpn_out1 = self.reduce_conv1(f_out0)
        pan_out2 = self.C3_p3(torch.cat([self.upsample(fpn_out1), x2], 1))
        pan_out1 = self.C3_n3(torch.cat([self.bu_conv2(pan_out2), fpn_out1], 1))
        pan_out0 = self.C3_n4(torch.cat([self.bu_conv1(pan_out1), fpn_out0], 1))
        outputs = []
        for k, feat in enumerate((pan_out2, pan_out1, pan_out0)):
            feat = self.stems[k](feat)
            cls_out = self.cls_preds[k](self.cls_convs[k](feat))
            reg_feat = self.reg_convs[k](feat)
            outputs.append(torch.cat([self.reg_preds[k](reg_feat), self.obj_preds[k](reg_feat).sigmoid(),
                                      cls_out.sigmoid()], 1))
        return torch.cat([o.flatten(start_dim=2) for o in outputs], dim=2).permute(0, 2, 1)


# ============================================================================ RT-DETR

class ConvNormLayer(nn.Module):
    def __init__(self, cin, cout, k, s, padding=None, bias=False, act=None):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, s, padding=(k - 1) // 2 if padding is None else padding, bias=bias)
        self.norm = nn.BatchNorm2d(cout)
        self.act = _act(act)

    def forward(self, x):
        return self.act(self.norm(self.conv(x)))


def _act(name):
    return {None: nn.Identity, "relu": nn.ReLU, "silu": nn.SiLU, "gelu": nn.GELU}[name]()


class PBasicBlock(nn.Module):
    """PResNet (ResNet-vd) BasicBlock: the stride-2 projection shortcut is AvgPool(2, ceil) + 1x1 conv."""

    def __init__(self, cin, cout, stride, shortcut, act="relu"):
        super().__init__()
        self.shortcut = shortcut
        if not shortcut:
            if stride == 2:
                self.short = nn.Sequential(OrderedDict([("pool", nn.AvgPool2d(2, 2, 0, ceil_mode=True)),
                                                        ("conv", ConvNormLayer(cin, cout, 1, 1))]))
            else:
                self.short = ConvNormLayer(cin, cout, 1, stride)
        self.branch2a = ConvNormLayer(cin, cout, 3, stride, act=act)
        self.branch2b = ConvNormLayer(cout, cout, 3, 1, act=None)
        self.act = _act(act)

    def forward(self, x):
        out = self.branch2b(self.branch2a(x))
        return self.act(out + (x if self.shortcut else self.short(x)))


class PResNet(nn.Module):
    """ResNet18-vd: 3-conv stem, max pool, 4 stages of BasicBlocks; returns stages 1..3 (strides 8, 16, 32)."""

    def __init__(self, base=64, blocks=(2, 2, 2, 2), chs=None):
        super().__init__()
        self.conv1 = nn.Sequential(OrderedDict([
            ("conv1_1", ConvNormLayer(3, base // 2, 3, 2, act="relu")),
            ("conv1_2", ConvNormLayer(base // 2, base // 2, 3, 1, act="relu")),
            ("conv1_3", ConvNormLayer(base // 2, base, 3, 1, act="relu"))]))
        chs = list(chs or [base, base * 2, base * 4, base * 8])
        self.res_layers = nn.ModuleList()
        cin = base
        for i, (co, nb) in enumerate(zip(chs, blocks)):
            layers = []
            for j in range(nb):
                layers.append(PBasicBlock(cin, co, 2 if j == 0 and i != 0 else 1, shortcut=j != 0))
                cin = co
            self.res_layers.append(nn.Sequential(*layers))
        self.out_channels = chs[1:]

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x), kernel_size=3, stride=2, padding=1)
        outs = []
        for i, layer in enumerate(self.res_layers):
            x = layer(x)
            if i >= 1:
                outs.append(x)
        return outs


class RepVggBlock(nn.Module):
    def __init__(self, cin, cout, act="silu"):
        super().__init__()
        self.conv1 = ConvNormLayer(cin, cout, 3, 1, padding=1)
        self.conv2 = ConvNormLayer(cin, cout, 1, 1, padding=0)
        self.act = _act(act)

    def forward(self, x):
        return self.act(self.conv1(x) + self.conv2(x))


class CSPRepLayer(nn.Module):
    def __init__(self, cin, cout, num_blocks=3, expansion=1.0, act="silu"):
        super().__init__()
        h = int(cout * expansion)
        self.conv1 = ConvNormLayer(cin, h, 1, 1, act=act)
        self.conv2 = ConvNormLayer(cin, h, 1, 1, act=act)
        self.bottlenecks = nn.Sequential(*[RepVggBlock(h, h, act=act) for _ in range(num_blocks)])
        self.conv3 = ConvNormLayer(h, cout, 1, 1, act=act) if h != cout else nn.Identity()

    def forward(self, x):
        return self.conv3(self.bottlenecks(self.conv1(x)) + self.conv2(x))


class EncoderLayer(nn.Module):
    """AIFI: post-norm transformer encoder layer, position embedding added to q and k."""

    def __init__(self, d, nhead, dff, act="gelu"):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, nhead, 0.0, batch_first=True)
        self.linear1 = nn.Linear(d, dff)
        self.linear2 = nn.Linear(dff, d)
        self.norm1 = nn.LayerNorm(d)
        self.norm2 = nn.LayerNorm(d)
        self.activation = _act(act)

    def forward(self, src, pos):
        q = k = src + pos
        s, _ = self.self_attn(q, k, value=src, need_weights=False)
        src = self.norm1(src + s)
        return self.norm2(src + self.linear2(self.activation(self.linear1(src))))


def sincos_pos_embed_2d(w, h, dim, temperature=10000.0, device=None):
    """RT-DETR's 2D sin-cos embedding [1, h*w, dim], built from the traced feature shape."""
    grid_w = torch.arange(w, dtype=torch.float32, device=device)
    grid_h = torch.arange(h, dtype=torch.float32, device=device)
    grid_w, grid_h = torch.meshgrid(grid_w, grid_h, indexing="ij")
    pos_dim = dim // 4
    omega = torch.arange(pos_dim, dtype=torch.float32, device=device) / pos_dim
    omega = 1.0 / (temperature ** omega)
    out_w = grid_w.flatten()[..., None] @ omega[None]
    out_h = grid_h.flatten()[..., None] @ omega[None]
    return torch.cat([out_w.sin(), out_w.cos(), out_h.sin(), out_h.cos()], dim=1)[None, :, :]


class HybridEncoder(nn.Module):
    def __init__(self, in_channels, hidden=256, nhead=8, dff=1024, expansion=0.5, depth_mult=1.0):
        super().__init__()
        self.hidden = hidden
        self.input_proj = nn.ModuleList(nn.Sequential(nn.Conv2d(c, hidden, 1, bias=False), nn.BatchNorm2d(hidden))
                                        for c in in_channels)
        self.encoder = EncoderLayer(hidden, nhead, dff)
        nb = round(3 * depth_mult)
        self.lateral_convs = nn.ModuleList(ConvNormLayer(hidden, hidden, 1, 1, act="silu") for _ in range(2))
        self.fpn_blocks = nn.ModuleList(CSPRepLayer(hidden * 2, hidden, nb, expansion) for _ in range(2))
        self.downsample_convs = nn.ModuleList(ConvNormLayer(hidden, hidden, 3, 2, act="silu") for _ in range(2))
        self.pan_blocks = nn.ModuleList(CSPRepLayer(hidden * 2, hidden, nb, expansion) for _ in range(2))

    def forward(self, feats):
        p = [self.input_proj[i](f) for i, f in enumerate(feats)]
        h, w = p[2].shape[2:]
        src = p[2].flatten(2).permute(0, 2, 1)
        pos = sincos_pos_embed_2d(w, h, self.hidden, device=src.device).to(src.dtype)
        memory = self.encoder(src, pos)
        p[2] = memory.permute(0, 2, 1).reshape(-1, self.hidden, h, w).contiguous()
        inner = [p[2]]
        for idx in (2, 1):
            high = self.lateral_convs[2 - idx](inner[0])
            inner[0] = high
            up = F.interpolate(high, scale_factor=2.0, mode="nearest")
            inner.insert(0, self.fpn_blocks[2 - idx](torch.cat([up, p[idx - 1]], dim=1)))
        outs = [inner[0]]
        for idx in range(2):
            down = self.downsample_convs[idx](outs[-1])
            outs.append(self.pan_blocks[idx](torch.cat([down, inner[idx + 1]], dim=1)))
        return outs


class MLP(nn.Module):
    def __init__(self, din, dh, dout, num_layers):
        super().__init__()
        h = [dh] * (num_layers - 1)
        self.layers = nn.ModuleList(nn.Linear(n, k) for n, k in zip([din] + h, h + [dout]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = F.relu(layer(x)) if i < len(self.layers) - 1 else layer(x)
        return x


def inverse_sigmoid(x, eps=1e-5):
    x = x.clamp(min=0.0, max=1.0)
    return torch.log(x.clamp(min=eps) / (1 - x).clamp(min=eps))


def deformable_attention_core(value, spatial_shapes, sampling_locations, attention_weights):
    """Multi-scale deformable attention with F.grid_sample (bilinear, zeros, align_corners=False)."""
    bs, _, n_head, c = value.shape
    _, len_q, _, n_levels, n_points, _ = sampling_locations.shape
    value_list = value.split([h * w for h, w in spatial_shapes], dim=1)
    grids = 2 * sampling_locations - 1
    sampled = []
    for level, (h, w) in enumerate(spatial_shapes):
        v = value_list[level].flatten(2).permute(0, 2, 1).reshape(bs * n_head, c, h, w)
        g = grids[:, :, :, level].permute(0, 2, 1, 3, 4).flatten(0, 1)
        sampled.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros", align_corners=False))
    aw = attention_weights.permute(0, 2, 1, 3, 4).reshape(bs * n_head, 1, len_q, n_levels * n_points)
    out = (torch.stack(sampled, dim=-2).flatten(-2) * aw).sum(-1).reshape(bs, n_head * c, len_q)
    return out.permute(0, 2, 1)


class MSDeformableAttention(nn.Module):
    def __init__(self, d=256, n_heads=8, n_levels=3, n_points=4):
        super().__init__()
        self.n_heads, self.n_levels, self.n_points = n_heads, n_levels, n_points
        self.head_dim = d // n_heads
        total = n_heads * n_levels * n_points
        self.sampling_offsets = nn.Linear(d, total * 2)
        self.attention_weights = nn.Linear(d, total)
        self.value_proj = nn.Linear(d, d)
        self.output_proj = nn.Linear(d, d)

    def grid_init(self):
        """Upstream's sampling-offset bias: a ring of directions per head, scaled by point index."""
        thetas = torch.arange(self.n_heads, dtype=torch.float32) * (2.0 * math.pi / self.n_heads)
        g = torch.stack([thetas.cos(), thetas.sin()], -1)
        g = g / g.abs().max(-1, keepdim=True).values
        g = g.reshape(self.n_heads, 1, 1, 2).tile([1, self.n_levels, self.n_points, 1])
        g *= torch.arange(1, self.n_points + 1, dtype=torch.float32).reshape(1, 1, -1, 1)
        return g.flatten()

    def forward(self, query, reference_points, value, spatial_shapes):
        bs, len_q = query.shape[:2]
        len_v = value.shape[1]
        value = self.value_proj(value).reshape(bs, len_v, self.n_heads, self.head_dim)
        off = self.sampling_offsets(query).reshape(bs, len_q, self.n_heads, self.n_levels, self.n_points, 2)
        aw = self.attention_weights(query).reshape(bs, len_q, self.n_heads, self.n_levels * self.n_points)
        aw = F.softmax(aw, dim=-1).reshape(bs, len_q, self.n_heads, self.n_levels, self.n_points)
        loc = reference_points[:, :, None, :, None, :2] + \
            off / self.n_points * reference_points[:, :, None, :, None, 2:] * 0.5
        return self.output_proj(deformable_attention_core(value, spatial_shapes, loc, aw))


class DecoderLayer(nn.Module):
    def __init__(self, d=256, nhead=8, dff=1024, n_levels=3, n_points=4):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, nhead, dropout=0.0, batch_first=True)
        self.norm1 = nn.LayerNorm(d)
        self.cross_attn = MSDeformableAttention(d, nhead, n_levels, n_points)
        self.norm2 = nn.LayerNorm(d)
        self.linear1 = nn.Linear(d, dff)
        self.linear2 = nn.Linear(dff, d)
        self.norm3 = nn.LayerNorm(d)

    def forward(self, tgt, ref, memory, shapes, pos):
        q = k = tgt + pos
        t2, _ = self.self_attn(q, k, value=tgt, need_weights=False)
        tgt = self.norm1(tgt + t2)
        tgt = self.norm2(tgt + self.cross_attn(tgt + pos, ref, memory, shapes))
        tgt = tgt + self.linear2(F.relu(self.linear1(tgt)))
        return self.norm3(tgt.clamp(min=-65504, max=65504))


class RTDETR(nn.Module):
    """RT-DETR (r18vd): PResNet backbone, hybrid encoder (AIFI + CCFM), query selection by TopK over encoder
    scores, decoder with self-attention + multi-scale deformable attention and iterative box refinement.
    Output as ultralytics exports it: [N, Q, 4 + nc] = cx, cy, w, h (0..1) and sigmoid class scores."""

    def __init__(self, nc=80, base=64, hidden=256, nhead=8, dff=1024, num_queries=300, num_layers=3,
                 n_points=4, strides=(8, 16, 32), eps=1e-2, chs=None, blocks=(2, 2, 2, 2)):
        super().__init__()
        self.backbone = PResNet(base, blocks=blocks, chs=chs)
        self.encoder = HybridEncoder(self.backbone.out_channels, hidden, nhead, dff, expansion=0.5)
        self.hidden, self.nc, self.num_queries, self.eps = hidden, nc, num_queries, eps
        self.strides = strides
        self.input_proj = nn.ModuleList(nn.Sequential(OrderedDict([
            ("conv", nn.Conv2d(hidden, hidden, 1, bias=False)), ("norm", nn.BatchNorm2d(hidden))])) for _ in strides)
        self.layers = nn.ModuleList(DecoderLayer(hidden, nhead, dff, len(strides), n_points) for _ in range(num_layers))
        self.query_pos_head = MLP(4, 2 * hidden, hidden, 2)
        self.enc_output = nn.Sequential(nn.Linear(hidden, hidden), nn.LayerNorm(hidden))
        self.enc_score_head = nn.Linear(hidden, nc)
        self.enc_bbox_head = MLP(hidden, hidden, 4, 3)
        self.dec_score_head = nn.ModuleList(nn.Linear(hidden, nc) for _ in range(num_layers))
        self.dec_bbox_head = nn.ModuleList(MLP(hidden, hidden, 4, 3) for _ in range(num_layers))

    def _anchors(self, shapes, dtype, device, grid_size=0.05):
        anchors = []
        for lvl, (h, w) in enumerate(shapes):
            gy, gx = torch.meshgrid(torch.arange(h, dtype=dtype, device=device),
                                    torch.arange(w, dtype=dtype, device=device), indexing="ij")
            xy = torch.stack([gx, gy], -1)
            xy = (xy.unsqueeze(0) + 0.5) / torch.tensor([w, h], dtype=dtype, device=device)
            wh = torch.ones_like(xy) * grid_size * (2.0 ** lvl)
            anchors.append(torch.cat([xy, wh], -1).reshape(1, -1, 4))
        anchors = torch.cat(anchors, 1)
        valid = ((anchors > self.eps) & (anchors < 1 - self.eps)).all(-1, keepdim=True)
        anchors = torch.log(anchors / (1 - anchors))
        return torch.where(valid, anchors, torch.full_like(anchors, float("inf"))), valid

    def forward(self, x):
        feats = self.encoder(self.backbone(x))
        proj = [self.input_proj[i](f) for i, f in enumerate(feats)]
        shapes = [f.shape[2:] for f in proj]
        memory = torch.cat([f.flatten(2).permute(0, 2, 1) for f in proj], 1)
        anchors, valid = self._anchors(shapes, memory.dtype, memory.device)
        memory = valid.to(memory.dtype) * memory
        out_mem = self.enc_output(memory)
        enc_cls = self.enc_score_head(out_mem)
        enc_coord = self.enc_bbox_head(out_mem) + anchors
        _, topk = torch.topk(enc_cls.max(-1).values, self.num_queries, dim=1)
        ref_unact = enc_coord.gather(dim=1, index=topk.unsqueeze(-1).repeat(1, 1, enc_coord.shape[-1]))
        tgt = out_mem.gather(dim=1, index=topk.unsqueeze(-1).repeat(1, 1, out_mem.shape[-1]))
        ref = ref_unact.sigmoid()
        boxes = logits = None
        for i, layer in enumerate(self.layers):
            pos = self.query_pos_head(ref)
            tgt = layer(tgt, ref.unsqueeze(2), memory, shapes, pos)
            boxes = torch.sigmoid(self.dec_bbox_head[i](tgt) + inverse_sigmoid(ref))
            if i == len(self.layers) - 1:
                logits = self.dec_score_head[i](tgt)
            ref = boxes
        return torch.cat([boxes, logits.sigmoid()], -1)


# ============================================================================ DetectNet_v2 (TAO)

class TBlock(nn.Module):
    """ResNet basic block with a projection shortcut on the first block of every stage (TAO all_projections)."""

    def __init__(self, cin, cout, stride, project):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if project \
            else nn.Identity()

    def forward(self, x):
        y = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        return self.relu(y + self.shortcut(x))


class DetectNetV2(nn.Module):
    """ResNet18 to stride 16 (7x7/2 stem without pooling, stages at strides 4, 8, 16, 16), then 1x1 heads:
    output_cov = sigmoid(conv) [N, C, H/16, W/16], output_bbox = conv [N, 4C, H/16, W/16]."""

    def __init__(self, nc=4, base=64, blocks=(2, 2, 2, 2), chs=None):
        super().__init__()
        self.conv1 = nn.Conv2d(3, base, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(base)
        self.relu = nn.ReLU()
        chs = list(chs or [base, base * 2, base * 4, base * 8])
        strides = [2, 2, 2, 1]
        layers, cin = [], base
        for co, s, nb in zip(chs, strides, blocks):
            for j in range(nb):
                layers.append(TBlock(cin, co, s if j == 0 else 1, project=j == 0))
                cin = co
        self.layers = nn.Sequential(*layers)
        self.conv_cov = nn.Conv2d(cin, nc, 1)
        self.conv_bbox = nn.Conv2d(cin, 4 * nc, 1)

    def forward(self, x):
        f = self.layers(self.relu(self.bn1(self.conv1(x))))
        return torch.sigmoid(self.conv_cov(f)), self.conv_bbox(f)


# ============================================================================ torchvision models

class MiniResNet(nn.Module):
    """torchvision's ResNet layout (conv1, bn1, relu, maxpool, layer1..4, avgpool, fc; same child order, so
    IntermediateLayerGetter and BackboneWithFPN treat it the same) with configurable widths: the tiny stand-in
    for resnet50 (torchvision's ResNet class hard-codes 64..512 planes)."""

    def __init__(self, planes=(64, 128, 256, 512), layers=(3, 4, 6, 3), stem=64, num_classes=1000):
        super().__init__()
        from torchvision.models.resnet import Bottleneck as TVBottleneck
        self.inplanes = stem
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages = []
        for i, (p, n) in enumerate(zip(planes, layers)):
            stride = 1 if i == 0 else 2
            down = None
            if stride != 1 or self.inplanes != p * 4:
                down = nn.Sequential(nn.Conv2d(self.inplanes, p * 4, 1, stride, bias=False), nn.BatchNorm2d(p * 4))
            blocks = [TVBottleneck(self.inplanes, p, stride, down)]
            self.inplanes = p * 4
            blocks += [TVBottleneck(self.inplanes, p) for _ in range(1, n)]
            stages.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(self.inplanes, num_classes)
        self.stage_channels = [p * 4 for p in planes]

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class TinySSDVGG(nn.Module):
    """torchvision's SSDFeatureExtractorVGG rebuilt with a width divisor (torchvision hard-codes 512/1024
    channels): conv4_3 with L2Norm x learnable scale, pool5 3x3/1, dilated fc6 (pad 6, dilation 6), fc7, the
    four SSD300 extra blocks (two stride-2, two unpadded 3x3; `pad_last` pads those two by 1 so that a small
    input reaches the last block). `cfg` is the VGG16 layer list ('C' = the ceil-mode max pool before conv4)."""

    def __init__(self, cfg, div, pad_last=0):
        super().__init__()
        from torchvision.models.vgg import make_layers
        layers = make_layers([("M" if v == "C" else v) for v in cfg])
        pools = [i for i, m in enumerate(layers) if isinstance(m, nn.MaxPool2d)]
        layers[pools[[v for v in cfg if not isinstance(v, int)].index("C")]].ceil_mode = True
        m4 = pools[-2]                                 # the pool after conv4_3
        c4 = [v for v in cfg if isinstance(v, int)][-4]
        self.scale_weight = nn.Parameter(torch.ones(c4) * 20)
        self.features = nn.Sequential(*layers[:m4])
        w = lambda c: max(4, c // div)                 # noqa: E731
        fc = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=False),
                           nn.Conv2d(c4, w(1024), 3, padding=6, dilation=6), nn.ReLU(inplace=True),
                           nn.Conv2d(w(1024), w(1024), 1), nn.ReLU(inplace=True))
        self.extra = nn.ModuleList([
            nn.Sequential(*layers[m4:-1], fc),
            nn.Sequential(nn.Conv2d(w(1024), w(256), 1), nn.ReLU(True), nn.Conv2d(w(256), w(512), 3, 2, 1), nn.ReLU(True)),
            nn.Sequential(nn.Conv2d(w(512), w(128), 1), nn.ReLU(True), nn.Conv2d(w(128), w(256), 3, 2, 1), nn.ReLU(True)),
            nn.Sequential(nn.Conv2d(w(256), w(128), 1), nn.ReLU(True), nn.Conv2d(w(128), w(256), 3, padding=pad_last),
                          nn.ReLU(True)),
            nn.Sequential(nn.Conv2d(w(256), w(128), 1), nn.ReLU(True), nn.Conv2d(w(128), w(256), 3, padding=pad_last),
                          nn.ReLU(True)),
        ])
        self.out_channels = [c4, w(1024), w(512), w(256), w(256), w(256)]

    def forward(self, x):
        x = self.features(x)
        out = [self.scale_weight.view(1, -1, 1, 1) * F.normalize(x)]
        for block in self.extra:
            x = block(x)
            out.append(x)
        return OrderedDict([(str(i), v) for i, v in enumerate(out)])


class RawHeads(nn.Module):
    """backbone + head of a torchvision detector, nothing else: no GeneralizedRCNNTransform (no resize, no
    normalisation), no anchor decoding, no NMS. Returns the head's tensors in `out_names` order."""

    def __init__(self, backbone, head, anchor_generator, out_names):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.anchor_generator = anchor_generator
        self.out_names = list(out_names)

    def forward(self, x):
        feats = self.backbone(x)
        if isinstance(feats, torch.Tensor):
            feats = OrderedDict([("0", feats)])
        out = self.head(list(feats.values()))
        return tuple(out[n] for n in self.out_names)

    @torch.no_grad()
    def priors(self, size):
        """The anchors the model's own generator makes for one image of `size` (H, W): [A, 4] x1,y1,x2,y2 pixels."""
        from torchvision.models.detection.image_list import ImageList
        x = torch.zeros(1, 3, size[0], size[1])
        feats = self.backbone(x)
        if isinstance(feats, torch.Tensor):
            feats = OrderedDict([("0", feats)])
        return self.anchor_generator(ImageList(x, [tuple(size)]), list(feats.values()))[0]


def _tv_weights_kwargs():
    return dict(weights=None, weights_backbone=None)


def _tv_call(fn, **kw):
    """torchvision builder with the weights API (0.13+); the old pretrained= flags as a fallback."""
    try:
        return fn(**_tv_weights_kwargs(), **kw)
    except TypeError:
        return fn(pretrained=False, pretrained_backbone=False, **kw)


def tiny_resnet(planes, layers, stem, num_classes=10):
    return MiniResNet(planes, layers, stem, num_classes)


# ============================================================================ builders

def b_yolov5s(tiny):
    nc = 4 if tiny else 80
    m = YOLOv5(nc, depth=0.1, width=1 / 16, div=4, max_ch=256) if tiny else YOLOv5(nc, depth=0.33, width=0.5)
    size = (64, 64) if tiny else (640, 640)
    no = nc + 5
    specs = [dict(module=m.detect.m[i], kind="sigmoid", channels=[a * no + 4 for a in range(3)], frac=0.5, thr=0.5)
             for i in range(3)]
    specs += [dict(module=m.detect.m[i], kind="sigmoid", channels=[a * no + 5 + c for a in range(3) for c in range(nc)],
                   frac=0.04, thr=0.5) for i in range(3)]
    return Built(m, "images", ["output0"], size, "yolov5", nc, arch="YOLOv5s v6.x (C3, SPPF, PANet, anchor Detect)",
                 hints=dict(strides=[8, 16, 32], anchors=YOLOV5_ANCHORS, anchors_per_level=3,
                            layout="[N, A, 5 + nc]: cx, cy, w, h (input pixels), objectness (sigmoid), class scores "
                                   "(sigmoid); A = 3 * sum(H/s * W/s)", box_format="cxcywh-pixels",
                            score_function="sigmoid (applied); score = obj * cls", decoded=True),
                 score_specs=specs)


def _v8_hints(reg_max=16):
    return dict(strides=[8, 16, 32], reg_max=reg_max, box_format="cxcywh-pixels", decoded=True,
                layout="[N, 4 + nc, A]: cx, cy, w, h (input pixels) then class scores (sigmoid); A = sum(H/s * W/s)",
                score_function="sigmoid (applied)")


def _v8_specs(m):
    return [dict(module=seq[-1], kind="sigmoid", channels=None, frac=0.01, thr=0.25) for seq in m.detect.cv3]


def b_yolov8(scale):
    def build(tiny):
        nc = 4 if tiny else 80
        width = {"n": 0.25, "s": 0.5}[scale]
        if tiny:
            m = YOLOv8(nc, depth=0.1, c2_min=8, c3_cap=8,
                       chs=(4, 8, 8, 16, 16) if scale == "n" else (4, 8, 16, 16, 16))
        else:
            m = YOLOv8(nc, depth=0.33, width=width)
        size = (64, 64) if tiny else (640, 640)
        alt = (96, 64) if tiny else (480, 640)
        variants = ("static", "batch", "batchhw") if scale == "n" else ("batch",)
        return Built(m, "images", ["output0"], size, "yolov8", nc, hints=_v8_hints(), score_specs=_v8_specs(m),
                     variants=variants, alt_size=alt, arch=f"YOLOv8{scale} (C2f, SPPF, DFL Detect, anchors from shapes)")
    return build


def b_yolo11n(tiny):
    nc = 4 if tiny else 80
    if tiny:
        m = YOLO11(nc, depth=0.5, width=1 / 32, div=4, max_ch=512, head_div=4, c2_min=8)
    else:
        m = YOLO11(nc, depth=0.5, width=0.25)
    size = (64, 64) if tiny else (640, 640)
    return Built(m, "images", ["output0"], size, "yolov8", nc, hints=_v8_hints(), score_specs=_v8_specs(m),
                 arch="YOLO11n (C3k2, SPPF, C2PSA attention, DW class branch Detect)")


def b_yoloxs(tiny):
    nc = 4 if tiny else 80
    m = YOLOX(nc, depth=0.33, width=1 / 16, head_width=8, max_ch=16, mid_repeats=1) if tiny else YOLOX(nc, depth=0.33, width=0.5)
    size = (64, 64) if tiny else (640, 640)
    specs = [dict(module=p, kind="sigmoid", channels=None, frac=0.5, thr=0.5) for p in m.obj_preds]
    specs += [dict(module=p, kind="sigmoid", channels=None, frac=0.04, thr=0.5) for p in m.cls_preds]
    return Built(m, "images", ["output"], size, "yolox", nc, score_specs=specs,
                 arch="YOLOX-s (Focus, CSPDarknet, SPP, PAFPN, decoupled head), decode_in_inference=False",
                 hints=dict(strides=[8, 16, 32], decoded=False, box_format="raw: cx = (x + grid_x) * s, "
                            "cy = (y + grid_y) * s, w = exp(w) * s, h = exp(h) * s; grid cells row-major per level",
                            layout="[N, A, 5 + nc]: x, y, log w, log h (raw), objectness (sigmoid), class scores "
                                   "(sigmoid); A = sum(H/s * W/s)", score_function="sigmoid (applied); score = obj * cls"))


def _ssd_specs(head_lists, num_classes):
    specs = []
    for mod in head_lists:
        last = [m for m in mod.modules() if isinstance(m, nn.Conv2d)][-1]
        specs.append(dict(module=last, kind="softmax", classes=num_classes, frac=0.02, thr=0.25))
    return specs


def b_ssd300(tiny):
    from torchvision.models.detection import ssd as tvssd
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    nc = 5 if tiny else 91
    ratios = [[2], [2, 3], [2, 3], [2, 3], [2], [2]]
    if tiny:
        # VGG16's 13 convs and 5 pools at widths / 32; conv10_2 and conv11_2 padded by 1 (64 px input)
        cfg = [2, 2, "M", 4, 4, "M", 4, 4, 4, "C", 8, 8, 8, "M", 8, 8, 8, "M"]
        backbone = TinySSDVGG(cfg, div=64, pad_last=1)
        gen = DefaultBoxGenerator(ratios, scales=[0.07, 0.15, 0.33, 0.51, 0.69, 0.87, 1.05])
        head = tvssd.SSDHead(backbone.out_channels, gen.num_anchors_per_location(), nc)
        size = (64, 64)
    else:
        det = _tv_call(tvssd.ssd300_vgg16)
        backbone, head, gen = det.backbone, det.head, det.anchor_generator
        size = (300, 300)
    m = RawHeads(backbone, head, gen, ["bbox_regression", "cls_logits"])
    return Built(m, "images", ["bbox_regression", "cls_logits"], size, "ssd", nc, priors=True,
                 score_specs=_ssd_specs(head.classification_head.module_list, nc),
                 arch="torchvision ssd300_vgg16 raw head (VGG16 + L2Norm + extras, SSDHead)" + (
                     "; tiny: widths / 32 to / 64, conv10_2/conv11_2 padded 1, 64 px" if tiny else ""),
                 hints=dict(box_coder="ssd", box_coder_weights=[10.0, 10.0, 5.0, 5.0], score_function="softmax",
                            background_class=0, anchors_format="xyxy-pixels",
                            layout="bbox_regression [N, A, 4] (dx, dy, dw, dh), cls_logits [N, A, nc] (raw logits)",
                            input_normalisation="none (torchvision's transform is not part of the graph)"))


def b_ssdlite(tiny):
    from functools import partial
    from torchvision.models import mobilenetv3
    from torchvision.models.detection import ssdlite
    from torchvision.models.detection.anchor_utils import DefaultBoxGenerator
    nc = 5 if tiny else 91
    if tiny:
        norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.03)
        mb = mobilenetv3.MobileNetV3(tiny_mbv3_setting(mobilenetv3, reduced_tail=True), last_channel=32,
                                     norm_layer=norm)
        feats = mb.features
        stage = [0] + [i for i, b in enumerate(feats) if getattr(b, "_is_cn", False)] + [len(feats) - 1]
        backbone = ssdlite.SSDLiteFeatureExtractorMobileNet(feats, stage[-2], norm, width_mult=0.1, min_depth=8)
        gen = DefaultBoxGenerator([[2, 3] for _ in range(6)], min_ratio=0.2, max_ratio=0.95)
        size = (64, 64)
        from torchvision.models.detection import _utils as det_utils
        out_ch = det_utils.retrieve_out_channels(backbone, size)
        head = ssdlite.SSDLiteHead(out_ch, gen.num_anchors_per_location(), nc, norm)
    else:
        det = _tv_call(ssdlite.ssdlite320_mobilenet_v3_large)
        backbone, head, gen = det.backbone, det.head, det.anchor_generator
        size = (320, 320)
    m = RawHeads(backbone, head, gen, ["bbox_regression", "cls_logits"])
    return Built(m, "images", ["bbox_regression", "cls_logits"], size, "ssd", nc, priors=True,
                 score_specs=_ssd_specs(head.classification_head.module_list, nc),
                 arch="torchvision ssdlite320_mobilenet_v3_large raw head" + ("; tiny: width 0.1, 7 of the 15 blocks" if tiny else ""),
                 hints=dict(box_coder="ssd", box_coder_weights=[10.0, 10.0, 5.0, 5.0], score_function="softmax",
                            background_class=0, anchors_format="xyxy-pixels",
                            layout="bbox_regression [N, A, 4] (dx, dy, dw, dh), cls_logits [N, A, nc] (raw logits)",
                            input_normalisation="none (torchvision's transform is not part of the graph)"))


# MobileNetV3-Large blocks kept by the tiny variants: every kind once (k3/k5, RE/HS, with/without SE, strides 1
# and 2, expansion and no expansion), and the strided blocks that mark C1..C5 for the SSDLite extractor
TINY_MBV3_BLOCKS = (0, 1, 3, 6, 10, 12, 14)


def tiny_mbv3_setting(mobilenetv3, reduced_tail=False):
    setting, _ = mobilenetv3._mobilenet_v3_conf("mobilenet_v3_large", width_mult=0.1, reduced_tail=reduced_tail)
    return [setting[i] for i in TINY_MBV3_BLOCKS]


def _has_weights_api():
    import inspect
    from torchvision.models import resnet
    return "weights" in inspect.signature(resnet.resnet50).parameters


def _tiny_fpn_backbone(fpn_ch):
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.ops.feature_pyramid_network import LastLevelP6P7
    body = MiniResNet(planes=(2, 4, 8, 8), layers=(1, 1, 1, 1), stem=8)
    chans = body.stage_channels
    return BackboneWithFPN(body, {"layer2": "0", "layer3": "1", "layer4": "2"}, chans[1:], fpn_ch,
                           extra_blocks=LastLevelP6P7(fpn_ch, fpn_ch))


def retinanet_anchorgen():
    """torchvision's RetinaNet default: 3 sizes per octave from 32 to 512 px, aspect ratios 0.5, 1, 2."""
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    sizes = tuple((x, int(x * 2 ** (1.0 / 3)), int(x * 2 ** (2.0 / 3))) for x in [32, 64, 128, 256, 512])
    return AnchorGenerator(sizes, ((0.5, 1.0, 2.0),) * len(sizes))


def b_retinanet(tiny):
    from torchvision.models.detection import retinanet
    nc = 5 if tiny else 91
    if tiny:
        backbone = _tiny_fpn_backbone(8)
        gen = retinanet_anchorgen()
        head = retinanet.RetinaNetHead(backbone.out_channels, gen.num_anchors_per_location()[0], nc)
        size = (64, 64)
    else:
        det = _tv_call(retinanet.retinanet_resnet50_fpn)
        backbone, head, gen = det.backbone, det.head, det.anchor_generator
        size = (640, 640)
    m = RawHeads(backbone, head, gen, ["cls_logits", "bbox_regression"])
    return Built(m, "images", ["cls_logits", "bbox_regression"], size, "retinanet", nc, priors=True,
                 score_specs=[dict(module=head.classification_head.cls_logits, kind="sigmoid", channels=None,
                                   frac=0.01, thr=0.25)],
                 arch="torchvision retinanet_resnet50_fpn raw head (ResNet50 + FPN P3-P7, RetinaNetHead)" + (
                     "; tiny: bottleneck ResNet with 1 block per stage, widths / 32 (/ 64 last), FPN 8 channels" if tiny else ""),
                 hints=dict(box_coder="retinanet", box_coder_weights=[1.0, 1.0, 1.0, 1.0], score_function="sigmoid",
                            background_class=None, anchors_format="xyxy-pixels",
                            layout="cls_logits [N, A, nc] (raw logits), bbox_regression [N, A, 4] (dx, dy, dw, dh)",
                            input_normalisation="none (torchvision's transform is not part of the graph)"))


def b_fcos(tiny):
    from torchvision.models.detection import fcos
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    nc = 5 if tiny else 91
    if tiny:
        from functools import partial
        gen = AnchorGenerator(((8,), (16,), (32,), (64,), (128,)), ((1.0,),) * 5)
        na = gen.num_anchors_per_location()[0]
        try:    # torchvision's FCOSHead with 16 channels: its towers with GroupNorm(8, 16) instead of (32, C)
            gn = partial(nn.GroupNorm, 8)
            cls_head = fcos.FCOSClassificationHead(16, na, nc, 1, norm_layer=gn)
            reg_head = fcos.FCOSRegressionHead(16, na, 1, norm_layer=gn)
            backbone = _tiny_fpn_backbone(16)
            head = fcos.FCOSHead(32, na, nc, num_convs=1)
            head.classification_head, head.regression_head = cls_head, reg_head
        except TypeError:   # no norm_layer argument: 32 channels (GroupNorm needs C % 32 == 0)
            backbone = _tiny_fpn_backbone(32)
            head = fcos.FCOSHead(32, na, nc, num_convs=1)
        size = (64, 64)
    else:
        det = _tv_call(fcos.fcos_resnet50_fpn)
        backbone, head, gen = det.backbone, det.head, det.anchor_generator
        size = (640, 640)
    m = RawHeads(backbone, head, gen, ["cls_logits", "bbox_regression", "bbox_ctrness"])
    b = Built(m, "images", ["cls_logits", "bbox_regression", "bbox_ctrness"], size, "fcos", nc, priors=True,
                 score_specs=[dict(module=head.classification_head.cls_logits, kind="sigmoid", channels=None,
                                   frac=0.01, thr=0.25),
                              dict(module=head.regression_head.bbox_ctrness, kind="sigmoid", channels=None,
                                   frac=0.5, thr=0.5)],
                 arch="torchvision fcos_resnet50_fpn raw head (ResNet50 + FPN P3-P7, FCOSHead with GroupNorm)" + (
                     "; tiny: as retinanet's tiny backbone, FPN 16 channels, head towers of 1 conv with GroupNorm(8, 16)" if tiny else ""),
                 hints=dict(box_coder="linear", normalize_by_size=True, score_function="sigmoid",
                            centerness="score = sqrt(sigmoid(cls_logits) * sigmoid(bbox_ctrness))",
                            background_class=None, anchors_format="xyxy-pixels (one square anchor per location; "
                            "centres and sizes for BoxLinearCoder)",
                            layout="cls_logits [N, A, nc], bbox_regression [N, A, 4] (l, t, r, b), bbox_ctrness [N, A, 1]",
                            input_normalisation="none (torchvision's transform is not part of the graph)"))
    return b


def b_resnet50(tiny):
    if tiny:
        m = MiniResNet(planes=(2, 4, 8, 16), layers=(1, 1, 1, 1), stem=8, num_classes=10)
        size, nc = (64, 64), 10
    else:
        from torchvision.models import resnet50
        m = resnet50(weights=None) if _has_weights_api() else resnet50(pretrained=False)
        size, nc = (224, 224), 1000
    return Built(m, "input", ["output"], size, "classifier", nc,
                 arch="torchvision resnet50" + (" layout; tiny: 1 bottleneck per stage, widths / 32" if tiny else ""),
                 hints=dict(score_function="softmax (not applied: logits)", layout="[N, classes]"))


def b_mobilenet_v3_large(tiny):
    from torchvision.models import mobilenetv3
    if tiny:
        try:
            m = mobilenetv3.MobileNetV3(tiny_mbv3_setting(mobilenetv3), last_channel=32, num_classes=10)
        except (AttributeError, TypeError):      # private helper gone: the public builder (last channel 320)
            m = mobilenetv3.mobilenet_v3_large(weights=None, width_mult=0.25, num_classes=10)
        size, nc = (64, 64), 10
    else:
        m = mobilenetv3.mobilenet_v3_large(weights=None) if _has_weights_api() else \
            mobilenetv3.mobilenet_v3_large(pretrained=False)
        size, nc = (224, 224), 1000
    return Built(m, "input", ["output"], size, "classifier", nc,
                 arch="torchvision mobilenet_v3_large (SE blocks, Hardswish)" + (
                     "; tiny: width 0.1, 7 of the 15 blocks, last channel 32" if tiny else ""),
                 hints=dict(score_function="softmax (not applied: logits)", layout="[N, classes]"))


def b_rtdetr(tiny):
    nc = 4 if tiny else 80
    if tiny:
        m = RTDETR(nc, base=4, hidden=16, nhead=4, dff=32, num_queries=50, num_layers=3, chs=(4, 8, 16, 16),
                   blocks=(1, 1, 1, 1))
        size = (64, 64)
    else:
        m = RTDETR(nc)
        size = (640, 640)

    def post_init(mod, g):
        for layer in mod.layers:
            ca = layer.cross_attn
            with torch.no_grad():
                ca.sampling_offsets.weight.mul_(0.1)
                ca.sampling_offsets.bias.copy_(ca.grid_init())
    b = Built(m, "images", ["output0"], size, "detr", nc,
              score_specs=[dict(module=m.dec_score_head[-1], kind="sigmoid", channels=None, frac=0.01, thr=0.25)],
              arch="RT-DETR r18vd (PResNet18-vd, hybrid encoder AIFI + CCFM, TopK query selection, 3 decoder layers "
                   "with grid_sample deformable attention)" + ("; tiny: widths / 16, 1 block per stage, 4 heads, 50 queries, 64 px" if tiny else ""),
              hints=dict(num_queries=m.num_queries, box_format="cxcywh-normalized", decoded=True,
                         layout=f"[N, {m.num_queries}, 4 + nc]: cx, cy, w, h in 0..1 of the input, class scores (sigmoid)",
                         score_function="sigmoid (applied)", nms=False))
    b.post_init = post_init
    return b


def b_detectnet_v2(tiny):
    nc = 4
    if tiny:
        m = DetectNetV2(nc, base=4, blocks=(1, 1, 1, 1), chs=(4, 8, 16, 16))
        size = (48, 64)
    else:
        m = DetectNetV2(nc)
        size = (544, 960)
    return Built(m, "input_1", ["output_cov", "output_bbox"], size, "detectnet_v2", nc,
                 score_specs=[dict(module=m.conv_cov, kind="sigmoid", channels=None, frac=0.02, thr=0.25)],
                 arch="DetectNet_v2-style ResNet18 to stride 16, coverage + bbox 1x1 heads" + (
                     "; tiny: widths / 16, 1 block per stage" if tiny else ""),
                 hints=dict(stride=16, bbox_norm=35.0, offset=0.5, score_function="sigmoid (applied, output_cov)",
                            box_format="output_bbox per class c channels 4c..4c+3: (x1, y1, x2, y2) offsets: "
                                       "x1 = (cx - o_x1 * bbox_norm), cx = col * stride + offset, etc.",
                            layout="output_cov [N, C, H/16, W/16], output_bbox [N, 4C, H/16, W/16]"))


BUILDERS = OrderedDict([
    ("yolov5s", b_yolov5s),
    ("yolov8n", b_yolov8("n")),
    ("yolov8s", b_yolov8("s")),
    ("yolo11n", b_yolo11n),
    ("yoloxs", b_yoloxs),
    ("ssd300_vgg16", b_ssd300),
    ("ssdlite320_mobilenet_v3_large", b_ssdlite),
    ("retinanet_resnet50_fpn", b_retinanet),
    ("fcos_resnet50_fpn", b_fcos),
    ("resnet50", b_resnet50),
    ("mobilenet_v3_large", b_mobilenet_v3_large),
    ("rtdetr", b_rtdetr),
    ("detectnet_v2", b_detectnet_v2),
])
