package dev.vahost.pipelines.view;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.synth.SceneRenderer;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.HostImage;

/**
 * The box oracle for a decoded picture of a synthetic camera with the OSD drawn on it (RTSP out):
 * which camera frame it shows, and whether the outlines of that frame's ground-truth boxes are
 * where the truth says, within {@value #TOLERANCE} px.
 * <ol>
 * <li><b>Which frame</b>: the camera's frames are rendered again ({@link SceneRenderer}, same size and
 *     seed: the very pixels x264 encoded for the camera, their boxes checked equal to the clip's
 *     ground-truth file). The picture shows the frame whose luma differs least from it (mean absolute
 *     difference); that frame must differ less than 0.8 times as much as every frame more than one
 *     away, or the picture is not identified. This needs neither the boxes nor the outlines.</li>
 * <li><b>Outline pixels</b> of a class: pixels where something was drawn (RGB differs from the
 *     rendered frame, converted the same way, by at least {@value #DRAWN} summed over R, G, B; two
 *     H.264 encodes leave far less on the scene) that lean to the class's OSD colour (green: G exceeds
 *     R and B by {@value #HUE}; magenta: R and B exceed G; cyan: G and B exceed R). Hue, not distance:
 *     4:2:0 chroma mixes a 2-px outline that starts on an odd column with its neighbour.</li>
 * <li><b>An edge</b> (left, right, bottom; the top carries the box's own label): at 9 points along
 *     its middle half, the outer end of the run of outline pixels nearest the true edge within
 *     &plusmn;{@value #SEARCH} px (the OSD draws a 2-px outline inside the box, so its outer pixel is the
 *     box's edge). Points within 2 px of where any box's label may lie are not judged; an edge with
 *     fewer than 5 judged points is not judged. An edge is <i>located</i> when at least 2/3 of its
 *     judged points are within {@value #TOLERANCE} px of the truth.</li>
 * <li><b>A picture passes</b> when it is identified and every ground-truth box has at least one judged
 *     edge, every judged edge located, and at least 2 edges judged in all.</li>
 * </ol>
 * Not covered: labels' text, zones, boxes the detector draws where no object is (false positives),
 * the top edges.
 */
final class OutlineOracle {
    /** Pixels between an outline's outer edge and the true box edge that still count as on it (the detector's error included). */
    static final int TOLERANCE = 2;
    static final int SEARCH = 10, DRAWN = 80, HUE = 40, POINTS = 9;

    record Box(int cls, int x1, int y1, int x2, int y2) {
        Box shifted(int dx, int dy) {
            return new Box(cls, x1 + dx, y1 + dy, x2 + dx, y2 + dy);
        }
    }

