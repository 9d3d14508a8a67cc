"""Synthetic scenes for the test detector, mirroring gst-bridge's SceneRenderer.

dev.vahost.gst.synth.SceneRenderer draws 2..5 filled shapes (class 0 rectangle, 1 disc,
2 triangle), each in its own horizontal lane, over a vertically shaded grey background, into an
I420 frame (BT.601 limited range). This module draws the same scenes with numpy, converts them to
RGB the way a decoder + colour conversion would (BT.601 limited range, nearest chroma), degrades
them a little (JPEG blocks stand in for H.264), and letterboxes them to 320x320 with pad 114 as the
pipeline does (INTER_LINEAR, half-pixel centres). Ground truth is exact, in letterbox pixels.

Only numpy is required; OpenCV is used for speed and JPEG when it is there.
"""
import math

import numpy as np

try:  # optional: faster resize and the JPEG degradation
    import cv2  # type: ignore
except Exception:  # pragma: no cover - depends on the machine
    cv2 = None

SIZE = 320
PAD = 114
NUM_CLASSES = 3
CLASS_NAMES = ("rectangle", "disc", "triangle")
MAX_SHAPES = 5  # SceneRenderer draws 2 + nextInt(4) shapes

# Frame sizes cameras and clips commonly have (width a multiple of 8, height even, as
# SceneRenderer requires); the rest of the draws are random sizes.
COMMON_SIZES = [(1920, 1080), (1280, 720), (960, 540), (640, 360), (640, 480), (800, 600),
                (1024, 768), (320, 240), (424, 240), (352, 288), (1280, 960), (704, 576)]


def _jround(x):
    """Java's Math.round on doubles: floor(x + 0.5)."""
    return np.floor(np.asarray(x, dtype=np.float64) + 0.5).astype(np.int64)


def _clamp(v):
    return max(0, min(255, int(v)))


def _vivid(rng):
    c = [int(rng.integers(80)), int(rng.integers(80)), int(rng.integers(80))]
    c[int(rng.integers(3))] = 180 + int(rng.integers(76))
    return c


def _yuv(c):
    r, g, b = c
    y = _clamp(math.floor(16 + 0.257 * r + 0.504 * g + 0.098 * b + 0.5))
    u = _clamp(math.floor(128 - 0.148 * r - 0.291 * g + 0.439 * b + 0.5))
    v = _clamp(math.floor(128 + 0.439 * r - 0.368 * g - 0.071 * b + 0.5))
    return y, u, v


def random_frame_size(rng):
    if rng.random() < 0.6:
        return COMMON_SIZES[int(rng.integers(len(COMMON_SIZES)))]
    w = 8 * int(rng.integers(20, 241))            # 160..1920
    aspect = float(rng.uniform(0.4, 1.3))         # height / width
    h = int(round(w * aspect / 2.0)) * 2
    h = max(96, min(1440, h))
    return w, h


