package dev.vahost.inference.internal;

/**
 * The element type of a planned value. FLOAT values are activations and weights: float32 on the CPU,
 * the engine's precision (fp16 or fp32) on the GPU. INT values are indices, masks and booleans
 * (ONNX's integer types and BOOL): int64 on the CPU and at load time, int32 on the GPU (an index
 * that does not fit is refused when the engine is built).
 */
public enum ElemType {
    FLOAT, INT;

    /** The ONNX TensorProto data type read as this element type. */
    public static ElemType ofOnnx(int dataType) {
        return switch (dataType) {
            case OnnxSchema.FLOAT, OnnxSchema.FLOAT16, OnnxSchema.DOUBLE, 16 /* BFLOAT16 */ -> FLOAT;
            default -> INT;
        };
    }
}