    /** One picture's verdict: the frame it shows, the edges judged and located, and per edge judged the offsets at its points ("-": no outline within reach). */
    record Verdict(Match match, int edgesJudged, int edgesLocated, int boxesUnjudged, List<String> edges) {
        boolean passed() {
            return match.frame() >= 0 && boxesUnjudged == 0 && edgesJudged >= 2 && edgesLocated == edgesJudged;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "frame %d (luma diff %.2f, next best %.2f): %d of %d edges located%s; %s", match.frame(), match.diff(), match.runnerUp(),
                    edgesLocated, edgesJudged, boxesUnjudged > 0 ? ", " + boxesUnjudged + " boxes without a judged edge" : "", edges);
        }
    }

    private final int width, height;
    private final List<List<Box>> truth = new ArrayList<>();
    private final List<byte[]> i420 = new ArrayList<>();

    /** The camera {@code width x height} rendered from {@code seed}, checked against its ground-truth file. */
    OutlineOracle(int width, int height, long seed, Path boxesFile) {
        this.width = width;
        this.height = height;
        ObjectMapper json = new ObjectMapper();
        SceneRenderer scene = new SceneRenderer(width, height, seed);
        try {
            for (String line : Files.readAllLines(boxesFile)) {
                JsonNode gt = json.readTree(line);
                List<Box> file = new ArrayList<>();
                for (JsonNode b : gt.get("boxes")) {
                    file.add(new Box(b.get(0).intValue(), b.get(1).intValue(), b.get(2).intValue(), b.get(3).intValue(), b.get(4).intValue()));
                }
                byte[] frame = new byte[scene.frameSize()];
                List<Box> rendered = scene.render(frame).stream().map(b -> new Box(b.cls(), b.x1(), b.y1(), b.x2(), b.y2())).toList();
                if (!rendered.equals(file)) {
                    throw new IllegalStateException("frame " + gt.get("frame") + " of " + boxesFile + ": rendered again it has " + rendered
                            + ", the file says " + file + " (not the same camera)");
                }
                truth.add(file);
                i420.add(frame);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Box> truth(int frame) {
        return truth.get(frame);
    }

    /** Which frame a picture shows: {@code frame} -1 when none stands out; mean absolute luma differences to it and to the next best frame more than one away. */
    record Match(int frame, double diff, double runnerUp) {}

    /** The frame {@code p} shows (see the class comment). */
    Match identify(RgbImage p) {
        if (p.width() != width || p.height() != height) throw new IllegalArgumentException("picture " + p.width() + "x" + p.height() + ", camera " + width + "x" + height);
        double[] diff = new double[truth.size()];
        int best = 0;
        for (int f = 0; f < diff.length; f++) {
            diff[f] = lumaDiff(p, i420.get(f));
            if (diff[f] < diff[best]) best = f;
        }
        double runnerUp = Double.MAX_VALUE;
        for (int f = 0; f < diff.length; f++) {
            int d = Math.abs(f - best), n = diff.length;
            if (Math.min(d, n - d) > 1) runnerUp = Math.min(runnerUp, diff[f]);
        }
        return new Match(diff[best] < 0.8 * runnerUp ? best : -1, diff[best], runnerUp);
    }

    /** The picture against the truth of the frame it shows ({@link #identify}), every box moved by (dx, dy) (0, 0: the truth itself). */
    Verdict check(RgbImage p, Match m, int dx, int dy) {
        int best = m.frame();
        if (best < 0) return new Verdict(m, 0, 0, 0, List.of());
        RgbImage scene = RgbImage.of(new HostImage(PixelFormat.I420, width, height, ByteBuffer.wrap(i420.get(best)),
                new int[] {0, width * height, width * height * 5 / 4}, new int[] {width, width / 2, width / 2}, ColorSpec.BT601_LIMITED));
        List<Box> boxes = truth.get(best).stream().map(b -> b.shifted(dx, dy)).toList();
        List<int[]> labels = labels(truth.get(best));
        int judged = 0, located = 0, unjudgedBoxes = 0;
        List<String> edges = new ArrayList<>();
        for (Box b : boxes) {
            int before = judged;
            for (int side = 0; side < 3; side++) {
                int[] off = edge(p, scene, b, side, labels);
                int n = 0, near = 0;
                StringBuilder s = new StringBuilder(SceneRenderer.CLASS_NAMES[b.cls()]).append(' ')
                        .append(new String[] {"left", "right", "bottom"}[side]).append(':');
                for (int o : off) {
                    if (o == SKIPPED) continue;
                    n++;
                    if (o != MISSING && Math.abs(o) <= TOLERANCE) near++;
                    s.append(o == MISSING ? " -" : " " + o);
                }
                if (n < 5) continue;
                judged++;
                if (near * 3 >= n * 2) located++;
                edges.add(s.toString());
            }
            if (judged == before) unjudgedBoxes++;
        }
        return new Verdict(m, judged, located, unjudgedBoxes, edges);
    }

    private double lumaDiff(RgbImage p, byte[] frame) {
        long s = 0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) s += Math.abs(luma(p.get(x, y)) - (frame[y * width + x] & 255));
        }
        return (double) s / ((long) width * height);
    }

    /** BT.601 limited-range luma of 0xRRGGBB, as the renderer computes it. */
    static int luma(int rgb) {
        int r = rgb >> 16 & 255, g = rgb >> 8 & 255, b = rgb & 255;
        return (int) Math.round(16 + 0.257 * r + 0.504 * g + 0.098 * b);
    }

    /** Where the OSD may put each box's label {x0, y0, x1, y1} (exclusive): "name 0.00" in scale 1, above the box or inside at its top. */
    static List<int[]> labels(List<Box> boxes) {
        List<int[]> out = new ArrayList<>();
        for (Box b : boxes) {
            int w = 1 + 6 * (SceneRenderer.CLASS_NAMES[b.cls()].length() + 5), top = b.y1() - 9 >= 0 ? b.y1() - 9 : b.y1();
            out.add(new int[] {b.x1(), top, b.x1() + w, top + 9});
        }
        return out;
    }

    static final int SKIPPED = Integer.MIN_VALUE, MISSING = Integer.MAX_VALUE;

    /** Offsets (found - true) of the outline's outer pixel at {@value #POINTS} points of one edge (0 left, 1 right, 2 bottom). */
    int[] edge(RgbImage p, RgbImage scene, Box b, int side, List<int[]> labels) {
        boolean vertical = side < 2;
        int at = side == 0 ? b.x1() : side == 1 ? b.x2() - 1 : b.y2() - 1, outward = side == 0 ? -1 : 1;
        int a0 = vertical ? b.y1() : b.x1(), a1 = vertical ? b.y2() - 1 : b.x2() - 1;
        int[] out = new int[POINTS];
        for (int k = 0; k < POINTS; k++) {
            int along = a0 + (int) Math.round((a1 - a0) * (0.25 + 0.5 * k / (POINTS - 1)));
            if (nearLabel(labels, vertical, at, along)) {
                out[k] = SKIPPED;
                continue;
            }
            int found = MISSING;
            for (int o = -SEARCH; o <= SEARCH; o++) {
                if (!outline(p, scene, vertical, at + o, along, b.cls())) continue;
                int e = o;
                while (Math.abs(e - o) < SEARCH && outline(p, scene, vertical, at + e + outward, along, b.cls())) e += outward;
                if (found == MISSING || Math.abs(e) < Math.abs(found)) found = e;
            }
            out[k] = found;
        }
        return out;
    }

    private static boolean nearLabel(List<int[]> labels, boolean vertical, int at, int along) {
        for (int o = -SEARCH; o <= SEARCH; o++) {
            int x = vertical ? at + o : along, y = vertical ? along : at + o;
            for (int[] l : labels) if (x >= l[0] - 2 && x < l[2] + 2 && y >= l[1] - 2 && y < l[3] + 2) return true;
        }
        return false;
    }

    /** Whether the pixel at {@code across} (x for a vertical edge, else y), {@code along} was drawn in the class's colour. */
    private static boolean outline(RgbImage p, RgbImage scene, boolean vertical, int across, int along, int cls) {
        int x = vertical ? across : along, y = vertical ? along : across;
        if (x < 0 || y < 0 || x >= p.width() || y >= p.height()) return false;
        int v = p.get(x, y), s = scene.get(x, y);
        int r = v >> 16 & 255, g = v >> 8 & 255, bl = v & 255;
        int drawn = Math.abs(r - (s >> 16 & 255)) + Math.abs(g - (s >> 8 & 255)) + Math.abs(bl - (s & 255));
        if (drawn < DRAWN) return false;
        return switch (cls) {
            case 0 -> g - r >= HUE && g - bl >= HUE;
            case 1 -> r - g >= HUE && bl - g >= HUE;
            case 2 -> g - r >= HUE && bl - r >= HUE;
            default -> throw new IllegalArgumentException("class " + cls + ": the synthetic scenes have classes 0..2");
        };
    }
}
