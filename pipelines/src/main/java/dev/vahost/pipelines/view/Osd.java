package dev.vahost.pipelines.view;

import java.util.List;
import java.util.Locale;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;

/**
 * The on-screen display on the CPU: boxes, their labels and the analytics' zones and lines drawn
 * into an {@link RgbImage}. Integer arithmetic only, and every rule is written down here, so that it
 * is the reference a GPU OSD kernel is tested against (same input, same pixels):
 * <ul>
 * <li><b>Scale</b> {@code s = max(1, height / 360)} (integer division): 1 below 720 lines, 2 at 720p,
 *     3 at 1080p: glyph dots are {@code s x s} blocks. Outlines are {@link #THICKNESS} (2) pixels thick at
 *     every size.</li>
 * <li><b>Box</b> of a detection (x1, y1, x2, y2 in source pixels, x2 and y2 exclusive): pixel
 *     columns {@code L = round(x1) .. R = round(x2) - 1}, rows {@code T = round(y1) .. B = round(y2) - 1}
 *     ({@link Math#round(float)}: halves up), each clipped to the picture; the outline of thickness
 *     {@code t} lies inside that rectangle: columns L..L+t-1 and R-t+1..R over rows T..B, rows
 *     T..T+t-1 and B-t+1..B over columns L..R. Colour {@link #classColour(int)}.</li>
 * <li><b>Label</b> {@link #labelText}: "label score" (score with two decimals), then " #track" when the
 *     detection is on a track. A filled rectangle of the class colour, {@code (1 + 6 n) s} wide and
 *     {@code 9 s} high for n characters, whose left edge is the clipped L and whose bottom row is the
 *     clipped T - 1 (above the box), or whose top row is the clipped T when that does not fit (inside
 *     the box); clipped; none for a box wholly outside the picture. The glyphs
 *     ({@link BitmapFont}) in black: character i's dot (c, r) covers the {@code s x s} block at
 *     {@code (left + s (1 + 6 i + c), top + s (1 + r))}.</li>
 * <li><b>Zones and lines</b> (from the analytics stage): polygon edges and line segments between the
 *     rounded points by integer Bresenham (error {@code e = dx - dy}; per pixel, step x when
 *     {@code 2e >= -dy} and y when {@code 2e <= dx}), {@code t} pixels thick: each pixel repeated at
 *     +1 across the shorter axis (x for steep segments, else y). Zones {@link #ZONE}, lines {@link #LINE}; each with its name as a
 *     label (zone or line colour) whose top-left is the first point.</li>
 * <li><b>Order</b>: zones and lines, then every box, then every label (labels stay readable).</li>
 * </ul>
 */
public final class Osd {
    /** Box colours by class id modulo their number: saturated hues, unlike the scenes' own colours. */
    static final int[] PALETTE = {0x00FF00, 0xFF00FF, 0x00FFFF, 0xFFFF00, 0xFF8000, 0x0080FF, 0x8000FF, 0x80FF00};
    public static final int ZONE = 0xFFFFFF, LINE = 0xFF0000, TEXT = 0x000000;
    /** Outline and figure thickness in pixels. */
    public static final int THICKNESS = 2;

    private Osd() {}

    /** The box colour of class {@code classId} (0xRRGGBB). */
    public static int classColour(int classId) {
        return PALETTE[Math.floorMod(classId, PALETTE.length)];
    }

    /** The scale for a picture {@code height} lines high. */
    public static int scale(int height) {
        return Math.max(1, height / 360);
    }

    /** The label of a detection: "label score" and " #track" when it has one. */
    public static String labelText(FrameResult.Detection d) {
        String name = d.label() != null ? d.label() : "class " + d.classId();
        return name + String.format(Locale.ROOT, " %.2f", d.score()) + (d.trackId() >= 0 ? " #" + d.trackId() : "");
    }

    /** Draws the figures, then the boxes, then the labels into {@code img}. */
    public static void draw(RgbImage img, List<FrameResult.Detection> detections, List<AnalyticsFactory.Figure> figures) {
        int s = scale(img.height()), t = THICKNESS;
        for (AnalyticsFactory.Figure f : figures) {
            int colour = f.closed() ? ZONE : LINE;
            int n = f.xs().length;
            for (int i = 0; i < (f.closed() ? n : n - 1); i++) {
                int j = (i + 1) % n;
                line(img, (int) Math.round(f.xs()[i]), (int) Math.round(f.ys()[i]), (int) Math.round(f.xs()[j]),
                        (int) Math.round(f.ys()[j]), t, colour);
            }
            label(img, f.name(), (int) Math.round(f.xs()[0]), (int) Math.round(f.ys()[0]), s, colour);
        }
        for (FrameResult.Detection d : detections) box(img, d, t);
        for (FrameResult.Detection d : detections) {
            int[] r = rect(d);
            int left = Math.max(0, r[0]), t0 = Math.max(0, r[1]), h = 9 * s;
            if (left >= img.width() || t0 >= img.height() || r[2] < 0 || r[3] < 0) continue; // the box is outside the picture
            label(img, labelText(d), left, t0 - h >= 0 ? t0 - h : t0, s, classColour(d.classId()));
        }
    }

    /** {L, T, R, B}: the box's pixel rectangle before clipping (R, B inclusive). */
    static int[] rect(FrameResult.Detection d) {
        return new int[] {Math.round(d.x1()), Math.round(d.y1()), Math.round(d.x2()) - 1, Math.round(d.y2()) - 1};
    }

    private static void box(RgbImage img, FrameResult.Detection d, int t) {
        int[] r = rect(d);
        int l = Math.max(0, r[0]), top = Math.max(0, r[1]), right = Math.min(img.width() - 1, r[2]), b = Math.min(img.height() - 1, r[3]);
        if (l > right || top > b) return;
        int c = classColour(d.classId());
        img.fill(l, top, Math.min(l + t, right + 1), b + 1, c);
        img.fill(Math.max(right - t + 1, l), top, right + 1, b + 1, c);
        img.fill(l, top, right + 1, Math.min(top + t, b + 1), c);
        img.fill(l, Math.max(b - t + 1, top), right + 1, b + 1, c);
    }

    /** A label: filled background, then the glyphs in {@link #TEXT}, top-left at (x, y). */
    static void label(RgbImage img, String text, int x, int y, int s, int background) {
        img.fill(x, y, x + (1 + BitmapFont.ADVANCE * text.length()) * s, y + 9 * s, background);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            for (int col = 0; col < BitmapFont.WIDTH; col++) {
                int bits = BitmapFont.column(c, col);
                for (int row = 0; row < BitmapFont.HEIGHT; row++) {
                    if ((bits >> row & 1) == 0) continue;
                    int px = x + s * (1 + BitmapFont.ADVANCE * i + col), py = y + s * (1 + row);
                    img.fill(px, py, px + s, py + s, TEXT);
                }
            }
        }
    }

    /** Bresenham from (x0, y0) to (x1, y1), {@code t} pixels thick across the shorter axis. */
    static void line(RgbImage img, int x0, int y0, int x1, int y1, int t, int colour) {
        int dx = Math.abs(x1 - x0), dy = Math.abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        boolean steep = dy > dx;
        int err = dx - dy;
        int x = x0, y = y0;
        while (true) {
            for (int k = 0; k < t; k++) {
                if (steep) img.plot(x + k, y, colour);
                else img.plot(x, y + k, colour);
            }
            if (x == x1 && y == y1) break;
            int e2 = 2 * err;
            if (e2 >= -dy) {
                err -= dy;
                x += sx;
            }
            if (e2 <= dx) {
                err += dx;
                y += sy;
            }
        }
    }
}
