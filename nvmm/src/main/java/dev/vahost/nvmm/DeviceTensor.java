package dev.vahost.nvmm;

import java.util.Arrays;
import java.util.Objects;

import dev.vahost.nvmm.cuda.DeviceBuffer;

/**
 * A typed view of device memory: dtype, shape, strides (in elements) and the device address.
 * It does not own memory; {@link #owner()} names what does (a {@link DeviceBuffer}, a frame),
 * for error messages and to keep it reachable. Immutable.
 */
public final class DeviceTensor {
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long address;
    private final Object owner;

    public DeviceTensor(DType dtype, long[] shape, long[] strides, long address, Object owner) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
        }
        if (address == 0) {
            throw new IllegalArgumentException("null device address for tensor of shape " + Arrays.toString(shape));
        }
        this.shape = shape.clone();
        this.strides = strides.clone();
        this.address = address;
        this.owner = owner;
    }

    /** A contiguous (row-major) tensor at {@code address}. */
    public static DeviceTensor contiguous(long address, DType dtype, Object owner, long... shape) {
        return new DeviceTensor(dtype, shape, rowMajorStrides(shape), address, owner);
    }

    /** A contiguous tensor over the start of {@code buffer}; throws if it does not fit. */
    public static DeviceTensor of(DeviceBuffer buffer, DType dtype, long... shape) {
        DeviceTensor t = contiguous(buffer.address(), dtype, buffer, shape);
        if (t.byteSize() > buffer.bytes()) {
            throw new IllegalArgumentException("tensor " + t.describe() + " needs " + t.byteSize() + " bytes but "
                    + buffer + " has " + buffer.bytes());
        }
        return t;
    }

    /**
     * A dense channels-last tensor over the start of {@code buffer}: NCHW shape [n, c, h, w], memory in NHWC order
     * (strides [h·w·c, 1, w·c, c]; what PyTorch's {@code channels_last} is). Throws if it does not fit.
     */
    public static DeviceTensor channelsLast(DeviceBuffer buffer, DType dtype, long n, long c, long h, long w) {
        DeviceTensor t = new DeviceTensor(dtype, new long[] {n, c, h, w}, new long[] {h * w * c, 1, w * c, c}, buffer.address(), buffer);
        if (t.byteSize() > buffer.bytes()) {
            throw new IllegalArgumentException("tensor " + t.describe() + " needs " + t.byteSize() + " bytes but "
                    + buffer + " has " + buffer.bytes());
        }
        return t;
    }

    /** True for a rank-4 tensor laid out densely channels-last (strides [h·w·c, 1, w·c, c]; size-1 dimensions any). */
    public boolean isChannelsLast() {
        if (shape.length != 4) return false;
        long c = shape[1], h = shape[2], w = shape[3];
        return (shape[0] == 1 || strides[0] == h * w * c) && (c == 1 || strides[1] == 1) && (h == 1 || strides[2] == w * c)
                && (w == 1 || strides[3] == c);
    }

    public static long[] rowMajorStrides(long... shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public DType dtype() { return dtype; }

    public int rank() { return shape.length; }

    public long dim(int i) { return shape[i]; }

    public long[] shape() { return shape.clone(); }

    public long stride(int i) { return strides[i]; }

    public long[] strides() { return strides.clone(); }

    public long address() { return address; }

    public Object owner() { return owner; }

    public long numel() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Bytes spanned from the first to one past the last element. */
    public long byteSize() {
        if (numel() == 0) return 0;
        long last = 0;
        for (int i = 0; i < shape.length; i++) last += (shape[i] - 1) * strides[i];
        return (last + 1) * dtype.bytes();
    }

    public boolean isContiguous() {
        long acc = 1; // row-major check without an array: called per batch on the hot path
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    /** Element {@code index} of dimension 0, as a tensor of rank-1. */
    public DeviceTensor select(long index) {
        if (shape.length == 0 || index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException("index " + index + " out of dimension 0 of " + describe());
        }
        return new DeviceTensor(dtype, Arrays.copyOfRange(shape, 1, shape.length),
                Arrays.copyOfRange(strides, 1, strides.length), address + index * strides[0] * dtype.bytes(), owner);
    }

    /** Rows [from, to) of dimension 0. */
    public DeviceTensor narrow(long from, long to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from >= to) {
            throw new IndexOutOfBoundsException("range [" + from + "," + to + ") out of dimension 0 of " + describe());
        }
        long[] s = shape.clone();
        s[0] = to - from;
        return new DeviceTensor(dtype, s, strides, address + from * strides[0] * dtype.bytes(), owner);
    }

    /** The same contiguous memory with another shape of equal element count. */
    public DeviceTensor reshape(long... newShape) {
        if (!isContiguous()) throw new UnsupportedOperationException("reshape of a non-contiguous tensor " + describe());
        long n = 1;
        for (long d : newShape) n *= d;
        if (n != numel()) {
            throw new IllegalArgumentException("cannot reshape " + describe() + " to " + Arrays.toString(newShape));
        }
        return contiguous(address, dtype, owner, newShape);
    }

    /** Throws IllegalArgumentException naming {@code what} unless dtype and shape are as expected. */
    public DeviceTensor require(String what, DType expectedType, long... expectedShape) {
        if (dtype != expectedType || !Arrays.equals(shape, expectedShape)) {
            throw new IllegalArgumentException(what + ": expected " + expectedType + Arrays.toString(expectedShape)
                    + ", got " + describe());
        }
        return this;
    }

    /** e.g. {@code F16[32, 3, 640, 640]}. */
    public String describe() {
        return dtype + Arrays.toString(shape) + (isContiguous() ? "" : " strides " + Arrays.toString(strides));
    }

    @Override
    public String toString() {
        return "DeviceTensor[" + describe() + " @0x" + Long.toHexString(address) + "]";
    }
}
