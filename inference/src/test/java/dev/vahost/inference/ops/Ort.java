package dev.vahost.inference.ops;

import java.util.List;

/**
 * onnxruntime (CPU execution provider, graph optimisations off) as the operator tests' oracle:
 * runs model bytes on float inputs and returns the float outputs in graph order. Where the
 * onnxruntime jar is not on the class path (the GPU machine's bundle may leave it out),
 * {@link #available()} is false and says why in {@link #unavailableReason()}. This class names no
 * onnxruntime type, so it loads without the jar; {@code OrtRunner} does the work.
 */
public final class Ort {
    private static final String UNAVAILABLE;

    static {
        String why = null;
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment");
            OrtRunner.environment();
        } catch (Throwable t) {
            why = t.toString();
        }
        UNAVAILABLE = why;
    }

    private Ort() {}

    public static boolean available() {
        return UNAVAILABLE == null;
    }

    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /** Outputs of {@code model} for {@code inputs} named {@code names} of {@code shapes}. */
    public static float[][] run(byte[] model, List<String> names, List<float[]> inputs, List<long[]> shapes) {
        if (!available()) throw new IllegalStateException("onnxruntime unavailable: " + UNAVAILABLE);
        return OrtRunner.run(model, names, inputs, shapes);
    }
}
