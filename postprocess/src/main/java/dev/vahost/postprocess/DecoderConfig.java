package dev.vahost.postprocess;

/**
 * How raw model outputs become candidate boxes in model-input pixels. Every decoder keeps a slot
 * (anchor, prior, heatmap cell or row) as a candidate when its best score is strictly greater than
 * {@link #scoreThreshold()}; ties between classes go to the lowest class index. A non-finite score
 * or box, a negative size or a class out of range marks the image as invalid (see
 * {@link BatchDetections#problem(int)}) and that slot is not a candidate.
 */
public sealed interface DecoderConfig permits YoloV8Decode, SsdDecode, CenterNetDecode, CandidateBoxes {
    int numClasses();

    float scoreThreshold();

    /** Candidate slots per image the decoder can append (the GPU workspace is sized for this). */
    int candidateCapacity();

    /** Human-readable list of the tensors {@code submit} expects, in order. */
    String expectedOutputs();

    static void checkThreshold(float t) {
        if (Float.isNaN(t)) throw new IllegalArgumentException("scoreThreshold must not be NaN");
    }

    static void checkClasses(int c) {
        if (c < 1 || c > 65536) throw new IllegalArgumentException("numClasses must be within 1..65536, got " + c);
    }
}
