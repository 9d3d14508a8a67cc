package dev.vahost.inference.zoo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.inference.ModelOptions;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.OnnxReader;
import dev.vahost.inference.internal.Tensor;

/**
 * The model zoo written by {@code tools/zoo/zoo.py}: its index ({@code zoo.json}) and files. A
 * directory holds either the tiny zoo (committed under src/test/resources/zoo, for CI) or the full
 * one (made on the GPU machine).
 */
public final class Zoo {
    /** One golden: the input at {@code batch} (and {@code inputSize}) and onnxruntime's outputs. */
    public record Golden(int batch, int height, int width, String input, List<String> outputs, List<String> torch16,
                         double torchFp32Diff) {}

    /** One exported model of the index. */
    public record Model(String name, String file, String arch, String family, String exporter, String variant, int opset,
                        int height, int width, List<String> ops, int numClasses, JsonNode hints, List<Golden> goldens,
                        String exportError) {
        @Override
        public String toString() {
            return name + "." + exporter;
        }

        public boolean loadable() {
            return exportError == null && file != null;
        }

        /** Load options: the input size bound for exports with symbolic height and width. */
        /**
         * How far a correct fp32 implementation may be from onnxruntime on this network: 1e-3, or three
         * times what PyTorch fp32 and onnxruntime differ by (random-weight networks amplify summation
         * order: on the tiny zoo the two disagree by up to 4e-2).
         */
        public double fp32Tolerance() {
            double d = Double.NaN;
            for (Golden g : goldens) if (!Double.isNaN(g.torchFp32Diff())) d = Double.isNaN(d) ? g.torchFp32Diff() : Math.max(d, g.torchFp32Diff());
            return Double.isNaN(d) ? 1e-3 : Math.max(1e-3, 3 * d);
        }

        public ModelOptions options() {
            return "batchhw".equals(variant) ? ModelOptions.inputSize(width, height) : ModelOptions.DEFAULTS;
        }
    }

    /** A model the importer must refuse, with the kind of refusal expected. */
    public record Refusal(String file, String expect, String note) {
        @Override
        public String toString() {
            return file + " (" + expect + ")";
        }
    }

    public final Path dir;
    public final boolean tiny;
    public final List<Model> models = new ArrayList<>();
    public final List<Refusal> refusals = new ArrayList<>();
    public final JsonNode index;

    private Zoo(Path dir) {
        this.dir = dir;
        try {
            index = new ObjectMapper().readTree(dir.resolve("zoo.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve("zoo.json") + " (made by tools/zoo/zoo.py)", e);
        }
        tiny = index.path("tiny").asBoolean(false);
        for (JsonNode m : index.path("models")) {
            List<Golden> goldens = new ArrayList<>();
            for (JsonNode g : m.path("goldens")) {
                List<String> outs = new ArrayList<>();
                g.path("outputs").forEach(o -> outs.add(o.asText()));
                List<String> t16 = new ArrayList<>();
                g.path("torch_fp16_outputs").forEach(o -> t16.add(o.asText()));
                JsonNode size = g.path("input_size");
                // onnxruntime vs PyTorch fp32 on this input (relative when recorded, else absolute: an upper bound)
                JsonNode d = g.has("max_rel_diff_vs_torch") ? g.path("max_rel_diff_vs_torch") : g.path("max_abs_diff_vs_torch");
                double diff = Double.NaN;
                for (JsonNode x : d) diff = Double.isNaN(diff) ? x.asDouble() : Math.max(diff, x.asDouble());
                goldens.add(new Golden(g.path("batch").asInt(), size.path(0).asInt(), size.path(1).asInt(), g.path("input").asText(), outs,
                        t16, diff));
            }
            List<String> ops = new ArrayList<>();
            m.path("ops").forEach(o -> ops.add(o.asText()));
            JsonNode size = m.path("input_size");
            models.add(new Model(m.path("name").asText(), m.path("file").isMissingNode() || m.path("file").isNull() ? null : m.path("file").asText(),
                    m.path("arch").asText(), m.path("family").asText(), m.path("exporter").asText(), m.path("variant").asText(),
                    m.path("opset").asInt(), size.path(0).asInt(), size.path(1).asInt(), ops, m.path("num_classes").asInt(0),
                    m.path("hints"), goldens, m.path("export_error").isNull() || m.path("export_error").isMissingNode() ? null
                    : m.path("export_error").asText()));
        }
        for (JsonNode r : index.path("refusals")) {
            refusals.add(new Refusal(r.path("file").asText(), r.path("expect").asText(), r.path("note").asText("")));
        }
    }

    public static Zoo at(Path dir) {
        if (!Files.isRegularFile(dir.resolve("zoo.json"))) {
            throw new IllegalStateException("no zoo at " + dir + " (no zoo.json): make one with tools/zoo/zoo.py --out " + dir);
        }
        return new Zoo(dir);
    }

    public OnnxModel load(Model m) {
        return OnnxModel.load(dir.resolve(m.file()), m.options());
    }

    public Tensor tensor(String file) {
        try {
            return OnnxReader.readTensorProto(Files.readAllBytes(dir.resolve(file)), file).getValue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Same as {@link dev.vahost.inference.ops.OpCase#maxError}: max |a − b| / (1 + |b|). */
    public static double maxError(float[] a, float[] b) {
        return dev.vahost.inference.ops.OpCase.maxError(a, b);
    }
}
