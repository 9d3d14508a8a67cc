package dev.vahost.pipelines;

import java.util.List;

/**
 * What the service produces for one frame: where it came from and its detections in source-frame
 * pixels.
 *
 * @param frameNumber 0-based number of the frame in its stream (as pulled from the decoder)
 */
public record FrameResult(String streamId, long frameNumber, long ptsNanos, int width, int height,
                          List<Detection> detections) {
    /** One detected object: class, score and box (x2, y2 exclusive) in source pixels. */
    public record Detection(int classId, String label, float score, float x1, float y1, float x2, float y2) {}
}
