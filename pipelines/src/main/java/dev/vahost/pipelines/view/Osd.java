package dev.vahost.pipelines.view;

import java.util.List;
import java.util.Locale;

import dev.vahost.ops.overlay.BitmapFont;
import dev.vahost.ops.overlay.Overlay;
import dev.vahost.ops.overlay.OverlayCpu;
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
    public static final int ZONE = 0xFFFFFF, LINE = 0xFF0000, TEXT = OverlayCpu.TEXT;
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

    /** Draws the figures, then the boxes, then the labels into {@code img} (on the CPU: {@link OverlayCpu}). */
    public static void draw(RgbImage img, List<FrameResult.Detection> detections, List<AnalyticsFactory.Figure> figures) {
        Overlay o = overlay(img.width(), img.height(), detections, figures, new Overlay());
        OverlayCpu.draw(img.pixels(), img.width(), img.height(), o);
    }

    /**
     * The figures to draw over a {@code width x height} picture, by the rules above, appended to
     * {@code out}: what the CPU path draws with {@link OverlayCpu} and the GPU path with the overlay kernel.
     */
    public static Overlay overlay(int width, int height, List<FrameResult.Detection> detections, List<AnalyticsFactory.Figure> figures,
            Overlay out) {
        int s = scale(height), t = THICKNESS;
        for (AnalyticsFactory.Figure f : figures) {
            int colour = f.closed() ? ZONE : LINE;
            int n = f.xs().length;
            for (int i = 0; i < (f.closed() ? n : n - 1); i++) {
                int j = (i + 1) % n;
                out.segment((int) Math.round(f.xs()[i]), (int) Math.round(f.ys()[i]), (int) Math.round(f.xs()[j]),
                        (int) Math.round(f.ys()[j]), t, colour);
            }
            out.label((int) Math.round(f.xs()[0]), (int) Math.round(f.ys()[0]), s, f.name(), colour);
        }
        for (FrameResult.Detection d : detections) {
            int[] r = rect(d);
            int l = Math.max(0, r[0]), top = Math.max(0, r[1]), right = Math.min(width - 1, r[2]), b = Math.min(height - 1, r[3]);
            if (l <= right && top <= b) out.outline(l, top, right, b, t, classColour(d.classId()));
        }
        for (FrameResult.Detection d : detections) {
            int[] r = rect(d);
            int left = Math.max(0, r[0]), t0 = Math.max(0, r[1]), h = 9 * s;
            if (left >= width || t0 >= height || r[2] < 0 || r[3] < 0) continue; // the box is outside the picture
            out.label(left, t0 - h >= 0 ? t0 - h : t0, s, labelText(d), classColour(d.classId()));
        }
        return out;
    }

    /** {L, T, R, B}: the box's pixel rectangle before clipping (R, B inclusive). */
    static int[] rect(FrameResult.Detection d) {
        return new int[] {Math.round(d.x1()), Math.round(d.y1()), Math.round(d.x2()) - 1, Math.round(d.y2()) - 1};
    }
}
