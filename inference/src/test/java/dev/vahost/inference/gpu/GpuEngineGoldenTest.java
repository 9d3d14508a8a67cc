package dev.vahost.inference.gpu;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.Goldens;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU engine against onnxruntime CPU on every golden case, in fp32 (tolerance 1e-3 relative as
 * |gpu - ort| / (1 + |ort|): cuDNN picks algorithms whose summation order differs) and fp16 (5e-2:
 * fp16 storage has 11 significant bits and errors grow through deep graphs; the fp16 bound is the
 * documented accuracy of this engine). Every case must load, asymmetric padding included. Each case runs
 * twice on the same engine: by CUDA graph replay (which must have been captured wherever the plan
 * has launches) and launch by launch, with the outputs poisoned with NaN in between so that a stale
 * result cannot pass. Every case runs with NCHW storage and with channels-last storage (the engine's
 * fp16 default); single-operator models then run their operator on NHWC values, the model's input
 * and output permuted on the way in and out. A channels-last engine must not silently fall back.
 */
@Tag("gpu")
class GpuEngineGoldenTest {
    private static DevicePool pool;

    @BeforeAll
    static void gpu() {
        GpuTests.require("inference/glue");
        pool = DevicePool.create("inference-golden-test", 2L << 30);
    }

    @AfterAll
    static void release() {
        if (pool != null) pool.close();
    }

    static List<Arguments> cases() {
        List<Arguments> r = new ArrayList<>();
        for (Goldens.Case c : Goldens.cases()) {
            for (String layout : new String[] {"NCHW", "NHWC", "NHWC-gemm"}) {
                r.add(Arguments.of(c, DType.F32, layout));
                r.add(Arguments.of(c, DType.F16, layout));
            }
        }
        return r;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void matchesOnnxruntime(Goldens.Case c, DType precision, String layout) {
        OnnxModel model = Goldens.model(c.model());
        int batch = (int) Goldens.tensor(c.inputs().get(0)).dim(0);
        // NHWC-gemm: every NHWC 1x1 convolution as a cuBLAS GEMM (in "NHWC" the faster of the two is taken).
        EngineConfig cfg = new EngineConfig(batch, precision, 64L << 20, true, new int[0], true, layout.startsWith("NHWC"),
                layout.equals("NHWC-gemm") ? EngineConfig.Pointwise.GEMM : EngineConfig.Pointwise.AUTO);
        // Every golden loads, asymmetric padding too (a zero-padding step before a symmetric convolution).
        CudnnEngine engine = CudnnEngine.load(model, cfg, pool);
        assertEquals(layout.startsWith("NHWC"), engine.channelsLast(), c.name() + " " + precision + " " + layout + ": layout fell back");
        List<DeviceBuffer> bufs = new ArrayList<>();
        try (engine; CudaStream s = CudaStream.create()) {
            DeviceTensor[] in = new DeviceTensor[c.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                Tensor t = Goldens.tensor(c.inputs().get(i));
                DeviceBuffer b = pool.allocate(4L * t.size(), "golden input");
                bufs.add(b);
                Transfers.toDevice(b.address(), t.floats());
                in[i] = DeviceTensor.of(b, DType.F32, t.shape());
            }
            DeviceTensor[] out = new DeviceTensor[c.outputs().size()];
            for (int o = 0; o < out.length; o++) {
                long[] shape = engine.outputShape(o, batch);
                DeviceBuffer b = pool.allocate(4L * Tensor.numel(shape), "golden output");
                bufs.add(b);
                out[o] = DeviceTensor.of(b, DType.F32, shape);
            }
            float tol = precision == DType.F32 ? 1e-3f : 5e-2f;
            for (boolean graph : new boolean[] {true, false}) {
                engine.setGraphsEnabled(graph);
                if (graph && engine.launchCount(batch) > 0) {
                    assertTrue(engine.usesGraph(batch), c.name() + " " + precision + ": no CUDA graph: " + engine.graphStatus(batch));
                }
                for (DeviceTensor t : out) {
                    float[] nan = new float[(int) t.numel()];
                    java.util.Arrays.fill(nan, Float.NaN);
                    Transfers.toDevice(t.address(), nan);
                }
                engine.infer(s, in, out);
                s.synchronize();
                String mode = graph ? "graph" : "launch by launch";
                for (int o = 0; o < out.length; o++) {
                    float[] got = new float[(int) out[o].numel()];
                    Transfers.toHost(got, out[o].address());
                    float[] exp = Goldens.tensor(c.outputs().get(o)).floats();
                    double err = Goldens.maxError(got, exp);
                    int w = Goldens.worstIndex(got, exp);
                    assertTrue(err <= tol, c.name() + " " + precision + " " + layout + " (" + engine.nhwcValues() + " values NHWC) " + mode + " output " + o + ": error " + err + " > " + tol
                            + " at " + w + " (gpu " + got[w] + ", onnxruntime " + exp[w] + ")");
                }
            }
        } finally {
            bufs.forEach(DeviceBuffer::close);
        }
    }
}
