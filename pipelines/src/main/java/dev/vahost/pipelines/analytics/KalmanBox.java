package dev.vahost.pipelines.analytics;

/**
 * The constant-velocity Kalman filter of DeepSORT and ByteTrack over a box as (centre x, centre y,
 * aspect w/h, height): state = those four and their velocities, process and measurement noise
 * proportional to the box height (position weight 1/20, velocity 1/160). F, H, Q and R couple a
 * coordinate only with its own velocity, so the 8x8 covariance stays four 2x2 blocks: it is kept
 * and updated as such, which equals the full filter.
 */
final class KalmanBox {
    private static final double W_POS = 1.0 / 20, W_VEL = 1.0 / 160;

    final double[] x = new double[4], v = new double[4];
    /** Per coordinate: variance of the value, covariance, variance of the velocity. */
    private final double[] pxx = new double[4], pxv = new double[4], pvv = new double[4];

    /** A new track at a measured box (cx, cy, a, h): velocities 0, uncertain. */
    KalmanBox(double cx, double cy, double a, double h) {
        x[0] = cx;
        x[1] = cy;
        x[2] = a;
        x[3] = h;
        double[] sp = {2 * W_POS * h, 2 * W_POS * h, 1e-2, 2 * W_POS * h};
        double[] sv = {10 * W_VEL * h, 10 * W_VEL * h, 1e-5, 10 * W_VEL * h};
        for (int i = 0; i < 4; i++) {
            pxx[i] = sp[i] * sp[i];
            pvv[i] = sv[i] * sv[i];
        }
    }

    /** One frame ahead. */
    void predict() {
        double h = x[3];
        double[] qp = {W_POS * h, W_POS * h, 1e-2, W_POS * h};
        double[] qv = {W_VEL * h, W_VEL * h, 1e-5, W_VEL * h};
        for (int i = 0; i < 4; i++) {
            x[i] += v[i];
            // P = F P F^T + Q with F = [[1, 1], [0, 1]] per coordinate.
            double nxx = pxx[i] + 2 * pxv[i] + pvv[i] + qp[i] * qp[i];
            double nxv = pxv[i] + pvv[i];
            double nvv = pvv[i] + qv[i] * qv[i];
            pxx[i] = nxx;
            pxv[i] = nxv;
            pvv[i] = nvv;
        }
    }

    /** Corrects with a measured box (cx, cy, a, h). */
    void update(double cx, double cy, double a, double h) {
        double[] z = {cx, cy, a, h};
        double hh = x[3];
        double[] r = {W_POS * hh, W_POS * hh, 1e-1, W_POS * hh};
        for (int i = 0; i < 4; i++) {
            double s = pxx[i] + r[i] * r[i];
            double kx = pxx[i] / s, kv = pxv[i] / s;
            double innovation = z[i] - x[i];
            x[i] += kx * innovation;
            v[i] += kv * innovation;
            double nxx = (1 - kx) * pxx[i];
            double nxv = (1 - kx) * pxv[i];
            double nvv = pvv[i] - kv * pxv[i];
            pxx[i] = nxx;
            pxv[i] = nxv;
            pvv[i] = nvv;
        }
    }

    /** The predicted box as x1, y1, x2, y2. */
    double[] box() {
        double w = x[2] * x[3], h = x[3];
        return new double[] {x[0] - w / 2, x[1] - h / 2, x[0] + w / 2, x[1] + h / 2};
    }
}
