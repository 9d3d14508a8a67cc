package dev.vahost.pipelines.detect;

import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.OnnxModel;
import dev.vahost.nvmm.DType;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.postprocess.NmsConfig;
import dev.vahost.postprocess.YoloV8Decode;

/**
 * What the service needs to know of a detector's ONNX graph: one NCHW RGB input [N,3,H,W] and one
 * YOLOv8-style output [N,4+C,A] (cx, cy, w, h in input pixels, then class scores). Anything else is
 * refused with the shapes named.
 */
record ModelShapes(int width, int height, int rows, int anchors) {
    static final Logger LOG = LoggerFactory.getLogger(ModelShapes.class);

    static ModelShapes of(OnnxModel m, ModelSpec spec) {
        if (m.inputNames().size() != 1 || m.outputNames().size() != 1) {
            throw new IllegalArgumentException("model " + spec.name() + ": expected one input and one output, got inputs "
                    + m.inputNames() + " and outputs " + m.outputNames());
        }
        long[] in = m.inputShape(1), out = m.outputShape(1);
        if (in.length != 4 || in[1] != 3) {
            throw new IllegalArgumentException("model " + spec.name() + ": input must be [N,3,H,W], got " + Arrays.toString(in));
        }
        if (out.length != 3 || out[1] < 5) {
            throw new IllegalArgumentException("model " + spec.name() + ": output must be YOLOv8-style [N,4+C,A], got " + Arrays.toString(out));
        }
        int w = (int) in[3], h = (int) in[2];
        if ((spec.inputWidth() != w || spec.inputHeight() != h)) {
            throw new IllegalArgumentException("--input-size " + spec.inputWidth() + "x" + spec.inputHeight() + " does not match model "
                    + spec.name() + "'s fixed input " + w + "x" + h);
        }
        return new ModelShapes(w, h, (int) out[1], (int) out[2]);
    }

    /** Letterbox with pad 114, RGB, x/255: what the test detector was trained with (YOLO convention). */
    PreprocessConfig preprocess(DType dtype) {
        return PreprocessConfig.letterbox(width, height).withDType(dtype);
    }

    YoloV8Decode decoder(ModelSpec spec) {
        return new YoloV8Decode(rows - 4, anchors, spec.scoreThreshold());
    }

    NmsConfig nms(ModelSpec spec) {
        return NmsConfig.classAware(spec.iouThreshold(), Math.min(anchors, NmsConfig.MAX_CANDIDATES), spec.maxDetections());
    }
}
