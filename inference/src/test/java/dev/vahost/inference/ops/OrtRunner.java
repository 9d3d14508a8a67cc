package dev.vahost.inference.ops;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

/** The onnxruntime calls behind {@link Ort} (loaded only when the jar is there). */
final class OrtRunner {
    private OrtRunner() {}

    static OrtEnvironment environment() {
        return OrtEnvironment.getEnvironment();
    }

    /** Outputs of {@code model} for {@code inputs} (name → data) of {@code shapes} (name → shape). */
    static float[][] run(byte[] model, List<String> names, List<float[]> inputs, List<long[]> shapes) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            so.setIntraOpNumThreads(1);
            try (OrtSession s = env.createSession(model, so)) {
                Map<String, OnnxTensor> in = new LinkedHashMap<>();
                try {
                    for (int i = 0; i < names.size(); i++) {
                        in.put(names.get(i), OnnxTensor.createTensor(env, FloatBuffer.wrap(inputs.get(i)), shapes.get(i)));
                    }
                    try (OrtSession.Result r = s.run(in)) {
                        float[][] out = new float[r.size()][];
                        for (int i = 0; i < out.length; i++) {
                            OnnxTensor t = (OnnxTensor) r.get(i);
                            FloatBuffer fb = t.getFloatBuffer();
                            out[i] = new float[fb.remaining()];
                            fb.get(out[i]);
                        }
                        return out;
                    }
                } finally {
                    for (OnnxTensor t : in.values()) t.close();
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }
}
