package dev.vahost.inference;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Softmax over axes longer than the GPU kernel's register path (32): the onnxruntime goldens have
 * axes of 16 and 10 only, so these cases compare the GPU engine with the CPU executor (an
 * independent Java implementation of the same ONNX semantics) on models built here, fp32, NCHW and
 * NHWC (axis 1 of a rank-4 value is the channel axis, which NHWC stores innermost).
 */
@Tag("gpu")
class GpuLongSoftmaxTest {
    private static DevicePool pool;

    @BeforeAll
    static void gpu() {
        GpuTests.require("inference/glue");
        pool = DevicePool.create("inference-softmax-test", 1L << 30);
    }

    @AfterAll
    static void release() {
        if (pool != null) pool.close();
    }

    @ParameterizedTest(name = "axis {0} of [2,{1},{2},{3}], channels-last {4}")
    @CsvSource({"1, 100, 3, 5, false", "1, 100, 3, 5, true", "1, 33, 2, 2, true", "-1, 3, 4, 70, false", "-1, 3, 4, 70, true",
            "1, 16, 3, 5, true"})
    void matchesTheCpuExecutor(int axis, int c, int h, int w, boolean channelsLast) {
        byte[] bytes = TestModels.model(8, 17, List.of(TestModels.node("Softmax", List.of("x"), List.of("y"),
                TestModels.intAttr("axis", axis))), List.of(), List.of(TestModels.valueInfo("x", -1, c, h, w)),
                List.of(TestModels.valueInfo("y")));
        OnnxModel model = OnnxModel.parse(bytes, "softmax-" + axis + "-" + c + "x" + h + "x" + w);
        int n = 2;
        float[] x = new float[n * c * h * w];
        Random r = new Random(axis * 31 + c);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextGaussian() * 4);
        float[] expected;
        try (CpuEngine cpu = CpuEngine.create(model, 1)) {
            expected = cpu.run(x, n);
        }
        EngineConfig cfg = new EngineConfig(n, DType.F32, 0, false, new int[0], true, channelsLast);
        try (CudnnEngine engine = CudnnEngine.load(model, cfg, pool); CudaStream s = CudaStream.create();
             DeviceBuffer in = pool.allocate(4L * x.length, "x"); DeviceBuffer out = pool.allocate(4L * x.length, "y")) {
            // Only a softmax over the channel axis runs NHWC; another axis keeps its values NCHW.
            assertEquals(channelsLast && axis == 1, engine.nhwcValues() > 0, "layout of " + model.name());
            Transfers.toDevice(in.address(), x);
            engine.infer(s, DeviceTensor.of(in, DType.F32, n, c, h, w), DeviceTensor.of(out, DType.F32, n, c, h, w));
            s.synchronize();
            float[] got = new float[x.length];
            Transfers.toHost(got, out.address());
            double err = Goldens.maxError(got, expected);
            assertTrue(err <= 1e-5, model.name() + " channels-last " + channelsLast + ": error " + err);
        }
    }
}
