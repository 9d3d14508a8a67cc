package dev.vahost.postprocess;

/**
 * How one image was resized into the model input, so boxes can be mapped back to source pixels:
 * {@code src = (in - pad) / scale} per axis, then clipped to {@code [0, sourceWidth]} and
 * {@code [0, sourceHeight]}. Build it from the parameters the preprocessing actually used.
 */
public record InputMapping(float scaleX, float scaleY, float padX, float padY, int sourceWidth, int sourceHeight) {
    public InputMapping {
        if (!(scaleX > 0) || !(scaleY > 0) || !Float.isFinite(scaleX) || !Float.isFinite(scaleY)) {
            throw new IllegalArgumentException("scale must be finite and > 0, got " + scaleX + " x " + scaleY);
        }
        if (!Float.isFinite(padX) || !Float.isFinite(padY)) {
            throw new IllegalArgumentException("padding must be finite, got " + padX + ", " + padY);
        }
        if (sourceWidth <= 0 || sourceHeight <= 0) {
            throw new IllegalArgumentException("source size must be positive, got " + sourceWidth + "x" + sourceHeight);
        }
    }

    /** No resize: model input = source (boxes are only clipped to {@code width x height}). */
    public static InputMapping identity(int width, int height) {
        return new InputMapping(1f, 1f, 0f, 0f, width, height);
    }

    /**
     * Uniform letterbox: scale = min(inW/srcW, inH/srcH), the scaled image centred with padding
     * {@code (in - round(src*scale)) / 2} on each axis (ultralytics' LetterBox with center=True).
     */
    public static InputMapping letterbox(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight) {
        if (sourceWidth <= 0 || sourceHeight <= 0 || inputWidth <= 0 || inputHeight <= 0) {
            throw new IllegalArgumentException("sizes must be positive: source " + sourceWidth + "x" + sourceHeight
                    + ", input " + inputWidth + "x" + inputHeight);
        }
        float scale = Math.min(inputWidth / (float) sourceWidth, inputHeight / (float) sourceHeight);
        float padX = (inputWidth - Math.round(sourceWidth * scale)) / 2f;
        float padY = (inputHeight - Math.round(sourceHeight * scale)) / 2f;
        return new InputMapping(scale, scale, padX, padY, sourceWidth, sourceHeight);
    }

    /** Plain resize (stretch) of the source to the input size. */
    public static InputMapping stretch(int sourceWidth, int sourceHeight, int inputWidth, int inputHeight) {
        return new InputMapping(inputWidth / (float) sourceWidth, inputHeight / (float) sourceHeight, 0f, 0f,
                sourceWidth, sourceHeight);
    }

    /** x in model-input pixels to source pixels, clipped (the GPU computes the same in float). */
    public float toSourceX(float x) {
        return Math.min(Math.max((x - padX) / scaleX, 0f), (float) sourceWidth);
    }

    public float toSourceY(float y) {
        return Math.min(Math.max((y - padY) / scaleY, 0f), (float) sourceHeight);
    }
}
