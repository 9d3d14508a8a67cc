package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CLEAR MOT (Bernardin and Stiefelhagen, 2008) at IoU >= 0.5: per frame, a ground-truth object
 * keeps its previous track while they still overlap; the rest are matched by minimum cost (1 - IoU).
 * Counts misses, false positives, identity switches and fragmentations (a trajectory's tracked
 * stretch interrupted and resumed); MOTA = 1 - (misses + false positives + switches) / ground truth.
 */
final class MotMetrics {
    long gt, misses, falsePositives, switches, fragmentations, matches;
    private final Map<Integer, Long> lastTrack = new HashMap<>();
    private final Map<Integer, Boolean> wasTracked = new HashMap<>();
    private final Set<Integer> everTracked = new HashSet<>();

    record Hyp(long trackId, double x1, double y1, double x2, double y2) {}

    void frame(List<SyntheticScenes.Truth> truth, List<Hyp> hyps) {
        gt += truth.size();
        int[] match = new int[truth.size()];
        java.util.Arrays.fill(match, -1);
        boolean[] used = new boolean[hyps.size()];
        // Keep last frame's correspondences that still hold.
        for (int g = 0; g < truth.size(); g++) {
            Long prev = lastTrack.get(truth.get(g).id());
            if (prev == null) continue;
            for (int h = 0; h < hyps.size(); h++) {
                if (!used[h] && hyps.get(h).trackId() == prev && iou(truth.get(g), hyps.get(h)) >= 0.5) {
                    match[g] = h;
                    used[h] = true;
                    break;
                }
            }
        }
        List<Integer> gs = new ArrayList<>(), hs = new ArrayList<>();
        for (int g = 0; g < truth.size(); g++) if (match[g] < 0) gs.add(g);
        for (int h = 0; h < hyps.size(); h++) if (!used[h]) hs.add(h);
        double[][] cost = new double[gs.size()][hs.size()];
        for (int i = 0; i < gs.size(); i++) for (int j = 0; j < hs.size(); j++) cost[i][j] = 1 - iou(truth.get(gs.get(i)), hyps.get(hs.get(j)));
        int[] m = Assignment.solve(cost, 0.5);
        for (int i = 0; i < gs.size(); i++) {
            if (m[i] < 0) continue;
            match[gs.get(i)] = hs.get(m[i]);
            used[hs.get(m[i])] = true;
        }
        for (int g = 0; g < truth.size(); g++) {
            int id = truth.get(g).id();
            boolean tracked = match[g] >= 0;
            if (tracked) {
                matches++;
                long t = hyps.get(match[g]).trackId();
                Long prev = lastTrack.put(id, t);
                if (prev != null && prev != t) switches++;
                if (everTracked.contains(id) && !wasTracked.getOrDefault(id, false)) fragmentations++;
                everTracked.add(id);
            } else {
                misses++;
            }
            wasTracked.put(id, tracked);
        }
        for (boolean u : used) if (!u) falsePositives++;
    }

    double mota() {
        return 1 - (misses + falsePositives + switches) / (double) gt;
    }

    private static double iou(SyntheticScenes.Truth t, Hyp h) {
        return ByteTracker.iou(t.x1(), t.y1(), t.x2(), t.y2(), h.x1(), h.y1(), h.x2(), h.y2());
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "MOTA %.3f  ID switches %d  fragmentations %d  misses %d  false positives %d  (GT %d)",
                mota(), switches, fragmentations, misses, falsePositives, gt);
    }
}
