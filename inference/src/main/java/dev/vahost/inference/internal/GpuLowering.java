package dev.vahost.inference.internal;

import com.sun.jna.Pointer;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Kernel;

/**
 * What a {@link Step} sees while the GPU engine lowers it (one prepared batch size): device
 * addresses of its operands, their physical layout, the kernels, the library handles, uploads of
 * plan-time tables, and the list of launches it appends to. Implemented by the engine
 * ({@code internal.gpu.GpuPlan}); everything here is fixed at plan time, so launches can be
 * captured into a CUDA graph.
 */
public interface GpuLowering {
    /** Threads per block of the element-wise kernels (grid-stride loops). */
    int THREADS = 256;

    /** Blocks for a grid-stride loop over {@code n} elements. */
    static int blocks(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, 1L << 20));
    }

    /** One enqueued operation: a kernel launch or a library call with its arguments fixed. */
    interface Launch {
        void run(CudaStream s);
    }

    String modelName();

    Plan plan();

    /** The engine's storage type of FLOAT values: F16 or F32. */
    DType precision();

    /** "_f16" or "_f32": the suffix of the glue kernels for the engine's precision. */
    default String suffix() {
        return precision() == DType.F16 ? "_f16" : "_f32";
    }

    /** Device address of value {@code v}: its arena slot, or its upload when it is known at load time. */
    long addr(int v);

    /** True when value {@code v} (by its storage root) is stored NHWC. */
    boolean nhwc(int v);

    /**
     * Elements between consecutive pixels of NHWC value {@code v}: its channel count, or the channel
     * count of the value whose storage holds it (a Concat output it is written into in place, a Split
     * input it is read from in place; see {@code internal.gpu.Placements}). {@link #physical} and
     * {@link #addr} address it there.
     */
    default long pixelStride(int v) {
        return plan().shapes[v][1];
    }

    /**
     * For lowerings whose kernel addresses NHWC values by their own channel count: fails, naming the step,
     * when one of {@code values} is stored as a channel view (its pixels wider apart) rather than
     * addressing it wrongly. Placements only makes views whose readers and writer take them.
     */
    default void requireOwnPixels(String node, int... values) {
        for (int v : values) {
            if (pixelStride(v) != plan().shapes[v][1]) {
                throw new IllegalStateException(node + ": " + plan().describe(v) + " is a channel slice (pixels " + pixelStride(v)
                        + " elements apart) and this kernel addresses pixels " + plan().shapes[v][1] + " apart");
            }
        }
    }

    /** Bytes per element of value {@code v}: the engine's precision for FLOAT, 4 (int32) for INT. */
    default int elementBytes(int v) {
        return plan().isInt(v) ? 4 : precision().bytes();
    }

    /** This step's scratch ({@link Step#scratchBytes}), 0 when it asked for none. */
    long scratch();

    /** A kernel of the inference module's {@code glue.cu}. */
    Kernel kernel(String name);

    /** A kernel of {@code inference/src/main/cuda/<module>.cu}. */
    Kernel kernel(String module, String name);

    /** Appends a launch; {@code kind} groups launches in profiles (conv, copy, binary, ...). */
    void add(String kind, Launch l);

    /** Registers an int64 table uploaded with the plan; the returned holder resolves through {@link #tableAddress}. */
    long[] table(long[] data);

    /** Device address of a table registered with {@link #table} (valid when launches run). */
    long tableAddress(long[] ref);

    /** Uploads float32 data once per {@code key} (identity). */
    long uploadF32(Object key, float[] data, String what);

    /** Uploads int32 data once per {@code key} (identity). */
    long uploadInts(Object key, int[] data, String what);

    /** Uploads data in the engine's precision once per {@code key} (identity). */
    long uploadActivations(Object key, float[] data, String what);

    /**
     * Physical strides followed by the physical offset of operand {@code v} addressed by row-major
     * {@code strides} and {@code offset} over {@code shape} (see {@link Layouts#restride}).
     */
    long[] physical(int v, long[] shape, long[] strides, long offset);

    /**
     * Appends a strided copy between two device buffers of elements of {@code elementBytes}:
     * for each index i of {@code shape}, y[toOffset + i·to] = x[fromOffset + i·from].
     */
    void copy(String kind, long x, long y, int elementBytes, long[] shape, long[] from, long fromOffset, long[] to,
              long toOffset);

    /** The cuBLAS handle (bound to the launch stream when launches run). */
    long cublas();

    /** The cuDNN handle (bound to the launch stream when launches run). */
    long cudnn();

    /** Host float 1 and 0, for library alpha/beta arguments. */
    Pointer one();

    Pointer zero();

    /**
     * Registers a need for {@code bytes} of the engine's shared library workspace (cuDNN) and returns
     * a holder whose [0] is its device address once the engine has allocated it (read it when the
     * launch runs, not when it is built).
     */
    long[] workspace(long bytes);

    /**
     * Appends the tuned convolution of {@code c} reading {@code x} and writing {@code y}, NHWC pixels
     * {@code xPixelStride} and {@code yPixelStride} elements apart (the channel counts, or more for
     * channel slices of wider storage) (cuDNN, or cuBLAS for channels-last
     * 1x1) followed by {@code epilogue} (its bias and activation in place on {@code y}; null when it
     * has none), or, where the engine's fusion setting allows and it measured faster, one fused cuDNN
     * graph doing both. {@code residual} (or null): an addition of another value after the epilogue
     * ({@link dev.vahost.inference.internal.ops.Conv#residual}), which the engine may take into the fused
     * graph; returns true when it did, false when the caller must add it.
     */
    boolean convolution(dev.vahost.inference.internal.ops.Conv c, boolean nhwc, long x, long xPixelStride, long y, long yPixelStride,
                        Epilogue epilogue, Residual residual);

    /** The engine's fusion setting (see {@link dev.vahost.inference.EngineConfig.Fusion}). */
    dev.vahost.inference.EngineConfig.Fusion fusion();

    /**
     * Lowers the current step one of two ways, {@code a} or {@code b} (each appends its launches), and returns true
     * when {@code a} was kept. In the plans tuned at load both are lowered and timed on the tuning stream, the
     * slower one's launches (and the counts of the load line) taken back, and the choice remembered under
     * {@code key}; plans prepared later follow the remembered choice, else {@code untunedA}. Neither way may
     * register index tables ({@link #table}): they have no address until the plan is complete.
     */
    boolean faster(String key, Runnable a, Runnable b, boolean untunedA);

    /**
     * The residual a convolution's output is added to: fp16 NHWC at {@code address}, pixels {@code pixelStride}
     * elements apart, then {@code act}(alpha, beta).
     */
    record Residual(long address, long pixelStride, dev.vahost.inference.internal.Act act, float alpha, float beta) {}

    /** A convolution's bias/activation kernel on its output at {@code y}, pixels {@code pixelStride} elements apart. */
    interface Epilogue {
        Launch at(long y, long pixelStride);
    }
}
