"""The test detector's network: a small Conv-BN-SiLU backbone, a two-level neck and YOLO-style
anchor-free heads at strides 8 and 16, with the box decode inside the network.

Output "output0" is [N, 4 + 3, 2000] for a 320x320 input (1600 cells at stride 8, then 400 at
stride 16): rows 0..3 are cx, cy, w, h in input pixels, rows 4..6 sigmoid class scores.
The decode uses only Sigmoid, Mul, Add, Slice, Concat and Reshape with constant shapes, so the
exported graph has no Shape arithmetic even with a dynamic batch.
"""
import torch
import torch.nn as nn

SIZE = 320
NUM_CLASSES = 3
NO = 4 + NUM_CLASSES
# (stride, reference size in pixels): w = (2 * sigmoid(t))^2 * ref, so each level covers
# (0, 4 * ref); a ground-truth box goes to every level whose ref is within 4x of its size.
LEVELS = ((8, 16.0), (16, 48.0))


class CBS(nn.Module):
    """Conv (no bias) + BatchNorm + SiLU; the exporter folds the BatchNorm into the Conv."""

    def __init__(self, c1, c2, k=3, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class Res(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.a = CBS(c, c // 2, 1)
        self.b = CBS(c // 2, c, 3)

    def forward(self, x):
        return x + self.b(self.a(x))


class SPPF(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        h = c1 // 2
        self.cv1 = CBS(c1, h, 1)
        self.pool = nn.MaxPool2d(5, 1, 2)
        self.cv2 = CBS(h * 4, c2, 1)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([x, y1, y2, self.pool(y2)], 1))


class DetNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(CBS(3, 16, 3, 2), CBS(16, 32, 3, 2), Res(32))        # stride 4
        self.p3 = nn.Sequential(CBS(32, 64, 3, 2), Res(64))                            # stride 8
        self.p4 = nn.Sequential(CBS(64, 96, 3, 2), Res(96))                            # stride 16
        self.p5 = nn.Sequential(CBS(96, 128, 3, 2), Res(128), SPPF(128, 128))          # stride 32
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.n4 = nn.Sequential(CBS(128 + 96, 64, 1), CBS(64, 96, 3))
        self.n3 = nn.Sequential(CBS(96 + 64, 48, 1), CBS(48, 64, 3))
        self.h3 = nn.Sequential(CBS(64, 64, 3), nn.Conv2d(64, NO, 1))
        self.h4 = nn.Sequential(CBS(96, 64, 3), nn.Conv2d(64, NO, 1))
        for head in (self.h3, self.h4):
            # prior probability 0.01 for every class, so training starts with few false positives
            nn.init.constant_(head[1].bias[4:], -4.6)
            nn.init.zeros_(head[1].bias[:4])
        self.grids = []
        for i, (stride, ref) in enumerate(LEVELS):
            g = SIZE // stride
            ys, xs = torch.meshgrid(torch.arange(g, dtype=torch.float32), torch.arange(g, dtype=torch.float32),
                                    indexing="ij")
            # cx = (2 sigmoid(t) - 0.5 + gx) * stride = sigmoid(t) * 2 stride + (gx - 0.5) * stride
            off = torch.stack([xs.reshape(-1), ys.reshape(-1)], 0)[None] * stride - 0.5 * stride   # [1, 2, g*g]
            self.register_buffer(f"off{i}", off, persistent=False)
            self.grids.append(g)

    def raw(self, x):
        """Head outputs before decode: [N, 7, 40, 40] and [N, 7, 20, 20]."""
        s4 = self.stem(x)
        p3 = self.p3(s4)
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        n4 = self.n4(torch.cat([self.up(p5), p4], 1))
        n3 = self.n3(torch.cat([self.up(n4), p3], 1))
        return [self.h3(n3), self.h4(n4)]

    def forward(self, x):
        outs = []
        for i, t in enumerate(self.raw(x)):
            stride, ref = LEVELS[i]
            g = self.grids[i]
            t = t.reshape(-1, NO, g * g)       # constant shape [-1, 7, g*g]: no Shape ops in the graph
            s = torch.sigmoid(t)
            xy = s[:, 0:2] * (2.0 * stride) + getattr(self, f"off{i}")
            wh = s[:, 2:4] * 2.0
            wh = wh * wh * ref
            outs.append(torch.cat([xy, wh, s[:, 4:NO]], 1))
        return torch.cat(outs, 2)


def decode_level(t, level):
    """Training-time decode of one level's raw output [N, 7, g, g]: boxes cxcywh [N, 4, g*g] and
    class logits [N, 3, g*g], in the same arithmetic as DetNet.forward."""
    stride, ref = LEVELS[level]
    n, _, gh, gw = t.shape
    t = t.reshape(n, NO, gh * gw)
    s = torch.sigmoid(t[:, :4])
    ys, xs = torch.meshgrid(torch.arange(gh, device=t.device, dtype=t.dtype),
                            torch.arange(gw, device=t.device, dtype=t.dtype), indexing="ij")
    off = torch.stack([xs.reshape(-1), ys.reshape(-1)], 0)[None] * stride - 0.5 * stride
    xy = s[:, 0:2] * (2.0 * stride) + off
    wh = (s[:, 2:4] * 2.0) ** 2 * ref
    return torch.cat([xy, wh], 1), t[:, 4:]


def count_params(model):
    return sum(p.numel() for p in model.parameters())
