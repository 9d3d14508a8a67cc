package dev.vahost.postprocess;

import java.util.Arrays;

/** A contiguous host array with a shape, the CPU path's model output (fp32, or int32 for class ids). */
public final class HostTensor {
    private final float[] floats;
    private final int[] ints;
    private final int[] shape;

    private HostTensor(float[] floats, int[] ints, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        int len = floats != null ? floats.length : ints.length;
        if (n != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n + " elements, array has " + len);
        }
        this.floats = floats;
        this.ints = ints;
        this.shape = shape.clone();
    }

    public static HostTensor f32(float[] data, int... shape) {
        return new HostTensor(data, null, shape);
    }

    public static HostTensor i32(int[] data, int... shape) {
        return new HostTensor(null, data, shape);
    }

    public boolean isFloat() { return floats != null; }

    public int[] shape() { return shape.clone(); }

    public int dim(int i) { return shape[i]; }

    public int rank() { return shape.length; }

    /** The float data (not copied). */
    public float[] floats() {
        if (floats == null) throw new IllegalStateException("int32 tensor " + describe() + " has no float data");
        return floats;
    }

    /** The int data (not copied). */
    public int[] ints() {
        if (ints == null) throw new IllegalStateException("fp32 tensor " + describe() + " has no int data");
        return ints;
    }

    public String describe() {
        return (floats != null ? "F32" : "I32") + Arrays.toString(shape);
    }
}
