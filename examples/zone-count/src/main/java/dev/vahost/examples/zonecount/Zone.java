package dev.vahost.examples.zonecount;

import java.util.List;
import java.util.Set;

/**
 * A polygon zone: vertices in source pixels (or fractions of the frame when normalized), the
 * classes and streams it applies to (empty: all). Inside is the even-odd rule, as SVG and
 * java.awt.geom define it, so self-intersecting polygons behave as those draw them.
 */
record Zone(String name, double[] xs, double[] ys, boolean normalized, Set<Integer> classes, Set<String> streams) {
    static Zone of(String where, String name, List<double[]> polygon, boolean normalized, List<Integer> classes, List<String> streams) {
        if (polygon == null || polygon.size() < 3) throw new IllegalArgumentException(where + ".polygon: at least 3 points [x, y]");
        double[] xs = new double[polygon.size()], ys = new double[polygon.size()];
        for (int i = 0; i < polygon.size(); i++) {
            double[] p = polygon.get(i);
            if (p == null || p.length != 2 || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                throw new IllegalArgumentException(where + ".polygon[" + i + "]: expected [x, y] with finite numbers");
            }
            if (normalized && (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1)) {
                throw new IllegalArgumentException(where + ".polygon[" + i + "]: normalized coordinates must be within 0..1");
            }
            xs[i] = p[0];
            ys[i] = p[1];
        }
        return new Zone(name, xs, ys, normalized, classes == null ? Set.of() : Set.copyOf(classes),
                streams == null ? Set.of() : Set.copyOf(streams));
    }

    boolean appliesTo(String stream) {
        return streams.isEmpty() || streams.contains(stream);
    }

    boolean counts(int classId) {
        return classes.isEmpty() || classes.contains(classId);
    }

    /** Even-odd test of (x, y) in a frame of width x height (used when normalized). */
    boolean contains(double x, double y, int width, int height) {
        if (normalized) {
            x /= width;
            y /= height;
        }
        boolean inside = false;
        int n = xs.length;
        for (int i = 0, j = n - 1; i < n; j = i++) {
            // Edges crossing the horizontal line through y, half-open in y so a vertex is counted once.
            if ((ys[i] > y) != (ys[j] > y)) {
                double xCross = xs[j] + (y - ys[j]) * (xs[i] - xs[j]) / (ys[i] - ys[j]);
                if (x < xCross) inside = !inside;
            }
        }
        return inside;
    }
}
