package dev.vahost.postprocess;

import java.util.Arrays;

/**
 * SSD-style outputs: box regressions {@code loc [N, A, 4]} = (dx, dy, dw, dh) against priors and
 * class logits {@code conf [N, A, C]} (same dtype, fp32 or fp16). Decoding follows Caffe SSD with
 * variances: {@code cx = pcx + dx*centerVariance*pw}, {@code w = pw*exp(min(dw*sizeVariance,
 * logScaleClip))}, then xywh to xyxy. Scores: softmax over all C classes (the background class is
 * never a detection) or a per-class sigmoid; the best non-background class per prior.
 *
 * @param priors A x (cx, cy, w, h) in model-input pixels, w and h > 0 (see {@link #normalizedPriors})
 * @param backgroundClass the class index never reported, or -1
 * @param logScaleClip    upper clamp of dw*sizeVariance before exp (torchvision: log(1000/16));
 *                        {@code Float.POSITIVE_INFINITY} for none
 */
public record SsdDecode(int numClasses, float[] priors, float centerVariance, float sizeVariance, boolean softmax,
                        int backgroundClass, float logScaleClip, float scoreThreshold) implements DecoderConfig {
    public SsdDecode {
        DecoderConfig.checkClasses(numClasses);
        if (priors == null || priors.length == 0 || priors.length % 4 != 0) {
            throw new IllegalArgumentException("priors must hold A x 4 values (cx, cy, w, h), got "
                    + (priors == null ? "null" : priors.length + " values"));
        }
        priors = priors.clone();
        for (int a = 0; a < priors.length / 4; a++) {
            for (int k = 0; k < 4; k++) {
                if (!Float.isFinite(priors[4 * a + k])) throw new IllegalArgumentException("prior " + a + " is not finite");
            }
            if (!(priors[4 * a + 2] > 0) || !(priors[4 * a + 3] > 0)) {
                throw new IllegalArgumentException("prior " + a + " must have w, h > 0, got " + priors[4 * a + 2] + " x "
                        + priors[4 * a + 3]);
            }
        }
        if (!(centerVariance > 0) || !(sizeVariance > 0) || !Float.isFinite(centerVariance) || !Float.isFinite(sizeVariance)) {
            throw new IllegalArgumentException("variances must be finite and > 0, got " + centerVariance + ", " + sizeVariance);
        }
        if (backgroundClass < -1 || backgroundClass >= numClasses) {
            throw new IllegalArgumentException("backgroundClass must be -1 or within 0.." + (numClasses - 1) + ", got "
                    + backgroundClass);
        }
        if (Float.isNaN(logScaleClip)) throw new IllegalArgumentException("logScaleClip must not be NaN");
        DecoderConfig.checkThreshold(scoreThreshold);
    }

    /** Priors given as fractions of the input (the usual SSD prior box), scaled to pixels. */
    public static float[] normalizedPriors(float[] priors, int inputWidth, int inputHeight) {
        float[] p = priors.clone();
        for (int i = 0; i < p.length; i += 4) {
            p[i] *= inputWidth;
            p[i + 1] *= inputHeight;
            p[i + 2] *= inputWidth;
            p[i + 3] *= inputHeight;
        }
        return p;
    }

    public int anchors() { return priors.length / 4; }

    @Override
    public float[] priors() { return priors.clone(); }

    /** Prior {@code a}'s value {@code k} (0..3) without copying the array. */
    public float prior(int a, int k) { return priors[4 * a + k]; }

    @Override
    public int candidateCapacity() { return anchors(); }

    @Override
    public String expectedOutputs() {
        return "loc F32/F16 [n, " + anchors() + ", 4] and conf (same dtype) [n, " + anchors() + ", " + numClasses + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SsdDecode s && s.numClasses == numClasses && Arrays.equals(s.priors, priors)
                && s.centerVariance == centerVariance && s.sizeVariance == sizeVariance && s.softmax == softmax
                && s.backgroundClass == backgroundClass && s.logScaleClip == logScaleClip
                && s.scoreThreshold == scoreThreshold;
    }

    @Override
    public int hashCode() { return Arrays.hashCode(priors) * 31 + numClasses; }

    @Override
    public String toString() {
        return "SsdDecode[numClasses=" + numClasses + ", anchors=" + anchors() + ", variances=" + centerVariance + "/"
                + sizeVariance + ", " + (softmax ? "softmax" : "sigmoid") + ", background=" + backgroundClass
                + ", logScaleClip=" + logScaleClip + ", scoreThreshold=" + scoreThreshold + "]";
    }
}
