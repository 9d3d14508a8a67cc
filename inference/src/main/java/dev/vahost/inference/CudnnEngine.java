package dev.vahost.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Memory;

import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.nvmm.Half;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.jna.Cublas;
import dev.vahost.inference.jna.Cudnn;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DeviceOutOfMemoryException;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.GpuUnavailableException;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.Ptr;
import dev.vahost.nvmm.cuda.Transfers;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;
import static jcuda.driver.JCudaDriver.cuStreamBeginCapture;
import static jcuda.driver.JCudaDriver.cuStreamEndCapture;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;
import static jcuda.driver.JCudaDriver.cuStreamWaitEvent;

/**
 * The GPU engine: convolutions by cuDNN (legacy API, fp16 data with float32 accumulation on tensor
 * cores, or fp32), 1x1 channels-last convolutions by cuBLAS where that is faster (timed at plan
 * time), matrix products by cuBLAS, everything else by the kernels of {@code src/main/cuda/glue.cu}.
 * Built from the same {@link Plan} as the CPU executor. Activations are NHWC where the graph allows
 * it and {@link EngineConfig#channelsLast()} asks for it ({@link Layouts}), NCHW otherwise.
 *
 * <p>Memory, all from the caller's {@link DevicePool}: weights (converted once), one activation
 * arena whose offsets are assigned by value lifetimes (values that are never alive together share
 * bytes), one cuDNN workspace, and per batch size a small table of copy/broadcast strides. A model
 * that does not fit fails at load with {@link DeviceOutOfMemoryException} naming the pool, after
 * freeing what it took.
 *
 * <p>Per batch size a plan of launches is built once (cuDNN descriptors, chosen algorithms, launch
 * arguments). Every convolution's algorithm is checked when it is chosen: its workspace is asked of
 * cuDNN for the math type the algorithm was found with, and it is run once; an algorithm cuDNN
 * rejects falls back to the next candidate. With {@link EngineConfig#graphs()} the plan's launches
 * are then captured once into a CUDA graph (on a private stream, thread-local capture mode, after a
 * warm-up run so that lazy module loading and library set-up happen outside the capture); the graph
 * reads and writes only the engine's own arena, weights and workspace, whose addresses never change.
 * {@link #infer} copies the input into the arena (converting F32/F16), launches the graph (or, without
 * one, the launches one by one) on the caller's stream and converts the outputs into the caller's
 * tensors: three to four enqueues per batch instead of one per operation.
 */
public final class CudnnEngine implements InferenceEngine {
    private static final Logger LOG = LoggerFactory.getLogger(CudnnEngine.class);
    private static final int THREADS = 256;

    private final OnnxModel model;
    private final EngineConfig config;
    private final DevicePool pool;
    private final DType dtype;
    private final String suffix;
    private final KernelModule glue;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final List<Runnable> destroyers = new ArrayList<>();
    private final Map<Integer, GpuPlan> plans = new HashMap<>();
    private final Map<Object, Long> uploaded = new IdentityHashMap<>();
    private final Memory one = new Memory(4), zero = new Memory(4);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Plan maxPlan;
    private final Layouts layouts;
    private final Map<Integer, Long> convTemps = new HashMap<>(); // step index -> arena offset of its layout temporary
    private final Map<Object, Long> uploadedNhwc = new IdentityHashMap<>();
    private long cudnn, cublas;
    private long arena;
    private long[] offsets;          // arena offset per value id (roots only), -1 for constants
    private long workspace, workspaceBytes;
    private CudaEvent lastDone;
    private CudaStream lastStream;
    private long cublasWorkspace, cublasWorkspaceBytes;
    private boolean graphsEnabled;
    private final Kernel[][] converters = new Kernel[2][2], permuters = new Kernel[2][2];

