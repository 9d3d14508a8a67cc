package dev.vahost.inference.internal;

import java.util.Arrays;

/**
 * A host tensor: a constant of the model (weights, shapes, scales), a value the planner computed at
 * load time (shape arithmetic, anchor grids), or a CPU activation. Floats (ONNX FLOAT, FLOAT16,
 * BFLOAT16 and DOUBLE are read as float32) or integers (every ONNX integer type and BOOL are read
 * as int64). Row-major. The arrays are shared, not copied: treat them as immutable.
 */
public final class Tensor {
    private final long[] shape;
    private final float[] floats;
    private final long[] longs;

    private Tensor(long[] shape, float[] floats, long[] longs) {
        this.shape = shape;
        this.floats = floats;
        this.longs = longs;
        long n = numel(shape);
        long have = floats != null ? floats.length : longs.length;
        if (n != have) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, got " + have);
        }
    }

    public static Tensor ofFloats(float[] data, long... shape) {
        return new Tensor(shape.clone(), data, null);
    }

    public static Tensor ofLongs(long[] data, long... shape) {
        return new Tensor(shape.clone(), null, data);
    }

    /** {@code data} as the given element type (float[] for FLOAT, long[] for INT). */
    public static Tensor of(ElemType type, Object data, long... shape) {
        return type == ElemType.FLOAT ? ofFloats((float[]) data, shape) : ofLongs((long[]) data, shape);
    }

    public static Tensor scalar(long v) {
        return ofLongs(new long[] {v});
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public boolean isFloat() { return floats != null; }

    public ElemType type() { return floats != null ? ElemType.FLOAT : ElemType.INT; }

    public long[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i]; }

    public int size() { return floats != null ? floats.length : longs.length; }

    /** The float data; throws if this is an integer tensor. */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("integer tensor " + describe() + " used as float");
        return floats;
    }

    /** The integer data; throws if this is a float tensor. */
    public long[] longs() {
        if (longs == null) throw new IllegalStateException("float tensor " + describe() + " used as integer");
        return longs;
    }

    /** The backing array: float[] or long[]. */
    public Object data() {
        return floats != null ? floats : longs;
    }

    /** Elements as float whatever the type (integers converted). */
    public float[] asFloats() {
        if (floats != null) return floats;
        float[] f = new float[longs.length];
        for (int i = 0; i < f.length; i++) f[i] = longs[i];
        return f;
    }

    /** Elements as long whatever the type (floats truncated). */
    public long[] asLongs() {
        if (longs != null) return longs;
        long[] l = new long[floats.length];
        for (int i = 0; i < l.length; i++) l[i] = (long) floats[i];
        return l;
    }

    /** Element {@code i} as a double. */
    public double get(int i) {
        return floats != null ? floats[i] : longs[i];
    }

    public Tensor reshape(long... newShape) {
        return new Tensor(newShape.clone(), floats, longs);
    }

    /** e.g. {@code float[1, 3, 320, 320]}. */
    public String describe() {
        return (floats != null ? "float" : "int64") + Arrays.toString(shape);
    }

    /** The shape and, for small tensors, the values: for messages about shape arithmetic. */
    public String describeValues() {
        if (size() > 16) return describe();
        return describe() + " = " + (floats != null ? Arrays.toString(floats) : Arrays.toString(longs));
    }

    @Override
    public String toString() {
        return "Tensor[" + describe() + "]";
    }
}
