package dev.vahost.inference.internal.gpu;

import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;

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

/**
 * A prepared batch size's launches captured into one CUDA graph: on a private stream, in
 * thread-local capture mode (other threads of the process, decoders and other engines, stay free to
 * allocate and synchronise meanwhile), after a warm-up run so that lazily loaded kernels and the
 * libraries' first-use set-up happen outside the capture, then instantiated and replayed once as a
 * check. On any failure the plan keeps launching one by one and {@link #note()} says why.
 */
final class GraphCapture {
    private static final Logger LOG = LoggerFactory.getLogger(GraphCapture.class);
    private CUgraphExec exec;
    private String note = "not captured";

    CUgraphExec exec() {
        return exec;
    }

    String note() {
        return note;
    }

    void off(String why) {
        note = why;
    }

    void launch(CudaStream s, Supplier<String> what) {
        CudaException.check(cuGraphLaunch(exec, s.handle()), () -> "cuGraphLaunch(" + what.get() + ")");
    }

    /** Captures {@code p}'s launches; called with the final workspace allocated and no inference in flight. */
    void capture(GpuPlan p, Resources r) {
        if (p.launches.isEmpty()) {
            note = "not needed (no launches)";
            return;
        }
        long t0 = System.nanoTime();
        CudaStream cs = CudaStream.create();
        try {
            p.runLaunches(cs);
            cs.synchronize();
            int res = cuStreamBeginCapture(cs.handle(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
            if (res != CUresult.CUDA_SUCCESS) {
                note = fallback(r, p, "cuStreamBeginCapture: " + CUresult.stringFor(res));
                return;
            }
            RuntimeException failure = null;
            try {
                p.runLaunches(cs);
            } catch (RuntimeException e) {
                failure = e;
            }
            CUgraph g = new CUgraph();
            res = cuStreamEndCapture(cs.handle(), g); // always end the capture, also after a failed launch
            if (failure != null || res != CUresult.CUDA_SUCCESS) {
                if (res == CUresult.CUDA_SUCCESS) cuGraphDestroy(g);
                note = fallback(r, p, failure != null ? "a launch failed under capture: " + failure.getMessage()
                        : "cuStreamEndCapture: " + CUresult.stringFor(res));
                return;
            }
            CUgraphExec ex = new CUgraphExec();
            res = cuGraphInstantiate(ex, g, 0L);
            if (res != CUresult.CUDA_SUCCESS) {
                cuGraphDestroy(g);
                note = fallback(r, p, "cuGraphInstantiate: " + CUresult.stringFor(res));
                return;
            }
            res = cuGraphLaunch(ex, cs.handle());
            if (res == CUresult.CUDA_SUCCESS) res = cuStreamSynchronize(cs.handle());
            if (res != CUresult.CUDA_SUCCESS) {
                cuGraphExecDestroy(ex);
                cuGraphDestroy(g);
                note = fallback(r, p, "first replay: " + CUresult.stringFor(res));
                return;
            }
            exec = ex;
            r.onClose(() -> {
                cuGraphExecDestroy(ex);
                cuGraphDestroy(g);
            });
            note = "captured (" + p.launches.size() + " launches, " + (System.nanoTime() - t0) / 1_000_000 + " ms)";
        } finally {
            r.unbindStream(); // the handles pointed at the capture stream
            cs.close();
        }
    }

    private static String fallback(Resources r, GpuPlan p, String why) {
        LOG.warn("{}: no CUDA graph at batch {}, launching one by one: {}", r.model, p.batch, why);
        return "failed, launches one by one (" + why + ")";
    }
}
