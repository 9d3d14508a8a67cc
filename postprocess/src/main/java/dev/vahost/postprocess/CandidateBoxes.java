package dev.vahost.postprocess;

/**
 * Candidates that are already boxes (a model that decodes its own boxes, or NMS alone): boxes
 * {@code [N, M, 4]} as x1, y1, x2, y2 in model-input pixels and scores {@code [N, M]} (both fp32 or
 * both fp16), classes {@code [N, M]} int32 in [0, numClasses). x2 < x1 or y2 < y1 is invalid input.
 */
public record CandidateBoxes(int numClasses, int candidates, float scoreThreshold) implements DecoderConfig {
    public CandidateBoxes {
        DecoderConfig.checkClasses(numClasses);
        if (candidates < 1) throw new IllegalArgumentException("candidates must be >= 1, got " + candidates);
        DecoderConfig.checkThreshold(scoreThreshold);
    }

    @Override
    public int candidateCapacity() { return candidates; }

    @Override
    public String expectedOutputs() {
        return "boxes F32/F16 [n, " + candidates + ", 4], scores (same dtype) [n, " + candidates + "], classes I32 [n, "
                + candidates + "]";
    }
}
