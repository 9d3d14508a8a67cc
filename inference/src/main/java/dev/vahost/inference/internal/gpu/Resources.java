package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import com.sun.jna.Memory;

import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.jna.Cublas;
import dev.vahost.inference.jna.Cudnn;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.Half;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.Ptr;
import dev.vahost.nvmm.cuda.Transfers;

/**
 * What every prepared batch size of one engine shares: the cuDNN and cuBLAS handles (and the stream
 * they are bound to), the kernel modules, the device buffers taken from the caller's pool (weights
 * and constants uploaded once, index tables, the activation arena, the library workspaces), and the
 * layout assignment. Closed once by the engine: library objects first, then buffers.
 */
public final class Resources implements AutoCloseable {
    final String model;
    final EngineConfig config;
    final DType dtype;
    final DevicePool pool;
    final Layouts layouts;
    /** Concat inputs stored in their Concat's output ({@link Placements}); none until the engine plans them. */
    Placements placements;
    final Plan maxPlan;
    private final Map<String, KernelModule> modules = new HashMap<>();
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final List<Runnable> destroyers = new ArrayList<>();
    private final Map<Object, Long> uploaded = new IdentityHashMap<>();
    /** KRSC copies of convolution weights (per weight tensor, identity), shared by every batch size. */
    final Map<Object, Long> nhwcWeights = new IdentityHashMap<>();
    /** Choices the plans tuned at load made by timing ({@link GpuPlan#faster}), by key, for the plans prepared later. */
    final Map<String, Boolean> choices = new HashMap<>();
    final Memory one = new Memory(4), zero = new Memory(4);
    long cudnn, cublas;
    long cublasWorkspace, cublasWorkspaceBytes;
    /** The shared cuDNN workspace: [0] its address once allocated; {@link #workspaceBytes} its size. */
    final long[] workspace = new long[1];
    long workspaceBytes;
    private CudaStream boundStream;
    Arena arena;

    public Resources(String model, EngineConfig config, DevicePool pool, Plan maxPlan) {
        this.model = model;
        this.config = config;
        this.dtype = config.precision();
        this.pool = pool;
        this.maxPlan = maxPlan;
        this.layouts = config.channelsLast() ? Layouts.channelsLast(maxPlan) : Layouts.allNchw(maxPlan);
        one.setFloat(0, 1f);
        zero.setFloat(0, 0f);
    }

    public Layouts layouts() {
        return layouts;
    }

    public Arena arena() {
        return arena;
    }

    /** Creates the library handles; {@code gemms}: some launch will call cuBLAS (its workspace is then allocated). */
    public void createHandles(boolean gemms) {
        long[] h = new long[1];
        Cudnn.check(Cudnn.Graph.cudnnCreate(h), "cudnnCreate");
        long dnn = h[0];
        cudnn = dnn;
        destroyers.add(() -> Cudnn.Graph.cudnnDestroy(dnn));
        Cublas.check(Cublas.cublasCreate_v2(h), "cublasCreate_v2");
        long blas = h[0];
        cublas = blas;
        destroyers.add(() -> Cublas.cublasDestroy_v2(blas));
        if (gemms) {
            // cuBLAS's own workspace would be allocated on first use, which graph capture forbids; 32 MiB is
            // NVIDIA's recommendation for Hopper.
            cublasWorkspaceBytes = 32L << 20;
            cublasWorkspace = alloc(cublasWorkspaceBytes, "cuBLAS workspace").address();
        }
    }

    KernelModule module(String name) {
        return modules.computeIfAbsent(name, n -> KernelModule.load("inference", n));
    }

    DeviceBuffer alloc(long bytes, String purpose) {
        DeviceBuffer b = pool.allocate(Math.max(bytes, 256), model + ": " + purpose);
        buffers.add(b);
        return b;
    }

    /** A buffer freed before the engine closes (the tuning workspace). */
    DeviceBuffer allocTemporary(long bytes, String purpose) {
        return pool.allocate(Math.max(bytes, 256), model + ": " + purpose);
    }

    void onClose(Runnable r) {
        destroyers.add(r);
    }

    /** Uploads once per {@code key} (identity) with {@code write(address)}; later calls return the same address. */
    long uploadOnce(Object key, long bytes, String what, LongConsumer write) {
        Long a = uploaded.get(key);
        if (a != null) return a;
        DeviceBuffer b = alloc(bytes, what);
        write.accept(b.address());
        uploaded.put(key, b.address());
        return b.address();
    }

    /** Constant activations or weights in the engine's precision. */
    long uploadActivations(Object key, float[] data, String what) {
        return uploadOnce(key, (long) data.length * dtype.bytes(), what, addr -> {
            if (dtype == DType.F16) {
                short[] hf = new short[data.length];
                for (int i = 0; i < hf.length; i++) hf[i] = Half.fromFloat(data[i]);
                Transfers.toDevice(addr, hf);
            } else {
                Transfers.toDevice(addr, data);
            }
        });
    }

    long uploadF32(Object key, float[] data, String what) {
        return uploadOnce(key, 4L * data.length, what, addr -> Transfers.toDevice(addr, data));
    }

    long uploadInts(Object key, int[] data, String what) {
        return uploadOnce(key, 4L * data.length, what, addr -> Transfers.toDevice(addr, data));
    }

    /** Binds the library handles to {@code s} (no-op when already bound). */
    void setStream(CudaStream s) {
        if (s == boundStream) return;
        long h = Ptr.handle(s.handle()); // reflective: once per stream change, not per call
        boundStream = s;
        Cudnn.check(Cudnn.Graph.cudnnSetStream(cudnn, h), "cudnnSetStream");
        Cublas.check(Cublas.cublasSetStream_v2(cublas, h), "cublasSetStream_v2");
        if (cublasWorkspace != 0) {
            // cublasSetStream resets the workspace to cuBLAS's default pool: set ours again.
            Cublas.check(Cublas.cublasSetWorkspace_v2(cublas, cublasWorkspace, cublasWorkspaceBytes), "cublasSetWorkspace_v2");
        }
    }

    /** Forgets the bound stream (after the stream the handles pointed at was closed). */
    void unbindStream() {
        boundStream = null;
    }

    /** Library objects first (in reverse order of creation), then device memory. Each failure is logged, none stops the rest. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = destroyers.size() - 1; i >= 0; i--) {
            try {
                destroyers.get(i).run();
            } catch (RuntimeException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        destroyers.clear();
        for (DeviceBuffer b : buffers) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        buffers.clear();
        if (first != null) throw first;
    }
}
