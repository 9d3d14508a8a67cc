package dev.vahost.inference;

import java.util.Map;

/**
 * How a model is bound when it is loaded. {@code inputWidth}/{@code inputHeight} (0 = as the model
 * declares) fix the spatial size of a rank-4 image input whose height and width are symbolic
 * (exports with dynamic height/width); {@code dims} binds any other symbolic input dimension by its
 * name. The batch (dimension 0) always stays symbolic: engines plan per batch size.
 */
public record ModelOptions(int inputWidth, int inputHeight, Map<String, Long> dims) {
    public static final ModelOptions DEFAULTS = new ModelOptions(0, 0, Map.of());

    public ModelOptions {
        if (inputWidth < 0 || inputHeight < 0) {
            throw new IllegalArgumentException("input size must be positive, got " + inputWidth + "x" + inputHeight);
        }
        if ((inputWidth == 0) != (inputHeight == 0)) {
            throw new IllegalArgumentException("give both input width and height, got " + inputWidth + "x" + inputHeight);
        }
        dims = Map.copyOf(dims == null ? Map.of() : dims);
        for (Map.Entry<String, Long> e : dims.entrySet()) {
            if (e.getValue() == null || e.getValue() < 1) {
                throw new IllegalArgumentException("dimension '" + e.getKey() + "' must be bound to a positive size, got " + e.getValue());
            }
        }
    }

    /** Binds a symbolic image height and width (rank-4 NCHW inputs). */
    public static ModelOptions inputSize(int width, int height) {
        return new ModelOptions(width, height, Map.of());
    }

    public boolean hasInputSize() {
        return inputWidth > 0;
    }
}
