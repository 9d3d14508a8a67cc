package dev.vahost.inference.internal;

import java.util.Arrays;

/**
 * A host tensor: a constant of the model (weights, shapes, scales) or a CPU activation. Floats
 * (ONNX FLOAT, FLOAT16 and DOUBLE are read as float32) or integers (INT64, INT32, INT8, UINT8, BOOL
 * read as int64). Row-major. The arrays are shared, not copied: treat them as immutable.
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

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public boolean isFloat() { return floats != null; }

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

    public Tensor reshape(long... newShape) {
        return new Tensor(newShape.clone(), floats, longs);
    }

    /** e.g. {@code float[1, 3, 320, 320]}. */
    public String describe() {
        return (floats != null ? "float" : "int64") + Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return "Tensor[" + describe() + "]";
    }
}