def random_scene(rng, width, height):
    """A scene like SceneRenderer(width, height, seed) at a random moment of its clip."""
    n = 2 + int(rng.integers(4))
    lane_h = height // n
    shapes = []
    for i in range(n):
        cls = int(rng.integers(3))
        lane0 = i * lane_h
        max_size = min(lane_h - 2, width // 3)
        size = max(8, int(max_size * (0.45 + 0.5 * rng.random())))
        # SceneRenderer moves shapes and reflects them at the lane's edges; a random moment of
        # the clip is a uniform position in the same ranges.
        x = rng.random() * (width - size)
        y = lane0 + rng.random() * max(0, lane_h - size)
        shapes.append((cls, size, int(x), int(y), _yuv(_vivid(rng))))
    bg_y0 = 40 + int(rng.integers(40))
    bg_y1 = bg_y0 + 20 + int(rng.integers(40))
    bg_u = 118 + int(rng.integers(20))
    bg_v = 118 + int(rng.integers(20))
    return {"w": width, "h": height, "shapes": shapes, "bg": (bg_y0, bg_y1, bg_u, bg_v)}


def _spans(cls, x1, y1, size, ys):
    """Row spans [x0, x1) of a shape on rows ys, as SceneRenderer.span computes them."""
    w = h = size
    x2 = x1 + w
    fy = (ys - y1 + 0.5) / h
    if cls == 0:
        return np.full(ys.shape, x1, np.int64), np.full(ys.shape, x2, np.int64)
    if cls == 1:
        dy = fy * 2 - 1
        half = np.sqrt(np.maximum(0.0, 1 - dy * dy)) * w / 2.0
    else:
        half = fy * w / 2.0
    c = x1 + w // 2
    a = np.maximum(x1, _jround(c - half))
    b = np.minimum(x2, _jround(c + half))
    if cls == 2:
        last = ys == (y1 + h - 1)
        a = np.where(last, x1, a)
        b = np.where(last, x2, b)
    return a, b


def render_i420(scene):
    """Returns (Y[h,w], U[h/2,w/2], V[h/2,w/2]) uint8 and boxes [(cls, x1, y1, x2, y2)] (x2, y2 exclusive)."""
    w, h = scene["w"], scene["h"]
    bg_y0, bg_y1, bg_u, bg_v = scene["bg"]
    rows = np.arange(h, dtype=np.int64)
    Y = np.repeat((bg_y0 + (bg_y1 - bg_y0) * rows // h).astype(np.uint8)[:, None], w, axis=1)
    U = np.full((h // 2, w // 2), bg_u, np.uint8)
    V = np.full((h // 2, w // 2), bg_v, np.uint8)
    boxes = []
    for cls, size, x, y, (yc, uc, vc) in scene["shapes"]:
        boxes.append((cls, x, y, x + size, y + size))
        y_end = min(y + size, h)
        if y_end <= y:
            continue
        ys = np.arange(y, y_end, dtype=np.int64)
        a, b = _spans(cls, x, y, size, ys)
        cols = np.arange(x, x + size, dtype=np.int64)
        mask = (cols[None, :] >= a[:, None]) & (cols[None, :] < b[:, None])
        Y[y:y_end, x:x + size][mask] = yc
        even = (ys & 1) == 0
        if even.any():
            ye = ys[even]
            ca, cb = a[even] // 2, (b[even] + 1) // 2
            c0, c1 = x // 2, min((x + size + 1) // 2, w // 2)
            ccols = np.arange(c0, c1, dtype=np.int64)
            cmask = (ccols[None, :] >= ca[:, None]) & (ccols[None, :] < cb[:, None]) & (cb > ca)[:, None]
            r0, r1 = int(ye[0]) // 2, int(ye[-1]) // 2 + 1
            U[r0:r1, c0:c1][cmask] = uc
            V[r0:r1, c0:c1][cmask] = vc
    return Y, U, V, boxes


def i420_to_rgb(Y, U, V):
    """BT.601 limited range to RGB uint8 with nearest chroma, as OpenCV's COLOR_YUV2RGB_I420."""
    y = (Y.astype(np.float32) - 16.0) * 1.164
    u = np.repeat(np.repeat(U.astype(np.float32) - 128.0, 2, axis=0), 2, axis=1)
    v = np.repeat(np.repeat(V.astype(np.float32) - 128.0, 2, axis=0), 2, axis=1)
    rgb = np.empty(Y.shape + (3,), np.float32)
    rgb[..., 0] = y + 1.596 * v
    rgb[..., 1] = y - 0.813 * v - 0.391 * u
    rgb[..., 2] = y + 2.018 * u
    return np.clip(np.floor(rgb + 0.5), 0, 255).astype(np.uint8)


def resize_linear(img, new_w, new_h):
    """OpenCV INTER_LINEAR (half-pixel centres, edge clamp, no antialiasing) on HxWxC uint8."""
    if cv2 is not None:
        return cv2.resize(img, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    h, w = img.shape[:2]

    def axis(n_out, n_in):
        s = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
        i0 = np.floor(s).astype(np.int64)
        f = s - i0
        f = np.where(i0 < 0, 0.0, f)
        i0 = np.clip(i0, 0, n_in - 1)
        f = np.where(i0 >= n_in - 1, 0.0, f)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, f.astype(np.float32)

    y0, y1, fy = axis(new_h, h)
    x0, x1, fx = axis(new_w, w)
    src = img.astype(np.float32)
    rows = src[y0] * (1 - fy)[:, None, None] + src[y1] * fy[:, None, None]
    out = rows[:, x0] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def jpeg(img, quality):
    """JPEG round trip (stands in for H.264 blocking); identity without OpenCV."""
    if cv2 is None:
        return img
    ok, enc = cv2.imencode(".jpg", img[..., ::-1], [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
    if not ok:
        return img
    return cv2.imdecode(enc, cv2.IMREAD_COLOR)[..., ::-1].copy()


def letterbox(rgb, centred=True):
    """Letterbox to SIZE x SIZE with PAD; returns (img, sx, sy, left, top) mapping x -> x*sx + left."""
    h, w = rgb.shape[:2]
    r = min(SIZE / w, SIZE / h)
    nw, nh = max(1, int(round(w * r))), max(1, int(round(h * r)))
    if centred:  # as YOLOv8's LetterBox: the padding split on both sides
        left, top = int(round((SIZE - nw) / 2 - 0.1)), int(round((SIZE - nh) / 2 - 0.1))
    else:
        left, top = 0, 0
    out = np.full((SIZE, SIZE, 3), PAD, np.uint8)
    out[top:top + nh, left:left + nw] = resize_linear(rgb, nw, nh)
    return out, nw / w, nh / h, left, top


def make_sample(rng, degrade=True):
    """One training/validation sample: (uint8 [320,320,3] RGB, float32 [MAX_SHAPES, 5] of cls,x1,y1,x2,y2; cls -1 pads)."""
    w, h = random_frame_size(rng)
    scene = random_scene(rng, w, h)
    Y, U, V, boxes = render_i420(scene)
    rgb = i420_to_rgb(Y, U, V)
    if degrade and rng.random() < 0.7:
        rgb = jpeg(rgb, int(rng.integers(25, 91)))
    img, sx, sy, left, top = letterbox(rgb, centred=bool(rng.random() < 0.7))
    gt = np.full((MAX_SHAPES, 5), -1.0, np.float32)
    for i, (cls, x1, y1, x2, y2) in enumerate(boxes):
        gt[i] = (cls, x1 * sx + left, y1 * sy + top, x2 * sx + left, y2 * sy + top)
    return img, gt, (w, h)


def make_chunk(task):
    """Pool worker: task = (seed, count, degrade) -> (imgs [count,320,320,3] u8, gts [count,5,5] f32, sizes [count,2])."""
    seed, count, degrade = task
    if cv2 is not None:
        cv2.setNumThreads(1)
    rng = np.random.default_rng(seed)
    imgs = np.empty((count, SIZE, SIZE, 3), np.uint8)
    gts = np.empty((count, MAX_SHAPES, 5), np.float32)
    sizes = np.empty((count, 2), np.int32)
    for i in range(count):
        imgs[i], gts[i], sizes[i] = make_sample(rng, degrade)
    return imgs, gts, sizes
