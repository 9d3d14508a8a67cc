package dev.vahost.inference;

import java.util.List;

/**
 * The project's test detector ({@code tools/detector}, model card {@code testdet.md} beside the
 * model): a 0.58 M-parameter anchor-free network trained on the synthetic scenes of gst-bridge's
 * SceneRenderer, shipped on the class path.
 *
 * <p>Input {@code images}: float32 [N, 3, 320, 320], RGB, values / 255 (no mean or std), letterboxed
 * with pad value 114 (114 / 255 after scaling). Output {@code output0}: float32 [N, 7, 2000]: rows
 * 0..3 are cx, cy, w, h in input pixels (decoded inside the network), rows 4..6 the sigmoid scores
 * of {@link #CLASS_NAMES}; anchors 0..1599 are the 40×40 stride-8 grid, 1600..1999 the 20×20
 * stride-16 grid. Post-process as YOLOv8 (best class per anchor, score threshold, class-aware NMS
 * at IoU 0.5): on its validation scenes recall 1.00 and precision 0.999 at score 0.25.
 */
public final class TestDetector {
    public static final String RESOURCE = "/dev/vahost/inference/models/testdet.onnx";
    public static final int INPUT_SIZE = 320;
    public static final int NUM_CLASSES = 3;
    public static final int NUM_ANCHORS = 2000;
    /** 4 box rows + one score row per class. */
    public static final int OUTPUT_ROWS = 4 + NUM_CLASSES;
    public static final List<String> CLASS_NAMES = List.of("rectangle", "disc", "triangle");
    /** Letterbox pad value before the / 255 scaling. */
    public static final int PAD_VALUE = 114;

    private static volatile OnnxModel model;

    private TestDetector() {}

    /** The model, loaded from the class path once per process. */
    public static OnnxModel model() {
        OnnxModel m = model;
        if (m == null) {
            synchronized (TestDetector.class) {
                if (model == null) model = OnnxModel.fromClassPath(RESOURCE);
                m = model;
            }
        }
        return m;
    }

    /** A CPU engine for it (close it when done). */
    public static CpuEngine cpuEngine() {
        return CpuEngine.create(model());
    }
}
