package dev.vahost.inference.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.CpuEngine;
import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.ops.OpCase;
import dev.vahost.inference.ops.OpCases;
import dev.vahost.inference.ops.Ort;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every operator case on the GPU engine, fp32 NCHW, fp16 NCHW and fp16 channels-last, graph replay
 * and launch by launch (outputs poisoned with NaN in between): against the CPU executor (which
 * OpCasesCpuTest checks against onnxruntime in CI) and against onnxruntime itself when its jar is in
 * the bundle. Tolerances per case: fp32 ten times the case's CPU tolerance (at least 1e-3: cuDNN and
 * cuBLAS sum in other orders), fp16 the case's fp16 tolerance.
 */
@Tag("gpu")
class OpCasesGpuTest {
    private static DevicePool pool;

    @BeforeAll
    static void gpu() {
        GpuTests.require("inference/glue", "inference/index", "inference/topk", "inference/gridsample", "inference/reduce",
                "inference/pool", "inference/resize", "inference/convlike");
        pool = DevicePool.create("inference-opcase-test", 2L << 30);
    }

    @AfterAll
    static void release() {
        if (pool != null) pool.close();
    }

    static List<Arguments> cases() {
        List<Arguments> r = new ArrayList<>();
        for (OpCase c : OpCases.all()) {
            r.add(Arguments.of(c, DType.F32, false, EngineConfig.Fusion.AUTO));
            r.add(Arguments.of(c, DType.F16, false, EngineConfig.Fusion.AUTO));
            r.add(Arguments.of(c, DType.F16, true, EngineConfig.Fusion.AUTO));
            // channel views and residuals: convolutions on views / with their residual Add fused (ON; AUTO where faster) or not (OFF)
            if (c.name().contains("in_place") || c.name().contains("in_graph")) {
                r.add(Arguments.of(c, DType.F16, true, EngineConfig.Fusion.OFF));
                r.add(Arguments.of(c, DType.F16, true, EngineConfig.Fusion.ON));
            }
        }
        return r;
    }

    @ParameterizedTest(name = "{0} {1} nhwc={2} fusion={3}")
    @MethodSource("cases")
    void matchesTheCpuExecutorAndOnnxruntime(OpCase c, DType precision, boolean nhwc, EngineConfig.Fusion fusion) {
        OnnxModel model = OnnxModel.parse(c.model(), c.name());
        int batch = c.shapes().get(0).length > 0 ? (int) c.shapes().get(0)[0] : 1;
        float[][] cpu;
        try (CpuEngine e = CpuEngine.create(model, 2)) {
            cpu = e.runAll(c.inputs().toArray(new float[0][]), batch);
        }
        float[][] ort = Ort.available() ? Ort.run(c.model(), c.inputNames(), c.inputs(), c.shapes()) : null;
        EngineConfig cfg = new EngineConfig(batch, precision, 64L << 20, true, new int[0], true, nhwc).withFusion(fusion);
        List<DeviceBuffer> bufs = new ArrayList<>();
        try (CudnnEngine engine = CudnnEngine.load(model, cfg, pool); CudaStream s = CudaStream.create()) {
            DeviceTensor[] in = new DeviceTensor[c.inputs().size()];
            for (int i = 0; i < in.length; i++) {
                DeviceBuffer b = pool.allocate(4L * c.inputs().get(i).length, "case input");
                bufs.add(b);
                Transfers.toDevice(b.address(), c.inputs().get(i));
                in[i] = DeviceTensor.of(b, DType.F32, c.shapes().get(i));
            }
            DeviceTensor[] out = new DeviceTensor[cpu.length];
            for (int o = 0; o < out.length; o++) {
                long[] shape = engine.outputShape(o, batch);
                DeviceBuffer b = pool.allocate(4L * Math.max(1, Tensor.numel(shape)), "case output");
                bufs.add(b);
                out[o] = DeviceTensor.of(b, DType.F32, shape);
            }
            double tol = precision == DType.F32 ? Math.max(1e-3, 10 * c.tolerance()) : c.fp16Tolerance();
            for (boolean graph : new boolean[] {true, false}) {
                engine.setGraphsEnabled(graph);
                for (DeviceTensor t : out) {
                    float[] nan = new float[(int) t.numel()];
                    Arrays.fill(nan, Float.NaN);
                    Transfers.toDevice(t.address(), nan);
                }
                engine.infer(s, in, out);
                s.synchronize();
                for (int o = 0; o < out.length; o++) {
                    float[] got = new float[(int) out[o].numel()];
                    Transfers.toHost(got, out[o].address());
                    String what = c.name() + " " + precision + (nhwc ? " NHWC" : " NCHW") + " fusion " + fusion + (graph ? " graph" : " launches") + " output " + o;
                    check(what + " vs CPU executor", got, cpu[o], tol);
                    if (ort != null) check(what + " vs onnxruntime", got, ort[o], tol);
                }
            }
        } finally {
            bufs.forEach(DeviceBuffer::close);
        }
    }

    private static void check(String what, float[] got, float[] expected, double tol) {
        double err = OpCase.maxError(got, expected);
        int w = OpCase.worstIndex(got, expected);
        assertTrue(err <= tol, what + ": error " + err + " > " + tol + " at " + w + " (gpu " + got[w] + ", expected " + expected[w] + ")");
    }
}
