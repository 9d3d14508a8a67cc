package dev.vahost.inference.gpu;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.inference.CpuEngine;
import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.DetectorReference;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.Goldens;
import dev.vahost.inference.TestDetector;
import dev.vahost.nvmm.Half;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The built-in test detector on the GPU engine (default config: CUDA graphs, which this test requires
 * to have been captured), fp16 and fp32, batch 16 and batch 1 (a batch size not
 * tuned at load: heuristic algorithms, graph captured on first use), F32 and F16 input tensors (and an F16 channels-last one: the
 * same output bit for bit on the channels-last engine, refused by name on the NCHW one): output vs onnxruntime (fp32 1e-3,
 * fp16 2e-2 relative as |gpu - ort| / (1 + |ort|)), vs the CPU engine, and the detections (the
 * model card's decode + class-aware NMS, in plain Java on the copied-back output) against the
 * scenes' ground truth: recall and precision >= 0.9 at IoU 0.5. Decode and NMS on the GPU are the
 * postprocess module's (its own tests); this test stops at the engine's output tensor.
 */
@Tag("gpu")
class TestDetectorGpuTest {
    private static final Logger LOG = LoggerFactory.getLogger(TestDetectorGpuTest.class);

    @Test
    void fp16AndFp32MatchOnnxruntimeAndDetect() {
        GpuTests.require("inference/glue");
        float[] images = Goldens.detectorImages(0, 16);
        float[] expected = Goldens.detectorOutput(0, 16);
        try (DevicePool pool = DevicePool.create("testdet-gpu-test", 2L << 30);
             CudaStream s = CudaStream.create();
             CpuEngine cpu = CpuEngine.create(TestDetector.model(), 2)) {
            float[] cpuOut = cpu.run(images, 16);
            for (DType precision : new DType[] {DType.F32, DType.F16}) {
                EngineConfig cfg = new EngineConfig(16, precision, 256L << 20, true, new int[0]);
                try (CudnnEngine engine = CudnnEngine.load(TestDetector.model(), cfg, pool);
                     DeviceBuffer in = pool.allocate(4L * images.length, "images f32");
                     DeviceBuffer inH = pool.allocate(2L * images.length, "images f16");
                     DeviceBuffer out = pool.allocate(4L * expected.length, "output")) {
                    Transfers.toDevice(in.address(), images);
                    short[] h = new short[images.length];
                    for (int i = 0; i < h.length; i++) h[i] = Half.fromFloat(images[i]);
                    Transfers.toDevice(inH.address(), h);
                    float tol = precision == DType.F32 ? 1e-3f : 2e-2f;
                    assertTrue(engine.usesGraph(16), precision + " batch 16: " + engine.graphStatus(16));
                    // fp16 engines are channels-last by default; a silent fallback to NCHW would go unnoticed otherwise.
                    assertEquals(precision == DType.F16, engine.channelsLast(), precision + " layout");
                    if (precision == DType.F16) assertTrue(engine.nhwcValues() > 10, "NHWC values: " + engine.nhwcValues());
                    for (DType inType : new DType[] {DType.F32, DType.F16}) {
                        DeviceTensor x = DeviceTensor.of(inType == DType.F32 ? in : inH, inType, 16, 3, 320, 320);
                        DeviceTensor y = DeviceTensor.of(out, DType.F32, 16, 7, 2000);
                        engine.infer(s, x, y);
                        s.synchronize();
                        float[] got = new float[expected.length];
                        Transfers.toHost(got, out.address());
                        String what = precision + " engine, " + inType + " input";
                        double err = Goldens.maxError(got, expected);
                        int w = Goldens.worstIndex(got, expected);
                        LOG.info("test detector {}: max error vs onnxruntime {}, vs CPU engine {}", what, err, Goldens.maxError(got, cpuOut));
                        // an F16 input rounds the image itself: judge it by detections only
                        if (inType == DType.F32 || precision == DType.F16) {
                            assertTrue(err <= tol, what + ": error " + err + " at " + w + " (gpu " + got[w] + ", ort " + expected[w] + ")");
                        }
                        List<DetectorReference.Det> dets = DetectorReference.detect(got, 16, 0.25f);
                        int[] sc = DetectorReference.score(dets, Goldens.detectorBoxes(), 16);
                        double recall = sc[0] / (double) sc[2], precisionRate = sc[0] / (double) Math.max(1, sc[0] + sc[1]);
                        LOG.info("test detector {}: tp {} fp {} gt {} recall {} precision {}", what, sc[0], sc[1], sc[2], recall, precisionRate);
                        assertTrue(recall >= 0.9 && precisionRate >= 0.9, what + ": recall " + recall + " precision " + precisionRate);
                    }
                    // the same images channels-last (PyTorch's channels_last): a channels-last engine copies them without
                    // permuting, and its output must be the NCHW input's, bit for bit; an NCHW engine refuses them by name
                    short[] nhwc = new short[h.length];
                    int hw = 320 * 320;
                    for (int img = 0; img < 16; img++) {
                        for (int ch = 0; ch < 3; ch++) {
                            for (int px = 0; px < hw; px++) nhwc[(img * hw + px) * 3 + ch] = h[(img * 3 + ch) * hw + px];
                        }
                    }
                    try (DeviceBuffer inCl = pool.allocate(2L * nhwc.length, "images f16 channels-last")) {
                        Transfers.toDevice(inCl.address(), nhwc);
                        DeviceTensor xcl = DeviceTensor.channelsLast(inCl, DType.F16, 16, 3, 320, 320);
                        DeviceTensor y = DeviceTensor.of(out, DType.F32, 16, 7, 2000);
                        assertEquals(precision == DType.F16, engine.inputChannelsLast(0), precision + ": input stored channels-last");
                        if (engine.inputChannelsLast(0)) {
                            float[] nchwOut = new float[expected.length], clOut = new float[expected.length];
                            engine.infer(s, DeviceTensor.of(inH, DType.F16, 16, 3, 320, 320), y);
                            s.synchronize();
                            Transfers.toHost(nchwOut, out.address());
                            engine.infer(s, xcl, y);
                            s.synchronize();
                            Transfers.toHost(clOut, out.address());
                            assertArrayEquals(nchwOut, clOut, precision + ": channels-last input gave another output than NCHW input");
                        } else {
                            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> engine.infer(s, xcl, y));
                            assertTrue(e.getMessage().contains("input 0 must be a contiguous"), e.getMessage());
                        }
                    }
                    // batch 1, not tuned at load: heuristics path; image 3 of the set
                    DeviceTensor x1 = DeviceTensor.of(in, DType.F32, 16, 3, 320, 320).narrow(3, 4);
                    DeviceTensor y1 = DeviceTensor.of(out, DType.F32, 1, 7, 2000);
                    engine.infer(s, x1, y1);
                    s.synchronize();
                    float[] got1 = new float[7 * 2000];
                    Transfers.toHost(got1, out.address());
                    float[] exp1 = Arrays.copyOfRange(expected, 3 * 14000, 4 * 14000);
                    assertTrue(engine.usesGraph(1), precision + " batch 1: " + engine.graphStatus(1));
                    assertTrue(Goldens.maxError(got1, exp1) <= tol, precision + " batch 1: error " + Goldens.maxError(got1, exp1));
                }
            }
            assertEquals(0, pool.outstandingBuffers(), "engine and test buffers released");
        }
    }
}
