package dev.vahost.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.vahost.inference.internal.OnnxReader;
import dev.vahost.inference.internal.Tensor;

/** Reads the golden files of src/test/resources/goldens (see its README). */
public final class Goldens {
    private Goldens() {}

    /** One row of index.tsv. */
    public record Case(String name, String model, List<String> inputs, List<String> outputs, List<String> ops,
                       float tolerance, String note) {
        @Override
        public String toString() {
            return name;
        }
    }

    public static byte[] bytes(String file) {
        try (InputStream in = Goldens.class.getResourceAsStream("/goldens/" + file)) {
            if (in == null) throw new IllegalStateException("missing golden file goldens/" + file);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Tensor tensor(String file) {
        return OnnxReader.readTensorProto(bytes(file), file).getValue();
    }

    public static OnnxModel model(String file) {
        return OnnxModel.parse(bytes(file), "goldens/" + file);
    }

    public static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String line : new String(bytes("index.tsv"), StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            cases.add(new Case(f[0], f[1], List.of(f[2].split(",")), List.of(f[3].split(",")), List.of(f[4].split(",")),
                    Float.parseFloat(f[5]), f.length > 6 ? f[6] : ""));
        }
        return cases;
    }

    /** Max over elements of |a - b| / (1 + |b|): absolute near zero, relative for large values. */
    public static double maxError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double e = Math.abs((double) actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
            if (Double.isNaN(e)) return Double.POSITIVE_INFINITY;
            worst = Math.max(worst, e);
        }
        return worst;
    }

    /** Index of the worst element (for messages). */
    public static int worstIndex(float[] actual, float[] expected) {
        int w = 0;
        double worst = -1;
        for (int i = 0; i < actual.length; i++) {
            double e = Math.abs((double) actual[i] - expected[i]) / (1 + Math.abs(expected[i]));
            if (Double.isNaN(e) || e > worst) {
                worst = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                w = i;
            }
        }
        return w;
    }

    /** The 16 detector scenes as model input (u8 / 255), images [from, to). */
    public static float[] detectorImages(int from, int to) {
        long[] v = tensor("detector_images.pb").longs();
        int per = 3 * 320 * 320;
        float[] f = new float[(to - from) * per];
        for (int i = 0; i < f.length; i++) f[i] = (float) v[from * per + i] / 255f;
        return f;
    }

    /** onnxruntime's detector output for images [from, to). */
    public static float[] detectorOutput(int from, int to) {
        float[] all = tensor("detector_output.pb").floats();
        int per = 7 * 2000;
        return java.util.Arrays.copyOfRange(all, from * per, to * per);
    }

    /** Ground-truth boxes: rows {image, class, x1, y1, x2, y2}. */
    public static List<float[]> detectorBoxes() {
        List<float[]> r = new ArrayList<>();
        for (String line : new String(bytes("detector_boxes.tsv"), StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t");
            float[] b = new float[6];
            for (int i = 0; i < 6; i++) b[i] = Float.parseFloat(f[i]);
            r.add(b);
        }
        return r;
    }
}
