package dev.vahost.inference.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.CpuEngine;
import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.DetectorReference;
import dev.vahost.inference.Goldens;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.TestDetector;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.ops.OpCase;
import dev.vahost.inference.ops.OpCases;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Convolutions fused with their bias and activation (one cuDNN backend graph, EngineConfig.Fusion)
 * against the unfused path (the convolution, then the bias/activation kernel) and the CPU executor,
 * fp16 channels-last, by graph replay and launch by launch:
 * <ul>
 * <li>the conv + bias + activation operator cases (ReLU, SiLU, sigmoid, tanh, bias only; 1x1 and 3x3,
 * stride 2): each must run fused (one "conv-fused" launch in the profile; cuDNN 9 has runtime-fusion
 * engines for these on sm_80+; the stems on 3 input channels run as the engine's direct kernel with fusion ON,
 * one "conv-fewc" launch) and match the CPU executor within the case's fp16 tolerance;</li>
 * <li>the built-in test detector (a trained network): fused wherever cuDNN builds it, against
 * onnxruntime and the scenes' ground truth.</li>
 * </ul>
 * Prints FUSED lines: errors per case, and for the detector the convolutions fused.
 */
@Tag("gpu")
class FusedConvGpuTest {
    private static DevicePool pool;

    @BeforeAll
    static void gpu() {
        GpuTests.require("inference/glue", "inference/convlike");
        pool = DevicePool.create("inference-fused-conv-test", 4L << 30);
    }

    @AfterAll
    static void release() {
        if (pool != null) pool.close();
    }

    static List<OpCase> fusionCases() {
        List<OpCase> r = OpCases.all().stream().filter(c -> c.name().startsWith("conv_bias_") || c.name().startsWith("conv_tanh_")).toList();
        assertFalse(r.isEmpty(), "no conv + activation cases");
        return r;
    }

    private static EngineConfig config(int batch, EngineConfig.Fusion f) {
        return new EngineConfig(batch, DType.F16, 256L << 20, true, new int[0], true, true, EngineConfig.Pointwise.AUTO, f);
    }

