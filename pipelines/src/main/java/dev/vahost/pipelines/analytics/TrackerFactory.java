package dev.vahost.pipelines.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageBatch;
import dev.vahost.pipelines.stage.StageContext;
import dev.vahost.pipelines.stage.StageFactory;
import dev.vahost.pipelines.stage.StageFrame;

/**
 * {@code type: tracker} (built in): ByteTrack per stream ({@link ByteTracker}); each detection on a
 * confirmed track gets its id ({@code "track"} in the JSON). Detections on no confirmed track stay,
 * without an id, unless {@code drop_untracked}. A stream whose frame numbers go back (it restarted)
 * starts with no tracks.
 *
 * <pre>
 * stages:
 *   - type: tracker
 *     config: {track_high_thresh: 0.5, track_low_thresh: 0.1, new_track_thresh: 0.6, track_buffer: 30,
 *              match_thresh: 0.8, fuse_score: true, probation: 2, class_match: true, max_targets: 256,
 *              drop_untracked: false}
 * </pre>
 */
public final class TrackerFactory implements StageFactory<TrackerFactory.Config> {
    /** Every key optional; absent ones take {@link ByteTracker.Config#DEFAULTS}. */
    public record Config(Float trackHighThresh, Float trackLowThresh, Float newTrackThresh, Integer trackBuffer, Float matchThresh,
                         Boolean fuseScore, Integer probation, Boolean classMatch, Integer maxTargets, boolean dropUntracked) {
        ByteTracker.Config tracker() {
            ByteTracker.Config d = ByteTracker.Config.DEFAULTS;
            return new ByteTracker.Config(or(trackHighThresh, d.trackHighThresh()), or(trackLowThresh, d.trackLowThresh()),
                    or(newTrackThresh, d.newTrackThresh()), or(trackBuffer, d.trackBuffer()), or(matchThresh, d.matchThresh()),
                    or(fuseScore, d.fuseScore()), or(probation, d.probation()), or(classMatch, d.classMatch()),
                    or(maxTargets, d.maxTargets()));
        }

        private static <T> T or(T v, T d) {
            return v != null ? v : d;
        }
    }

    @Override
    public String type() {
        return "tracker";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public String describe() {
        return "multi-object tracking per stream (ByteTrack: Kalman, two-stage IoU matching); adds track ids";
    }

    @Override
    public Stage create(Config c, StageContext context) {
        return new TrackerStage(c.tracker(), c.dropUntracked());
    }

    /** One ByteTracker per stream, on the host. */
    static final class TrackerStage implements Stage {
        private final ByteTracker.Config config;
        private final boolean dropUntracked;
        private final Map<String, ByteTracker> trackers = new HashMap<>();
        private final Map<String, Long> lastFrame = new HashMap<>();

        TrackerStage(ByteTracker.Config config, boolean dropUntracked) {
            this.config = config;
            this.dropUntracked = dropUntracked;
        }

        @Override
        public void process(StageBatch batch) {
            for (StageFrame f : batch.frames()) {
                Long last = lastFrame.put(f.streamId(), f.frameNumber());
                if (last != null && f.frameNumber() <= last) trackers.remove(f.streamId()); // the stream restarted
                ByteTracker t = trackers.computeIfAbsent(f.streamId(), id -> new ByteTracker(config));
                List<FrameResult.Detection> ds = f.detections();
                List<ByteTracker.Det> in = new ArrayList<>(ds.size());
                for (FrameResult.Detection d : ds) in.add(new ByteTracker.Det(d.classId(), d.score(), d.x1(), d.y1(), d.x2(), d.y2()));
                long[] ids = t.update(in, f.frameNumber());
                List<FrameResult.Detection> out = new ArrayList<>(ds.size());
                for (int i = 0; i < ds.size(); i++) {
                    if (ids[i] >= 0) out.add(ds.get(i).withTrack(ids[i]));
                    else if (!dropUntracked) out.add(ds.get(i));
                }
                ds.clear();
                ds.addAll(out);
            }
        }

        @Override
        public void streamEnded(String streamId) {
            trackers.remove(streamId);
            lastFrame.remove(streamId);
        }
    }
}
