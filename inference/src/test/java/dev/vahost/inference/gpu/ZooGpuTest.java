package dev.vahost.inference.gpu;

import java.nio.file.Path;
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
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.zoo.Zoo;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every model of a zoo made by tools/zoo/zoo.py (the directory in {@code VAHOST_ZOO}: the full zoo
 * on the GPU machine) on the GPU engine against onnxruntime's outputs, at every golden batch (1 and
 * 8) and at 32 (the batch-8 input four times; the output must be the batch-8 golden four times), by
 * CUDA graph replay, errors as max |gpu − ort| / (1 + |ort|):
 * <ul>
 * <li>fp32 NCHW: ≤ 1e-3, or three times what onnxruntime and PyTorch (fp32 both) differ by on the
 * model where that is more ({@link Zoo.Model#fp32Tolerance});</li>
 * <li>fp16 channels-last: ≤ max(0.05, 3 × PyTorch's own fp16 error) — PyTorch fp16 (cuDNN,
 * channels_last) on the model's golden inputs, saved by zoo.py, measured against onnxruntime (the
 * largest over the goldens: the network's sensitivity, not one image's luck).
 * Random-weight networks amplify fp16 rounding (on the tiny zoo an input perturbation of 5e-4 moves
 * some boxes by 40 %), so no fp16 engine can meet a fixed bound there; PyTorch's error is the bar.</li>
 * </ul>
 * Prints one ZOO_ACCURACY line per check (with the worst element). Algorithms come from cuDNN's
 * heuristics (no timing at load: accuracy, not speed, is checked here).
 */
@Tag("gpu")
class ZooGpuTest {
    private static DevicePool pool;

    @BeforeAll
    static void gpu() {
        GpuTests.require("inference/glue");
        pool = DevicePool.create("inference-zoo-test", 24L << 30);
    }

    @AfterAll
    static void release() {
        if (pool != null) pool.close();
    }

    static Zoo zoo() {
        String dir = System.getenv("VAHOST_ZOO");
        if (dir == null || dir.isBlank()) {
            throw new IllegalStateException("VAHOST_ZOO must name a directory made by tools/zoo/zoo.py (see tools/gpu/zoo-gpu.sh)");
        }
        return Zoo.at(Path.of(dir));
    }

    static List<Arguments> cases() {
        List<Arguments> r = new ArrayList<>();
        for (Zoo.Model m : zoo().models) {
            if (!m.loadable() || m.goldens().isEmpty()) continue;
            String fusion = System.getenv().getOrDefault("VAHOST_ZOO_FUSION", "");
            if (!fusion.equals("only")) {
                r.add(Arguments.of(m, DType.F32, false));
                r.add(Arguments.of(m, DType.F16, false));
            }
            if (fusion.equals("on") || fusion.equals("only")) r.add(Arguments.of(m, DType.F16, true));
        }
        return r;
    }


    /*
     * VAHOST_ZOO_FUSION=on adds an fp16 case per model with every eligible convolution fused with its
     * bias and activation (EngineConfig.Fusion.ON, in every plan: each compiles its kernels, about
     * 10 s per model and batch size, so it is not in the default run); =only runs that case alone.
     */

    @ParameterizedTest(name = "{0} {1} fused={2}")
    @MethodSource("cases")
    void matchesOnnxruntime(Zoo.Model m, DType precision, boolean fused) {
        Zoo z = zoo();
        OnnxModel model = z.load(m);
        int max = model.fixedBatch() > 0 ? model.fixedBatch() : 32;
        EngineConfig cfg = (precision == DType.F32 ? EngineConfig.fp32(max) : EngineConfig.fp16(max)).withTune(false)
                .withFusion(fused ? EngineConfig.Fusion.ON : EngineConfig.Fusion.AUTO);
        double base = precision == DType.F32 ? m.fp32Tolerance() : 0.05;
        List<String> failures = new ArrayList<>();
        List<DeviceBuffer> bufs = new ArrayList<>();
        try (CudnnEngine engine = CudnnEngine.load(model, cfg, pool); CudaStream s = CudaStream.create()) {
            for (Zoo.Golden g : m.goldens()) {
                if (g.height() != m.height() || g.width() != m.width()) continue;
                float[] in = z.tensor(g.input()).floats();
                List<float[]> exp = new ArrayList<>();
                for (String o : g.outputs()) exp.add(z.tensor(o).floats());
                List<float[]> torch16 = new ArrayList<>();
                for (String o : g.torch16()) torch16.add(z.tensor(o).floats());
                List<Integer> batches = new ArrayList<>(List.of(g.batch()));
                if (g.batch() == 8 && max >= 32) batches.add(32);
                for (int b : batches) {
                    int rep = b / g.batch();
                    float[] input = repeat(in, rep);
                    DeviceBuffer ib = pool.allocate(4L * input.length, "zoo input");
                    bufs.add(ib);
                    Transfers.toDevice(ib.address(), input);
                    DeviceTensor[] out = new DeviceTensor[exp.size()];
                    for (int o = 0; o < out.length; o++) {
                        long[] shape = engine.outputShape(o, b);
                        DeviceBuffer ob = pool.allocate(4L * Tensor.numel(shape), "zoo output");
                        bufs.add(ob);
                        out[o] = DeviceTensor.of(ob, DType.F32, shape);
                    }
                    engine.infer(s, new DeviceTensor[] {DeviceTensor.of(ib, DType.F32, model.inputShape(b))}, out);
                    s.synchronize();
                    for (int o = 0; o < out.length; o++) {
                        float[] got = new float[(int) out[o].numel()];
                        Transfers.toHost(got, out[o].address());
                        float[] want = repeat(exp.get(o), rep);
                        double err = Zoo.maxError(got, want);
                        double torchErr = torchFp16Error(z, m, o);
                        double tol = precision == DType.F32 || Double.isNaN(torchErr) ? base : Math.max(base, 3 * torchErr);
                        int w = dev.vahost.inference.ops.OpCase.worstIndex(got, want);
                        System.out.printf("ZOO_ACCURACY model=%s precision=%s%s batch=%d output=%d max_rel_err=%.3e torch_fp16_err=%.3e"
                                        + " tolerance=%.3e worst_at=%d gpu=%.5g ort=%.5g %s%n", m, precision, fused ? " fused" : "", b, o, err, torchErr, tol, w,
                                got[w], want[w], err <= tol ? "ok" : "FAIL");
                        if (!(err <= tol)) failures.add(m + " " + precision + (fused ? " fused" : "") + " batch " + b + " output " + o + ": error " + err + " > " + tol);
                    }
                }
            }
        } finally {
            bufs.forEach(DeviceBuffer::close);
        }
        assertTrue(failures.isEmpty(), String.join("; ", failures));
    }

    /**
     * PyTorch fp16's error on output {@code o} over all of the model's goldens: the model's own fp16
     * sensitivity (a property of the network, measured on several images), NaN where not recorded.
     */
    static double torchFp16Error(Zoo z, Zoo.Model m, int o) {
        double worst = Double.NaN;
        for (Zoo.Golden g : m.goldens()) {
            if (g.torch16().size() <= o) continue;
            double e = Zoo.maxError(z.tensor(g.torch16().get(o)).floats(), z.tensor(g.outputs().get(o)).floats());
            worst = Double.isNaN(worst) ? e : Math.max(worst, e);
        }
        return worst;
    }

    static float[] repeat(float[] a, int times) {
        if (times == 1) return a;
        float[] r = new float[a.length * times];
        for (int i = 0; i < times; i++) System.arraycopy(a, 0, r, i * a.length, a.length);
        return r;
    }
}
