package dev.vahost.postprocess;

/**
 * One final detection of one image: class, score and box in source-frame pixels (x1, y1 top-left,
 * x2, y2 bottom-right, clipped to the frame). {@code candidate} is the slot of the raw model output it
 * came from (anchor index, or {@code class*H*W + y*W + x} for heatmaps), for debugging and for heads
 * that attach more data per anchor.
 */
public record Detection(int classId, float score, float x1, float y1, float x2, float y2, int candidate) {
    public float width() { return x2 - x1; }

    public float height() { return y2 - y1; }
}
