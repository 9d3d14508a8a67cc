package dev.vahost.nvmm.cuda;

import java.util.concurrent.atomic.AtomicBoolean;

import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;

import static jcuda.driver.JCudaDriver.*;

/** A CUDA event: timing (benchmarks) or completion tracking (stream-ordered release). */
public final class CudaEvent implements AutoCloseable {
    private final CUevent event = new CUevent();
    private final AtomicBoolean closed = new AtomicBoolean();

    private CudaEvent(int flags) {
        Cuda.ensureCurrent();
        CudaException.check(cuEventCreate(event, flags), "cuEventCreate");
    }

    /** An event that can time work (cuEventElapsedTime). */
    public static CudaEvent timing() {
        return new CudaEvent(CUevent_flags.CU_EVENT_DEFAULT);
    }

    /** A cheaper event for completion tracking only. */
    public static CudaEvent marker() {
        return new CudaEvent(CUevent_flags.CU_EVENT_DISABLE_TIMING);
    }

    public CUevent handle() {
        check();
        return event;
    }

    public void record(CudaStream stream) {
        check();
        CudaException.check(cuEventRecord(event, stream.handle()), "cuEventRecord");
    }

    /** True when the work before the last record has completed. */
    public boolean isComplete() {
        check();
        Cuda.ensureCurrent();
        int r = cuEventQuery(event);
        if (r == CUresult.CUDA_ERROR_NOT_READY) {
            return false;
        }
        CudaException.check(r, "cuEventQuery");
        return true;
    }

    public void synchronize() {
        check();
        Cuda.ensureCurrent();
        CudaException.check(cuEventSynchronize(event), "cuEventSynchronize");
    }

    /** Milliseconds between {@code start} and this event (both recorded and complete). */
    public float elapsedSince(CudaEvent start) {
        float[] ms = new float[1];
        CudaException.check(cuEventElapsedTime(ms, start.handle(), handle()), "cuEventElapsedTime");
        return ms[0];
    }

    private void check() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA event is closed");
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Cuda.ensureCurrent();
            cuEventDestroy(event);
        }
    }
}
