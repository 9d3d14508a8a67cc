package dev.vahost.nvmm.cuda;

import jcuda.Pointer;
import jcuda.driver.CUfunction;

import static jcuda.driver.JCudaDriver.*;

/**
 * One kernel of a {@link KernelModule}. {@link #launch} takes the kernel's arguments in order as
 * {@code Long} (device pointers, int64), {@code Integer}, {@code Float}, {@code Double} or
 * {@code Short}; it enqueues on the given stream and never synchronises.
 */
public final class Kernel {
    private final String name;
    private final CUfunction function;

    Kernel(String name, CUfunction function) {
        this.name = name;
        this.function = function;
    }

    public String name() {
        return name;
    }

    public CUfunction function() {
        return function;
    }

    public void launch(CudaStream stream, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                       int sharedBytes, Object... args) {
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0 || blockX <= 0 || blockY <= 0 || blockZ <= 0) {
            throw new IllegalArgumentException(name + ": empty launch grid " + gridX + "x" + gridY + "x" + gridZ
                    + " block " + blockX + "x" + blockY + "x" + blockZ);
        }
        Pointer[] ps = new Pointer[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Long l) ps[i] = Pointer.to(new long[] {l});
            else if (a instanceof Integer v) ps[i] = Pointer.to(new int[] {v});
            else if (a instanceof Float f) ps[i] = Pointer.to(new float[] {f});
            else if (a instanceof Double d) ps[i] = Pointer.to(new double[] {d});
            else if (a instanceof Short s) ps[i] = Pointer.to(new short[] {s});
            else throw new IllegalArgumentException(name + ": argument " + i + " has unsupported type "
                        + (a == null ? "null" : a.getClass().getSimpleName()));
        }
        Cuda.ensureCurrent();
        int r = cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes, stream.handle(),
                Pointer.to(ps), null);
        CudaException.check(r, () -> "cuLaunchKernel(" + name + ", grid " + gridX + "x" + gridY + "x" + gridZ
                + ", block " + blockX + "x" + blockY + "x" + blockZ + ", shared " + sharedBytes + ")");
    }

    /** Ceiling division, for grid sizes. */
    public static int blocks(long n, int perBlock) {
        return (int) ((n + perBlock - 1) / perBlock);
    }
}
