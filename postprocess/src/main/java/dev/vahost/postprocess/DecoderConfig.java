package dev.vahost.postprocess;

/**
 * How raw model outputs become candidate boxes in model-input pixels. Every decoder keeps a slot
 * (anchor, prior, heatmap or grid cell, row, or (query, class) pair) as a candidate when its score is
 * strictly greater than {@link #scoreThreshold()} (DetectNet_v2: its class's threshold); where a slot
 * picks its best class, ties go to the lowest class index. A non-finite score or box, a negative size
 * or a class out of range marks the image as invalid (see {@link BatchDetections#problem(int)}) and
 * that slot is not a candidate. {@link DecoderFactory} builds the right one from a model's output shapes.
 */
public sealed interface DecoderConfig permits YoloV8Decode, YoloV5Decode, YoloXDecode, SsdDecode, CenterNetDecode,
        DetectNetV2Decode, DetrDecode, CandidateBoxes {
    int numClasses();

    float scoreThreshold();

    /** Candidate slots per image the decoder can append (the GPU workspace is sized for this). */
    int candidateCapacity();

    /** Human-readable list of the tensors {@code submit} expects, in order. */
    String expectedOutputs();

    /**
     * Whether the candidates go through batched NMS (true for every decoder but the end-to-end DETR
     * family, whose queries are already one detection per object: {@link DetrDecode}). A decoder that
     * does not need NMS is used without an {@link NmsConfig}; its own top-k bounds each image's list.
     */
    default boolean requiresNms() { return true; }

    static void checkThreshold(float t) {
        if (Float.isNaN(t)) throw new IllegalArgumentException("scoreThreshold must not be NaN");
    }

    static void checkClasses(int c) {
        if (c < 1 || c > 65536) throw new IllegalArgumentException("numClasses must be within 1..65536, got " + c);
    }
}
