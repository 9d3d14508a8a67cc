package dev.vahost.pipelines.detect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.inference.internal.OnnxReader;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.CpuPostprocessor;
import dev.vahost.postprocess.Detection;
import dev.vahost.postprocess.HostTensor;
import dev.vahost.postprocess.InputMapping;
import dev.vahost.postprocess.NmsConfig;

/**
 * The detection models of a zoo made by tools/zoo/zoo.py, as the service loads them: a
 * {@link ModelSpec} per model with --model-type auto and the options the zoo's hints give (SSD and
 * RetinaNet anchors and box coders), and the detections a decoder makes of any set of outputs (the
 * engine's, onnxruntime's, PyTorch fp16's) so that they can be compared box by box.
 */
final class ZooFamilies {
    /** One detection model of the zoo (a TorchScript export with a dynamic batch). */
    record Entry(String name, String family, Path file, JsonNode golden, JsonNode hints, Path dir) {
        @Override
        public String toString() {
            return name + " (" + family + ")";
        }

        ModelSpec spec(float scoreThreshold) {
            String priors = hints.path("anchors_file").isMissingNode() ? null : dir.resolve(hints.path("anchors_file").asText()).toString();
            float[] variances = null;
            if (hints.has("box_coder_weights")) {
                JsonNode w = hints.path("box_coder_weights");
                variances = new float[] {(float) (1 / w.path(0).asDouble()), (float) (1 / w.path(2).asDouble())};
            }
            String scores = hints.path("score_function").asText("").startsWith("softmax") ? "softmax" : "sigmoid";
            int background = hints.path("background_class").isNumber() ? hints.path("background_class").asInt() : -1;
            int[] strides = null;
            if (family.equals("yolox")) {
                JsonNode s = hints.path("strides");
                strides = new int[s.size()];
                for (int i = 0; i < strides.length; i++) strides[i] = s.path(i).asInt();
            }
            CliOptions.ModelCli cli = new CliOptions.ModelCli("auto", priors, "xyxy", false, variances, scores, background, strides,
                    "default", "default", "default");
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ModelSpec(name, bytes, file, 0, 0, scoreThreshold, 0.5f, 100, List.of(), cli);
        }

        /** The ModelFamily the service should detect for this zoo family. */
        String expectedFamily() {
            return switch (family) {
                case "retinanet" -> "SSD";
                case "detectnet_v2" -> "DETECTNET_V2";
                default -> family.toUpperCase();
            };
        }
    }

    static final List<String> DETECTION_FAMILIES = List.of("yolov5", "yolov8", "yolox", "ssd", "retinanet", "detr", "detectnet_v2");

    static List<Entry> entries(Path dir) {
        JsonNode index;
        try {
            index = new ObjectMapper().readTree(dir.resolve("zoo.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("no zoo index at " + dir, e);
        }
        List<Entry> r = new ArrayList<>();
        for (JsonNode m : index.path("models")) {
            if (!m.path("exporter").asText().equals("torchscript") || !m.path("variant").asText().equals("batch")) continue;
            if (!m.path("export_error").isNull() && !m.path("export_error").isMissingNode()) continue;
            if (!DETECTION_FAMILIES.contains(m.path("family").asText())) continue;
            JsonNode golden = null;
            for (JsonNode g : m.path("goldens")) {
                if (golden == null || g.path("batch").asInt() > golden.path("batch").asInt()) golden = g;
            }
            if (golden == null || golden.path("outputs").size() == 0) continue;
            r.add(new Entry(m.path("name").asText(), m.path("family").asText(), dir.resolve(m.path("file").asText()), golden,
                    m.path("hints"), dir));
        }
        return r;
    }

    static Tensor tensor(Path file) {
        try {
            return OnnxReader.readTensorProto(Files.readAllBytes(file), file.toString()).getValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Detections of {@code outputs} (model order) for a batch, decoded as the service would (model-input pixels). */
    static BatchDetections decode(DetectorModel dm, List<float[]> outputs, int batch) {
        NmsConfig nms = dm.nms();
        CpuPostprocessor post = nms == null ? new CpuPostprocessor(dm.decoding.decoder()) : new CpuPostprocessor(dm.decoding.decoder(), nms);
        int[] order = dm.outputOrder();
        HostTensor[] t = new HostTensor[order.length];
        for (int k = 0; k < order.length; k++) {
            long[] s = dm.outputShape(order[k], batch);
            int[] si = new int[s.length];
            for (int d = 0; d < s.length; d++) si[d] = Math.toIntExact(s[d]);
            t[k] = HostTensor.f32(outputs.get(order[k]), si);
        }
        List<InputMapping> maps = new ArrayList<>();
        for (int i = 0; i < batch; i++) maps.add(InputMapping.identity(dm.width, dm.height));
        return post.run(maps, t);
    }

    /**
     * Fraction of {@code reference}'s detections that {@code candidate} has too: same class, IoU ≥
     * {@code iou}. At 0.5 (detection benchmarks' matching IoU, also the NMS threshold used here) a box
     * that NMS swapped for an overlapping neighbour with a score 1e-6 higher still counts as the same
     * object: random-weight networks produce many such near-ties.
     */
    static double matched(BatchDetections reference, BatchDetections candidate, double iou) {
        int total = 0, hit = 0;
        for (int i = 0; i < reference.images(); i++) {
            List<Detection> c = candidate.problem(i).isPresent() ? List.of() : candidate.detections(i);
            if (reference.problem(i).isPresent()) continue;
            for (Detection r : reference.detections(i)) {
                total++;
                for (Detection d : c) {
                    if (d.classId() == r.classId() && iou(d, r) >= iou) {
                        hit++;
                        break;
                    }
                }
            }
        }
        return total == 0 ? 1.0 : hit / (double) total;
    }

    static int count(BatchDetections d) {
        int n = 0;
        for (int i = 0; i < d.images(); i++) if (d.problem(i).isEmpty()) n += d.detections(i).size();
        return n;
    }

    static double iou(Detection a, Detection b) {
        double ix = Math.max(0, Math.min(a.x2(), b.x2()) - Math.max(a.x1(), b.x1()));
        double iy = Math.max(0, Math.min(a.y2(), b.y2()) - Math.max(a.y1(), b.y1()));
        double inter = ix * iy, union = a.width() * a.height() + b.width() * b.height() - inter;
        if (union <= 1e-9) {
            // boxes clipped to nothing (random weights make many): the same box when its corners agree
            double d = Math.max(Math.max(Math.abs(a.x1() - b.x1()), Math.abs(a.y1() - b.y1())),
                    Math.max(Math.abs(a.x2() - b.x2()), Math.abs(a.y2() - b.y2())));
            return d < 0.5 ? 1 : 0;
        }
        return inter / union;
    }

    private ZooFamilies() {}
}
