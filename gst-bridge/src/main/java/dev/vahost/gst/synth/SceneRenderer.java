package dev.vahost.gst.synth;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Renders deterministic synthetic camera scenes into I420 frames, with exact ground-truth boxes:
 * a few filled shapes (class 0 rectangle, 1 disc, 2 triangle) moving over a shaded background.
 * Each shape has its own horizontal lane, so shapes never overlap and every box is fully visible.
 * The same seed gives the same scene on every machine.
 */
public final class SceneRenderer {
    public static final String[] CLASS_NAMES = {"rectangle", "disc", "triangle"};

    /** A ground-truth box in pixels (x2, y2 exclusive) of class {@code cls}. */
    public record Box(int cls, int x1, int y1, int x2, int y2) {}

    private static final class Shape {
        int cls, size, lane0, laneH;
        double x, y, vx, vy;
        int yc, uc, vc;
    }

    private final int width, height;
    private final List<Shape> shapes = new ArrayList<>();
    private final int bgY0, bgY1, bgU, bgV;

    public SceneRenderer(int width, int height, long seed) {
        if (width < 16 || height < 16 || width % 8 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("scene size must be at least 16x16, width a multiple of 8 and "
                    + "height even, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        Random r = new Random(seed);
        int n = 2 + r.nextInt(4);
        int laneH = height / n;
        for (int i = 0; i < n; i++) {
            Shape s = new Shape();
            s.cls = r.nextInt(3);
            s.lane0 = i * laneH;
            s.laneH = laneH;
            int maxSize = Math.min(laneH - 2, width / 3);
            s.size = Math.max(8, (int) (maxSize * (0.45 + 0.5 * r.nextDouble())));
            s.x = r.nextDouble() * (width - s.size);
            s.y = s.lane0 + r.nextDouble() * Math.max(0, laneH - s.size);
            double speed = (0.004 + 0.01 * r.nextDouble()) * width;
            s.vx = r.nextBoolean() ? speed : -speed;
            s.vy = (r.nextDouble() - 0.5) * 0.004 * height;
            int[] rgb = vivid(r);
            s.yc = lumaOf(rgb);
            s.uc = uOf(rgb);
            s.vc = vOf(rgb);
            shapes.add(s);
        }
        bgY0 = 20 + r.nextInt(30);
        bgY1 = bgY0 + 10 + r.nextInt(30);
        bgU = 118 + r.nextInt(20);
        bgV = 118 + r.nextInt(20);
    }

    private static int[] vivid(Random r) {
        // One strong channel over mid-level ones: luma >= 117, well above the darker background
        // (luma <= 89), and a clear hue, so shapes stand out in both luma and chroma.
        int[] c = {100 + r.nextInt(60), 100 + r.nextInt(60), 100 + r.nextInt(60)};
        c[r.nextInt(3)] = 200 + r.nextInt(56);
        return c;
    }

    // BT.601 limited range, as x264 and GStreamer assume for unlabelled SD content.
    private static int lumaOf(int[] c) { return clamp((int) Math.round(16 + 0.257 * c[0] + 0.504 * c[1] + 0.098 * c[2])); }
    private static int uOf(int[] c) { return clamp((int) Math.round(128 - 0.148 * c[0] - 0.291 * c[1] + 0.439 * c[2])); }
    private static int vOf(int[] c) { return clamp((int) Math.round(128 + 0.439 * c[0] - 0.368 * c[1] - 0.071 * c[2])); }

    private static int clamp(int v) { return Math.max(0, Math.min(255, v)); }

    public int width() { return width; }

    public int height() { return height; }

    /** Bytes of one I420 frame (tightly packed: strides W, W/2, W/2). */
    public int frameSize() {
        return width * height * 3 / 2;
    }

    /** Ground truth of the frame {@link #render} would draw now. */
    public List<Box> boxes() {
        List<Box> out = new ArrayList<>(shapes.size());
        for (Shape s : shapes) {
            int x = (int) s.x, y = (int) s.y;
            out.add(new Box(s.cls, x, y, x + s.size, y + s.size));
        }
        return out;
    }

    /** Draws the current frame into {@code i420} and returns its ground truth; then advances. */
    public List<Box> render(byte[] i420) {
        if (i420.length < frameSize()) {
            throw new IllegalArgumentException("frame buffer holds " + i420.length + " bytes, need " + frameSize());
        }
        int cw = width / 2, ch = height / 2, uOff = width * height, vOff = uOff + cw * ch;
        for (int y = 0; y < height; y++) {
            byte v = (byte) (bgY0 + (bgY1 - bgY0) * y / height);
            java.util.Arrays.fill(i420, y * width, (y + 1) * width, v);
        }
        java.util.Arrays.fill(i420, uOff, vOff, (byte) bgU);
        java.util.Arrays.fill(i420, vOff, vOff + cw * ch, (byte) bgV);
        List<Box> boxes = boxes();
        for (int i = 0; i < shapes.size(); i++) {
            Shape s = shapes.get(i);
            Box b = boxes.get(i);
            for (int y = b.y1(); y < b.y2(); y++) {
                int[] span = span(s.cls, b, y);
                if (span == null) continue;
                java.util.Arrays.fill(i420, y * width + span[0], y * width + span[1], (byte) s.yc);
                if ((y & 1) == 0) {
                    int cy = y / 2, cx0 = span[0] / 2, cx1 = (span[1] + 1) / 2;
                    java.util.Arrays.fill(i420, uOff + cy * cw + cx0, uOff + cy * cw + cx1, (byte) s.uc);
                    java.util.Arrays.fill(i420, vOff + cy * cw + cx0, vOff + cy * cw + cx1, (byte) s.vc);
                }
            }
        }
        advance();
        return boxes;
    }

    /** Pixel span [x0, x1) of a shape on row y, or null. Spans reach the box edges on some row. */
    private static int[] span(int cls, Box b, int y) {
        int w = b.x2() - b.x1(), h = b.y2() - b.y1();
        double fy = (y - b.y1() + 0.5) / h; // 0..1 down the box
        switch (cls) {
            case 0:
                return new int[] {b.x1(), b.x2()};
            case 1: {
                double dy = fy * 2 - 1, half = Math.sqrt(Math.max(0, 1 - dy * dy)) * w / 2.0;
                int c = b.x1() + w / 2, x0 = (int) Math.round(c - half), x1 = (int) Math.round(c + half);
                x0 = Math.max(b.x1(), x0);
                x1 = Math.min(b.x2(), x1);
                return x1 > x0 ? new int[] {x0, x1} : null;
            }
            default: {
                double half = fy * w / 2.0;
                int c = b.x1() + w / 2, x0 = (int) Math.round(c - half), x1 = (int) Math.round(c + half);
                x0 = Math.max(b.x1(), x0);
                x1 = Math.min(b.x2(), x1);
                if (y == b.y2() - 1) { x0 = b.x1(); x1 = b.x2(); }
                return x1 > x0 ? new int[] {x0, x1} : null;
            }
        }
    }

    private void advance() {
        for (Shape s : shapes) {
            s.x += s.vx;
            if (s.x < 0) { s.x = -s.x; s.vx = -s.vx; }
            if (s.x > width - s.size) { s.x = 2.0 * (width - s.size) - s.x; s.vx = -s.vx; }
            s.y += s.vy;
            int lo = s.lane0, hi = s.lane0 + s.laneH - s.size;
            if (hi <= lo) { s.y = lo; continue; }
            if (s.y < lo) { s.y = 2.0 * lo - s.y; s.vy = -s.vy; }
            if (s.y > hi) { s.y = 2.0 * hi - s.y; s.vy = -s.vy; }
        }
    }
}
