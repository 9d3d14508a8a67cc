package dev.vahost.postprocess;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Builds the {@link DecoderConfig} for a detector from its family name (the service's
 * {@code --model-type}) or {@code "auto"}, its output shapes at batch 1 and its input size. "auto"
 * decides only where the shapes are unambiguous, and says which rule decided:
 * <ol>
 * <li>one rank-3 output {@code [1, R, A]} with A > R >= 5: YOLOv8 ({@code [1, 4+C, A]});</li>
 * <li>one rank-3 output {@code [1, A, R]} with A > R >= 6 and A = G, the YOLOX grid cells for the
 * input size at the YOLOX strides (8, 16, 32 unless {@link Options#withYoloxStrides}): YOLOX;</li>
 * <li>the same with A = 3 G (YOLOv5 has 3 anchors per cell): YOLOv5;</li>
 * <li>the same with A neither, A <= {@value #MAX_DETR_QUERIES} and R >= 5: DETR (a small query count,
 * one {@code [1, Q, 4+C]} output);</li>
 * <li>the same with A neither and larger, R >= 6: YOLOv5 (preferred; other YOLOv5/v7 variants, P6
 * models, have other anchor counts);</li>
 * <li>two rank-3 outputs {@code [1, A, 4]} and {@code [1, A, C]}: SSD (needs the priors,
 * {@link Options#withSsdPriors});</li>
 * <li>two rank-4 outputs {@code [1, C, H, W]} and {@code [1, 4C, H, W]}: DetectNet_v2;</li>
 * <li>anything else: an error listing the shapes, the families and their outputs.</li>
 * </ol>
 * CenterNet and two-output DETR models are chosen only by name. An explicit family whose shapes do
 * not fit throws naming both. Dimension 0 (the batch) is not interpreted.
 */
public final class DecoderFactory {
    /** The model type that asks for detection from the output shapes. */
    public static final String AUTO = "auto";
    /** Largest query count "auto" reads as a DETR output. */
    public static final int MAX_DETR_QUERIES = 1000;

    private DecoderFactory() {}

    /**
     * What the factory chose.
     *
     * @param outputOrder decoder input i is model output {@code outputOrder[i]} (pass the outputs to
     *                    {@code submit}/{@code run} in that order)
     * @param description one line: what was chosen and why, e.g. {@code auto: one output [1, 84, 8400]
     *                    → YOLOv8 (4 box rows + 80 classes, 8400 anchors)}
     */
    public record Decoding(ModelFamily family, DecoderConfig decoder, int[] outputOrder, String description) {
        public Decoding {
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(decoder, "decoder");
            outputOrder = outputOrder.clone();
            Objects.requireNonNull(description, "description");
        }

        @Override
        public int[] outputOrder() { return outputOrder.clone(); }

        /** Whether the detections go through NMS ({@link DecoderConfig#requiresNms()}). */
        public boolean requiresNms() { return decoder.requiresNms(); }

        /**
         * Class-aware NMS settings for this decoder (every candidate the decoder can produce enters
         * NMS, up to {@link NmsConfig#MAX_CANDIDATES}), or null when the decoder needs no NMS.
         */
        public NmsConfig nms(float iouThreshold, int maxDetectionsPerImage) {
            if (!decoder.requiresNms()) return null;
            return NmsConfig.classAware(iouThreshold, Math.min(decoder.candidateCapacity(), NmsConfig.MAX_CANDIDATES),
                    maxDetectionsPerImage);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Decoding d && d.family == family && d.decoder.equals(decoder)
                    && Arrays.equals(d.outputOrder, outputOrder) && d.description.equals(description);
        }

        @Override
        public int hashCode() { return decoder.hashCode() * 31 + Arrays.hashCode(outputOrder); }

        @Override
        public String toString() { return description; }
    }

    /**
     * Settings the shapes cannot tell. Start from {@link #defaults()}.
     *
     * @param scoreThreshold           candidates score strictly above this (DetectNet_v2: every class
     *                                 unless {@code detectNetClassThresholds})
     * @param ssdPriors                SSD priors, A x (cx, cy, w, h), in input pixels or, when
     *                                 {@code ssdPriorsNormalized}, as fractions of the input
     * @param yoloxStrides             YOLOX's strides, also the grids "auto" compares YOLOv5/YOLOX row counts with
     * @param multiLabel               YOLOv5: one candidate per (anchor, class) above the threshold
     * @param multiLabelCapacity       YOLOv5 multi-label: candidates per image at most (min with A x C)
     * @param detrScoreFunction        DETR: null = by layout (one output IDENTITY, two outputs SIGMOID)
     * @param detrTopK                 DETR: detections per image
     * @param detectNetClassThresholds DetectNet_v2: one threshold per class, or null
     * @param centerNetCapacity        CenterNet: candidates per image at most (min with C x H x W)
     */
    public record Options(float scoreThreshold, float[] ssdPriors, boolean ssdPriorsNormalized, float ssdCenterVariance,
                          float ssdSizeVariance, boolean ssdSoftmax, int ssdBackgroundClass, float ssdLogScaleClip,
                          int[] yoloxStrides, boolean multiLabel, int multiLabelCapacity,
                          DetrDecode.ScoreFunction detrScoreFunction, int detrTopK, float detectNetBboxNorm,
                          float detectNetOffset, float[] detectNetClassThresholds, boolean centerNetSigmoid,
                          int centerNetCapacity) {
        public Options {
            if (Float.isNaN(scoreThreshold)) throw new IllegalArgumentException("scoreThreshold must not be NaN");
            ssdPriors = ssdPriors == null ? null : ssdPriors.clone();
            yoloxStrides = Objects.requireNonNull(yoloxStrides, "yoloxStrides").clone();
            YoloXDecode.gridAnchors(32, 32, yoloxStrides); // validates the strides
            if (multiLabelCapacity < 1) throw new IllegalArgumentException("multiLabelCapacity must be >= 1, got " + multiLabelCapacity);
            if (detrTopK < 1) throw new IllegalArgumentException("detrTopK must be >= 1, got " + detrTopK);
            if (!(detectNetBboxNorm > 0) || !Float.isFinite(detectNetBboxNorm) || !Float.isFinite(detectNetOffset)) {
                throw new IllegalArgumentException("DetectNet_v2 box norm must be finite and > 0 and the offset finite, got "
                        + detectNetBboxNorm + ", " + detectNetOffset);
            }
            detectNetClassThresholds = detectNetClassThresholds == null ? null : detectNetClassThresholds.clone();
            if (centerNetCapacity < 1) throw new IllegalArgumentException("centerNetCapacity must be >= 1, got " + centerNetCapacity);
        }

        /**
         * Score threshold 0.25 (ultralytics' default), no SSD priors, SSD variances 0.1/0.2 with softmax
         * and background class 0 and torchvision's size clip log(1000/16), YOLOX strides 8/16/32, YOLOv5
         * best class (multi-label capacity 32768), DETR score function by layout and top 300,
         * DetectNet_v2 box norm 35 and offset 0.5, CenterNet sigmoid heatmap with capacity 16384.
         */
        public static Options defaults() {
            return new Options(0.25f, null, false, 0.1f, 0.2f, true, 0, (float) Math.log(1000.0 / 16), YoloXDecode.defaultStrides(),
                    false, NmsConfig.MAX_CANDIDATES, null, DetrDecode.DEFAULT_TOP_K, DetectNetV2Decode.DEFAULT_BBOX_NORM,
                    DetectNetV2Decode.DEFAULT_OFFSET, null, true, 16384);
        }

        public Options withScoreThreshold(float t) {
            return new Options(t, ssdPriors, ssdPriorsNormalized, ssdCenterVariance, ssdSizeVariance, ssdSoftmax,
                    ssdBackgroundClass, ssdLogScaleClip, yoloxStrides, multiLabel, multiLabelCapacity, detrScoreFunction, detrTopK,
                    detectNetBboxNorm, detectNetOffset, detectNetClassThresholds, centerNetSigmoid, centerNetCapacity);
        }

        /** The SSD model's priors (A x cx, cy, w, h): pixels of the input, or fractions of it when {@code normalized}. */
        public Options withSsdPriors(float[] priors, boolean normalized) {
            return new Options(scoreThreshold, Objects.requireNonNull(priors, "priors"), normalized, ssdCenterVariance,
                    ssdSizeVariance, ssdSoftmax, ssdBackgroundClass, ssdLogScaleClip, yoloxStrides, multiLabel,
                    multiLabelCapacity, detrScoreFunction, detrTopK, detectNetBboxNorm, detectNetOffset,
                    detectNetClassThresholds, centerNetSigmoid, centerNetCapacity);
        }

        /** SSD box coding and scores (see {@link SsdDecode}). */
        public Options withSsdCoding(float centerVariance, float sizeVariance, boolean softmax, int backgroundClass,
                                     float logScaleClip) {
            return new Options(scoreThreshold, ssdPriors, ssdPriorsNormalized, centerVariance, sizeVariance, softmax,
                    backgroundClass, logScaleClip, yoloxStrides, multiLabel, multiLabelCapacity, detrScoreFunction, detrTopK,
                    detectNetBboxNorm, detectNetOffset, detectNetClassThresholds, centerNetSigmoid, centerNetCapacity);
        }

        public Options withYoloxStrides(int... strides) {
            return new Options(scoreThreshold, ssdPriors, ssdPriorsNormalized, ssdCenterVariance, ssdSizeVariance, ssdSoftmax,
                    ssdBackgroundClass, ssdLogScaleClip, strides, multiLabel, multiLabelCapacity, detrScoreFunction, detrTopK,
                    detectNetBboxNorm, detectNetOffset, detectNetClassThresholds, centerNetSigmoid, centerNetCapacity);
        }

        public Options withMultiLabel(boolean on, int capacity) {
            return new Options(scoreThreshold, ssdPriors, ssdPriorsNormalized, ssdCenterVariance, ssdSizeVariance, ssdSoftmax,
                    ssdBackgroundClass, ssdLogScaleClip, yoloxStrides, on, capacity, detrScoreFunction, detrTopK,
                    detectNetBboxNorm, detectNetOffset, detectNetClassThresholds, centerNetSigmoid, centerNetCapacity);
        }

        /** @param scoreFunction null: by layout (one output IDENTITY, logits and boxes SIGMOID) */
        public Options withDetr(DetrDecode.ScoreFunction scoreFunction, int topK) {
            return new Options(scoreThreshold, ssdPriors, ssdPriorsNormalized, ssdCenterVariance, ssdSizeVariance, ssdSoftmax,
                    ssdBackgroundClass, ssdLogScaleClip, yoloxStrides, multiLabel, multiLabelCapacity, scoreFunction, topK,
                    detectNetBboxNorm, detectNetOffset, detectNetClassThresholds, centerNetSigmoid, centerNetCapacity);
        }

        /** @param classThresholds one per class, or null for {@code scoreThreshold} everywhere */
        public Options withDetectNet(float bboxNorm, float offset, float[] classThresholds) {
            return new Options(scoreThreshold, ssdPriors, ssdPriorsNormalized, ssdCenterVariance, ssdSizeVariance, ssdSoftmax,
                    ssdBackgroundClass, ssdLogScaleClip, yoloxStrides, multiLabel, multiLabelCapacity, detrScoreFunction, detrTopK,
                    bboxNorm, offset, classThresholds, centerNetSigmoid, centerNetCapacity);
        }

        public Options withCenterNet(boolean sigmoid, int capacity) {
            return new Options(scoreThreshold, ssdPriors, ssdPriorsNormalized, ssdCenterVariance, ssdSizeVariance, ssdSoftmax,
                    ssdBackgroundClass, ssdLogScaleClip, yoloxStrides, multiLabel, multiLabelCapacity, detrScoreFunction, detrTopK,
                    detectNetBboxNorm, detectNetOffset, detectNetClassThresholds, sigmoid, capacity);
        }

        @Override
        public float[] ssdPriors() { return ssdPriors == null ? null : ssdPriors.clone(); }

        @Override
        public int[] yoloxStrides() { return yoloxStrides.clone(); }

        @Override
        public float[] detectNetClassThresholds() {
            return detectNetClassThresholds == null ? null : detectNetClassThresholds.clone();
        }
    }

    /** With {@link Options#defaults()}. */
    public static Decoding create(String modelType, long[][] outputShapes, int inputWidth, int inputHeight) {
        return create(modelType, outputShapes, inputWidth, inputHeight, Options.defaults());
    }

    /**
     * @param modelType    a {@link ModelFamily} name or {@value #AUTO}
     * @param outputShapes the model's outputs in their order, at batch 1 (NCHW-style dims)
     * @param inputWidth   model input width in pixels (YOLOX grids, DETR box scale, DetectNet/CenterNet strides)
     * @throws IllegalArgumentException for an unknown model type, shapes that fit no family ("auto") or
     *                                  not the named one, or a missing option (SSD priors), naming the shapes
     */
    public static Decoding create(String modelType, long[][] outputShapes, int inputWidth, int inputHeight, Options options) {
        Objects.requireNonNull(options, "options");
        if (inputWidth < 1 || inputHeight < 1) {
            throw new IllegalArgumentException("input size must be positive, got " + inputWidth + "x" + inputHeight);
        }
        Shapes s = new Shapes(outputShapes);
        if (modelType == null) throw new IllegalArgumentException("model type is null; expected auto or one of: " + ModelFamily.names());
        if (modelType.trim().equalsIgnoreCase(AUTO)) return auto(s, inputWidth, inputHeight, options);
        ModelFamily f = ModelFamily.fromName(modelType);
        return named(f, s, inputWidth, inputHeight, options, "model type " + f.cliName());
    }

    // ---------------------------------------------------------------------------------------------

    /** The outputs' shapes, checked, with their description. */
    private static final class Shapes {
        final long[][] dims;
        final String text;

        Shapes(long[][] shapes) {
            if (shapes == null || shapes.length == 0) throw new IllegalArgumentException("the model has no outputs");
            dims = new long[shapes.length][];
            List<String> parts = new ArrayList<>();
            for (int i = 0; i < shapes.length; i++) {
                if (shapes[i] == null || shapes[i].length < 2) {
                    throw new IllegalArgumentException("output " + i + " has shape " + Arrays.toString(shapes[i])
                            + "; expected a batch dimension and at least one more");
                }
                for (long d : shapes[i]) {
                    if (d < 1 || d > Integer.MAX_VALUE) {
                        throw new IllegalArgumentException("output " + i + " has shape " + Arrays.toString(shapes[i])
                                + "; every dimension must be within 1..2^31-1 (pass shapes at batch 1, dynamic dimensions resolved)");
                    }
                }
                dims[i] = shapes[i].clone();
                parts.add(Arrays.toString(shapes[i]));
            }
            String n = switch (shapes.length) {
                case 1 -> "one output ";
                case 2 -> "two outputs ";
                default -> shapes.length + " outputs ";
            };
            text = n + (parts.size() == 1 ? parts.get(0)
                    : String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1));
        }

        int count() { return dims.length; }

        int rank(int i) { return dims[i].length; }

        int dim(int i, int d) { return (int) dims[i][d]; }

        boolean allRank(int r) {
            for (long[] d : dims) if (d.length != r) return false;
            return true;
        }
    }

    private static IllegalArgumentException mismatch(ModelFamily f, Shapes s, String why) {
        return new IllegalArgumentException("model type " + f.cliName() + " does not fit the model's outputs: " + f.displayName()
                + " has " + f.outputs() + ", the model has " + s.text + (why.isEmpty() ? "" : " (" + why + ")"));
    }

    private static Decoding named(ModelFamily f, Shapes s, int w, int h, Options o, String prefix) {
        return switch (f) {
            case YOLOV8 -> yolov8(s, o, prefix);
            case YOLOV5 -> yolov5(s, o, prefix, "");
            case YOLOX -> yolox(s, w, h, o, prefix, "");
            case SSD -> ssd(s, w, h, o, prefix);
            case DETR -> detr(s, w, h, o, prefix, "");
            case DETECTNET_V2 -> detectNet(s, w, h, o, prefix);
            case CENTERNET -> centerNet(s, w, h, o, prefix);
        };
    }

    private static Decoding yolov8(Shapes s, Options o, String prefix) {
        if (s.count() != 1 || s.rank(0) != 3 || s.dim(0, 1) < 5 || s.dim(0, 1) > s.dim(0, 2)) {
            String hint = s.count() == 1 && s.rank(0) == 3 && s.dim(0, 1) > s.dim(0, 2)
                    ? "more rows than anchors, so the rows are in the last dimension: a YOLOv5/YOLOX or DETR layout?" : "";
            throw mismatch(ModelFamily.YOLOV8, s, hint);
        }
        int c = s.dim(0, 1) - 4, a = s.dim(0, 2);
        return new Decoding(ModelFamily.YOLOV8, new YoloV8Decode(c, a, o.scoreThreshold()), new int[] {0},
                prefix + ": " + s.text + " → YOLOv8 (4 box rows + " + c + " classes, " + a + " anchors)");
    }

    private static Decoding yolov5(Shapes s, Options o, String prefix, String reason) {
        if (s.count() != 1 || s.rank(0) != 3 || s.dim(0, 2) < 6 || s.dim(0, 2) > s.dim(0, 1)) {
            String hint = s.count() == 1 && s.rank(0) == 3 && s.dim(0, 1) < s.dim(0, 2)
                    ? "more columns than anchors, so the anchors are in the last dimension: a YOLOv8 layout?" : "";
            throw mismatch(ModelFamily.YOLOV5, s, hint);
        }
        int a = s.dim(0, 1), c = s.dim(0, 2) - 5;
        YoloV5Decode d = o.multiLabel()
                ? YoloV5Decode.multiLabel(c, a, o.scoreThreshold(), (int) Math.min((long) a * c, o.multiLabelCapacity()))
                : new YoloV5Decode(c, a, o.scoreThreshold());
        return new Decoding(ModelFamily.YOLOV5, d, new int[] {0}, prefix + ": " + s.text + " → YOLOv5 (" + a + " anchors"
                + reason + "; 5 columns (box, objectness) + " + c + " classes" + (o.multiLabel() ? ", multi-label" : "") + ")");
    }

    private static Decoding yolox(Shapes s, int w, int h, Options o, String prefix, String reason) {
        if (s.count() != 1 || s.rank(0) != 3 || s.dim(0, 2) < 6) throw mismatch(ModelFamily.YOLOX, s, "");
        int a = s.dim(0, 1), c = s.dim(0, 2) - 5;
        int[] strides = o.yoloxStrides();
        int grid = YoloXDecode.gridAnchors(w, h, strides);
        if (a != grid) {
            throw mismatch(ModelFamily.YOLOX, s, a + " anchors, but the grids for input " + w + "x" + h + " at strides "
                    + Arrays.toString(strides) + " have " + YoloXDecode.describeGrids(w, h, strides));
        }
        return new Decoding(ModelFamily.YOLOX, new YoloXDecode(c, a, w, h, strides, o.scoreThreshold()), new int[] {0},
                prefix + ": " + s.text + " → YOLOX (" + a + " anchors" + (reason.isEmpty() ? " = grids " + YoloXDecode.describeGrids(w, h, strides) : reason)
                        + "; 5 columns (raw box, objectness) + " + c + " classes)");
    }

    private static Decoding ssd(Shapes s, int w, int h, Options o, String prefix) {
        int[] order = ssdOrder(s);
        if (order == null) throw mismatch(ModelFamily.SSD, s, "");
        int a = s.dim(order[0], 1), c = s.dim(order[1], 2);
        float[] priors = o.ssdPriors();
        if (priors == null) {
            throw new IllegalArgumentException(prefix + ": " + s.text + " are SSD's loc and conf over " + a
                    + " priors, but SSD decoding needs the model's priors (A x cx, cy, w, h): pass them with"
                    + " DecoderFactory.Options.withSsdPriors (the service's --ssd-priors option)"
                    + (a <= MAX_DETR_QUERIES ? "; or, if this is a DETR-family model with separate logits and boxes, choose"
                    + " --model-type detr" : ""));
        }
        if (priors.length != 4L * a) {
            throw new IllegalArgumentException(prefix + ": " + s.text + " have " + a + " priors, so the priors need " + a
                    + " x 4 = " + 4L * a + " values; " + priors.length + " were given");
        }
        if (o.ssdPriorsNormalized()) priors = SsdDecode.normalizedPriors(priors, w, h);
        SsdDecode d = new SsdDecode(c, priors, o.ssdCenterVariance(), o.ssdSizeVariance(), o.ssdSoftmax(), o.ssdBackgroundClass(),
                o.ssdLogScaleClip(), o.scoreThreshold());
        String swapped = order[0] == 0 ? "" : "; conf comes first in the model, reordered";
        return new Decoding(ModelFamily.SSD, d, order, prefix + ": " + s.text + " → SSD (loc + conf over " + a + " priors, " + c
                + " classes" + (o.ssdBackgroundClass() >= 0 ? ", class " + o.ssdBackgroundClass() + " = background" : "")
                + ", " + (o.ssdSoftmax() ? "softmax" : "sigmoid") + swapped + ")");
    }

    /** {loc, conf} output indices when the shapes are SSD's, else null. */
    private static int[] ssdOrder(Shapes s) {
        if (s.count() != 2 || !s.allRank(3) || s.dim(0, 1) != s.dim(1, 1)) return null;
        if (s.dim(0, 2) == 4) return new int[] {0, 1};  // also when both are 4 wide: the declared order
        if (s.dim(1, 2) == 4) return new int[] {1, 0};
        return null;
    }

    private static Decoding detr(Shapes s, int w, int h, Options o, String prefix, String reason) {
        DetrDecode.ScoreFunction fn = o.detrScoreFunction();
        int extra;
        if (s.count() == 1 && s.rank(0) == 3) {
            if (fn == null) fn = DetrDecode.ScoreFunction.IDENTITY;
            extra = fn == DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT ? 1 : 0;
            int q = s.dim(0, 1), c = s.dim(0, 2) - 4 - extra;
            if (c < 1) throw mismatch(ModelFamily.DETR, s, "no class columns left after 4 box columns" + (extra == 1 ? " and the no-object logit" : ""));
            DetrDecode d = new DetrDecode(c, q, false, fn, w, h, o.detrTopK(), o.scoreThreshold());
            return new Decoding(ModelFamily.DETR, d, new int[] {0}, prefix + ": " + s.text + " → DETR (" + q + " queries"
                    + reason + "; 4 box columns + " + c + " classes" + (extra == 1 ? " + no-object" : "") + ", scores "
                    + fn.name().toLowerCase(Locale.ROOT) + ", no NMS, top " + o.detrTopK() + ")");
        }
        if (s.count() == 2 && s.allRank(3) && s.dim(0, 1) == s.dim(1, 1) && (s.dim(0, 2) == 4 || s.dim(1, 2) == 4)) {
            boolean byDefault = fn == null;
            if (byDefault) fn = DetrDecode.ScoreFunction.SIGMOID;
            extra = fn == DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT ? 1 : 0;
            int boxes = s.dim(1, 2) == 4 ? 1 : 0, logits = 1 - boxes;  // both 4 wide: the declared order (logits, boxes)
            int q = s.dim(0, 1), c = s.dim(logits, 2) - extra;
            if (c < 1) throw mismatch(ModelFamily.DETR, s, "no classes left after the no-object logit");
            DetrDecode d = new DetrDecode(c, q, true, fn, w, h, o.detrTopK(), o.scoreThreshold());
            return new Decoding(ModelFamily.DETR, d, new int[] {logits, boxes}, prefix + ": " + s.text + " → DETR (" + q
                    + " queries, logits of " + c + " classes" + (extra == 1 ? " + no-object" : "") + " and boxes, scores "
                    + fn.name().toLowerCase(Locale.ROOT)
                    + (byDefault ? " (the default for logits and boxes; facebook DETR needs softmax_with_no_object)" : "")
                    + (logits == 1 ? ", boxes come first in the model, reordered" : "")
                    + ", no NMS, top " + o.detrTopK() + ")");
        }
        throw mismatch(ModelFamily.DETR, s, "");
    }

    private static Decoding detectNet(Shapes s, int w, int h, Options o, String prefix) {
        int[] order = detectNetOrder(s);
        if (order == null) throw mismatch(ModelFamily.DETECTNET_V2, s, "");
        int c = s.dim(order[0], 1), gh = s.dim(order[0], 2), gw = s.dim(order[0], 3);
        float[] t = o.detectNetClassThresholds();
        if (t == null) {
            t = new float[c];
            Arrays.fill(t, o.scoreThreshold());
        } else if (t.length != c) {
            throw new IllegalArgumentException(prefix + ": " + s.text + " have " + c + " classes, but " + t.length
                    + " DetectNet_v2 class thresholds were given");
        }
        DetectNetV2Decode base = DetectNetV2Decode.of(c, gh, gw, w, h, o.scoreThreshold());
        DetectNetV2Decode d = new DetectNetV2Decode(c, gh, gw, base.strideX(), base.strideY(), o.detectNetBboxNorm(),
                o.detectNetBboxNorm(), o.detectNetOffset(), t);
        return new Decoding(ModelFamily.DETECTNET_V2, d, order, prefix + ": " + s.text + " → DetectNet_v2 (coverage of " + c
                + " classes on a " + gw + "x" + gh + " grid, stride " + (int) d.strideX() + "x" + (int) d.strideY() + ", bbox "
                + 4 * c + " channels, box norm " + o.detectNetBboxNorm() + (order[0] == 1 ? "; bbox comes first in the model, reordered" : "")
                + ")");
    }

    /** {cov, bbox} output indices when the shapes are DetectNet_v2's, else null. */
    private static int[] detectNetOrder(Shapes s) {
        if (s.count() != 2 || !s.allRank(4) || s.dim(0, 2) != s.dim(1, 2) || s.dim(0, 3) != s.dim(1, 3)) return null;
        if (4L * s.dim(0, 1) == s.dim(1, 1)) return new int[] {0, 1};
        if (4L * s.dim(1, 1) == s.dim(0, 1)) return new int[] {1, 0};
        return null;
    }

    private static Decoding centerNet(Shapes s, int w, int h, Options o, String prefix) {
        if ((s.count() != 2 && s.count() != 3) || !s.allRank(4)) throw mismatch(ModelFamily.CENTERNET, s, "");
        int heat = 0;
        for (int i = 0; i < s.count(); i++) {
            if (s.dim(i, 1) != 2) {
                heat = i;
                break;
            }
        }
        int[] order = new int[s.count()];
        order[0] = heat;
        for (int i = 0, k = 1; i < s.count(); i++) if (i != heat) order[k++] = i;
        int c = s.dim(heat, 1), gh = s.dim(heat, 2), gw = s.dim(heat, 3);
        for (int k = 1; k < order.length; k++) {
            int i = order[k];
            if (s.dim(i, 1) != 2 || s.dim(i, 2) != gh || s.dim(i, 3) != gw) {
                throw mismatch(ModelFamily.CENTERNET, s, "output " + i + " should be [1, 2, " + gh + ", " + gw + "]");
            }
        }
        if ((long) w * gh != (long) h * gw) {
            throw mismatch(ModelFamily.CENTERNET, s, "input " + w + "x" + h + " and heatmap " + gw + "x" + gh
                    + " give different strides along x and y");
        }
        float stride = (float) w / gw;
        int capacity = (int) Math.min((long) c * gh * gw, o.centerNetCapacity());
        CenterNetDecode d = new CenterNetDecode(c, gh, gw, stride, o.centerNetSigmoid(), s.count() == 3, o.scoreThreshold(), capacity);
        boolean reordered = !Arrays.equals(order, s.count() == 3 ? new int[] {0, 1, 2} : new int[] {0, 1});
        return new Decoding(ModelFamily.CENTERNET, d, order, prefix + ": " + s.text + " → CenterNet (heatmap of " + c + " classes on a "
                + gw + "x" + gh + " grid, stride " + stride + ", wh" + (s.count() == 3 ? " and offset" : ", no offset")
                + (reordered ? "; heatmap moved first" : "") + ")");
    }

    private static Decoding auto(Shapes s, int w, int h, Options o) {
        String p = AUTO;
        if (s.count() == 1 && s.rank(0) == 3) {
            int d1 = s.dim(0, 1), d2 = s.dim(0, 2);
            if (d1 < d2 && d1 >= 5) return yolov8(s, o, p);
            if (d1 > d2 && d2 >= 5) {
                int[] strides = o.yoloxStrides();
                int g = YoloXDecode.gridAnchors(w, h, strides);
                String grids = "the YOLOX grids for " + w + "x" + h + " at strides " + Arrays.toString(strides) + ": "
                        + YoloXDecode.describeGrids(w, h, strides);
                if (d2 >= 6 && d1 == g) {
                    return yolox(s, w, h, o, p, " = " + grids + ", not 3 per cell (" + 3L * g + ") as YOLOv5 would have");
                }
                if (d2 >= 6 && d1 == 3L * g) {
                    return yolov5(s, o, p, " = 3 per cell of " + grids);
                }
                if (d1 <= MAX_DETR_QUERIES) {
                    return detr(s, w, h, o, p, " <= " + MAX_DETR_QUERIES + ", neither " + g + " (YOLOX) nor " + 3L * g
                            + " (YOLOv5) grid cells for " + w + "x" + h + ": a DETR query count");
                }
                if (d2 >= 6) {
                    return yolov5(s, o, p, ": neither " + grids + " nor 3 per cell (" + 3L * g + "), and more than "
                            + MAX_DETR_QUERIES + " (DETR queries): YOLOv5-style rows assumed, choose --model-type otherwise");
                }
            }
        }
        if (ssdOrder(s) != null) return ssd(s, w, h, o, p);
        if (detectNetOrder(s) != null) return detectNet(s, w, h, o, p);
        List<String> families = new ArrayList<>();
        for (ModelFamily f : ModelFamily.values()) families.add(f.cliName() + " (" + f.outputs() + ")");
        throw new IllegalArgumentException("auto: cannot tell the model family from its " + s.text + " (input " + w + "x" + h
                + "); the supported families and their outputs at batch 1: " + String.join("; ", families)
                + ". Choose one with --model-type " + String.join("|", ModelFamily.names().split(", "))
                + " (centernet and two-output DETR models are never detected automatically)");
    }
}
