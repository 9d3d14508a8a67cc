package dev.vahost.postprocess;

/**
 * End-to-end DETR-family outputs (fp32 or fp16, any strides), decoded without NMS
 * ({@link #requiresNms()} is false): every query is already one object. Two layouts:
 * <ul>
 * <li>one output {@code [N, Q, 4+S]}: cx, cy, w, h normalised to [0, 1] of the model input, then S
 * score columns (ultralytics' RT-DETR export: S = C scores already sigmoided, {@link ScoreFunction#IDENTITY});</li>
 * <li>two outputs, logits {@code [N, Q, S]} then boxes {@code [N, Q, 4]} (facebook DETR:
 * {@link ScoreFunction#SOFTMAX_WITH_NO_OBJECT}; RT-DETR / D-FINE raw heads: {@link ScoreFunction#SIGMOID}).</li>
 * </ul>
 * S = C, or C + 1 for {@code SOFTMAX_WITH_NO_OBJECT} (the last column is "no object", never reported).
 *
 * <p>Semantics (RT-DETR's postprocessor): with IDENTITY or SIGMOID, each (query, class) pair is a
 * candidate of score f(logit) and slot {@code q*C + c} (the index of RT-DETR's top-k over the flattened
 * Q x C scores); with SOFTMAX_WITH_NO_OBJECT each query gives one candidate, its best real class (the
 * highest logit, ties: lowest class) with score = that class's softmax probability over all C + 1
 * logits, slot {@code q*C + class}. Candidates scoring strictly above the threshold are ordered by score
 * descending, ties by slot ascending (lower query, then lower class), and the first {@code topK} are the
 * detections (top-k then threshold, as RT-DETR's deploy code does, keeps the same set). Box: cxcywh to
 * xyxy, then scaled to input pixels: {@code x1 = (cx - w/2) * inputWidth}, {@code y1 = (cy - h/2) *
 * inputHeight}, etc. Non-finite values or a negative w or h are invalid input; a query's box problem is
 * reported at slot q*C.
 *
 * @param separateOutputs false: one {@code [N, Q, 4+S]} output; true: logits and boxes
 * @param inputWidth      model input width the normalised boxes are scaled by (before the letterbox mapping)
 * @param topK            detections per image at most (RT-DETR's num_top_queries; default {@value #DEFAULT_TOP_K})
 */
public record DetrDecode(int numClasses, int queries, boolean separateOutputs, ScoreFunction scoreFunction, int inputWidth,
                         int inputHeight, int topK, float scoreThreshold) implements DecoderConfig {
    /** RT-DETR's default number of detections per image. */
    public static final int DEFAULT_TOP_K = 300;

    /** How the score columns become scores. */
    public enum ScoreFunction {
        /** Already probabilities (ultralytics' RT-DETR export). */
        IDENTITY,
        /** Per-class sigmoid of the logits (RT-DETR, D-FINE, Deformable DETR). */
        SIGMOID,
        /** Softmax over C + 1 logits, the last being "no object" (facebook DETR). */
        SOFTMAX_WITH_NO_OBJECT
    }

    public DetrDecode {
        DecoderConfig.checkClasses(numClasses);
        if (queries < 1) throw new IllegalArgumentException("queries must be >= 1, got " + queries);
        if ((long) queries * numClasses > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("queries x classes " + queries + " x " + numClasses + " exceed 2^31 - 1");
        }
        if (scoreFunction == null) throw new IllegalArgumentException("scoreFunction must not be null");
        if (inputWidth < 1 || inputHeight < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + inputWidth + "x" + inputHeight);
        }
        if (topK < 1) throw new IllegalArgumentException("topK must be >= 1, got " + topK);
        DecoderConfig.checkThreshold(scoreThreshold);
    }

    /** One {@code [N, Q, 4+C]} output with scores already in [0, 1] (ultralytics' RT-DETR export), top 300. */
    public static DetrDecode oneOutput(int numClasses, int queries, int inputWidth, int inputHeight, float scoreThreshold) {
        return new DetrDecode(numClasses, queries, false, ScoreFunction.IDENTITY, inputWidth, inputHeight, DEFAULT_TOP_K,
                scoreThreshold);
    }

    /** Logits {@code [N, Q, S]} and boxes {@code [N, Q, 4]}, top 300. */
    public static DetrDecode logitsAndBoxes(int numClasses, int queries, ScoreFunction scoreFunction, int inputWidth,
                                            int inputHeight, float scoreThreshold) {
        return new DetrDecode(numClasses, queries, true, scoreFunction, inputWidth, inputHeight, DEFAULT_TOP_K, scoreThreshold);
    }

    public DetrDecode withTopK(int k) {
        return new DetrDecode(numClasses, queries, separateOutputs, scoreFunction, inputWidth, inputHeight, k, scoreThreshold);
    }

    /** Score columns per query: C, or C + 1 with the no-object logit. */
    public int scoreColumns() {
        return numClasses + (scoreFunction == ScoreFunction.SOFTMAX_WITH_NO_OBJECT ? 1 : 0);
    }

    /** Detections per image at most: {@code min(topK, candidateCapacity())}. */
    public int detectionsPerImage() {
        return Math.min(topK, candidateCapacity());
    }

    @Override
    public boolean requiresNms() { return false; }

    /** Every candidate fits: Q (softmax, one per query) or Q x C. */
    @Override
    public int candidateCapacity() {
        return scoreFunction == ScoreFunction.SOFTMAX_WITH_NO_OBJECT ? queries : queries * numClasses;
    }

    @Override
    public String expectedOutputs() {
        if (!separateOutputs) return "one F32 or F16 tensor [n, " + queries + ", " + (4 + scoreColumns()) + "]";
        return "logits F32/F16 [n, " + queries + ", " + scoreColumns() + "] and boxes (same dtype) [n, " + queries + ", 4]";
    }
}
