package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Scenes with known trajectories for tracker tests: objects (with ground-truth ids) moving at
 * constant velocity with a little jitter and bouncing off the frame's edges, and what a detector
 * makes of them: box noise, misses, lower scores for objects behind others (the case ByteTrack's
 * second pass is for), and false positives.
 */
final class SyntheticScenes {
    record Truth(int id, double x1, double y1, double x2, double y2) {}

    record Frame(long number, List<Truth> truth, List<ByteTracker.Det> dets) {}

    /**
     * @param objects   number of objects
     * @param frames    frames in the scene
     * @param missRate  probability that a visible object is not detected
     * @param falsePos  false positives per frame (expected)
     * @param skipEvery every k-th frame is not given to the tracker (0: none), as frames dropped under load
     */
    static List<Frame> make(long seed, int objects, int frames, double missRate, double falsePos, int skipEvery) {
        Random r = new Random(seed);
        int w = 1920, h = 1080;
        double[][] s = new double[objects][6]; // cx, cy, vx, vy, bw, bh
        for (int i = 0; i < objects; i++) {
            s[i][4] = 40 + r.nextDouble() * 80;
            s[i][5] = s[i][4] * (1.5 + r.nextDouble());
            s[i][0] = s[i][4] + r.nextDouble() * (w - 2 * s[i][4]);
            s[i][1] = s[i][5] + r.nextDouble() * (h - 2 * s[i][5]);
            double speed = 2 + r.nextDouble() * 8, angle = r.nextDouble() * 2 * Math.PI;
            s[i][2] = speed * Math.cos(angle);
            s[i][3] = speed * Math.sin(angle);
        }
        List<Frame> out = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            List<Truth> truth = new ArrayList<>();
            for (int i = 0; i < objects; i++) {
                double[] o = s[i];
                o[2] += r.nextGaussian() * 0.2;
                o[3] += r.nextGaussian() * 0.2;
                o[0] += o[2];
                o[1] += o[3];
                if (o[0] < o[4] / 2 || o[0] > w - o[4] / 2) o[2] = -o[2];
                if (o[1] < o[5] / 2 || o[1] > h - o[5] / 2) o[3] = -o[3];
                truth.add(new Truth(i, o[0] - o[4] / 2, o[1] - o[5] / 2, o[0] + o[4] / 2, o[1] + o[5] / 2));
            }
            List<ByteTracker.Det> dets = new ArrayList<>();
            for (Truth t : truth) {
                // Behind another object (one lower in the picture overlaps it by IoU > 0.3): a weak or no detection.
                boolean occluded = false;
                for (Truth u : truth) {
                    if (u != t && u.y2() > t.y2() && ByteTracker.iou(t.x1(), t.y1(), t.x2(), t.y2(), u.x1(), u.y1(), u.x2(), u.y2()) > 0.3) {
                        occluded = true;
                    }
                }
                if (r.nextDouble() < (occluded ? 0.3 : missRate)) continue;
                float score = occluded ? (float) (0.15 + r.nextDouble() * 0.3) : (float) (0.6 + r.nextDouble() * 0.35);
                double n = 0.02 * (t.y2() - t.y1());
                dets.add(new ByteTracker.Det(0, score, t.x1() + r.nextGaussian() * n, t.y1() + r.nextGaussian() * n,
                        t.x2() + r.nextGaussian() * n, t.y2() + r.nextGaussian() * n));
            }
            int fp = (int) Math.floor(falsePos + r.nextDouble());
            for (int k = 0; k < fp; k++) {
                double bw = 40 + r.nextDouble() * 80, x = r.nextDouble() * (w - bw), y = r.nextDouble() * (h - 2 * bw);
                dets.add(new ByteTracker.Det(0, (float) (0.3 + r.nextDouble() * 0.4), x, y, x + bw, y + 2 * bw));
            }
            java.util.Collections.shuffle(dets, r);
            if (skipEvery > 0 && f % skipEvery == skipEvery - 1) continue;
            out.add(new Frame(f, truth, dets));
        }
        return out;
    }
}
