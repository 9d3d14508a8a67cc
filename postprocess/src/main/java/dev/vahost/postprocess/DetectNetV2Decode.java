package dev.vahost.postprocess;

import java.util.Arrays;

/**
 * TAO / DeepStream DetectNet_v2 outputs (fp32 or fp16, any strides): coverage {@code cov [N, C, H, W]}
 * (already sigmoided) and {@code bbox [N, 4C, H, W]}, channels {@code 4c..4c+3} holding class c's box
 * edges as distances from the cell centre in units of the box norm. As DeepStream's nvdsinfer
 * DetectNet parser computes them, for the cell (gx, gy):
 * <pre>
 * cxg = (gx * strideX + offset) / bboxNormX        cyg = (gy * strideY + offset) / bboxNormY
 * x1 = (cxg - bbox[4c])     * bboxNormX            y1 = (cyg - bbox[4c+1]) * bboxNormY
 * x2 = (bbox[4c+2] + cxg)   * bboxNormX            y2 = (bbox[4c+3] + cyg) * bboxNormY
 * </pre>
 * (float operations in that order). One candidate per (class, cell) whose coverage is strictly greater
 * than the class's threshold (DeepStream uses {@code >=}), score = coverage, slot
 * {@code (c*H + gy)*W + gx}; then the pipeline's class-aware NMS (DeepStream's default for this model
 * is clustering). Boxes are not clipped here (the letterbox mapping clips to the source frame;
 * DeepStream clips to the network input). A non-finite coverage anywhere, a non-finite bbox value or
 * x2 < x1 / y2 < y1 at a candidate cell are invalid input.
 *
 * @param classThresholds one coverage threshold per class
 */
public record DetectNetV2Decode(int numClasses, int gridHeight, int gridWidth, float strideX, float strideY, float bboxNormX,
                                float bboxNormY, float offset, float[] classThresholds) implements DecoderConfig {
    /** DeepStream's box norm for DetectNet_v2 (both axes). */
    public static final float DEFAULT_BBOX_NORM = 35f;
    /** DeepStream's offset of the cell centre. */
    public static final float DEFAULT_OFFSET = 0.5f;

    public DetectNetV2Decode {
        DecoderConfig.checkClasses(numClasses);
        if (gridHeight < 1 || gridWidth < 1 || (long) numClasses * gridHeight * gridWidth > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("coverage " + numClasses + "x" + gridHeight + "x" + gridWidth + " is empty or too large");
        }
        for (float v : new float[] {strideX, strideY, bboxNormX, bboxNormY}) {
            if (!(v > 0) || !Float.isFinite(v)) {
                throw new IllegalArgumentException("strides and box norms must be finite and > 0, got strides " + strideX + ", "
                        + strideY + ", norms " + bboxNormX + ", " + bboxNormY);
            }
        }
        if (!Float.isFinite(offset)) throw new IllegalArgumentException("offset must be finite, got " + offset);
        if (classThresholds == null || classThresholds.length != numClasses) {
            throw new IllegalArgumentException("classThresholds must hold one value per class (" + numClasses + "), got "
                    + (classThresholds == null ? "null" : classThresholds.length + " values"));
        }
        classThresholds = classThresholds.clone();
        for (float t : classThresholds) DecoderConfig.checkThreshold(t);
    }

    /**
     * DeepStream's defaults for a {@code inputWidth x inputHeight} model: stride per axis
     * {@code ceil(input / grid)}, box norm 35, offset 0.5, one threshold for all classes.
     */
    public static DetectNetV2Decode of(int numClasses, int gridHeight, int gridWidth, int inputWidth, int inputHeight,
                                       float threshold) {
        if (inputWidth < 1 || inputHeight < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + inputWidth + "x" + inputHeight);
        }
        if (gridHeight < 1 || gridWidth < 1) {
            throw new IllegalArgumentException("grid must be positive, got " + gridWidth + "x" + gridHeight);
        }
        float[] t = new float[numClasses < 1 ? 0 : numClasses];
        Arrays.fill(t, threshold);
        return new DetectNetV2Decode(numClasses, gridHeight, gridWidth, (inputWidth + gridWidth - 1) / gridWidth,
                (inputHeight + gridHeight - 1) / gridHeight, DEFAULT_BBOX_NORM, DEFAULT_BBOX_NORM, DEFAULT_OFFSET, t);
    }

    /** The same decoder with one threshold per class. */
    public DetectNetV2Decode withClassThresholds(float... thresholds) {
        return new DetectNetV2Decode(numClasses, gridHeight, gridWidth, strideX, strideY, bboxNormX, bboxNormY, offset, thresholds);
    }

    @Override
    public float[] classThresholds() { return classThresholds.clone(); }

    public float classThreshold(int c) { return classThresholds[c]; }

    /** The lowest class threshold (each class uses its own). */
    @Override
    public float scoreThreshold() {
        float m = classThresholds[0];
        for (float t : classThresholds) m = Math.min(m, t);
        return m;
    }

    @Override
    public int candidateCapacity() { return numClasses * gridHeight * gridWidth; }

    @Override
    public String expectedOutputs() {
        return "cov F32/F16 [n, " + numClasses + ", " + gridHeight + ", " + gridWidth + "] and bbox (same dtype) [n, "
                + 4 * numClasses + ", " + gridHeight + ", " + gridWidth + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DetectNetV2Decode d && d.numClasses == numClasses && d.gridHeight == gridHeight
                && d.gridWidth == gridWidth && Float.compare(d.strideX, strideX) == 0 && Float.compare(d.strideY, strideY) == 0
                && Float.compare(d.bboxNormX, bboxNormX) == 0 && Float.compare(d.bboxNormY, bboxNormY) == 0
                && Float.compare(d.offset, offset) == 0 && Arrays.equals(d.classThresholds, classThresholds);
    }

    @Override
    public int hashCode() {
        return ((numClasses * 31 + gridHeight) * 31 + gridWidth) * 31 + Arrays.hashCode(classThresholds);
    }

    @Override
    public String toString() {
        return "DetectNetV2Decode[numClasses=" + numClasses + ", grid=" + gridWidth + "x" + gridHeight + ", stride=" + strideX
                + "x" + strideY + ", bboxNorm=" + bboxNormX + "x" + bboxNormY + ", offset=" + offset + ", classThresholds="
                + Arrays.toString(classThresholds) + "]";
    }
}
