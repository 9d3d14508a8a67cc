package dev.vahost.nvmm.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import static jcuda.driver.JCudaDriver.*;

/**
 * A CUDA module built at build time from {@code <module>/src/main/cuda/<name>.cu} into the fatbin
 * resource {@code dev/vahost/kernels/<module>/<name>.fatbin} (see build-support/nvcc-fatbin.sh) and
 * loaded once per process with cuModuleLoadData.
 */
public final class KernelModule {
    private static final Map<String, KernelModule> LOADED = new ConcurrentHashMap<>();

    private final String id;
    private final CUmodule module;
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();

    private KernelModule(String id, CUmodule module) {
        this.id = id;
        this.module = module;
    }

    /**
     * The module {@code name} of Maven module {@code mavenModule}, loaded on first use.
     *
     * @throws GpuUnavailableException when there is no GPU or the kernels were not built
     */
    public static KernelModule load(String mavenModule, String name) {
        return load(KernelModule.class, mavenModule, name);
    }

    /**
     * The module {@code name} of {@code mavenModule}, read through {@code anchor}'s class loader:
     * for code loaded from a plugin jar, whose fatbins the service's own loader cannot see.
     *
     * @throws GpuUnavailableException when there is no GPU or the kernels were not built
     */
    public static KernelModule load(Class<?> anchor, String mavenModule, String name) {
        return LOADED.computeIfAbsent(mavenModule + "/" + name, id -> {
            Cuda.ensureCurrent();
            byte[] image = readResource(anchor, mavenModule, name);
            CUmodule m = new CUmodule();
            CudaException.check(cuModuleLoadData(m, image), () -> "cuModuleLoadData(" + id + ".fatbin, "
                    + image.length + " bytes) on " + Cuda.describeDevice());
            return new KernelModule(id, m);
        });
    }

    /** True when the fatbin resource exists (nvcc ran at build time). */
    public static boolean isBuilt(String mavenModule, String name) {
        return isBuilt(KernelModule.class, mavenModule, name);
    }

    /** True when the fatbin resource exists where {@code anchor}'s class loader looks. */
    public static boolean isBuilt(Class<?> anchor, String mavenModule, String name) {
        return anchor.getResource(resourcePath(mavenModule, name)) != null;
    }

    private static String resourcePath(String mavenModule, String name) {
        return "/dev/vahost/kernels/" + mavenModule + "/" + name + ".fatbin";
    }

    private static byte[] readResource(Class<?> anchor, String mavenModule, String name) {
        String path = resourcePath(mavenModule, name);
        try (InputStream in = anchor.getResourceAsStream(path)) {
            if (in == null) {
                throw new GpuUnavailableException("CUDA kernels '" + name + "' of module " + mavenModule
                        + " were not built (no " + path + " on the class path): nvcc was not found when the project"
                        + " was built; rebuild with CUDA's nvcc on PATH to use the GPU path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new GpuUnavailableException("cannot read " + path, e);
        }
    }

    /** The {@code extern "C"} kernel {@code name} of this module. */
    public Kernel kernel(String name) {
        return kernels.computeIfAbsent(name, n -> {
            Cuda.ensureCurrent();
            CUfunction f = new CUfunction();
            CudaException.check(cuModuleGetFunction(f, module, n), () -> "cuModuleGetFunction(" + id + ", " + n + ")");
            return new Kernel(id + ":" + n, f);
        });
    }
}
