package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ByteTrack's association for one stream (Zhang et al., 2022, and its reference BYTETracker):
 * detections split by score into high (>= {@code highThresh}) and low ({@code lowThresh} up to
 * high); tracked and lost tracks predicted by a constant-velocity Kalman filter; first the high
 * detections matched to them by IoU (cost 1 - IoU, times the detection's score when {@code fuseScore}),
 * then the low ones to the tracked tracks left (IoU >= 0.5), then unconfirmed tracks to the high
 * detections left; unmatched tracks are lost, and removed after {@code trackBuffer} frames; high
 * detections left over with score >= {@code newTrackThresh} start tracks. A track is reported once
 * it has been matched in {@code probation} frames (ByteTrack: 2, except on a stream's first frame,
 * which this tracker does not special-case). Not thread-safe: one per stream, one caller.
 */
public final class ByteTracker {
    /** ByteTrack's knobs, with the names of ultralytics' bytetrack.yaml where it has them. */
    public record Config(float trackHighThresh, float trackLowThresh, float newTrackThresh, int trackBuffer, float matchThresh,
                         boolean fuseScore, int probation, boolean classMatch, int maxTargets) {
        public static final Config DEFAULTS = new Config(0.5f, 0.1f, 0.6f, 30, 0.8f, true, 2, true, 256);

        public Config {
            check("track_low_thresh", trackLowThresh, 0, 1);
            check("track_high_thresh", trackHighThresh, trackLowThresh, 1);
            check("new_track_thresh", newTrackThresh, 0, 1);
            check("match_thresh", matchThresh, 0, 1);
            if (trackBuffer < 0 || trackBuffer > 100_000) throw new IllegalArgumentException("track_buffer: expected 0..100000 frames, got " + trackBuffer);
            if (probation < 1 || probation > 1000) throw new IllegalArgumentException("probation: expected 1..1000 frames, got " + probation);
            if (maxTargets < 1 || maxTargets > 100_000) throw new IllegalArgumentException("max_targets: expected 1..100000, got " + maxTargets);
        }

        private static void check(String key, float v, float lo, float hi) {
            if (!(v >= lo && v <= hi)) throw new IllegalArgumentException(key + ": expected " + lo + ".." + hi + ", got " + v);
        }
    }

    /** A detection given to the tracker: box x1, y1, x2, y2 in pixels. */
    public record Det(int classId, float score, double x1, double y1, double x2, double y2) {}

    /**
     * Ids unique across streams and restarts, and exact in JSON readers that hold numbers as doubles
     * (below 2^53): the process's start second times a million, plus a counter. A later start's ids
     * begin a million per second of uptime beyond an earlier one's: they cannot meet unless a process
     * makes a million tracks per second on average. Workers of a cluster, which may start within the
     * same second, take a range of their own instead ({@link #useIdEpoch}).
     */
    private static final AtomicLong NEXT_ID = new AtomicLong(System.currentTimeMillis() / 1000 * 1_000_000L);

    /** Ids per epoch ({@link #useIdEpoch}): a billion, so that epochs up to 9 million stay below 2^53. */
    public static final long IDS_PER_EPOCH = 1_000_000_000L;

    /**
     * From now on, new track ids are {@code epoch x 10^9 + a counter}: a cluster worker's epoch is
     * unique among the workers and their restarts (reserved in Kafka), so two workers never hand out
     * the same id, also when a camera moves from one to the other.
     *
     * @throws IllegalArgumentException unless 1 <= epoch < 9,000,000
     */
    public static void useIdEpoch(long epoch) {
        if (epoch < 1 || epoch >= 9_000_000L) throw new IllegalArgumentException("track id epoch " + epoch + " outside 1..8999999");
        NEXT_ID.set(epoch * IDS_PER_EPOCH);
    }

    enum State { TRACKED, LOST }

    static final class Track {
        final long id;
        final int classId;
        final KalmanBox kf;
        State state = State.TRACKED;
        int hits = 1;
        boolean confirmed;
        long lastFrame;
        float score;

        Track(Det d, long frame, int probation) {
            this.id = NEXT_ID.incrementAndGet();
            this.classId = d.classId();
            this.kf = new KalmanBox((d.x1() + d.x2()) / 2, (d.y1() + d.y2()) / 2, (d.x2() - d.x1()) / Math.max(1e-6, d.y2() - d.y1()),
                    d.y2() - d.y1());
            this.lastFrame = frame;
            this.score = d.score();
            this.confirmed = probation <= 1;
        }

        void update(Det d, long frame, int probation) {
            kf.update((d.x1() + d.x2()) / 2, (d.y1() + d.y2()) / 2, (d.x2() - d.x1()) / Math.max(1e-6, d.y2() - d.y1()), d.y2() - d.y1());
            state = State.TRACKED;
            hits++;
            if (hits >= probation) confirmed = true;
            lastFrame = frame;
            score = d.score();
        }
    }

    private final Config config;
    private final List<Track> tracked = new ArrayList<>(), lost = new ArrayList<>();
    private long frame; // the last frame number seen
    private boolean started;

    public ByteTracker(Config config) {
        this.config = config;
    }

    /** The next frame's detections (see {@link #update(List, long)}). */
    public long[] update(List<Det> dets) {
        return update(dets, started ? frame + 1 : 0);
    }

    /**
     * Frame {@code frameNumber}'s detections in (frame numbers rise; frames skipped since the last
     * call, e.g. dropped under load, are predicted over); for each detection, the id of the
     * confirmed track it belongs to, or -1 (a low-score detection no track wanted, a new or
     * unconfirmed track, or over max_targets).
     */
    public long[] update(List<Det> dets, long frameNumber) {
        long steps = started ? Math.max(1, Math.min(frameNumber - frame, 1000)) : 1;
        frame = started ? Math.max(frameNumber, frame + 1) : frameNumber;
        started = true;
        long[] ids = new long[dets.size()];
        java.util.Arrays.fill(ids, -1);
        List<Integer> high = new ArrayList<>(), low = new ArrayList<>();
        for (int i = 0; i < dets.size(); i++) {
            float s = dets.get(i).score();
            if (s >= config.trackHighThresh()) high.add(i);
            else if (s > config.trackLowThresh()) low.add(i);
        }
        List<Track> unconfirmed = new ArrayList<>(), active = new ArrayList<>();
        for (Track t : tracked) (t.confirmed ? active : unconfirmed).add(t);
        List<Track> pool = new ArrayList<>(active);
        pool.addAll(lost);
        for (Track t : pool) for (long k = 0; k < steps; k++) t.kf.predict();

        // 1. High detections with tracked and lost tracks.
        int[] m1 = Assignment.solve(costs(pool, dets, high, config.fuseScore()), config.matchThresh());
        boolean[] highUsed = new boolean[high.size()];
        List<Track> next = new ArrayList<>();
        List<Track> poolLeft = new ArrayList<>();
        for (int t = 0; t < pool.size(); t++) {
            if (m1[t] >= 0) {
                int d = high.get(m1[t]);
                highUsed[m1[t]] = true;
                pool.get(t).update(dets.get(d), frame, config.probation());
                next.add(pool.get(t));
                ids[d] = pool.get(t).confirmed ? pool.get(t).id : -1;
            } else {
                poolLeft.add(pool.get(t));
            }
        }
        // 2. Low detections with the tracked (not lost) tracks left, IoU >= 0.5, no score fusion.
        List<Track> trackedLeft = new ArrayList<>();
        for (Track t : poolLeft) if (t.state == State.TRACKED) trackedLeft.add(t);
        int[] m2 = Assignment.solve(costs(trackedLeft, dets, low, false), 0.5);
        List<Track> newlyLost = new ArrayList<>();
        for (int t = 0; t < trackedLeft.size(); t++) {
            Track tr = trackedLeft.get(t);
            if (m2[t] >= 0) {
                int d = low.get(m2[t]);
                tr.update(dets.get(d), frame, config.probation());
                next.add(tr);
                ids[d] = tr.confirmed ? tr.id : -1;
            } else {
                tr.state = State.LOST;
                newlyLost.add(tr);
            }
        }
        // 3. Unconfirmed tracks with the high detections left.
        List<Integer> highLeft = new ArrayList<>();
        for (int k = 0; k < high.size(); k++) if (!highUsed[k]) highLeft.add(high.get(k));
        int[] m3 = Assignment.solve(costs(unconfirmed, dets, highLeft, config.fuseScore()), 0.7);
        boolean[] leftUsed = new boolean[highLeft.size()];
        for (int t = 0; t < unconfirmed.size(); t++) {
            if (m3[t] < 0) continue; // an unconfirmed track that misses a frame is dropped
            int d = highLeft.get(m3[t]);
            leftUsed[m3[t]] = true;
            Track tr = unconfirmed.get(t);
            tr.update(dets.get(d), frame, config.probation());
            next.add(tr);
            ids[d] = tr.confirmed ? tr.id : -1;
        }
        // Lost tracks: those lost before and not found again, plus the newly lost, until the buffer runs out.
        List<Track> stillLost = new ArrayList<>();
        for (Track t : poolLeft) if (t.state == State.LOST && !newlyLost.contains(t)) stillLost.add(t);
        stillLost.addAll(newlyLost);
        stillLost.removeIf(t -> frame - t.lastFrame > config.trackBuffer());
        // 4. New tracks from the high detections nobody took.
        int room = config.maxTargets() - next.size() - stillLost.size();
        for (int k = 0; k < highLeft.size() && room > 0; k++) {
            if (leftUsed[k]) continue;
            Det d = dets.get(highLeft.get(k));
            if (d.score() < config.newTrackThresh()) continue;
            Track tr = new Track(d, frame, config.probation());
            next.add(tr);
            room--;
            if (tr.confirmed) ids[highLeft.get(k)] = tr.id;
        }
        tracked.clear();
        tracked.addAll(next);
        lost.clear();
        lost.addAll(stillLost);
        return ids;
    }

    /** Tracks alive (tracked or lost), for tests and metrics. */
    public int liveTracks() {
        return tracked.size() + lost.size();
    }

    /** Cost of each track against each of the chosen detections: 1 - IoU (or 1 - IoU * score); infinite across classes. */
    private double[][] costs(List<Track> tracks, List<Det> dets, List<Integer> chosen, boolean fuse) {
        double[][] c = new double[tracks.size()][chosen.size()];
        for (int t = 0; t < tracks.size(); t++) {
            double[] b = tracks.get(t).kf.box();
            for (int k = 0; k < chosen.size(); k++) {
                Det d = dets.get(chosen.get(k));
                if (config.classMatch() && d.classId() != tracks.get(t).classId) {
                    c[t][k] = Double.POSITIVE_INFINITY;
                    continue;
                }
                double iou = iou(b[0], b[1], b[2], b[3], d.x1(), d.y1(), d.x2(), d.y2());
                c[t][k] = 1 - (fuse ? iou * d.score() : iou);
            }
        }
        return c;
    }

    static double iou(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2) {
        double iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1)), ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
        double inter = iw * ih, union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
