package dev.vahost.pipelines.detect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.vahost.pipelines.CliOptions;

/**
 * The detector the service runs: ONNX bytes (and the file they came from, so that tensors stored
 * next to it as external data can be read), the input size asked for (0: the model's), thresholds,
 * class labels and how to decode and prepare (model type, priors, preprocessing overrides). The
 * built-in model is the project's test detector (trained on the synthetic cameras' shapes):
 * input [N,3,320,320] RGB/255 letterboxed with pad 114, output [N,7,2000] YOLOv8-style.
 */
public record ModelSpec(String name, byte[] onnx, Path file, int inputWidth, int inputHeight, float scoreThreshold,
                        float iouThreshold, int maxDetections, List<String> labels, CliOptions.ModelCli decoding) {
    public static final String BUILTIN_RESOURCE = "/dev/vahost/inference/models/testdet.onnx";
    public static final List<String> BUILTIN_LABELS = List.of("rectangle", "disc", "triangle");

    public static ModelSpec of(CliOptions o) {
        byte[] bytes;
        String name;
        Path file = null;
        List<String> labels = BUILTIN_LABELS;
        if ("builtin".equals(o.model())) {
            try (InputStream in = ModelSpec.class.getResourceAsStream(BUILTIN_RESOURCE)) {
                if (in == null) throw new IllegalStateException("the built-in detector " + BUILTIN_RESOURCE + " is not on the class path");
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the built-in detector", e);
            }
            name = "builtin test detector (testdet.onnx)";
        } else {
            file = Path.of(o.model());
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new IllegalArgumentException("--model " + file + ": cannot read (" + e.getMessage() + ")");
            }
            name = file.getFileName().toString();
            labels = List.of();
        }
        return new ModelSpec(name, bytes, file, o.inputWidth(), o.inputHeight(), o.scoreThreshold(), o.iouThreshold(),
                o.maxDetections(), labels, o.modelCli());
    }

    public String label(int cls) {
        return cls >= 0 && cls < labels.size() ? labels.get(cls) : "class" + cls;
    }
}
