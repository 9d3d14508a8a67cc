package dev.vahost.postprocess;

/**
 * YOLOv5/YOLOv7-style output {@code [N, A, 5+C]} as ultralytics' exports write it (fp32 or fp16, any
 * strides): per anchor cx, cy, w, h in model-input pixels, the objectness and C class scores, all
 * already sigmoided. Score of class c = {@code objectness * score[c]} (float product).
 *
 * <ul>
 * <li>Best class (default, {@code multiLabel = false}): the class with the highest class score (ties:
 * lowest index; YOLOv5 takes the argmax of the products, which differs only where a product rounds
 * to a tie), one candidate per anchor when its score is strictly greater than the threshold;
 * candidate slot = anchor.</li>
 * <li>Multi-label: one candidate per (anchor, class) whose score passes (YOLOv5's
 * {@code multi_label=True}, used by its val.py); slot = {@code anchor * C + class}.</li>
 * </ul>
 * Box = (cx - w/2, cy - h/2, cx + w/2, cy + h/2). A non-finite value, or a negative w or h, is
 * invalid input, reported at the anchor's first slot.
 *
 * @param candidateCapacity candidates per image the GPU holds; more are reported as a problem of the
 *                          image. {@code anchors} suffices for the best-class mode.
 */
public record YoloV5Decode(int numClasses, int anchors, float scoreThreshold, boolean multiLabel, int candidateCapacity)
        implements DecoderConfig {
    public YoloV5Decode {
        DecoderConfig.checkClasses(numClasses);
        if (anchors < 1) throw new IllegalArgumentException("anchors must be >= 1, got " + anchors);
        if (multiLabel && (long) anchors * numClasses > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("multi-label slots " + anchors + " x " + numClasses + " exceed 2^31 - 1");
        }
        DecoderConfig.checkThreshold(scoreThreshold);
        if (candidateCapacity < 1) throw new IllegalArgumentException("candidateCapacity must be >= 1, got " + candidateCapacity);
    }

    /** Best class per anchor; room for every anchor. */
    public YoloV5Decode(int numClasses, int anchors, float scoreThreshold) {
        this(numClasses, anchors, scoreThreshold, false, anchors);
    }

    /** One candidate per (anchor, class) above the threshold, at most {@code candidateCapacity} per image. */
    public static YoloV5Decode multiLabel(int numClasses, int anchors, float scoreThreshold, int candidateCapacity) {
        return new YoloV5Decode(numClasses, anchors, scoreThreshold, true, candidateCapacity);
    }

    @Override
    public String expectedOutputs() {
        return "one F32 or F16 tensor [n, " + anchors + ", " + (5 + numClasses) + "]";
    }
}
