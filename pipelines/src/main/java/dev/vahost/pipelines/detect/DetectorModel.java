package dev.vahost.pipelines.detect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.InvalidModelException;
import dev.vahost.inference.ModelOptions;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.OnnxReader;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.Fit;
import dev.vahost.ops.Normalize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.postprocess.DecoderFactory;
import dev.vahost.postprocess.ModelFamily;
import dev.vahost.postprocess.NmsConfig;

/**
 * What the service needs to know of a detector: the ONNX model (its symbolic height and width
 * bound to the input size asked for), one NCHW image input, its output family and decoder (named
 * with --model-type, or detected from the output shapes: {@link DecoderFactory}), and the
 * preprocessing that family's exporters expect unless the command line overrides it:
 * <ul>
 * <li>YOLOv5 / YOLOv8 / YOLO11 / CenterNet: centred letterbox padded with 114, RGB, x/255;</li>
 * <li>YOLOX: top-left letterbox padded with 114, BGR, 0..255 (YOLOX's own preprocessing);</li>
 * <li>SSD / RetinaNet raw heads (torchvision): stretched, RGB, ImageNet mean/std;</li>
 * <li>DETR family (RT-DETR, D-FINE) and DetectNet_v2: stretched, RGB, x/255.</li>
 * </ul>
 * Every mismatch (input not [N,3,H,W], input size against a fixed model, a batch the model cannot
 * run, shapes that fit no family) is an IllegalArgumentException naming the model and the values.
 */
public final class DetectorModel {
    private static final Logger LOG = LoggerFactory.getLogger(DetectorModel.class);

    final ModelSpec spec;
    final OnnxModel model;
    final DecoderFactory.Decoding decoding;
    final PreprocessConfig preprocess;
    final long[][] outputShapes; // at batch 1
    final int width, height;

    private DetectorModel(ModelSpec spec, OnnxModel model, DecoderFactory.Decoding decoding, PreprocessConfig preprocess,
                          long[][] outputShapes, int width, int height) {
        this.spec = spec;
        this.model = model;
        this.decoding = decoding;
        this.preprocess = preprocess;
        this.outputShapes = outputShapes;
        this.width = width;
        this.height = height;
    }

    /** Loads and checks the detector for batches of up to {@code maxBatch}. */
    public static DetectorModel load(ModelSpec spec, int maxBatch) {
        ModelOptions opts = spec.inputWidth() > 0 ? ModelOptions.inputSize(spec.inputWidth(), spec.inputHeight()) : ModelOptions.DEFAULTS;
        OnnxModel m;
        try {
            m = spec.file() != null ? OnnxModel.load(spec.file(), opts) : OnnxModel.parse(spec.onnx(), spec.name(), opts);
        } catch (IllegalArgumentException e) {
            // A corrupt file often fails in graph checks that name a node, not the file: name it.
            String where = spec.file() != null ? spec.file().toString() : spec.name();
            if (e.getMessage() != null && e.getMessage().contains(where)) throw e;
            throw new IllegalArgumentException("model " + where + ": " + e.getMessage(), e);
        }
        if (m.inputNames().size() != 1) {
            throw new IllegalArgumentException("model " + spec.name() + ": expected one image input, got " + m.inputNames());
        }
        long[] declared = m.declaredInputShape(0);
        if (declared == null || declared.length != 4 || declared[1] != 3) {
            throw new IllegalArgumentException("model " + spec.name() + ": input must be [N,3,H,W] (NCHW, 3 channels), declared "
                    + Arrays.toString(declared));
        }
        if (m.fixedBatch() > 0 && maxBatch > m.fixedBatch()) {
            throw new IllegalArgumentException("model " + spec.name() + " runs at a fixed batch of " + m.fixedBatch()
                    + " (its graph depends on it); use --batch-size " + m.fixedBatch() + " or re-export it with a dynamic batch");
        }
        int probe = m.fixedBatch() > 0 ? m.fixedBatch() : 1;
        long[] in = m.inputShape(probe);
        int w = (int) in[3], h = (int) in[2];
        if (spec.inputWidth() > 0 && (spec.inputWidth() != w || spec.inputHeight() != h)) {
            throw new IllegalArgumentException("--input-size " + spec.inputWidth() + "x" + spec.inputHeight() + " does not match model "
                    + spec.name() + "'s fixed input " + w + "x" + h);
        }
        long[][] outs = new long[m.outputNames().size()][];
        for (int i = 0; i < outs.length; i++) {
            outs[i] = m.outputShape(i, probe);
            if (probe != 1) outs[i][0] = 1;
        }
        CliOptions.ModelCli c = spec.decoding() != null ? spec.decoding() : CliOptions.ModelCli.defaults();
        DecoderFactory.Options options = options(spec, c, w, h);
        String type = c.modelType().equals("rtdetr") ? "detr" : c.modelType().equals("yolo11") ? "yolov8" : c.modelType();
        DecoderFactory.Decoding d;
        try {
            d = DecoderFactory.create(type, outs, w, h, options);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model " + spec.name() + ": " + e.getMessage(), e);
        }
        PreprocessConfig pre = preprocess(d.family(), c, w, h);
        DetectorModel dm = new DetectorModel(spec, m, d, pre, outs, w, h);
        LOG.info("model {}: {}; input {}x{} {}", spec.name(), d.description(), w, h, dm.describePreprocess());
        return dm;
    }

