package dev.vahost.postprocess;

/**
 * CenterNet-style heads: heatmap {@code [N, C, H, W]}, sizes {@code wh [N, 2, H, W]} and, when
 * {@code hasOffset}, sub-cell offsets {@code [N, 2, H, W]} (same dtype, fp32 or fp16), in output-grid
 * units; {@code stride} input pixels per grid cell. A cell is a candidate of class c when its score
 * (sigmoid of the heatmap when {@code sigmoid}) is a 3x3 local maximum (CenterNet's max-pool test:
 * no neighbour strictly greater) above the threshold. Box: {@code x1 = (x + ox - w/2) * stride}
 * etc. Candidate index = {@code (c*H + y)*W + x}.
 *
 * @param candidateCapacity candidates per image the GPU can hold; more is reported as a problem of
 *                          that image (raise the threshold or the capacity)
 */
public record CenterNetDecode(int numClasses, int height, int width, float stride, boolean sigmoid, boolean hasOffset,
                              float scoreThreshold, int candidateCapacity) implements DecoderConfig {
    public CenterNetDecode {
        DecoderConfig.checkClasses(numClasses);
        if (height < 1 || width < 1 || (long) numClasses * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("heatmap " + numClasses + "x" + height + "x" + width + " is empty or too large");
        }
        if (!(stride > 0) || !Float.isFinite(stride)) throw new IllegalArgumentException("stride must be > 0, got " + stride);
        DecoderConfig.checkThreshold(scoreThreshold);
        if (candidateCapacity < 1) throw new IllegalArgumentException("candidateCapacity must be >= 1, got " + candidateCapacity);
    }

    @Override
    public String expectedOutputs() {
        return "heatmap F32/F16 [n, " + numClasses + ", " + height + ", " + width + "], wh [n, 2, " + height + ", "
                + width + "]" + (hasOffset ? ", offset [n, 2, " + height + ", " + width + "]" : "") + " (same dtype)";
    }
}
