package dev.vahost.pipelines.detect;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.vahost.pipelines.CliOptions;

/**
 * The detector the service runs: ONNX bytes, input size, thresholds and class labels. The
 * built-in model is the project's test detector (trained on the synthetic cameras' shapes):
 * input [N,3,320,320] RGB/255 letterboxed with pad 114, output [N,7,2000] YOLOv8-style.
 */
public record ModelSpec(String name, byte[] onnx, int inputWidth, int inputHeight, float scoreThreshold, float iouThreshold,
                        int maxDetections, List<String> labels) {
    public static final String BUILTIN_RESOURCE = "/dev/vahost/inference/models/testdet.onnx";
    public static final List<String> BUILTIN_LABELS = List.of("rectangle", "disc", "triangle");

    public static ModelSpec of(CliOptions o) {
        byte[] bytes;
        String name;
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
            Path p = Path.of(o.model());
            try {
                bytes = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new IllegalArgumentException("--model " + p + ": cannot read (" + e.getMessage() + ")");
            }
            name = p.getFileName().toString();
            labels = List.of();
        }
        int w = o.inputWidth() > 0 ? o.inputWidth() : 320, h = o.inputHeight() > 0 ? o.inputHeight() : 320;
        return new ModelSpec(name, bytes, w, h, o.scoreThreshold(), o.iouThreshold(), o.maxDetections(), labels);
    }

    public String label(int cls) {
        return cls >= 0 && cls < labels.size() ? labels.get(cls) : "class" + cls;
    }
}