    /** Outputs of {@code model} on the GPU with {@code cfg}, graph replay or launch by launch; [outputs..., {fused launches}]. */
    private static float[][] run(OnnxModel model, EngineConfig cfg, List<float[]> inputs, List<long[]> shapes, boolean graph) {
        int batch = (int) shapes.get(0)[0];
        List<DeviceBuffer> bufs = new ArrayList<>();
        try (CudnnEngine engine = CudnnEngine.load(model, cfg, pool); CudaStream s = CudaStream.create()) {
            DeviceTensor[] in = new DeviceTensor[inputs.size()];
            for (int i = 0; i < in.length; i++) {
                DeviceBuffer b = pool.allocate(4L * inputs.get(i).length, "input");
                bufs.add(b);
                Transfers.toDevice(b.address(), inputs.get(i));
                in[i] = DeviceTensor.of(b, DType.F32, shapes.get(i));
            }
            int outs = model.outputNames().size();
            DeviceTensor[] out = new DeviceTensor[outs];
            for (int o = 0; o < outs; o++) {
                long[] shape = engine.outputShape(o, batch);
                DeviceBuffer b = pool.allocate(4L * Math.max(1, Tensor.numel(shape)), "output");
                bufs.add(b);
                float[] nan = new float[(int) Tensor.numel(shape)];
                Arrays.fill(nan, Float.NaN);
                Transfers.toDevice(b.address(), nan);
                out[o] = DeviceTensor.of(b, DType.F32, shape);
            }
            engine.setGraphsEnabled(graph);
            engine.infer(s, in, out);
            s.synchronize();
            float[][] r = new float[outs + 1][];
            for (int o = 0; o < outs; o++) {
                r[o] = new float[(int) out[o].numel()];
                Transfers.toHost(r[o], out[o].address());
            }
            // one launch doing convolution, bias and activation: a fused cuDNN graph, or the engine's own kernel on few input channels
            long fused = engine.profile(s, batch, 1).stream().filter(t -> t.kind().equals("conv-fused") || t.kind().equals("conv-fewc")).count();
            r[outs] = new float[] {fused};
            return r;
        } finally {
            bufs.forEach(DeviceBuffer::close);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fusionCases")
    void fusedCaseRunsFusedAndMatchesTheCpuExecutor(OpCase c) {
        OnnxModel model = OnnxModel.parse(c.model(), c.name());
        int batch = (int) c.shapes().get(0)[0];
        float[][] cpu;
        try (CpuEngine e = CpuEngine.create(model, 2)) {
            cpu = e.runAll(c.inputs().toArray(new float[0][]), batch);
        }
        for (boolean graph : new boolean[] {true, false}) {
            float[][] on = run(model, config(batch, EngineConfig.Fusion.ON), c.inputs(), c.shapes(), graph);
            float[][] off = run(model, config(batch, EngineConfig.Fusion.OFF), c.inputs(), c.shapes(), graph);
            assertEquals(1f, on[1][0], c.name() + ": the convolution did not run fused (cuDNN built no fused engine?)");
            assertEquals(0f, off[1][0], c.name() + ": fused with fusion OFF");
            double vsCpu = OpCase.maxError(on[0], cpu[0]), vsUnfused = OpCase.maxError(on[0], off[0]);
            System.out.printf("FUSED %s %s: vs CPU executor %.2e, vs unfused %.2e (unfused vs CPU %.2e)%n", c.name(),
                    graph ? "graph" : "launches", vsCpu, vsUnfused, OpCase.maxError(off[0], cpu[0]));
            assertTrue(vsCpu <= c.fp16Tolerance(), c.name() + ": fused vs CPU executor " + vsCpu);
            assertTrue(vsUnfused <= c.fp16Tolerance(), c.name() + ": fused vs unfused " + vsUnfused);
        }
    }

    /**
     * A trained network end to end: the built-in test detector (batch 16 of its golden scenes) fused
     * wherever cuDNN builds it, against onnxruntime's fp32 output (TestDetectorGpuTest's fp16 bar,
     * 2e-2 as |gpu − ort| / (1 + |ort|)) and the scenes' ground truth (recall and precision ≥ 0.9 at
     * IoU 0.5). The tiny zoo's random-weight networks cannot serve here: they amplify fp16 rounding
     * far beyond one layer's (the unfused engine is 0.4–1.0 from onnxruntime on some of them);
     * ZooGpuTest checks the fused full-size zoo against onnxruntime instead.
     */
    @Test
    void testDetectorFusedMatchesOnnxruntimeAndDetects() {
        float[] images = Goldens.detectorImages(0, 16);
        float[] expected = Goldens.detectorOutput(0, 16);
        List<long[]> shapes = List.<long[]>of(new long[] {16, 3, 320, 320});
        float[][] on = run(TestDetector.model(), config(16, EngineConfig.Fusion.ON), List.of(images), shapes, true);
        float[][] off = run(TestDetector.model(), config(16, EngineConfig.Fusion.OFF), List.of(images), shapes, true);
        double eOn = Goldens.maxError(on[0], expected), eOff = Goldens.maxError(off[0], expected);
        List<DetectorReference.Det> dets = DetectorReference.detect(on[0], 16, 0.25f);
        int[] sc = DetectorReference.score(dets, Goldens.detectorBoxes(), 16);
        double recall = sc[0] / (double) sc[2], precision = sc[0] / (double) Math.max(1, sc[0] + sc[1]);
        System.out.printf("FUSED test detector batch 16: %d convolutions fused; vs onnxruntime fused %.2e, unfused %.2e;"
                + " fused detections tp %d fp %d gt %d%n", (long) on[1][0], eOn, eOff, sc[0], sc[1], sc[2]);
        assertTrue(on[1][0] > 0, "no convolution of the test detector ran fused");
        assertTrue(eOn <= 2e-2, "fused vs onnxruntime " + eOn);
        assertTrue(recall >= 0.9 && precision >= 0.9, "fused: recall " + recall + " precision " + precision);
    }
}
