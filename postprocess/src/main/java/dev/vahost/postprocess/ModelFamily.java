package dev.vahost.postprocess;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The detector output formats this module decodes, by the names users pass (the service's
 * {@code --model-type}); {@link DecoderFactory} builds the decoder for one, or detects it from the
 * output shapes.
 */
public enum ModelFamily {
    /** Ultralytics YOLOv8 / YOLO11 and other anchor-free heads exported as {@code [N, 4+C, A]}. */
    YOLOV8("yolov8", "YOLOv8", "one output [1, 4+C, A]"),
    /** Ultralytics YOLOv5 / YOLOv7 exports {@code [N, A, 5+C]} (boxes decoded, objectness). */
    YOLOV5("yolov5", "YOLOv5", "one output [1, A, 5+C]"),
    /** YOLOX raw head {@code [N, A, 5+C]} (decode_in_inference=False), A = grid cells at strides 8/16/32. */
    YOLOX("yolox", "YOLOX", "one output [1, A, 5+C] with A = the grid cells at its strides"),
    /** SSD loc {@code [N, A, 4]} + conf {@code [N, A, C]}, with the model's priors. */
    SSD("ssd", "SSD", "two outputs [1, A, 4] (loc) and [1, A, C] (conf), plus the priors"),
    /** DETR family (DETR, RT-DETR, D-FINE): end to end, no NMS. */
    DETR("detr", "DETR", "one output [1, Q, 4+C] or two outputs [1, Q, C(+1)] (logits) and [1, Q, 4] (boxes)"),
    /** TAO / DeepStream DetectNet_v2: coverage {@code [N, C, H, W]} + bbox {@code [N, 4C, H, W]}. */
    DETECTNET_V2("detectnet_v2", "DetectNet_v2", "two outputs [1, C, H, W] (coverage) and [1, 4C, H, W] (bbox)"),
    /** CenterNet heatmap {@code [N, C, H, W]} + wh {@code [N, 2, H, W]} (+ offset). */
    CENTERNET("centernet", "CenterNet", "outputs [1, C, H, W] (heatmap), [1, 2, H, W] (wh) and optionally [1, 2, H, W] (offset)");

    /** Other names users write for these formats (same output layout). */
    private static final Map<String, ModelFamily> ALIASES = Map.of(
            "yolov7", YOLOV5, "yolo11", YOLOV8, "yolov11", YOLOV8, "rtdetr", DETR, "rt_detr", DETR, "dfine", DETR,
            "d_fine", DETR, "detectnet", DETECTNET_V2, "detectnetv2", DETECTNET_V2);

    private final String cliName;
    private final String displayName;
    private final String outputs;

    ModelFamily(String cliName, String displayName, String outputs) {
        this.cliName = cliName;
        this.displayName = displayName;
        this.outputs = outputs;
    }

    /** The name users pass, e.g. {@code detectnet_v2}. */
    public String cliName() { return cliName; }

    /** The name for people, e.g. {@code DetectNet_v2}. */
    public String displayName() { return displayName; }

    /** The output shapes this family has, at batch 1, for messages. */
    public String outputs() { return outputs; }

    /** All names users may pass, comma-separated: {@code yolov8, yolov5, ...}. */
    public static String names() {
        return Arrays.stream(values()).map(ModelFamily::cliName).collect(Collectors.joining(", "));
    }

    /**
     * The family named {@code name}: case-insensitive, '-' read as '_'; also yolov7 (YOLOv5's format),
     * yolo11 (YOLOv8's), rtdetr / d-fine (DETR), detectnet (DetectNet_v2).
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static ModelFamily fromName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("model type is empty; expected one of: " + names());
        }
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (ModelFamily f : values()) if (f.cliName.equals(n)) return f;
        ModelFamily alias = ALIASES.get(n);
        if (alias != null) return alias;
        throw new IllegalArgumentException("unknown model type '" + name + "'; expected one of: " + names()
                + " (aliases: yolov7 = yolov5, yolo11 = yolov8, rtdetr and d-fine = detr, detectnet = detectnet_v2)");
    }
}
