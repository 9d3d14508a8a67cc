package dev.vahost.pipelines;

import java.util.List;
import java.util.Map;

/**
 * What the service produces for one frame: where it came from, its detections in source-frame
 * pixels, and the metadata stages published for it ({@code stage.MetaKey#published}).
 *
 * @param frameNumber 0-based number of the frame in its stream (as pulled from the decoder)
 * @param meta        published metadata by key name, in the order stages added it (empty without stages)
 */
public record FrameResult(String streamId, long frameNumber, long ptsNanos, int width, int height,
                          List<Detection> detections, Map<String, Object> meta) {
    public FrameResult {
        meta = meta == null ? Map.of() : meta;
    }

    /** A result without metadata. */
    public FrameResult(String streamId, long frameNumber, long ptsNanos, int width, int height, List<Detection> detections) {
        this(streamId, frameNumber, ptsNanos, width, height, detections, Map.of());
    }

    /**
     * One detected object: class, score and box (x2, y2 exclusive) in source pixels.
     *
     * @param trackId the id of the track it belongs to (a tracker stage sets it), -1 when none
     */
    public record Detection(int classId, String label, float score, float x1, float y1, float x2, float y2, long trackId) {
        /** An untracked detection. */
        public Detection(int classId, String label, float score, float x1, float y1, float x2, float y2) {
            this(classId, label, score, x1, y1, x2, y2, -1);
        }

        /** This detection as part of track {@code id}. */
        public Detection withTrack(long id) {
            return new Detection(classId, label, score, x1, y1, x2, y2, id);
        }
    }
}
