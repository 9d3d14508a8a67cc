package dev.vahost.pipelines.analytics;

import java.util.List;

/**
 * A polygon in source pixels, or in fractions of the frame when {@code normalized}; inside is the
 * even-odd rule (as SVG and {@code java.awt.geom} define it), so a self-intersecting polygon
 * behaves as those draw it.
 */
public record Polygon(double[] xs, double[] ys, boolean normalized) {
    /**
     * @param where the config key, for errors ({@code zones[0].polygon})
     * @throws IllegalArgumentException naming the key and the point
     */
    public static Polygon of(String where, List<double[]> points, boolean normalized, int minPoints) {
        if (points == null || points.size() < minPoints) {
            throw new IllegalArgumentException(where + ": at least " + minPoints + " points [x, y]");
        }
        double[] xs = new double[points.size()], ys = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            double[] p = points.get(i);
            if (p == null || p.length != 2 || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                throw new IllegalArgumentException(where + "[" + i + "]: expected [x, y] with finite numbers");
            }
            if (normalized && (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1)) {
                throw new IllegalArgumentException(where + "[" + i + "]: normalized coordinates must be within 0..1");
            }
            xs[i] = p[0];
            ys[i] = p[1];
        }
        return new Polygon(xs, ys, normalized);
    }

    /** Even-odd test of (x, y) in source pixels of a width x height frame. */
    public boolean contains(double x, double y, int width, int height) {
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

    /** Point {@code i} in source pixels of a width x height frame. */
    public double x(int i, int width) {
        return normalized ? xs[i] * width : xs[i];
    }

    public double y(int i, int height) {
        return normalized ? ys[i] * height : ys[i];
    }
}
