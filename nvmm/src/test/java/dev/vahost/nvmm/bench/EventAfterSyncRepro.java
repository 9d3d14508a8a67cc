package dev.vahost.nvmm.bench;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;

import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.PinnedHostBuffer;

import static jcuda.driver.JCudaDriver.*;

/**
 * A reproducer for the service's "late completion marker" (issue 12): an event recorded on a stream
 * after the batch's results copy, queried right after cuStreamSynchronize on that stream, was
 * sometimes reported not ready (about 1 in 1,000-7,000 batches). Outside the service, per variant,
 * {@code --iterations} times: [work] then a 64 KiB device-to-host copy into pinned memory, the event
 * recorded, cuStreamSynchronize, cuEventQuery (counted when not ready; then waited for, and the copy's
 * data checked). Variants: plain async memsets; a replayed CUDA graph (memsets and a device copy,
 * captured in thread-local mode) as the engine replays its graphs; and the graph with a second
 * thread doing the same on its own stream (as the decoders and the release reaper do beside the batch
 * thread).
 *
 * <pre>java -cp ... dev.vahost.nvmm.bench.EventAfterSyncRepro [--iterations 20000]</pre>
 */
public final class EventAfterSyncRepro {
    public static void main(String[] args) {
        int iterations = args.length >= 2 && args[0].equals("--iterations") ? Integer.parseInt(args[1]) : 20_000;
        Cuda.requireAvailable();
        Cuda.ensureCurrent();
        System.out.println("EventAfterSyncRepro on " + Cuda.describeDevice() + ", " + iterations + " iterations per variant");
        for (String variant : new String[] {"memsets", "graph", "graph + a second busy thread", "graph + a thread churning resources"}) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong noiseLate = new AtomicLong(), noiseRounds = new AtomicLong();
            Thread noise = null;
            if (variant.contains("churning")) {
                noise = new Thread(() -> churn(stop, noiseRounds), "churn");
                noise.start();
            } else if (variant.contains("second")) {
                noise = new Thread(() -> {
                    Cuda.ensureCurrent();
                    try (Rig r = new Rig(true)) {
                        while (!stop.get()) {
                            if (r.round((int) noiseRounds.incrementAndGet())) noiseLate.incrementAndGet();
                        }
                    }
                }, "noise");
                noise.start();
            }
            long late = 0, wrong = 0;
            long t0 = System.nanoTime();
            try (Rig r = new Rig(!variant.equals("memsets"))) {
                for (int i = 1; i <= iterations; i++) {
                    if (r.round(i)) late++;
                    if (r.lastValue() != i) wrong++;
                }
            }
            stop.set(true);
            if (noise != null) {
                try {
                    noise.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String beside = noise == null ? "" : variant.contains("churning")
                    ? String.format(Locale.ROOT, "; churn rounds: %d", noiseRounds.get())
                    : String.format(Locale.ROOT, "; second thread: %d of %d", noiseLate.get(), noiseRounds.get());
            System.out.printf(Locale.ROOT, "REPRO %-36s not ready after the stream sync: %d of %d (wrong data after waiting: %d)%s, %.1f us per round%n",
                    variant, late, iterations, wrong, beside, (System.nanoTime() - t0) / 1e3 / iterations);
        }
    }

    /**
     * What happens beside the batch thread while the service starts its cameras (the late markers
     * seen on the GPU came in the first batches, while decoders were still being created): device
     * and pinned allocations and frees (frees synchronise implicitly), streams and events created
     * and destroyed, the context pushed and popped, as GStreamer's nvcodec does per new decoder.
     */
    static void churn(AtomicBoolean stop, AtomicLong rounds) {
        jcuda.driver.CUcontext ctx = Cuda.context();
        while (!stop.get()) {
            CudaException.check(cuCtxPushCurrent(ctx), "cuCtxPushCurrent");
            CUdeviceptr d = new CUdeviceptr();
            CudaException.check(cuMemAlloc(d, 32L << 20), "cuMemAlloc");
            jcuda.Pointer h = new jcuda.Pointer();
            CudaException.check(cuMemHostAlloc(h, 4L << 20, 0), "cuMemHostAlloc");
            jcuda.driver.CUstream s = new jcuda.driver.CUstream();
            CudaException.check(cuStreamCreate(s, 0), "cuStreamCreate");
            jcuda.driver.CUevent e = new jcuda.driver.CUevent();
            CudaException.check(cuEventCreate(e, jcuda.driver.CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            CudaException.check(cuMemsetD32Async(d, 7, 8L << 20, s), "memset");
            CudaException.check(cuEventRecord(e, s), "cuEventRecord");
            CudaException.check(cuEventSynchronize(e), "cuEventSynchronize");
            cuEventDestroy(e);
            cuStreamDestroy(s);
            cuMemFreeHost(h);
            cuMemFree(d);
            jcuda.driver.CUcontext popped = new jcuda.driver.CUcontext();
            CudaException.check(cuCtxPopCurrent(popped), "cuCtxPopCurrent");
            rounds.incrementAndGet();
        }
    }

    /** One stream, its buffers, event and (optionally) a captured graph. */
    static final class Rig implements AutoCloseable {
        static final int WORDS = 16 * 1024; // 64 KiB
        final CudaStream stream = CudaStream.create();
        final CudaEvent done = CudaEvent.marker();
        final CUdeviceptr a = new CUdeviceptr(), b = new CUdeviceptr();
        final PinnedHostBuffer host = new PinnedHostBuffer(4L * WORDS);
        final CUgraph graph;
        final CUgraphExec exec;

        Rig(boolean withGraph) {
            CudaException.check(cuMemAlloc(a, 4L * WORDS * 64), "cuMemAlloc");
            CudaException.check(cuMemAlloc(b, 4L * WORDS), "cuMemAlloc");
            if (withGraph) {
                CudaStream cs = CudaStream.create();
                CudaException.check(cuStreamBeginCapture(cs.handle(), CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL), "capture");
                for (int k = 0; k < 8; k++) CudaException.check(cuMemsetD32Async(a, k, (long) WORDS * 64, cs.handle()), "memset");
                graph = new CUgraph();
                CudaException.check(cuStreamEndCapture(cs.handle(), graph), "end capture");
                exec = new CUgraphExec();
                CudaException.check(cuGraphInstantiate(exec, graph, 0L), "instantiate");
                cs.close();
            } else {
                graph = null;
                exec = null;
            }
        }

        /** One round writing {@code value}; true when the event was not ready right after the stream sync. */
        boolean round(int value) {
            if (exec != null) {
                CudaException.check(cuGraphLaunch(exec, stream.handle()), "graph launch");
            } else {
                for (int k = 0; k < 8; k++) CudaException.check(cuMemsetD32Async(a, k, (long) WORDS * 64, stream.handle()), "memset");
            }
            CudaException.check(cuMemsetD32Async(b, value, WORDS, stream.handle()), "memset");
            CudaException.check(cuMemcpyDtoHAsync(host.pointer(), b, 4L * WORDS, stream.handle()), "copy");
            done.record(stream);
            CudaException.check(cuStreamSynchronize(stream.handle()), "sync");
            int q = cuEventQuery(done.handle());
            if (q == CUresult.CUDA_SUCCESS) return false;
            if (q != CUresult.CUDA_ERROR_NOT_READY) CudaException.check(q, "cuEventQuery");
            done.synchronize();
            return true;
        }

        int lastValue() {
            return host.buffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4 * (WORDS - 1));
        }

        @Override
        public void close() {
            stream.close();
            done.close();
            host.close();
            if (exec != null) {
                cuGraphExecDestroy(exec);
                cuGraphDestroy(graph);
            }
            cuMemFree(a);
            cuMemFree(b);
        }
    }
}
