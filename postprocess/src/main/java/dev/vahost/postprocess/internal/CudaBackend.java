package dev.vahost.postprocess.internal;

import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.PinnedHostBuffer;
import dev.vahost.nvmm.cuda.Transfers;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The CUDA backend: pool allocations, fatbin kernels, pinned buffers, counted {@link Transfers}. */
public final class CudaBackend implements Backend {
    private final DevicePool pool;
    private final String name;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
    private PinnedHostBuffer result;
    private PinnedHostBuffer staging;
    private CudaEvent done;

    public CudaBackend(DevicePool pool, String name) {
        this.pool = pool;
        this.name = name;
    }

    @Override
    public long allocate(long bytes, String purpose) {
        DeviceBuffer b = pool.allocate(bytes, name + ": " + purpose);
        buffers.add(b);
        return b.address();
    }

    @Override
    public void reserveHost(long resultBytes, int uploadFloats) {
        result = new PinnedHostBuffer(resultBytes);
        staging = new PinnedHostBuffer(4L * uploadFloats);
        done = CudaEvent.marker();
    }

    private Kernel kernel(String module, String kernel) {
        return kernels.computeIfAbsent(module + ":" + kernel, k -> KernelModule.load("postprocess", module).kernel(kernel));
    }

    @Override
    public void requireKernel(String module, String kernel) {
        kernel(module, kernel);
    }

    @Override
    public void launch(Object stream, String module, String kernel, int gx, int gy, int gz, int bx, int by, int bz,
                       Object... args) {
        kernel(module, kernel).launch((CudaStream) stream, gx, gy, gz, bx, by, bz, 0, args);
    }

    @Override
    public void upload(long dst, float[] src) {
        Transfers.toDevice(dst, src);
    }

    @Override
    public void uploadAsync(Object stream, long dst, float[] src, int count) {
        ByteBuffer bb = staging.buffer();
        for (int i = 0; i < count; i++) bb.putFloat(4 * i, src[i]);
        Transfers.toDeviceAsync((CudaStream) stream, dst, staging, 0, 4L * count);
    }

    @Override
    public ByteBuffer downloadAsync(Object stream, long src, long bytes) {
        Transfers.toHostAsync((CudaStream) stream, result, 0, src, bytes);
        return result.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void markDone(Object stream) {
        lastStream = (CudaStream) stream;
        done.record(lastStream);
    }

    private CudaStream lastStream;

    @Override
    public String diagnoseLateMarker() {
        jcuda.driver.CUcontext current = new jcuda.driver.CUcontext();
        int ctx = jcuda.driver.JCudaDriver.cuCtxGetCurrent(current);
        int streamState = lastStream == null ? -1 : jcuda.driver.JCudaDriver.cuStreamQuery(lastStream.handle());
        boolean again = done.isComplete();
        return "stream query " + (streamState == 0 ? "idle" : jcuda.driver.CUresult.stringFor(streamState))
                + ", current context " + (ctx != 0 ? jcuda.driver.CUresult.stringFor(ctx)
                : current.equals(dev.vahost.nvmm.cuda.Cuda.context()) ? "ours" : "OTHER (" + current + ")")
                + ", event queried again at once: " + (again ? "complete" : "not ready")
                + ", thread " + Thread.currentThread().getName();
    }

    @Override
    public boolean isDone() {
        return done.isComplete();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (AutoCloseable c : new AutoCloseable[] {done, result, staging}) {
            try {
                if (c != null) c.close();
            } catch (Exception e) {
                if (first == null) first = new IllegalStateException("closing " + name, e);
            }
        }
        buffers.forEach(DeviceBuffer::close);
        buffers.clear();
        if (first != null) throw first;
    }
}
