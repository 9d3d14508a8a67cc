package dev.vahost.nvmm;

import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.KernelModule;

/**
 * Guard for {@code @Tag("gpu")} tests: on the GPU machine they must fail loudly when the GPU path
 * is missing, never skip. Call {@link #require} first in every GPU test class.
 */
public final class GpuTests {
    private GpuTests() {}

    /** Fails (throws) unless a CUDA device is usable and each named kernel module was built. */
    public static void require(String... kernelModules) {
        Cuda.requireAvailable();
        for (String km : kernelModules) {
            String[] p = km.split("/");
            if (!KernelModule.isBuilt(p[0], p[1])) {
                throw new AssertionError("GPU test needs kernels " + km + " but they were not built (nvcc missing at build time)");
            }
        }
        Cuda.ensureCurrent();
    }
}
