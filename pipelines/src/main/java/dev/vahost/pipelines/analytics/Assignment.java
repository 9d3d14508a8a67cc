package dev.vahost.pipelines.analytics;

import java.util.Arrays;

/**
 * Minimum-cost assignment of rows to columns (the Hungarian method with potentials, O(n^2 m) for
 * n <= m), as ByteTrack's {@code linear_assignment} (lapjv) solves it: pairs whose cost exceeds
 * {@code maxCost} are never matched.
 */
final class Assignment {
    private Assignment() {}

    /**
     * @param cost    {@code cost[i][j]} for rows i and columns j (a rectangle; may be empty)
     * @param maxCost the largest cost a match may have
     * @return for each row, its column or -1
     */
    static int[] solve(double[][] cost, double maxCost) {
        int rows = cost.length, cols = rows == 0 ? 0 : cost[0].length;
        int[] out = new int[rows];
        Arrays.fill(out, -1);
        if (rows == 0 || cols == 0) return out;
        boolean transpose = rows > cols;
        int n = transpose ? cols : rows, m = transpose ? rows : cols;
        // Costs above maxCost become one value larger than any allowed sum, so the optimum never
        // trades an allowed match for them; such pairs are dropped after solving.
        double big = maxCost * (n + 1) + 1;
        double[][] a = new double[n + 1][m + 1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double c = transpose ? cost[j][i] : cost[i][j];
                a[i + 1][j + 1] = c > maxCost || Double.isNaN(c) ? big : c;
            }
        }
        double[] u = new double[n + 1], v = new double[m + 1];
        int[] p = new int[m + 1], way = new int[m + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[m + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[m + 1];
            do {
                used[j0] = true;
                int i0 = p[j0], j1 = 0;
                double delta = Double.POSITIVE_INFINITY;
                for (int j = 1; j <= m; j++) {
                    if (used[j]) continue;
                    double cur = a[i0][j] - u[i0] - v[j];
                    if (cur < minv[j]) {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if (minv[j] < delta) {
                        delta = minv[j];
                        j1 = j;
                    }
                }
                for (int j = 0; j <= m; j++) {
                    if (used[j]) {
                        u[p[j]] += delta;
                        v[j] -= delta;
                    } else {
                        minv[j] -= delta;
                    }
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        for (int j = 1; j <= m; j++) {
            if (p[j] == 0) continue;
            int r = p[j] - 1, c = j - 1;
            int row = transpose ? c : r, col = transpose ? r : c;
            if (cost[row][col] <= maxCost) out[row] = col;
        }
        return out;
    }
}
