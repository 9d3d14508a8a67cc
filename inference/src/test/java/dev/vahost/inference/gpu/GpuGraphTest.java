package dev.vahost.inference.gpu;

import java.util.Arrays;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.Goldens;
import dev.vahost.inference.TestDetector;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CUDA graph replay with changing batch sizes, buffers and streams: the classic graph bug is a
 * pointer baked into the graph that should have followed the caller's tensors. The test detector
 * (max batch 8, graphs at batch 8 and 3) alternates between two input buffers holding different
 * images, two output buffers and two streams; every result is checked against onnxruntime's output
 * for exactly those images (fp32 1e-3, fp16 2e-2 relative), with the outputs poisoned with NaN
 * before each call. One round enqueues on both streams without a host sync in between, so the
 * engine's cross-stream ordering is exercised too. Not covered: concurrent infer calls from several
 * threads (they serialise on the engine).
 */
@Tag("gpu")
class GpuGraphTest {
    private static final int PER_IN = 3 * 320 * 320, PER_OUT = 7 * 2000;

    @Test
    void alternatingBatchSizesBuffersAndStreamsMatchOnnxruntime() {
        GpuTests.require("inference/glue");
        float[] images = Goldens.detectorImages(0, 16);
        float[] expected = Goldens.detectorOutput(0, 16);
        try (DevicePool pool = DevicePool.create("inference-graph-test", 2L << 30);
             CudaStream s1 = CudaStream.create();
             CudaStream s2 = CudaStream.create()) {
            for (DType precision : new DType[] {DType.F16, DType.F32}) {
                EngineConfig cfg = new EngineConfig(8, precision, 256L << 20, true, new int[0]);
                assertTrue(cfg.graphs(), "graphs are the default");
                try (CudnnEngine engine = CudnnEngine.load(TestDetector.model(), cfg, pool);
                     DeviceBuffer inA = pool.allocate(4L * PER_IN * 8, "images 0..7");
                     DeviceBuffer inB = pool.allocate(4L * PER_IN * 8, "images 8..15");
                     DeviceBuffer outA = pool.allocate(4L * PER_OUT * 8, "output A");
                     DeviceBuffer outB = pool.allocate(4L * PER_OUT * 8, "output B")) {
                    Transfers.toDevice(inA.address(), Arrays.copyOfRange(images, 0, 8 * PER_IN));
                    Transfers.toDevice(inB.address(), Arrays.copyOfRange(images, 8 * PER_IN, 16 * PER_IN));
                    engine.prepare(3);
                    assertTrue(engine.usesGraph(8), "batch 8: " + engine.graphStatus(8));
                    assertTrue(engine.usesGraph(3), "batch 3: " + engine.graphStatus(3));
                    float tol = precision == DType.F32 ? 1e-3f : 2e-2f;
                    // {batch, input (0 = A, 1 = B), output (0 = A, 1 = B), stream (1 or 2)}
                    int[][] calls = {{8, 0, 0, 1}, {3, 1, 1, 1}, {8, 1, 0, 2}, {3, 0, 1, 2}, {8, 0, 1, 1}, {3, 1, 0, 1}};
                    for (int[] c : calls) {
                        CudaStream s = c[3] == 1 ? s1 : s2;
                        DeviceBuffer out = c[2] == 0 ? outA : outB;
                        poison(out, c[0]);
                        run(engine, s, c[1] == 0 ? inA : inB, out, c[0]);
                        s.synchronize();
                        check(precision, c, out, expected, tol);
                    }
                    // Back to back on two streams, one sync at the end: the second call must wait for the first.
                    poison(outA, 8);
                    poison(outB, 3);
                    run(engine, s1, inB, outA, 8);
                    run(engine, s2, inA, outB, 3);
                    s2.synchronize();
                    s1.synchronize();
                    check(precision, new int[] {8, 1, 0, 1}, outA, expected, tol);
                    check(precision, new int[] {3, 0, 1, 2}, outB, expected, tol);
                }
            }
            assertEquals(0, pool.outstandingBuffers(), "engine and test buffers released");
        }
    }

    private static void run(CudnnEngine engine, CudaStream s, DeviceBuffer in, DeviceBuffer out, int batch) {
        DeviceTensor x = DeviceTensor.of(in, DType.F32, 8, 3, 320, 320).narrow(0, batch);
        DeviceTensor y = DeviceTensor.of(out, DType.F32, 8, 7, 2000).narrow(0, batch);
        engine.infer(s, x, y);
    }

    private static void poison(DeviceBuffer out, int batch) {
        float[] nan = new float[batch * PER_OUT];
        Arrays.fill(nan, Float.NaN);
        Transfers.toDevice(out.address(), nan);
    }

    private static void check(DType precision, int[] c, DeviceBuffer out, float[] expected, float tol) {
        int batch = c[0], first = c[1] == 0 ? 0 : 8;
        float[] got = new float[batch * PER_OUT];
        Transfers.toHost(got, out.address());
        float[] exp = Arrays.copyOfRange(expected, first * PER_OUT, (first + batch) * PER_OUT);
        double err = Goldens.maxError(got, exp);
        int w = Goldens.worstIndex(got, exp);
        String what = precision + " batch " + batch + " input " + (c[1] == 0 ? "A" : "B") + " output " + (c[2] == 0 ? "A" : "B")
                + " stream " + c[3];
        assertTrue(err <= tol, what + ": error " + err + " at " + w + " (gpu " + got[w] + ", onnxruntime " + exp[w] + ")");
    }
}
