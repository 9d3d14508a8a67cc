package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * One operator test: a small model built with {@link OnnxBuilder}, its float inputs, the operators
 * it covers and the tolerances, as |ours − reference| / (1 + |reference|): {@code tolerance} for the
 * CPU executor and fp32 GPU engines, {@code fp16Tolerance} for fp16 engines. The reference is
 * onnxruntime ({@link Ort}); the GPU test also compares with the CPU executor.
 */
public record OpCase(String name, Set<String> ops, byte[] model, List<String> inputNames, List<long[]> shapes,
                     List<float[]> inputs, double tolerance, double fp16Tolerance, String note) {
    @Override
    public String toString() {
        return name;
    }

    /** A named input of a case. */
    public record In(String name, long[] shape, float[] data) {}

    public static In in(String name, float[] data, long... shape) {
        return new In(name, shape, data);
    }

    /** Uniform random data in [lo, hi) of {@code shape}, seeded by the case name. */
    public static In random(String name, long seed, float lo, float hi, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        Random r = new Random(seed);
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * r.nextFloat();
        return new In(name, shape, v);
    }

    public static OpCase of(String name, String ops, OnnxBuilder model, In... inputs) {
        return of(name, ops, 1e-4, 5e-2, "", model, inputs);
    }

    public static OpCase of(String name, String ops, double tol, double fp16Tol, String note, OnnxBuilder model, In... inputs) {
        List<String> names = new ArrayList<>();
        List<long[]> shapes = new ArrayList<>();
        List<float[]> data = new ArrayList<>();
        for (In i : inputs) {
            names.add(i.name());
            shapes.add(i.shape());
            data.add(i.data());
        }
        return new OpCase(name, Set.of(ops.split(",")), model.build(), names, shapes, data, tol, fp16Tol, note);
    }

    /** Max over elements of |a − b| / (1 + |b|); NaN where exactly one side is NaN counts as infinite. */
    public static double maxError(float[] actual, float[] expected) {
        if (actual.length != expected.length) throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            float a = actual[i], e = expected[i];
            if (Float.isNaN(a) || Float.isNaN(e)) {
                if (Float.isNaN(a) != Float.isNaN(e)) return Double.POSITIVE_INFINITY;
                continue;
            }
            if (Float.isInfinite(e) || Float.isInfinite(a)) {
                if (a != e) return Double.POSITIVE_INFINITY;
                continue;
            }
            worst = Math.max(worst, Math.abs(a - e) / (1.0 + Math.abs(e)));
        }
        return worst;
    }

    public static int worstIndex(float[] actual, float[] expected) {
        int w = 0;
        double worst = -1;
        for (int i = 0; i < actual.length; i++) {
            double err = Float.isNaN(actual[i]) != Float.isNaN(expected[i]) ? Double.POSITIVE_INFINITY
                    : Math.abs(actual[i] - expected[i]) / (1.0 + Math.abs(expected[i]));
            if (err > worst) { worst = err; w = i; }
        }
        return w;
    }
}
