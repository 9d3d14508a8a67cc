package dev.vahost.postprocess;

/**
 * YOLOv8-style head output {@code [N, 4+C, A]} (fp32 or fp16, any strides): rows 0..3 are cx, cy,
 * w, h in model-input pixels, rows 4.. the class scores, already sigmoided. One candidate per anchor
 * with its best class (ultralytics' default, not multi-label); box = (cx - w/2, cy - h/2, cx + w/2,
 * cy + h/2). A negative w or h is invalid input.
 */
public record YoloV8Decode(int numClasses, int anchors, float scoreThreshold) implements DecoderConfig {
    public YoloV8Decode {
        DecoderConfig.checkClasses(numClasses);
        if (anchors < 1) throw new IllegalArgumentException("anchors must be >= 1, got " + anchors);
        DecoderConfig.checkThreshold(scoreThreshold);
    }

    @Override
    public int candidateCapacity() { return anchors; }

    @Override
    public String expectedOutputs() {
        return "one F32 or F16 tensor [n, " + (4 + numClasses) + ", " + anchors + "]";
    }
}
