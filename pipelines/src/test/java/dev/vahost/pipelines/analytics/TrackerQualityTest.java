package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ByteTrack on scenes with known trajectories, scored with CLEAR MOT against the ground truth, next
 * to the IoU tracker (Bochinski et al., 2017: greedy IoU with the last box, no motion model, no
 * second pass), the usual baseline. The table is printed; ByteTrack must be at least as good on every
 * scene and above a floor on each.
 */
class TrackerQualityTest {
    /** The IoU tracker: detections >= 0.5 matched greedily to tracks' last boxes at IoU >= 0.5; a miss ends a track; reported from its 2nd frame. */
    static final class IouTracker {
        private record T(long id, double[] box, int hits) {}

        private List<T> tracks = new ArrayList<>();
        private long next = 1;

        long[] update(List<ByteTracker.Det> dets) {
            long[] ids = new long[dets.size()];
            java.util.Arrays.fill(ids, -1);
            List<T> kept = new ArrayList<>();
            boolean[] used = new boolean[dets.size()];
            for (T t : tracks) {
                int best = -1;
                double bestIou = 0.5;
                for (int i = 0; i < dets.size(); i++) {
                    ByteTracker.Det d = dets.get(i);
                    if (used[i] || d.score() < 0.5) continue;
                    double v = ByteTracker.iou(t.box()[0], t.box()[1], t.box()[2], t.box()[3], d.x1(), d.y1(), d.x2(), d.y2());
                    if (v >= bestIou) {
                        bestIou = v;
                        best = i;
                    }
                }
                if (best < 0) continue;
                used[best] = true;
                ByteTracker.Det d = dets.get(best);
                T u = new T(t.id(), new double[] {d.x1(), d.y1(), d.x2(), d.y2()}, t.hits() + 1);
                kept.add(u);
                if (u.hits() >= 2) ids[best] = u.id();
            }
            for (int i = 0; i < dets.size(); i++) {
                ByteTracker.Det d = dets.get(i);
                if (!used[i] && d.score() >= 0.5) kept.add(new T(next++, new double[] {d.x1(), d.y1(), d.x2(), d.y2()}, 1));
            }
            tracks = kept;
            return ids;
        }
    }

    interface Tracker {
        long[] update(List<ByteTracker.Det> dets, long frame);
    }

    static MotMetrics score(List<SyntheticScenes.Frame> scene, Tracker tracker) {
        MotMetrics m = new MotMetrics();
        for (SyntheticScenes.Frame f : scene) {
            long[] ids = tracker.update(f.dets(), f.number());
            List<MotMetrics.Hyp> hyps = new ArrayList<>();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0) continue;
                ByteTracker.Det d = f.dets().get(i);
                hyps.add(new MotMetrics.Hyp(ids[i], d.x1(), d.y1(), d.x2(), d.y2()));
            }
            m.frame(f.truth(), hyps);
        }
        return m;
    }

    @Test
    void byteTrackBeatsTheIouTrackerOnEveryScene() {
        record Scene(String name, List<SyntheticScenes.Frame> frames, double floor) {}
        List<Scene> scenes = List.of(
                new Scene("12 objects, 5 % misses, occlusions, 0.5 false pos./frame", SyntheticScenes.make(1, 12, 400, 0.05, 0.5, 0), 0.80),
                new Scene("40 objects, 5 % misses, occlusions, 1 false pos./frame", SyntheticScenes.make(2, 40, 300, 0.05, 1, 0), 0.70),
                new Scene("12 objects, every 3rd frame dropped", SyntheticScenes.make(3, 12, 400, 0.05, 0.5, 3), 0.75),
                new Scene("25 objects, 15 % misses", SyntheticScenes.make(4, 25, 300, 0.15, 0.5, 0), 0.60));
        StringBuilder table = new StringBuilder("tracker quality (CLEAR MOT at IoU 0.5, synthetic ground truth):\n");
        for (Scene s : scenes) {
            ByteTracker bt = new ByteTracker(ByteTracker.Config.DEFAULTS);
            MotMetrics b = score(s.frames(), bt::update);
            IouTracker iou = new IouTracker();
            MotMetrics base = score(s.frames(), (dets, frame) -> iou.update(dets));
            table.append(String.format(Locale.ROOT, "  %-58s ByteTrack: %s%n  %-58s IoU tracker: %s%n", s.name(), b, "", base));
            assertTrue(b.mota() >= s.floor(), s.name() + ": " + b);
            assertTrue(b.mota() >= base.mota(), s.name() + ": ByteTrack " + b + " vs IoU tracker " + base);
            assertTrue(b.switches <= base.switches, s.name() + ": ByteTrack " + b + " vs IoU tracker " + base);
        }
        System.out.print(table);
    }

    @Test
    void idsAreUniqueAcrossTrackersAndStableAlongATrack() {
        List<SyntheticScenes.Frame> scene = SyntheticScenes.make(5, 3, 60, 0, 0, 0);
        ByteTracker a = new ByteTracker(ByteTracker.Config.DEFAULTS), b = new ByteTracker(ByteTracker.Config.DEFAULTS);
        java.util.Set<Long> idsA = new java.util.HashSet<>(), idsB = new java.util.HashSet<>();
        for (SyntheticScenes.Frame f : scene) {
            for (long id : a.update(f.dets(), f.number())) if (id >= 0) idsA.add(id);
            for (long id : b.update(f.dets(), f.number())) if (id >= 0) idsB.add(id);
        }
        assertEquals(3, idsA.size(), "three objects, no misses, no occlusion: three tracks " + idsA);
        assertEquals(3, idsB.size());
        idsA.retainAll(idsB);
        assertTrue(idsA.isEmpty(), "two streams' trackers never share an id");
        long id = idsB.iterator().next();
        assertTrue(id < (1L << 53), "exact as a JSON number in any reader: " + id);
        // The process start second times a million, or (a cluster worker started in this JVM by another
        // test) a worker epoch times a billion.
        boolean startSecond = Math.abs(id / 1_000_000 - System.currentTimeMillis() / 1000) < 86_400 * 365;
        boolean epoch = id / ByteTracker.IDS_PER_EPOCH >= 1 && id / ByteTracker.IDS_PER_EPOCH < 9_000_000;
        assertTrue(startSecond || epoch, "id " + id + ": neither a start-second nor an epoch range");
        ByteTracker.useIdEpoch(42);
        ByteTracker c = new ByteTracker(ByteTracker.Config.DEFAULTS);
        long fromEpoch = -1;
        for (SyntheticScenes.Frame f : scene) for (long x : c.update(f.dets(), f.number())) if (x >= 0) fromEpoch = x;
        assertEquals(42, fromEpoch / ByteTracker.IDS_PER_EPOCH, "after useIdEpoch(42): " + fromEpoch);
        assertThrows(IllegalArgumentException.class, () -> ByteTracker.useIdEpoch(9_000_000));
    }

    @Test
    void configErrorsNameTheKey() {
        assertEquals("track_high_thresh: expected 0.1..1.0, got 0.05", assertThrows(IllegalArgumentException.class,
                () -> new ByteTracker.Config(0.05f, 0.1f, 0.6f, 30, 0.8f, true, 2, true, 10)).getMessage());
        assertEquals("probation: expected 1..1000 frames, got 0", assertThrows(IllegalArgumentException.class,
                () -> new ByteTracker.Config(0.5f, 0.1f, 0.6f, 30, 0.8f, true, 0, true, 10)).getMessage());
    }
}
