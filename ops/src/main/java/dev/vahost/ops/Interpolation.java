package dev.vahost.ops;

/** Resampling, with OpenCV's semantics so that CPU-trained and GPU-served models see the same tensors. */
public enum Interpolation {
    /**
     * {@code cv2.INTER_LINEAR}: destination pixel {@code d} samples the source at
     * {@code (d + 0.5) * scale - 0.5} (half-pixel centres), two taps per axis, borders clamped, no
     * antialiasing when shrinking.
     */
    LINEAR,
    /**
     * {@code cv2.INTER_NEAREST}: source index {@code min(floor(d * scale), size - 1)}. Note that this is
     * OpenCV's (not half-pixel centred) nearest, not {@code INTER_NEAREST_EXACT}.
     */
    NEAREST
}
