package dev.vahost.inference.bench;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.EngineConfig;

import static org.junit.jupiter.api.Assertions.*;

/** ZooBench's reading of tools/zoo/bench.py's PYTORCH_BENCH lines and its comparison line, without a GPU. */
class ZooBenchCpuTest {
    /** Lines as bench.py prints them (its log goes through coverage-gpu.sh's grep into one file), errors included. */
    static final List<String> LINES = List.of(
            "PYTORCH_BENCH model=yolov8n variant=eager-fp16-channels_last batch=1 images_per_s=196.4",
            "PYTORCH_BENCH model=yolov8n variant=eager-fp16-channels_last batch=32 images_per_s=5915.0",
            "PYTORCH_BENCH model=yolov8n variant=compile-reduce-overhead-fp16 batch=32 images_per_s=11382.7",
            "PYTORCH_BENCH model=rtdetr variant=eager-fp16-channels_last batch=32 images_per_s=1615.2",
            "PYTORCH_BENCH model=rtdetr error=RuntimeError: something the compiler refused",
            "[bench] yolov8n: 57 BatchNorms folded (fp32 relative change 3.1e-07)");

    @Test
    void eagerAndCompiledNumbersAreKeptApartPerModelAndBatch() {
        Map<String, Map<Integer, Double>> eager = ZooBench.readPytorch(LINES, "eager"), compiled = ZooBench.readPytorch(LINES, "compile");
        assertEquals(Map.of(1, 196.4, 32, 5915.0), eager.get("yolov8n"));
        assertEquals(Map.of(32, 1615.2), eager.get("rtdetr"));
        assertEquals(Map.of("yolov8n", Map.of(32, 11382.7)), compiled, "a model whose compile failed has no compile number");
    }

    @Test
    void theComparisonLineGivesBothRatiosOrSaysWhichBaselineIsMissing() {
        assertEquals("ZOO_BENCH_VS model=yolov8n fusion=AUTO batch=32 ours=8453.0 eager=5915.0 compile=11382.7 vs_eager=1.43x vs_compile=0.74x",
                ZooBench.vsLine("yolov8n", EngineConfig.Fusion.AUTO, 32, 8453.0, 5915.0, 11382.7));
        assertEquals("ZOO_BENCH_VS model=rtdetr fusion=OFF batch=32 ours=1739.0 eager=1615.2 compile=- vs_eager=1.08x vs_compile=-",
                ZooBench.vsLine("rtdetr", EngineConfig.Fusion.OFF, 32, 1739.0, 1615.2, null));
        assertNull(ZooBench.vsLine("ssd", EngineConfig.Fusion.AUTO, 8, 100, null, null), "no baseline, no line");
    }
}
