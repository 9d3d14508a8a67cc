package dev.vahost.postprocess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * YOLOX's raw head output {@code [N, A, 5+C]} (fp32 or fp16, any strides), as its {@code export_onnx}
 * writes it with {@code decode_in_inference=False}: per anchor x, y offsets in grid cells, log w, log
 * h, the objectness and C class scores (both already sigmoided). The anchors are the cells of one grid
 * per stride, level by level, row-major (y, then x) within a level; a level's grid is
 * {@code ceil(inputWidth / s) x ceil(inputHeight / s)} (what YOLOX's padded stride-2 convolutions
 * give; exactly input / s for the usual multiples of 32). For the anchor at cell (gx, gy) of stride s:
 * {@code cx = (x + gx) * s}, {@code cy = (y + gy) * s}, {@code w = exp(lw) * s}, {@code h = exp(lh) * s}
 * (float operations in that order, exp evaluated in double and rounded once), box = (cx - w/2, ...).
 * Score = objectness * best class score (ties: lowest class), a candidate when strictly greater than
 * the threshold (YOLOX's own postprocess uses {@code >=}). Candidate slot = anchor. Non-finite
 * values, or a box that overflows float, are invalid input.
 *
 * @param anchors the A of the model's output; must equal the grid cells of the input size and strides
 */
public record YoloXDecode(int numClasses, int anchors, int inputWidth, int inputHeight, int[] strides, float scoreThreshold)
        implements DecoderConfig {
    public YoloXDecode {
        DecoderConfig.checkClasses(numClasses);
        strides = checkStrides(strides);
        int expected = gridAnchors(inputWidth, inputHeight, strides);
        if (anchors != expected) {
            throw new IllegalArgumentException("YOLOX output has " + anchors + " anchors, but the grids for input "
                    + inputWidth + "x" + inputHeight + " at strides " + Arrays.toString(strides) + " have "
                    + describeGrids(inputWidth, inputHeight, strides));
        }
        DecoderConfig.checkThreshold(scoreThreshold);
    }

    /** With YOLOX's strides 8, 16, 32. */
    public YoloXDecode(int numClasses, int anchors, int inputWidth, int inputHeight, float scoreThreshold) {
        this(numClasses, anchors, inputWidth, inputHeight, defaultStrides(), scoreThreshold);
    }

    /** YOLOX's strides: 8, 16, 32 (P3 to P5). */
    public static int[] defaultStrides() { return new int[] {8, 16, 32}; }

    /** Grid cells over all strides for an input of {@code width x height}. */
    public static int gridAnchors(int width, int height, int[] strides) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("input size must be positive, got " + width + "x" + height);
        long total = 0;
        for (int s : checkStrides(strides)) total += (long) ceilDiv(width, s) * ceilDiv(height, s);
        if (total > (1 << 24)) throw new IllegalArgumentException("YOLOX grids of " + total + " cells exceed 2^24");
        return (int) total;
    }

    /** For messages: {@code "80x80 + 40x40 + 20x20 = 8400 cells"}. */
    public static String describeGrids(int width, int height, int[] strides) {
        List<String> parts = new ArrayList<>();
        for (int s : strides) parts.add(ceilDiv(width, s) + "x" + ceilDiv(height, s));
        return String.join(" + ", parts) + " = " + gridAnchors(width, height, strides) + " cells";
    }

    private static int[] checkStrides(int[] strides) {
        if (strides == null || strides.length == 0) throw new IllegalArgumentException("YOLOX needs at least one stride");
        for (int s : strides) {
            if (s < 1) throw new IllegalArgumentException("strides must be >= 1, got " + Arrays.toString(strides));
        }
        return strides.clone();
    }

    private static int ceilDiv(int a, int b) { return (a + b - 1) / b; }

    @Override
    public int[] strides() { return strides.clone(); }

    /** Stride of level {@code l}, without copying. */
    public int stride(int l) { return strides[l]; }

    public int levels() { return strides.length; }

    /** Grid width of level {@code l}. */
    public int gridWidth(int l) { return ceilDiv(inputWidth, strides[l]); }

    /** Grid height of level {@code l}. */
    public int gridHeight(int l) { return ceilDiv(inputHeight, strides[l]); }

    @Override
    public int candidateCapacity() { return anchors; }

    @Override
    public String expectedOutputs() {
        return "one F32 or F16 tensor [n, " + anchors + ", " + (5 + numClasses) + "] (grids for " + inputWidth + "x"
                + inputHeight + " at strides " + Arrays.toString(strides) + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof YoloXDecode y && y.numClasses == numClasses && y.anchors == anchors
                && y.inputWidth == inputWidth && y.inputHeight == inputHeight && Arrays.equals(y.strides, strides)
                && Float.compare(y.scoreThreshold, scoreThreshold) == 0;
    }

    @Override
    public int hashCode() {
        return ((numClasses * 31 + anchors) * 31 + Arrays.hashCode(strides)) * 31 + Float.hashCode(scoreThreshold);
    }

    @Override
    public String toString() {
        return "YoloXDecode[numClasses=" + numClasses + ", anchors=" + anchors + ", input=" + inputWidth + "x" + inputHeight
                + ", strides=" + Arrays.toString(strides) + ", scoreThreshold=" + scoreThreshold + "]";
    }
}
