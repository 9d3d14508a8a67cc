package dev.vahost.pipelines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.gst.synth.SyntheticClip;

/** Ground truth of a synthetic camera's clip, and detection scoring against it at IoU 0.5. */
final class GroundTruth {
    record Box(int cls, double x1, double y1, double x2, double y2) {}

    final List<List<Box>> frames = new ArrayList<>();
    int tp, fp, gt;

    private static final ObjectMapper JSON = new ObjectMapper();

    GroundTruth(Path clip) throws IOException {
        for (String line : Files.readAllLines(SyntheticClip.boxesPath(clip))) {
            List<Box> boxes = new ArrayList<>();
            for (JsonNode b : JSON.readTree(line).get("boxes")) {
                boxes.add(new Box(b.get(0).intValue(), b.get(1).doubleValue(), b.get(2).doubleValue(), b.get(3).doubleValue(),
                        b.get(4).doubleValue()));
            }
            frames.add(boxes);
        }
    }

    static double iou(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2) {
        double iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1)), ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
        double inter = iw * ih, union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /** Scores one frame's detections (greedy by score, same class, IoU >= 0.5); frame numbers wrap with the loop. */
    synchronized void score(FrameResult r) {
        List<Box> truth = frames.get((int) (r.frameNumber() % frames.size()));
        boolean[] used = new boolean[truth.size()];
        gt += truth.size();
        for (FrameResult.Detection d : r.detections()) {
            int best = -1;
            double bestIou = 0.5;
            for (int k = 0; k < truth.size(); k++) {
                Box b = truth.get(k);
                if (used[k] || b.cls() != d.classId()) continue;
                double v = iou(d.x1(), d.y1(), d.x2(), d.y2(), b.x1(), b.y1(), b.x2(), b.y2());
                if (v >= bestIou) {
                    bestIou = v;
                    best = k;
                }
            }
            if (best >= 0) {
                used[best] = true;
                tp++;
            } else {
                fp++;
            }
        }
    }

    synchronized double recall() {
        return gt == 0 ? 0 : tp / (double) gt;
    }

    synchronized double precision() {
        return tp + fp == 0 ? 0 : tp / (double) (tp + fp);
    }

    @Override
    public synchronized String toString() {
        return String.format(java.util.Locale.ROOT, "recall %.3f precision %.3f (TP %d, FP %d, GT %d)", recall(), precision(), tp, fp, gt);
    }
}
