package dev.vahost.ops;

/** Dimension order of a batched image tensor. */
public enum TensorLayout {
    /** {@code [N, 3, H, W]}: one plane per channel (what most detectors take). */
    NCHW,
    /** {@code [N, H, W, 3]}: channels interleaved. */
    NHWC
}