    private static DecoderFactory.Options options(ModelSpec spec, CliOptions.ModelCli c, int w, int h) {
        DecoderFactory.Options o = DecoderFactory.Options.defaults().withScoreThreshold(spec.scoreThreshold())
                .withDetr(null, spec.maxDetections());
        if (c.yoloxStrides() != null) o = o.withYoloxStrides(c.yoloxStrides());
        if (c.priors() != null) {
            float[] p = readPriors(Path.of(c.priors()), c.priorsFormat());
            float[] var = c.ssdVariances() != null ? c.ssdVariances() : new float[] {0.1f, 0.2f};
            o = o.withSsdPriors(p, c.priorsNormalized())
                    .withSsdCoding(var[0], var[1], c.ssdScores().equals("softmax"), c.ssdBackground(), (float) Math.log(1000.0 / 16));
        }
        return o;
    }

    /** Anchors [A, 4] from an ONNX TensorProto file, as (cx, cy, w, h). */
    static float[] readPriors(Path file, String format) {
        Tensor t;
        try {
            t = OnnxReader.readTensorProto(Files.readAllBytes(file), file.toString()).getValue();
        } catch (IOException e) {
            throw new IllegalArgumentException("--priors " + file + ": cannot read (" + e.getMessage() + ")");
        } catch (InvalidModelException e) {
            throw new IllegalArgumentException("--priors " + file + ": not an ONNX TensorProto file (" + e.getMessage() + ")");
        }
        if (!t.isFloat() || t.rank() != 2 || t.dim(1) != 4) {
            throw new IllegalArgumentException("--priors " + file + ": expected a float [A, 4] tensor, got " + t.describe());
        }
        float[] v = t.floats().clone();
        if (format.equals("xyxy")) {
            for (int i = 0; i < v.length; i += 4) {
                float x1 = v[i], y1 = v[i + 1], x2 = v[i + 2], y2 = v[i + 3];
                v[i] = (x1 + x2) / 2;
                v[i + 1] = (y1 + y2) / 2;
                v[i + 2] = x2 - x1;
                v[i + 3] = y2 - y1;
            }
        }
        return v;
    }

    static PreprocessConfig preprocess(ModelFamily family, CliOptions.ModelCli c, int w, int h) {
        PreprocessConfig p = PreprocessConfig.letterbox(w, h);
        switch (family) {
            case YOLOX -> p = p.withFit(Fit.LETTERBOX_TOP_LEFT).withOrder(ChannelOrder.BGR).withNormalize(Normalize.none());
            case SSD -> p = p.withFit(Fit.STRETCH).withNormalize(imagenet());
            case DETR, DETECTNET_V2 -> p = p.withFit(Fit.STRETCH);
            default -> { }
        }
        switch (c.resize()) {
            case "letterbox" -> p = p.withFit(Fit.LETTERBOX_CENTER);
            case "letterbox-topleft" -> p = p.withFit(Fit.LETTERBOX_TOP_LEFT);
            case "stretch" -> p = p.withFit(Fit.STRETCH);
            default -> { }
        }
        switch (c.channelOrder()) {
            case "rgb" -> p = p.withOrder(ChannelOrder.RGB);
            case "bgr" -> p = p.withOrder(ChannelOrder.BGR);
            default -> { }
        }
        switch (c.normalize()) {
            case "default" -> { }
            case "unit" -> p = p.withNormalize(Normalize.scale(255f));
            case "none" -> p = p.withNormalize(Normalize.none());
            case "imagenet" -> p = p.withNormalize(imagenet());
            default -> {
                String[] ms = c.normalize().split("/");
                p = p.withNormalize(Normalize.of(255f, floats(ms[0]), floats(ms[1])));
            }
        }
        return p;
    }

    private static float[] floats(String csv) {
        String[] s = csv.split(",");
        float[] f = new float[s.length];
        for (int i = 0; i < s.length; i++) f[i] = Float.parseFloat(s[i].strip());
        return f;
    }

    static Normalize imagenet() {
        return Normalize.of(255f, new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});
    }

    String describePreprocess() {
        return preprocess.fit().name().toLowerCase(Locale.ROOT).replace('_', '-') + ", " + preprocess.order() + ", pad "
                + preprocess.padValue();
    }

    /** NMS of the family (null for DETR-style decoders, which need none). */
    NmsConfig nms() {
        return decoding.nms(spec.iouThreshold(), spec.maxDetections());
    }

    /** The model's outputs in the order the decoder takes them. */
    int[] outputOrder() {
        return decoding.outputOrder();
    }

    /** Elements of output {@code i} per image. */
    long outputElements(int i) {
        long n = 1;
        for (int d = 1; d < outputShapes[i].length; d++) n *= outputShapes[i][d];
        return n;
    }

    /** Output {@code i}'s shape at {@code batch}. */
    long[] outputShape(int i, int batch) {
        long[] s = outputShapes[i].clone();
        s[0] = batch;
        return s;
    }

    String describe() {
        return decoding.description();
    }
}
