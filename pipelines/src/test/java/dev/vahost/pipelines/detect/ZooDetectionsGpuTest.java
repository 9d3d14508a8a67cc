package dev.vahost.pipelines.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.GpuPostprocessor;
import dev.vahost.postprocess.InputMapping;
import dev.vahost.postprocess.NmsConfig;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The zoo's detection models (directory {@code VAHOST_ZOO}, made by tools/zoo/zoo.py) the way the
 * service runs them on the GPU: family detected from the shapes, the fp16 channels-last engine, the
 * family's decoder and NMS on the GPU. Their detections on the golden input (batch 8) are compared
 * box by box with those decoded from onnxruntime's fp32 outputs: at least 99 % of onnxruntime's
 * boxes must be found again (same class, IoU ≥ 0.5) — or, where PyTorch's own fp16 outputs (saved by
 * zoo.py for the same input) find fewer than that, at least as many as PyTorch fp16 finds, minus 2 %.
 */
@Tag("gpu")
class ZooDetectionsGpuTest {
    private static DevicePool pool;

    @BeforeAll
    static void gpu() {
        GpuTests.require("inference/glue", "postprocess/batched_nms");
        pool = DevicePool.create("zoo-detections-test", 24L << 30);
    }

    @AfterAll
    static void release() {
        if (pool != null) pool.close();
    }

    static List<ZooFamilies.Entry> entries() {
        String dir = System.getenv("VAHOST_ZOO");
        if (dir == null || dir.isBlank()) throw new IllegalStateException("VAHOST_ZOO must name a zoo made by tools/zoo/zoo.py");
        return ZooFamilies.entries(Path.of(dir));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entries")
    void detectsAsOnnxruntime(ZooFamilies.Entry e) {
        int batch = e.golden().path("batch").asInt();
        DetectorModel dm = DetectorModel.load(e.spec(0.25f), batch);
        assertEquals(e.expectedFamily(), dm.decoding.family().name(), e + ": " + dm.describe());
        float[] in = ZooFamilies.tensor(e.dir().resolve(e.golden().path("input").asText())).floats();
        List<float[]> ort = new ArrayList<>(), torch = new ArrayList<>();
        e.golden().path("outputs").forEach(f -> ort.add(ZooFamilies.tensor(e.dir().resolve(f.asText())).floats()));
        e.golden().path("torch_fp16_outputs").forEach(f -> torch.add(ZooFamilies.tensor(e.dir().resolve(f.asText())).floats()));
        BatchDetections ref = ZooFamilies.decode(dm, ort, batch);
        BatchDetections t16 = torch.isEmpty() ? null : ZooFamilies.decode(dm, torch, batch);
        List<DeviceBuffer> bufs = new ArrayList<>();
        BatchDetections ours;
        NmsConfig nms = dm.nms();
        try (CudnnEngine engine = CudnnEngine.load(dm.model, EngineConfig.fp16(batch), pool); CudaStream s = CudaStream.create();
             GpuPostprocessor post = nms == null ? GpuPostprocessor.create(dm.decoding.decoder(), batch, pool)
                     : GpuPostprocessor.create(dm.decoding.decoder(), nms, batch, pool)) {
            DeviceBuffer ib = pool.allocate(4L * in.length, "input");
            bufs.add(ib);
            Transfers.toDevice(ib.address(), in);
            int n = dm.outputShapes.length;
            DeviceTensor[] outs = new DeviceTensor[n];
            for (int o = 0; o < n; o++) {
                long[] shape = dm.outputShape(o, batch);
                DeviceBuffer ob = pool.allocate(4L * Tensor.numel(shape), "output");
                bufs.add(ob);
                outs[o] = DeviceTensor.of(ob, DType.F32, shape);
            }
            engine.infer(s, new DeviceTensor[] {DeviceTensor.of(ib, DType.F32, dm.model.inputShape(batch))}, outs);
            int[] order = dm.outputOrder();
            DeviceTensor[] dec = new DeviceTensor[order.length];
            for (int k = 0; k < order.length; k++) dec[k] = outs[order[k]];
            List<InputMapping> maps = new ArrayList<>();
            for (int i = 0; i < batch; i++) maps.add(InputMapping.identity(dm.width, dm.height));
            post.submit(s, maps, dec);
            s.synchronize();
            ours = post.results();
        } finally {
            bufs.forEach(DeviceBuffer::close);
        }
        double m = ZooFamilies.matched(ref, ours, 0.5), mt = t16 == null ? Double.NaN : ZooFamilies.matched(ref, t16, 0.5);
        double strict = ZooFamilies.matched(ref, ours, 0.9);
        double need = Double.isNaN(mt) || mt >= 0.99 ? 0.99 : mt - 0.02;
        System.out.printf("ZOO_DETECTIONS model=%s family=%s onnxruntime=%d ours=%d matched=%.4f matched_iou09=%.4f torch_fp16_matched=%.4f"
                        + " required=%.4f %s%n", e.name(), dm.decoding.family(), ZooFamilies.count(ref), ZooFamilies.count(ours), m, strict, mt,
                need, m >= need ? "ok" : "FAIL");
        assertTrue(ZooFamilies.count(ref) > 0, e + ": onnxruntime's outputs decode to no detection: the check would be empty");
        assertTrue(m >= need, e + ": " + m + " of onnxruntime's detections found, " + need + " required");
    }
}