    private CudnnEngine(OnnxModel model, EngineConfig config, DevicePool pool) {
        this.model = model;
        this.config = config;
        this.pool = pool;
        this.dtype = config.precision();
        this.suffix = dtype == DType.F16 ? "_f16" : "_f32";
        this.glue = KernelModule.load("inference", "glue");
        this.maxPlan = model.plan(config.maxBatch());
        this.layouts = config.channelsLast() ? Layouts.channelsLast(maxPlan) : Layouts.allNchw(maxPlan);
        this.graphsEnabled = config.graphs();
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < 2; b++) {
                converters[a][b] = glue.kernel("convert_" + (a == 0 ? "f32" : "f16") + "_" + (b == 0 ? "f32" : "f16"));
                permuters[a][b] = glue.kernel("copy_" + (a == 0 ? "f32" : "f16") + "_" + (b == 0 ? "f32" : "f16"));
            }
        }
        one.setFloat(0, 1f);
        zero.setFloat(0, 0f);
    }

    /**
     * Loads {@code model} on the GPU. Throws {@link GpuUnavailableException} without a GPU, cuDNN 9
     * or cuBLAS; {@link UnsupportedModelException} for graph patterns this engine does not run;
     * {@link DeviceOutOfMemoryException} when the pool is too small.
     */
    public static CudnnEngine load(OnnxModel model, EngineConfig config, DevicePool pool) {
        Cuda.requireAvailable();
        String why = Cudnn.load();
        if (why != null) throw new GpuUnavailableException(why);
        why = Cublas.load();
        if (why != null) throw new GpuUnavailableException(why);
        if (!model.supportsBatch(config.maxBatch())) {
            throw new IllegalArgumentException(model.name() + " cannot run at batch " + config.maxBatch());
        }
        Cuda.ensureCurrent();
        try {
            return build(model, config, pool);
        } catch (IllegalStateException ex) {
            if (!config.channelsLast()) throw ex;
            // cuDNN has no NHWC algorithm for some convolution here (its NHWC coverage is narrower
            // than NCHW's): the same model row-major, said loudly.
            LOG.warn("{}: channels-last plan failed ({}); loading it NCHW", model.name(), ex.getMessage());
            return build(model, config.withChannelsLast(false), pool);
        }
    }

    private static CudnnEngine build(OnnxModel model, EngineConfig config, DevicePool pool) {
        CudnnEngine e = new CudnnEngine(model, config, pool);
        try {
            e.build();
            return e;
        } catch (RuntimeException ex) {
            e.close();
            throw ex;
        }
    }

    private DeviceBuffer alloc(long bytes, String purpose) {
        DeviceBuffer b = pool.allocate(Math.max(bytes, 256), model.name() + ": " + purpose);
        buffers.add(b);
        return b;
    }

    private void build() {
        long[] h = new long[1];
        Cudnn.check(Cudnn.Graph.cudnnCreate(h), "cudnnCreate");
        cudnn = h[0];
        destroyers.add(() -> Cudnn.Graph.cudnnDestroy(cudnn));
        Cublas.check(Cublas.cublasCreate_v2(h), "cublasCreate_v2");
        cublas = h[0];
        destroyers.add(() -> Cublas.cublasDestroy_v2(cublas));
        boolean pointwiseNhwc = maxPlan.steps.stream().anyMatch(st -> st instanceof Step.Conv c && c.kh() == 1 && c.kw() == 1
                && layouts.nhwc(c.in()) && layouts.nhwc(c.out()));
        if (pointwiseNhwc || maxPlan.steps.stream().anyMatch(st -> st instanceof Step.MatMul)) {
            // cuBLAS's own workspace would be allocated on first use, which graph capture forbids; 32 MiB is
            // NVIDIA's recommendation for Hopper.
            cublasWorkspaceBytes = 32L << 20;
            cublasWorkspace = alloc(cublasWorkspaceBytes, "cuBLAS workspace").address();
        }
        planArena();
        long t0 = System.nanoTime();
        try (CudaStream s = CudaStream.create()) {
            setStream(s);
            // Tune with a temporary workspace of the configured size, then keep only what the chosen algorithms need.
            long limit = config.workspaceBytes();
            DeviceBuffer tmp = limit > 0 ? pool.allocate(limit, model.name() + ": cuDNN tuning workspace") : null;
            workspace = tmp == null ? 0 : tmp.address();
            workspaceBytes = limit;
            long need = 0;
            try {
                List<Integer> batches = new ArrayList<>();
                batches.add(config.maxBatch());
                for (int b : config.tuneBatches()) if (!batches.contains(b)) batches.add(b);
                for (int b : batches) {
                    GpuPlan p = new GpuPlan(b, config.tune(), s);
                    plans.put(b, p);
                    need = Math.max(need, p.workspaceNeeded);
                }
                s.synchronize();
            } finally {
                if (tmp != null) {
                    cuStreamSynchronize(s.handle()); // trial convolutions may still use it when planning failed
                    tmp.close();
                }
            }
            workspaceBytes = need;
            workspace = need > 0 ? alloc(need, "cuDNN workspace").address() : 0;
            for (GpuPlan p : plans.values()) p.bindWorkspace();
        } finally {
            boundStream = null;
        }
        for (GpuPlan p : plans.values()) p.capture();
        GpuPlan top = plans.get(config.maxBatch());
        LOG.info("{}: loaded on {} for batch <= {}, {}, {} of {} values NHWC, {} of {} convolutions as cuBLAS GEMM at batch {},"
                        + " {} launches per batch of {}, arena {} MiB, workspace {} MiB, pool {} used {} MiB, plan built in {} ms;"
                        + " CUDA graphs: {}", model.name(), Cuda.describeDevice(), config.maxBatch(), dtype, layouts.count(),
                maxPlan.names.length, top.convs.stream().filter(c -> c.useGemm).count(), top.convs.size(), config.maxBatch(),
                plans.get(config.maxBatch()).launches.size(), config.maxBatch(), arenaBytes >> 20,
                workspaceBytes >> 20, pool.name(), pool.used() >> 20, (System.nanoTime() - t0) / 1_000_000, graphSummary());
    }

    private String graphSummary() {
        StringBuilder b = new StringBuilder();
        plans.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (b.length() > 0) b.append("; ");
            b.append("batch ").append(e.getKey()).append(' ').append(e.getValue().graphNote);
        });
        return b.toString();
    }

    private long arenaBytes;

    /** Lifetime-based offsets for every runtime value at max batch (256-byte aligned). */
    private void planArena() {
        Plan p = maxPlan;
        int n = p.names.length;
        int[] first = new int[n], last = new int[n];
        Arrays.fill(first, Integer.MAX_VALUE);
        Arrays.fill(last, -1);
        for (int in : p.inputs) { first[p.root(in)] = -1; last[p.root(in)] = Math.max(last[p.root(in)], -1); }
        for (int si = 0; si < p.steps.size(); si++) {
            for (int v : reads(p.steps.get(si))) {
                int r = p.root(v);
                last[r] = Math.max(last[r], si);
                first[r] = Math.min(first[r], si);
            }
            for (int v : writes(p.steps.get(si))) {
                int r = p.root(v);
                first[r] = Math.min(first[r], si);
                last[r] = Math.max(last[r], si);
            }
        }
        for (int o : p.outputs) last[p.root(o)] = Integer.MAX_VALUE;
        offsets = new long[n];
        Arrays.fill(offsets, -1);
        List<long[]> placed = new ArrayList<>(); // {offset, size, first, last}
        List<Integer> temps = layouts.convTemporaries(p);
        long top = 0;
        for (int v = 0; v < n + temps.size(); v++) {
            long size;
            int from, to;
            if (v < n) {
                if (p.aliasOf[v] >= 0 || p.constants[v] != null || last[v] < -1 || first[v] == Integer.MAX_VALUE) continue;
                size = align(p.numel(v) * dtype.bytes());
                from = first[v];
                to = last[v];
            } else { // a convolution's output in its input's layout, alive during that step only
                int si = temps.get(v - n);
                size = align(p.numel(((Step.Conv) p.steps.get(si)).out()) * dtype.bytes());
                from = si;
                to = si;
            }
            long off = 0;
            boolean moved = true;
            while (moved) {
                moved = false;
                for (long[] b : placed) {
                    boolean liveTogether = !(b[3] < from || to < b[2]);
                    boolean overlap = off < b[0] + b[1] && b[0] < off + size;
                    if (liveTogether && overlap) {
                        off = b[0] + b[1];
                        moved = true;
                    }
                }
            }
            if (v < n) offsets[v] = off;
            else convTemps.put(temps.get(v - n), off);
            placed.add(new long[] {off, size, from, to});
            top = Math.max(top, off + size);
        }
        arenaBytes = Math.max(top, 256);
        arena = alloc(arenaBytes, "activation arena (batch " + config.maxBatch() + ")").address();
    }

    private static long align(long b) {
        return (b + 255) & ~255L;
    }

    private static int[] reads(Step s) {
        if (s instanceof Step.Conv c) return new int[] {c.in()};
        if (s instanceof Step.Affine a) return new int[] {a.in()};
        if (s instanceof Step.Unary u) return new int[] {u.in()};
        if (s instanceof Step.Binary b) return new int[] {b.a(), b.b()};
        if (s instanceof Step.Copy c) return new int[] {c.in()};
        if (s instanceof Step.CopyGroup g) return Arrays.stream(g.parts()).mapToInt(Step.Copy::in).toArray();
        if (s instanceof Step.Reshape r) return new int[] {r.in()};
        if (s instanceof Step.MaxPool m) return new int[] {m.in()};
        if (s instanceof Step.Resize r) return new int[] {r.in()};
        if (s instanceof Step.Softmax m) return new int[] {m.in()};
        if (s instanceof Step.MatMul m) return m.c() >= 0 ? new int[] {m.a(), m.b(), m.c()} : new int[] {m.a(), m.b()};
        throw new IllegalStateException("unknown step " + s);
    }

    private static int[] writes(Step s) {
        if (s instanceof Step.Conv c) return new int[] {c.out()};
        if (s instanceof Step.Affine a) return new int[] {a.out()};
        if (s instanceof Step.Unary u) return new int[] {u.out()};
        if (s instanceof Step.Binary b) return new int[] {b.out()};
        if (s instanceof Step.Copy c) return new int[] {c.out()};
        if (s instanceof Step.CopyGroup g) return Arrays.stream(g.parts()).mapToInt(Step.Copy::out).toArray();
        if (s instanceof Step.Reshape r) return new int[] {r.out()};
        if (s instanceof Step.MaxPool m) return new int[] {m.out()};
        if (s instanceof Step.Resize r) return new int[] {r.out()};
        if (s instanceof Step.Softmax m) return new int[] {m.out()};
        if (s instanceof Step.MatMul m) return new int[] {m.out()};
        throw new IllegalStateException("unknown step " + s);
    }

    // ------------------------------------------------------------------ uploads

    /** Uploads once per {@code key} (identity) with {@code write(address)}; later calls return the same address. */
    private long uploadOnce(Map<Object, Long> cache, Object key, long bytes, String what, java.util.function.LongConsumer write) {
        Long a = cache.get(key);
        if (a != null) return a;
        DeviceBuffer b = alloc(bytes, what);
        write.accept(b.address());
        cache.put(key, b.address());
        return b.address();
    }

    /** Constant activations or weights in the engine's precision. */
    private long uploadActivations(Object key, float[] data, String what) {
        return uploadOnce(uploaded, key, (long) data.length * dtype.bytes(), what, addr -> {
            if (dtype == DType.F16) {
                short[] h = new short[data.length];
                for (int i = 0; i < h.length; i++) h[i] = Half.fromFloat(data[i]);
                Transfers.toDevice(addr, h);
            } else {
                Transfers.toDevice(addr, data);
            }
        });
    }

    /** A convolution's weights [K, C/g, kh, kw] permuted to [K, kh, kw, C/g] for NHWC convolutions. */
    private long uploadNhwcWeights(Step.Conv c, String what) {
        Long a = uploadedNhwc.get(c.weight());
        if (a != null) return a;
        float[] src = c.weight().floats();
        int k = c.k(), cg = c.c() / c.groups(), kh = c.kh(), kw = c.kw();
        float[] dst = new float[src.length];
        for (int o = 0; o < k; o++) {
            for (int i = 0; i < cg; i++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        dst[((o * kh + y) * kw + x) * cg + i] = src[((o * cg + i) * kh + y) * kw + x];
                    }
                }
            }
        }
        long addr = uploadActivations(dst, dst, what);
        uploadedNhwc.put(c.weight(), addr);
        return addr;
    }

    private long uploadF32(Object key, float[] data, String what) {
        return uploadOnce(uploaded, key, 4L * data.length, what, addr -> Transfers.toDevice(addr, data));
    }

    private long uploadInts(Object key, int[] data, String what) {
        return uploadOnce(uploaded, key, 4L * data.length, what, addr -> Transfers.toDevice(addr, data));
    }

    private CudaStream boundStream;

    private void setStream(CudaStream s) {
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

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, 1L << 20));
    }

    // ------------------------------------------------------------------ the per-batch plan

    /** One enqueued operation: a kernel launch or a library call with its arguments fixed. */
    private interface Launch {
        void run(CudaStream s);
    }

    /** How a model input or output gets between the caller's contiguous tensor and the arena. */
    private record IoCopy(long[] table, int rank, long n, long span, long[] ref) {}

    private final class GpuPlan {
        final int batch;
        final Plan plan;
        final List<Launch> launches = new ArrayList<>();
        final List<String> kinds = new ArrayList<>(), nodes = new ArrayList<>(); // per launch, for profiles
        final IoCopy[] inputCopies, outputCopies; // null entries: plain conversion (NCHW storage)
        final List<long[]> meta = new ArrayList<>(); // i64 tables, uploaded together
        final List<long[]> metaRefs = new ArrayList<>(); // {launch-owned holder index}
        long metaBase;
        long workspaceNeeded;
        final List<ConvCall> convs = new ArrayList<>();
        CUgraphExec exec;           // null: no graph, launches one by one
        String graphNote = "not captured";

        GpuPlan(int batch, boolean tune, CudaStream s) {
            this.batch = batch;
            this.plan = model.plan(batch);
            if (plan.names.length != maxPlan.names.length) {
                throw new UnsupportedModelException(model.name() + ": the graph plans differently at batch " + batch
                        + " than at " + config.maxBatch());
            }
            for (int v = 0; v < plan.names.length; v++) {
                if (offsets[v] >= 0 && plan.numel(v) > maxPlan.numel(v)) {
                    throw new UnsupportedModelException(model.name() + ": value " + plan.describe(v) + " at batch " + batch
                            + " is larger than at the max batch " + config.maxBatch());
                }
            }
            if (plan.steps.size() != maxPlan.steps.size()) {
                throw new UnsupportedModelException(model.name() + ": the graph plans " + plan.steps.size() + " steps at batch "
                        + batch + " but " + maxPlan.steps.size() + " at " + config.maxBatch());
            }
            inputCopies = new IoCopy[plan.inputs.length];
            for (int i = 0; i < plan.inputs.length; i++) inputCopies[i] = ioCopy(plan.inputs[i], true);
            outputCopies = new IoCopy[plan.outputs.length];
            for (int i = 0; i < plan.outputs.length; i++) outputCopies[i] = ioCopy(plan.outputs[i], false);
            for (int si = 0; si < plan.steps.size(); si++) {
                Step st = plan.steps.get(si);
                try {
                    lower(si, st, tune, s);
                } catch (UnsupportedModelException | DeviceOutOfMemoryException e) {
                    throw e;
                } catch (RuntimeException e) {
                    throw new IllegalStateException(model.name() + ": GPU plan for " + st.node() + " at batch " + batch
                            + " failed: " + e.getMessage(), e);
                }
            }
            int total = 0;
            for (long[] m : meta) total += m.length;
            if (total > 0) {
                long[] all = new long[total];
                int at = 0;
                for (long[] m : meta) {
                    System.arraycopy(m, 0, all, at, m.length);
                    at += m.length;
                }
                DeviceBuffer b = alloc(8L * total, "index tables (batch " + batch + ")");
                Transfers.toDevice(b.address(), all);
                metaBase = b.address();
            }
        }

        /** A permuting copy between a contiguous NCHW tensor and an NHWC arena value, or null for NCHW values. */
        IoCopy ioCopy(int v, boolean in) {
            int r = plan.root(v);
            if (!layouts.nhwc(r)) return null;
            long[] shape = plan.shapes[v], rm = Layouts.rowMajor(shape), ph = layouts.physicalStrides(plan, r);
            IoCopy c = stridedCopy(shape, in ? rm : ph, 0, in ? ph : rm, 0);
            return new IoCopy(c.table(), c.rank(), c.n(), c.span(), table(c.table()));
        }

        /**
         * The table of a strided copy, iterating in the destination's storage order with adjacent
         * dimensions merged: shape, source strides, destination strides, source and destination offsets.
         */
        IoCopy stridedCopy(long[] shape, long[] from, long fromOffset, long[] to, long toOffset) {
            int[] order = Layouts.storageOrder(shape, to);
            long[][] c = coalesce(Layouts.permute(shape, order), new long[][] {Layouts.permute(from, order), Layouts.permute(to, order)});
            int r = c[0].length;
            long[] t = new long[3 * r + 2];
            long n = 1, reachFrom = fromOffset, reachTo = toOffset;
            for (int d = 0; d < r; d++) {
                t[d] = c[0][d];
                t[r + d] = c[1][d];
                t[2 * r + d] = c[2][d];
                n *= c[0][d];
                reachFrom += (c[0][d] - 1) * c[1][d];
                reachTo += (c[0][d] - 1) * c[2][d];
            }
            t[3 * r] = fromOffset;
            t[3 * r + 1] = toOffset;
            return new IoCopy(t, r, n, Math.max(n, Math.max(reachFrom, reachTo) + 1), null);
        }

        /** Registers an i64 table; returns a holder whose [0] becomes its device address once uploaded. */
        long[] table(long[] data) {
            int at = 0;
            for (long[] m : meta) at += m.length;
            meta.add(data);
            long[] ref = {at};
            metaRefs.add(ref);
            return ref;
        }

        long metaAddress(long[] ref) {
            return metaBase + 8L * ref[0];
        }

        long addr(int v) {
            int r = plan.root(v);
            if (plan.constants[r] != null) {
                return uploadActivations(plan.constants[r], plan.constants[r].asFloats(), "constant '" + plan.names[r] + "'");
            }
            if (offsets[r] < 0) throw new IllegalStateException("value " + plan.describe(v) + " has no storage");
            return arena + offsets[r];
        }

        void bindWorkspace() {
            for (ConvCall c : convs) c.bindWorkspace();
        }

        /** Enqueues the whole plan on {@code s}: the graph when there is one and graphs are enabled. */
        void enqueue(CudaStream s) {
            if (exec != null && graphsEnabled) {
                CudaException.check(cuGraphLaunch(exec, s.handle()), () -> "cuGraphLaunch(" + model.name() + ", batch " + batch
                        + ", " + launches.size() + " launches)");
                return;
            }
            setStream(s);
            for (Launch l : launches) l.run(s);
        }

        /**
         * Captures the launches into a CUDA graph and checks one replay. Called with the final
         * workspace bound and no inference in flight. On failure {@link #exec} stays null and
         * {@link #graphNote} says why; the plain path is unaffected.
         */
        void capture() {
            if (!config.graphs()) {
                graphNote = "off (EngineConfig.graphs = false)";
                return;
            }
            if (launches.isEmpty()) {
                graphNote = "not needed (no launches)";
                return;
            }
            long t0 = System.nanoTime();
            CudaStream cs = CudaStream.create();
            try {
                setStream(cs);
                // Warm-up outside the capture: lazily loaded kernels and cuDNN/cuBLAS first-use set-up.
                for (Launch l : launches) l.run(cs);
                cs.synchronize();
                // Thread-local mode: other threads of the process (decoders, other engines) stay free to
                // allocate and synchronise while this thread captures.
                int r = cuStreamBeginCapture(cs.handle(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
                if (r != CUresult.CUDA_SUCCESS) {
                    graphNote = fallback("cuStreamBeginCapture: " + CUresult.stringFor(r));
                    return;
                }
                RuntimeException failure = null;
                try {
                    for (Launch l : launches) l.run(cs);
                } catch (RuntimeException e) {
                    failure = e;
                }
                CUgraph g = new CUgraph();
                r = cuStreamEndCapture(cs.handle(), g); // always end the capture, also after a failed launch
                if (failure != null || r != CUresult.CUDA_SUCCESS) {
                    if (r == CUresult.CUDA_SUCCESS) cuGraphDestroy(g);
                    graphNote = fallback(failure != null ? "a launch failed under capture: " + failure.getMessage()
                            : "cuStreamEndCapture: " + CUresult.stringFor(r));
                    return;
                }
                CUgraphExec ex = new CUgraphExec();
                r = cuGraphInstantiate(ex, g, 0L);
                if (r != CUresult.CUDA_SUCCESS) {
                    cuGraphDestroy(g);
                    graphNote = fallback("cuGraphInstantiate: " + CUresult.stringFor(r));
                    return;
                }
                r = cuGraphLaunch(ex, cs.handle());
                if (r == CUresult.CUDA_SUCCESS) r = cuStreamSynchronize(cs.handle());
                if (r != CUresult.CUDA_SUCCESS) {
                    cuGraphExecDestroy(ex);
                    cuGraphDestroy(g);
                    graphNote = fallback("first replay: " + CUresult.stringFor(r));
                    return;
                }
                exec = ex;
                destroyers.add(() -> {
                    cuGraphExecDestroy(ex);
                    cuGraphDestroy(g);
                });
                graphNote = "captured (" + launches.size() + " launches, " + (System.nanoTime() - t0) / 1_000_000 + " ms)";
            } finally {
                boundStream = null; // the handles pointed at the capture stream
                cs.close();
            }
        }

        private String fallback(String why) {
            LOG.warn("{}: no CUDA graph at batch {}, launching one by one: {}", model.name(), batch, why);
            return "failed, launches one by one (" + why + ")";
        }

        void add(String kind, String node, Launch l) {
            launches.add(l);
            kinds.add(kind);
            nodes.add(node);
        }

        boolean nhwc(int v) {
            return layouts.nhwc(plan.root(v));
        }

        void lower(int si, Step st, boolean tune, CudaStream s) {
            if (st instanceof Step.Conv c) conv(si, c, tune, s);
            else if (st instanceof Step.Unary u) {
                long x = addr(u.in()), y = addr(u.out()), n = u.numel();
                // act(x * 1 + 0) over one channel: exact, and one kernel less to maintain.
                long one1 = uploadF32("one", new float[] {1f}, "unit scale"), zero1 = uploadF32("zero", new float[] {0f}, "zero shift");
                Kernel a = glue.kernel("affine_act" + suffix);
                int act = u.act().code;
                float alpha = u.alpha();
                add("activation", u.node(), str -> a.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, one1, zero1, n, 1, n, act, alpha));
            } else if (st instanceof Step.Affine af) {
                long x = addr(af.in()), y = addr(af.out());
                long sc = uploadF32(af.scale(), af.scale(), "scale of " + af.node()), sh = uploadF32(af.shift(), af.shift(), "shift of " + af.node());
                long n = af.outer() * af.channels() * af.inner(), inner = nhwc(af.in()) ? 1 : af.inner();
                int ch = af.channels();
                Kernel a = glue.kernel("affine_act" + suffix);
                add("affine", af.node(), str -> a.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, sc, sh, inner, ch, n, 0, 0f));
            } else if (st instanceof Step.Binary b) binary(b);
            else if (st instanceof Step.Copy c) copy(c);
            else if (st instanceof Step.CopyGroup g) { for (Step.Copy c : g.parts()) copy(c); }
            else if (st instanceof Step.Reshape) { /* alias: same storage */ }
            else if (st instanceof Step.MaxPool m) {
                long x = addr(m.in()), y = addr(m.out());
                if (nhwc(m.in())) {
                    long n = (long) m.n() * m.c() * m.oh() * m.ow(), batchN = m.n();
                    Kernel k = glue.kernel("maxpool_nhwc" + suffix);
                    add("maxpool", m.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, batchN, m.c(), m.h(), m.w(),
                            m.oh(), m.ow(), m.kh(), m.kw(), m.sh(), m.sw(), m.pt(), m.pl(), m.dh(), m.dw()));
                } else {
                    long planes = (long) m.n() * m.c(), n = planes * m.oh() * m.ow();
                    Kernel k = glue.kernel("maxpool" + suffix);
                    add("maxpool", m.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, planes, m.h(), m.w(),
                            m.oh(), m.ow(), m.kh(), m.kw(), m.sh(), m.sw(), m.pt(), m.pl(), m.dh(), m.dw()));
                }
            } else if (st instanceof Step.Resize r) {
                long x = addr(r.in()), y = addr(r.out());
                long rows = uploadInts(r.rowIndex(), r.rowIndex(), "resize rows of " + r.node());
                long cols = uploadInts(r.colIndex(), r.colIndex(), "resize columns of " + r.node());
                if (nhwc(r.in())) {
                    long n = (long) r.n() * r.c() * r.oh() * r.ow(), batchN = r.n();
                    Kernel k = glue.kernel("resize_nearest_nhwc" + suffix);
                    add("resize", r.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, batchN, r.c(), r.h(), r.w(),
                            r.oh(), r.ow(), rows, cols));
                } else {
                    long planes = (long) r.n() * r.c(), n = planes * r.oh() * r.ow();
                    Kernel k = glue.kernel("resize_nearest" + suffix);
                    add("resize", r.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, planes, r.h(), r.w(),
                            r.oh(), r.ow(), rows, cols));
                }
            } else if (st instanceof Step.Softmax m) {
                long x = addr(m.in()), y = addr(m.out());
                // NHWC (axis 1 only, see Layouts): the channels of a pixel are adjacent.
                boolean last = nhwc(m.in());
                long outer = last ? m.outer() * m.inner() : m.outer(), inner = last ? 1 : m.inner();
                int len = m.axis();
                Kernel k = glue.kernel("softmax" + suffix);
                add("softmax", m.node(), str -> k.launch(str, blocks(outer * inner), 1, 1, THREADS, 1, 1, 0, x, y, outer, len, inner));
            } else if (st instanceof Step.MatMul m) matmul(m);
            else throw new UnsupportedModelException(model.name() + ": " + st.node() + ": no GPU implementation of "
                        + st.getClass().getSimpleName());
        }

        /** Physical strides and offset of operand {@code v} addressed by row-major {@code strides}/{@code offset}. */
        long[] physical(String node, int v, long[] shape, long[] strides, long offset) {
            long[] r = Layouts.restride(shape, strides, offset, plan.shapes[v], nhwc(v));
            if (r == null) {
                throw new IllegalStateException("node " + node + ": operand " + plan.describe(v) + " cannot be addressed NHWC at batch "
                        + batch + " (the layout analysis at batch " + config.maxBatch() + " allowed it)");
            }
            return r;
        }

        void binary(Step.Binary b) {
            long a = addr(b.a()), bb = addr(b.b()), y = addr(b.out());
            long[] shape = b.shape();
            long n = Tensor.numel(shape);
            int op = b.op().ordinal();
            long[] pa = Arrays.copyOf(physical(b.node(), b.a(), shape, b.aStrides(), 0), shape.length);
            long[] pb = Arrays.copyOf(physical(b.node(), b.b(), shape, b.bStrides(), 0), shape.length);
            long[] py = Layouts.physicalStrides(shape, nhwc(b.out()));
            // Walk y in storage order: the kernel writes y contiguously.
            int[] order = Layouts.storageOrder(shape, py);
            long[] ps = Layouts.permute(shape, order);
            pa = Layouts.permute(pa, order);
            pb = Layouts.permute(pb, order);
            long[] rm = Layouts.rowMajor(ps);
            if (Arrays.equals(pa, rm) && Arrays.equals(pb, rm)) {
                if (dtype == DType.F16 && n % 8 == 0) {
                    long n8 = n / 8;
                    Kernel k = glue.kernel("binary_flat8_f16");
                    add("binary", b.node(), str -> k.launch(str, blocks(n8), 1, 1, THREADS, 1, 1, 0, a, bb, y, op, n8, 0, 0f));
                } else {
                    Kernel k = glue.kernel("binary_flat" + suffix);
                    add("binary", b.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, a, bb, y, op, n, 0, 0f));
                }
                return;
            }
            long[][] c = coalesce(ps, new long[][] {pa, pb, rm});
            int r = c[0].length;
            long[] t = new long[3 * r];
            for (int d = 0; d < r; d++) { t[d] = c[0][d]; t[r + d] = c[1][d]; t[2 * r + d] = c[2][d]; }
            long[] ref = table(t);
            Kernel k = glue.kernel("binary_bcast" + suffix);
            add("binary", b.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, a, bb, y, op, r, n, metaAddress(ref)));
        }

        void copy(Step.Copy cp) {
            long[] shape = cp.shape();
            if (Tensor.numel(shape) == 0) return;
            long[] pin = physical(cp.node(), cp.in(), shape, cp.inStrides(), cp.inOffset());
            long[] pout = physical(cp.node(), cp.out(), shape, cp.outStrides(), cp.outOffset());
            int rank = shape.length;
            IoCopy c = stridedCopy(shape, Arrays.copyOf(pin, rank), pin[rank], Arrays.copyOf(pout, rank), pout[rank]);
            enqueueCopy("copy", cp.node(), addr(cp.in()), addr(cp.out()), c);
        }

        /**
         * A same-type strided copy, moved in the widest units (16, 8 or 4 bytes) that every stride,
         * offset and the innermost run allow (arena values are 256-byte aligned).
         */
        void enqueueCopy(String kind, String node, long x, long y, IoCopy c) {
            int r = c.rank();
            long[] t = c.table();
            int es = dtype.bytes();
            for (int width : new int[] {16, 8, 4}) {
                int u = width / es;
                if (u <= 1) continue;
                if (t[r + r - 1] != 1 || t[2 * r + r - 1] != 1 || t[r - 1] % u != 0) continue; // innermost: contiguous run of whole units
                boolean fits = t[3 * r] % u == 0 && t[3 * r + 1] % u == 0;
                for (int d = 0; d < r - 1 && fits; d++) fits = t[r + d] % u == 0 && t[2 * r + d] % u == 0;
                if (!fits) continue;
                long[] w = t.clone();
                w[r - 1] /= u;
                for (int d = 0; d < r - 1; d++) { w[r + d] /= u; w[2 * r + d] /= u; }
                w[3 * r] /= u;
                w[3 * r + 1] /= u;
                long n = c.n() / u, span = Math.max(1, c.span() / u + 1);
                long[] ref = table(w);
                Kernel k = glue.kernel("copy_b" + width);
                add(kind, node, str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, r, n, metaAddress(ref), span));
                return;
            }
            long[] ref = table(t);
            String ty = dtype == DType.F16 ? "f16" : "f32";
            Kernel k = glue.kernel("copy_" + ty + "_" + ty);
            long n = c.n(), span = c.span();
            add(kind, node, str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, x, y, r, n, metaAddress(ref), span));
        }

        void matmul(Step.MatMul m) {
            long a = addr(m.a()), b = addr(m.b()), y = addr(m.out());
            long sa = m.batch() > 1 ? m.aOffsets()[1] - m.aOffsets()[0] : 0, sb = m.batch() > 1 ? m.bOffsets()[1] - m.bOffsets()[0] : 0;
            for (int i = 0; i < m.batch(); i++) {
                if (m.aOffsets()[i] != m.aOffsets()[0] + i * sa || m.bOffsets()[i] != m.bOffsets()[0] + i * sb) {
                    throw new UnsupportedModelException(model.name() + ": MatMul node '" + m.node() + "': this batch"
                            + " broadcast pattern is not supported on the GPU (operands must have uniform batch strides)");
                }
            }
            long a0 = a + m.aOffsets()[0] * dtype.bytes(), b0 = b + m.bOffsets()[0] * dtype.bytes();
            int ty = dtype == DType.F16 ? Cublas.CUDA_R_16F : Cublas.CUDA_R_32F;
            // Row-major C[m,n] = A·B is column-major Cᵀ[n,m] = Bᵀ·Aᵀ: swap operands (see README).
            int opB = m.transB() ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N, ldb = m.transB() ? m.k() : m.n();
            int opA = m.transA() ? Cublas.CUBLAS_OP_T : Cublas.CUBLAS_OP_N, lda = m.transA() ? m.m() : m.k();
            Memory alpha = new Memory(4);
            alpha.setFloat(0, m.alpha());
            int mm = m.m(), nn = m.n(), kk = m.k(), batchCount = m.batch();
            long strideC = (long) mm * nn;
            add("matmul", m.node(), str -> Cublas.check(Cublas.cublasGemmStridedBatchedEx(cublas, opB, opA, nn, mm, kk, alpha, b0, ty, ldb, sb,
                    a0, ty, lda, sa, zero, y, ty, nn, strideC, batchCount, Cublas.CUBLAS_COMPUTE_32F, Cublas.CUBLAS_GEMM_DEFAULT),
                    "cublasGemmStridedBatchedEx(" + m.node() + ")"));
            if (m.c() >= 0) {
                long c = m.beta() == 1f ? addr(m.c()) : scaledConstant(m);
                long[] shape = {m.m(), m.n()};
                long[][] cc = coalesce(shape, new long[][] {rowMajor(shape), m.cStrides(), rowMajor(shape)});
                int r = cc[0].length;
                long[] t = new long[3 * r];
                for (int d = 0; d < r; d++) { t[d] = cc[0][d]; t[r + d] = cc[1][d]; t[2 * r + d] = cc[2][d]; }
                long[] ref = table(t);
                long n = (long) m.m() * m.n();
                Kernel k = glue.kernel("binary_bcast" + suffix);
                add("matmul", m.node(), str -> k.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, y, c, y, 0, r, n, metaAddress(ref)));
            }
        }

        long scaledConstant(Step.MatMul m) {
            Tensor c = plan.constants[plan.root(m.c())];
            if (c == null) {
                throw new UnsupportedModelException(model.name() + ": Gemm node '" + m.node() + "': beta != 1 needs a constant C on the GPU");
            }
            float[] f = c.asFloats().clone();
            for (int i = 0; i < f.length; i++) f[i] *= m.beta();
            return uploadActivations(m, f, "beta*C of " + m.node());
        }

        /**
         * The convolution, then bias and activation in place; where the output's layout differs from
         * the input's, both run on a temporary in the input's layout that is then permuted into the output.
         */
        void conv(int si, Step.Conv c, boolean tune, CudaStream s) {
            boolean inNhwc = nhwc(c.in()), outNhwc = nhwc(c.out());
            Long temp = convTemps.get(si);
            if ((inNhwc != outNhwc) != (temp != null)) throw new IllegalStateException("no layout temporary for " + c.node());
            long y = temp != null ? arena + temp : addr(c.out());
            ConvCall call = new ConvCall(this, c, inNhwc, y, tune, s);
            convs.add(call);
            workspaceNeeded = Math.max(workspaceNeeded, call.wsBytes);
            add(call.useGemm ? "conv1x1-gemm" : "conv", c.node(), call);
            if (c.bias() != null || c.act() != Act.NONE) {
                long n = (long) c.n() * c.k() * c.oh() * c.ow(), plane = inNhwc ? 1 : (long) c.oh() * c.ow();
                long bias = c.bias() == null ? 0L : uploadF32(c.bias(), c.bias().floats(), "bias of " + c.node());
                int k = c.k(), act = c.act().code;
                float alpha = c.alpha();
                if (inNhwc && dtype == DType.F16 && k % 8 == 0) {
                    long n8 = n / 8;
                    Kernel kb = glue.kernel("bias_act_nhwc8_f16");
                    add("bias_act", c.node(), str -> kb.launch(str, blocks(n8), 1, 1, THREADS, 1, 1, 0, y, bias, k, n8, act, alpha));
                } else {
                    Kernel kb = glue.kernel("bias_act" + suffix);
                    add("bias_act", c.node(), str -> kb.launch(str, blocks(n), 1, 1, THREADS, 1, 1, 0, y, bias, plane, k, n, act, alpha));
                }
            }
            if (temp != null) {
                long[] shape = plan.shapes[c.out()];
                IoCopy p = stridedCopy(shape, Layouts.physicalStrides(shape, inNhwc), 0, Layouts.physicalStrides(shape, outNhwc), 0);
                enqueueCopy("layout", c.node(), y, addr(c.out()), p);
            }
        }
    }

    /** A cuDNN convolution with its descriptors and algorithm. */
    private final class ConvCall implements Launch {
        final String node, where;
        final long xDesc, wDesc, yDesc, convDesc, x, w, y;
        final int algo, math;
        long wsBytes;
        long ws;

        ConvCall(GpuPlan gp, Step.Conv c, boolean nhwc, long yAddress, boolean tune, CudaStream s) {
            node = c.node();
            int dt = dtype == DType.F16 ? Cudnn.CUDNN_DATA_HALF : Cudnn.CUDNN_DATA_FLOAT;
            long[] h = new long[1];
            Cudnn.check(Cudnn.Ops.cudnnCreateTensorDescriptor(h), "cudnnCreateTensorDescriptor");
            xDesc = h[0];
            Cudnn.check(Cudnn.Ops.cudnnCreateTensorDescriptor(h), "cudnnCreateTensorDescriptor");
            yDesc = h[0];
            Cudnn.check(Cudnn.Ops.cudnnCreateFilterDescriptor(h), "cudnnCreateFilterDescriptor");
            wDesc = h[0];
            Cudnn.check(Cudnn.Cnn.cudnnCreateConvolutionDescriptor(h), "cudnnCreateConvolutionDescriptor");
            convDesc = h[0];
            long xd = xDesc, yd = yDesc, wd = wDesc, cd = convDesc;
            destroyers.add(() -> {
                Cudnn.Ops.cudnnDestroyTensorDescriptor(xd);
                Cudnn.Ops.cudnnDestroyTensorDescriptor(yd);
                Cudnn.Ops.cudnnDestroyFilterDescriptor(wd);
                Cudnn.Cnn.cudnnDestroyConvolutionDescriptor(cd);
            });
            String where = "conv " + node + " " + c.n() + "x" + c.c() + "x" + c.h() + "x" + c.w() + " -> " + c.k() + "x"
                    + c.oh() + "x" + c.ow() + " k" + c.kh() + "x" + c.kw() + " s" + c.sh() + " g" + c.groups();
            int format = nhwc ? Cudnn.CUDNN_TENSOR_NHWC : Cudnn.CUDNN_TENSOR_NCHW;
            where += nhwc ? " NHWC" : " NCHW";
            Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptor(xDesc, format, dt, c.n(), c.c(), c.h(), c.w()),
                    "cudnnSetTensor4dDescriptor(x) " + where);
            Cudnn.check(Cudnn.Ops.cudnnSetTensor4dDescriptor(yDesc, format, dt, c.n(), c.k(), c.oh(), c.ow()),
                    "cudnnSetTensor4dDescriptor(y) " + where);
            // NHWC filters are [K, kh, kw, C/groups] ("KRSC"), permuted once at upload.
            Cudnn.check(Cudnn.Ops.cudnnSetFilter4dDescriptor(wDesc, dt, format, c.k(), c.c() / c.groups(), c.kh(), c.kw()),
                    "cudnnSetFilter4dDescriptor " + where);
            // cuDNN pads symmetrically with the begin pads; asymmetric ONNX pads are checked below.
            Cudnn.check(Cudnn.Cnn.cudnnSetConvolution2dDescriptor(convDesc, c.pt(), c.pl(), c.sh(), c.sw(), c.dh(), c.dw(),
                    Cudnn.CUDNN_CROSS_CORRELATION, Cudnn.CUDNN_DATA_FLOAT), "cudnnSetConvolution2dDescriptor " + where);
            Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionGroupCount(convDesc, c.groups()), "cudnnSetConvolutionGroupCount " + where);
            // fp32: FMA math, because DEFAULT_MATH lets Ampere+ GPUs use TF32 (10-bit mantissa) silently.
            Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionMathType(convDesc, dtype == DType.F16 ? Cudnn.CUDNN_TENSOR_OP_MATH
                    : Cudnn.CUDNN_FMA_MATH), "cudnnSetConvolutionMathType " + where);
            int[] on = new int[1], oc = new int[1], oh = new int[1], ow = new int[1];
            Cudnn.check(Cudnn.Cnn.cudnnGetConvolution2dForwardOutputDim(convDesc, xDesc, wDesc, on, oc, oh, ow),
                    "cudnnGetConvolution2dForwardOutputDim " + where);
            if (oh[0] != c.oh() || ow[0] != c.ow()) {
                throw new UnsupportedModelException(model.name() + ": Conv node '" + node + "': asymmetric padding (output "
                        + c.oh() + "x" + c.ow() + ", cuDNN's symmetric padding gives " + oh[0] + "x" + ow[0]
                        + ") is not supported on the GPU");
            }
            x = gp.addr(c.in());
            y = yAddress;
            w = nhwc ? uploadNhwcWeights(c, "weights of " + node + " (KRSC)") : uploadActivations(c.weight(), c.weight().floats(), "weights of " + node);
            this.where = where;
            int[] count = new int[1];
            Cudnn.check(Cudnn.Cnn.cudnnGetConvolutionForwardAlgorithmMaxCount(cudnn, count), "cudnnGetConvolutionForwardAlgorithmMaxCount");
            int req = Math.max(1, count[0]);
            Memory perf = new Memory((long) Cudnn.ALGO_PERF_SIZE * req);
            int[] got = new int[1];
            if (tune) {
                Cudnn.check(Cudnn.Cnn.cudnnFindConvolutionForwardAlgorithmEx(cudnn, xDesc, x, wDesc, w, convDesc, yDesc, y, req, got,
                        perf, workspace, workspaceBytes), "cudnnFindConvolutionForwardAlgorithmEx " + where);
            } else {
                Cudnn.check(Cudnn.Cnn.cudnnGetConvolutionForwardAlgorithm_v7(cudnn, xDesc, wDesc, convDesc, yDesc, req, got, perf),
                        "cudnnGetConvolutionForwardAlgorithm_v7 " + where);
            }
            // Candidates in cuDNN's order (fastest first), each with the math type it was found with, then
            // every algorithm with the default math type as a last resort.
            int defaultMath = dtype == DType.F16 ? Cudnn.CUDNN_TENSOR_OP_MATH : Cudnn.CUDNN_FMA_MATH;
            List<int[]> cands = new ArrayList<>();
            List<Long> reported = new ArrayList<>();
            for (int i = 0; i < Math.min(got[0], req); i++) {
                long o = (long) i * Cudnn.ALGO_PERF_SIZE;
                if (perf.getInt(o + 4) != Cudnn.CUDNN_STATUS_SUCCESS) continue;
                int math = perf.getInt(o + 28);
                // fp32 stays on FMA math whatever the entry says: DEFAULT_MATH lets Ampere+ use TF32 silently.
                if (dtype != DType.F16 || math < Cudnn.CUDNN_DEFAULT_MATH || math > Cudnn.CUDNN_FMA_MATH) math = defaultMath;
                cands.add(new int[] {perf.getInt(o), math});
                reported.add(perf.getLong(o + 16));
            }
            for (int a = 0; a < Cudnn.CONVOLUTION_FWD_ALGO_COUNT; a++) {
                cands.add(new int[] {a, defaultMath});
                reported.add(0L);
            }
            StringBuilder rejected = new StringBuilder();
            int chosen = -1, chosenMath = defaultMath;
            long mem = 0;
            for (int i = 0; i < cands.size() && chosen < 0; i++) {
                int a = cands.get(i)[0], math = cands.get(i)[1];
                long[] need = new long[1];
                String why = tryAlgorithm(a, math, reported.get(i), need);
                if (why == null) {
                    chosen = a;
                    chosenMath = math;
                    mem = need[0];
                } else if (i < cands.size() - Cudnn.CONVOLUTION_FWD_ALGO_COUNT || rejected.length() == 0) {
                    rejected.append(rejected.length() == 0 ? "" : "; ").append("algo ").append(a).append(" math ").append(math)
                            .append(": ").append(why);
                }
            }
            if (chosen < 0) {
                throw new IllegalStateException("no cuDNN algorithm runs " + where + " within a workspace of " + workspaceBytes
                        + " bytes (" + rejected + ")");
            }
            if (rejected.length() > 0) {
                LOG.info("{}: using algo {} math {} workspace {} B after cuDNN rejected: {}", where, chosen, chosenMath, mem, rejected);
            }
            Cudnn.check(Cudnn.Cnn.cudnnSetConvolutionMathType(convDesc, chosenMath), "cudnnSetConvolutionMathType " + where);
            algo = chosen;
            math = chosenMath;
            ws = workspace;
            // A 1x1, stride-1, unpadded, ungrouped NHWC convolution is the GEMM Y[NHW, K] = X[NHW, C]·Wᵀ.
            // cuDNN's NHWC kernels for these were measured several times slower than memory speed on the
            // H200, so both are timed here on the real buffers and the faster one is kept.
            gemmShape = nhwc && c.kh() == 1 && c.kw() == 1 && c.sh() == 1 && c.sw() == 1 && c.pt() == 0 && c.pl() == 0
                    && c.groups() == 1 && c.oh() == c.h() && c.ow() == c.w() && cublasWorkspace != 0
                    && (long) c.n() * c.oh() * c.ow() <= Integer.MAX_VALUE;
            gemmM = c.n() * c.oh() * c.ow();
            gemmK = c.k();
            gemmC = c.c();
            boolean gemm = false;
            wsBytes = mem;
            EngineConfig.Pointwise pw = config.pointwise();
            if (gemmShape && pw != EngineConfig.Pointwise.CUDNN) {
                double cudnnMs = pw == EngineConfig.Pointwise.GEMM ? Double.NaN : time(s, this::runCudnn), gemmMs = time(s, this::runGemm);
                gemm = pw == EngineConfig.Pointwise.GEMM || gemmMs < cudnnMs;
                LOG.debug("{}: cuDNN algo {} {} ms, cuBLAS GEMM {} ms -> {}", where, algo, cudnnMs, gemmMs, gemm ? "GEMM" : "cuDNN");
            }
            useGemm = gemm;
            if (gemm) wsBytes = 0; // the workspace the engine allocates need not cover this convolution
            LOG.debug("{}: algo {} math {} workspace {} B", where, algo, math, mem);
        }

        final boolean gemmShape, useGemm;
        final int gemmM, gemmK, gemmC;

        /** Mean ms of {@code r} over 10 runs after 2 warm-ups, by CUDA events on {@code s}. */
        private double time(CudaStream s, java.util.function.Consumer<CudaStream> r) {
            try (CudaEvent e0 = CudaEvent.timing(); CudaEvent e1 = CudaEvent.timing()) {
                r.accept(s);
                r.accept(s);
                e0.record(s);
                for (int i = 0; i < 10; i++) r.accept(s);
                e1.record(s);
                e1.synchronize();
                return e1.elapsedSince(e0) / 10.0;
            }
        }

        /**
         * Sets {@code math}, asks cuDNN for the algorithm's workspace with that math type (the size a
         * find/heuristics entry reports can be that of another math type), and runs the convolution once
         * (on the arena's current contents) so that cuDNN's parameter checks happen now, not at inference.
         * Returns null and the workspace in {@code need[0]}, or why the algorithm cannot be used.
         */
        private String tryAlgorithm(int a, int math, long reported, long[] need) {
            int st = Cudnn.Cnn.cudnnSetConvolutionMathType(convDesc, math);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "cudnnSetConvolutionMathType: " + Cudnn.describe(st);
            long[] bytes = new long[1];
            st = Cudnn.Cnn.cudnnGetConvolutionForwardWorkspaceSize(cudnn, xDesc, wDesc, convDesc, yDesc, a, bytes);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "cudnnGetConvolutionForwardWorkspaceSize: " + Cudnn.describe(st);
            long n = Math.max(bytes[0], reported);
            if (n > workspaceBytes) return "needs " + n + " B of workspace, " + workspaceBytes + " B available";
            st = Cudnn.Cnn.cudnnConvolutionForward(cudnn, one, xDesc, x, wDesc, w, convDesc, a, n == 0 ? 0 : workspace, n, zero, yDesc, y);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) return "trial cudnnConvolutionForward: " + Cudnn.describe(st);
            need[0] = n;
            return null;
        }

        void bindWorkspace() {
            ws = workspace;
        }

        @Override
        public void run(CudaStream s) {
            if (useGemm) runGemm(s);
            else runCudnn(s);
        }

        void runGemm(CudaStream s) {
            // Column-major view: Yᵀ[K, M] = (W as [C, K])ᵀ · Xᵀ[C, M]; W is KRSC = [K, C] row-major.
            int ty = dtype == DType.F16 ? Cublas.CUDA_R_16F : Cublas.CUDA_R_32F;
            Cublas.check(Cublas.cublasGemmStridedBatchedEx(cublas, Cublas.CUBLAS_OP_T, Cublas.CUBLAS_OP_N, gemmK, gemmM, gemmC, one,
                    w, ty, gemmC, 0, x, ty, gemmC, 0, zero, y, ty, gemmK, 0, 1, Cublas.CUBLAS_COMPUTE_32F, Cublas.CUBLAS_GEMM_DEFAULT),
                    "cublasGemmStridedBatchedEx(" + where + " as GEMM)");
        }

        void runCudnn(CudaStream s) {
            int st = Cudnn.Cnn.cudnnConvolutionForward(cudnn, one, xDesc, x, wDesc, w, convDesc, algo, wsBytes == 0 ? 0 : ws,
                    wsBytes, zero, yDesc, y);
            if (st != Cudnn.CUDNN_STATUS_SUCCESS) {
                throw new IllegalStateException("cudnnConvolutionForward(" + where + ", algo " + algo + ", math " + math
                        + ", workspace " + wsBytes + " B) failed: " + Cudnn.describe(st));
            }
        }
    }

    static long[] rowMajor(long[] shape) {
        return Layouts.rowMajor(shape);
    }

    /**
     * Merges adjacent dimensions that are contiguous in every stride set and drops dimensions of
     * size 1, so kernels do fewer divisions. Returns {shape, strides0, strides1, ...}.
     */
    static long[][] coalesce(long[] shape, long[][] strides) {
        List<Long> s = new ArrayList<>();
        List<List<Long>> st = new ArrayList<>();
        for (int k = 0; k < strides.length; k++) st.add(new ArrayList<>());
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) continue;
            if (!s.isEmpty()) {
                int last = s.size() - 1;
                boolean merge = true;
                for (int k = 0; k < strides.length; k++) {
                    if (st.get(k).get(last) != strides[k][d] * shape[d]) { merge = false; break; }
                }
                if (merge) {
                    s.set(last, s.get(last) * shape[d]);
                    for (int k = 0; k < strides.length; k++) st.get(k).set(last, strides[k][d]);
                    continue;
                }
            }
            s.add(shape[d]);
            for (int k = 0; k < strides.length; k++) st.get(k).add(strides[k][d]);
        }
        if (s.isEmpty()) {
            s.add(1L);
            for (int k = 0; k < strides.length; k++) st.get(k).add(0L);
        }
        long[][] r = new long[strides.length + 1][];
        r[0] = s.stream().mapToLong(Long::longValue).toArray();
        for (int k = 0; k < strides.length; k++) r[k + 1] = st.get(k).stream().mapToLong(Long::longValue).toArray();
        return r;
    }

    // ------------------------------------------------------------------ API

    @Override
    public OnnxModel model() { return model; }

    @Override
    public int maxBatch() { return config.maxBatch(); }

    @Override
    public DType precision() { return dtype; }

    public EngineConfig config() { return config; }

    /** Bytes of the activation arena and of the cuDNN workspace. */
    public long arenaBytes() { return arenaBytes; }

    public long workspaceBytes() { return workspaceBytes; }

    /** Launches (kernels and library calls) one infer enqueues at {@code batch}, conversions excluded. */
    public synchronized int launchCount(int batch) {
        return plan(batch).launches.size();
    }

    @Override
    public synchronized void prepare(int... batches) {
        for (int b : batches) plan(b);
    }

    /**
     * Turns graph replay on or off for later {@link #infer} calls (benchmarks and diagnosis: the
     * same plans, algorithms and buffers either way). Has no effect where no graph was captured.
     */
    public synchronized void setGraphsEnabled(boolean enabled) {
        graphsEnabled = enabled;
    }

    /** True when {@link #infer} at {@code batch} replays a CUDA graph (prepares the batch). */
    public synchronized boolean usesGraph(int batch) {
        return graphsEnabled && plan(batch).exec != null;
    }

    /** Whether a graph was captured at {@code batch}, or why not (prepares the batch). */
    public synchronized String graphStatus(int batch) {
        return plan(batch).graphNote;
    }

    /** GPU time of one launch of a plan: its kind (conv, bias_act, copy, layout, binary, ...) and node. */
    public record LaunchTime(String kind, String node, double ms) {}

    /**
     * Times every launch of the plan at {@code batch} on {@code s}: each launch is repeated
     * {@code repeats} times back to back between two CUDA events (so the events' own cost is spread),
     * after one warm-up run of the whole plan. For diagnosis and benchmarks: launches run in
     * isolation with warm caches, and in-place ones (bias + activation) see their own output again,
     * so the arena holds garbage afterwards (the next {@link #infer} recomputes everything from its input).
     */
    public synchronized List<LaunchTime> profile(CudaStream s, int batch, int repeats) {
        GpuPlan p = plan(batch);
        Cuda.ensureCurrent();
        if (lastStream != null && lastStream != s && lastDone != null) lastDone.synchronize();
        int n = p.launches.size();
        CudaEvent[] ev = new CudaEvent[2];
        double[] ms = new double[n];
        try {
            for (int i = 0; i < 2; i++) ev[i] = CudaEvent.timing();
            setStream(s);
            for (Launch l : p.launches) l.run(s);
            for (int i = 0; i < n; i++) {
                Launch l = p.launches.get(i);
                ev[0].record(s);
                for (int r = 0; r < repeats; r++) l.run(s);
                ev[1].record(s);
                ev[1].synchronize();
                ms[i] = ev[1].elapsedSince(ev[0]);
            }
            if (lastDone == null) lastDone = CudaEvent.marker();
            lastDone.record(s); // the arena was written on s
            lastStream = s;
        } finally {
            boundStream = null;
            for (CudaEvent e : ev) if (e != null) e.close();
        }
        List<LaunchTime> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) r.add(new LaunchTime(p.kinds.get(i), p.nodes.get(i), ms[i] / Math.max(1, repeats)));
        return r;
    }

    /** Values stored NHWC, of all values of the plan (0 when channels-last is off or nothing qualifies). */
    public int nhwcValues() {
        return layouts.count();
    }

    public boolean channelsLast() {
        return config.channelsLast();
    }

    private GpuPlan plan(int batch) {
        if (closed.get()) throw new IllegalStateException("engine for " + model.name() + " is closed");
        if (batch < 1 || batch > config.maxBatch()) {
            throw new IllegalArgumentException(model.name() + ": batch " + batch + " outside 1.." + config.maxBatch());
        }
        GpuPlan p = plans.get(batch);
        if (p == null) {
            Cuda.ensureCurrent();
            // Building runs every convolution once (algorithm check) and captures a graph after a warm-up
            // run: both write the arena, so no earlier inference may still be using it.
            if (lastDone != null) lastDone.synchronize();
            try (CudaStream s = CudaStream.create()) {
                setStream(s);
                p = new GpuPlan(batch, false, s);
                s.synchronize();
            } finally {
                boundStream = null;
            }
            p.capture();
            plans.put(batch, p);
            LOG.info("{}: prepared batch {}: {} launches, CUDA graph {}", model.name(), batch, p.launches.size(), p.graphNote);
        }
        return p;
    }

    @Override
    public void infer(CudaStream stream, DeviceTensor input, DeviceTensor output) {
        infer(stream, new DeviceTensor[] {input}, new DeviceTensor[] {output});
    }

    @Override
    public synchronized void infer(CudaStream stream, DeviceTensor[] inputs, DeviceTensor[] outputs) {
        if (closed.get()) throw new IllegalStateException("engine for " + model.name() + " is closed");
        if (inputs.length != maxPlan.inputs.length || outputs.length != maxPlan.outputs.length) {
            throw new IllegalArgumentException(model.name() + " takes " + maxPlan.inputs.length + " input(s) and "
                    + maxPlan.outputs.length + " output(s), got " + inputs.length + " and " + outputs.length);
        }
        long n = inputs[0].rank() > 0 ? inputs[0].dim(0) : 0;
        GpuPlan p = plan((int) n);
        for (int i = 0; i < inputs.length; i++) {
            requireTensor("input " + i, inputs[i], p.plan.shapes[p.plan.inputs[i]]);
        }
        for (int i = 0; i < outputs.length; i++) {
            requireTensor("output " + i, outputs[i], p.plan.shapes[p.plan.outputs[i]]);
        }
        Cuda.ensureCurrent();
        if (lastStream != null && lastStream != stream && lastDone != null) {
            // The previous call's work may still read or write the arena on another stream.
            CudaException.check(cuStreamWaitEvent(stream.handle(), lastDone.handle(), 0), "cuStreamWaitEvent");
        }
        for (int i = 0; i < inputs.length; i++) {
            transfer(stream, p, p.inputCopies[i], inputs[i].address(), inputs[i].dtype(), p.addr(p.plan.inputs[i]), dtype, inputs[i].numel());
        }
        p.enqueue(stream);
        for (int i = 0; i < outputs.length; i++) {
            transfer(stream, p, p.outputCopies[i], p.addr(p.plan.outputs[i]), dtype, outputs[i].address(), outputs[i].dtype(),
                    outputs[i].numel());
        }
        if (lastDone == null) lastDone = CudaEvent.marker();
        lastDone.record(stream);
        lastStream = stream;
    }

    private void requireTensor(String what, DeviceTensor t, long[] shape) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.F16) {
            throw new IllegalArgumentException(model.name() + ": " + what + " must be F32 or F16, got " + t.describe());
        }
        if (!Arrays.equals(t.shape(), shape) || !t.isContiguous()) {
            throw new IllegalArgumentException(model.name() + ": " + what + " must be a contiguous " + Arrays.toString(shape)
                    + ", got " + t.describe());
        }
    }

    /** Input into the arena or output out of it: a converting copy, permuting where the arena value is NHWC. */
    private void transfer(CudaStream s, GpuPlan p, IoCopy c, long from, DType fromType, long to, DType toType, long n) {
        if (n == 0) return;
        int a = fromType == DType.F16 ? 1 : 0, b = toType == DType.F16 ? 1 : 0;
        if (c == null) {
            converters[a][b].launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, from, to, n);
        } else {
            permuters[a][b].launch(s, blocks(n), 1, 1, THREADS, 1, 1, 0, from, to, c.rank(), c.n(), p.metaAddress(c.ref()), c.span());
        }
    }

    @Override
    public synchronized void close() {
        if (!closed.compareAndSet(false, true)) return;
        try {
            Cuda.ensureCurrent();
            if (lastDone != null) {
                lastDone.synchronize();
                lastDone.close();
            }
        } catch (RuntimeException e) {
            LOG.error("{}: waiting for the last inference failed", model.name(), e);
        }
        for (int i = destroyers.size() - 1; i >= 0; i--) {
            try {
                destroyers.get(i).run();
            } catch (RuntimeException e) {
                LOG.error("{}: releasing a cuDNN/cuBLAS object failed", model.name(), e);
            }
        }
        for (DeviceBuffer b : buffers) b.close();
        buffers.clear();
    }

    @Override
    public String toString() {
        return "CudnnEngine[" + model.name() + ", " + dtype + ", max batch " + config.maxBatch() + "]";
    }
}
