package dev.vahost.postprocess;

/**
 * Batched NMS settings, validated once.
 *
 * @param iouThreshold          a box is suppressed when its IoU with a kept higher-ranked box is
 *                              strictly greater than this (torchvision semantics), in [0, 1]
 * @param maxCandidatesPerImage candidates per image entering NMS: the top ones by (score desc,
 *                              candidate index asc); at most {@value #MAX_CANDIDATES}. The GPU
 *                              workspace grows with its square (class-agnostic worst case).
 * @param maxDetectionsPerImage top-k kept per image, in score order
 * @param classAgnostic         true: classes suppress each other too (images never do)
 */
public record NmsConfig(float iouThreshold, int maxCandidatesPerImage, int maxDetectionsPerImage, boolean classAgnostic) {
    /** Largest per-image cap the GPU reduction supports (512 words of 64 bits per warp lane set). */
    public static final int MAX_CANDIDATES = 32768;

    public NmsConfig {
        if (!(iouThreshold >= 0f && iouThreshold <= 1f)) {
            throw new IllegalArgumentException("iouThreshold must be within [0, 1], got " + iouThreshold);
        }
        if (maxCandidatesPerImage < 1 || maxCandidatesPerImage > MAX_CANDIDATES) {
            throw new IllegalArgumentException("maxCandidatesPerImage must be within 1.." + MAX_CANDIDATES + ", got "
                    + maxCandidatesPerImage);
        }
        if (maxDetectionsPerImage < 1) {
            throw new IllegalArgumentException("maxDetectionsPerImage must be >= 1, got " + maxDetectionsPerImage);
        }
    }

    /** Class-aware NMS. */
    public static NmsConfig classAware(float iouThreshold, int maxCandidatesPerImage, int maxDetectionsPerImage) {
        return new NmsConfig(iouThreshold, maxCandidatesPerImage, maxDetectionsPerImage, false);
    }

    /** Top-k actually produced: never more than the candidates that enter NMS. */
    public int effectiveTopK() {
        return Math.min(maxDetectionsPerImage, maxCandidatesPerImage);
    }
}
