package dev.vahost.pipelines.detect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.CpuEngine;
import dev.vahost.postprocess.BatchDetections;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every detection family of the tiny model zoo (inference's src/test/resources/zoo) as the service
 * loads it with --model-type auto: the family is detected from the output shapes, the model runs on
 * the CPU path, and its detections equal those decoded from onnxruntime's outputs for the same
 * input (≥ 95 % of onnxruntime's boxes found again with the same class and IoU ≥ 0.5; the tiny
 * random networks amplify 1e-4 differences, so a few borderline boxes may move).
 */
class ZooFamiliesCpuTest {
    static final Path TINY = Path.of("../inference/src/test/resources/zoo");

    static List<ZooFamilies.Entry> entries() {
        return ZooFamilies.entries(TINY);
    }

    @Test
    void everyDetectionFamilyIsInTheTinyZoo() {
        List<String> families = new ArrayList<>();
        for (ZooFamilies.Entry e : entries()) families.add(e.family());
        assertTrue(families.containsAll(ZooFamilies.DETECTION_FAMILIES), "tiny zoo families " + families);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entries")
    void autoDetectsTheFamilyAndDetectsAsOnnxruntime(ZooFamilies.Entry e) {
        int batch = e.golden().path("batch").asInt();
        DetectorModel dm = DetectorModel.load(e.spec(0.25f), batch);
        assertEquals(e.expectedFamily(), dm.decoding.family().name(), e + ": " + dm.describe());
        float[] in = ZooFamilies.tensor(e.dir().resolve(e.golden().path("input").asText())).floats();
        List<float[]> ours = new ArrayList<>(), ort = new ArrayList<>();
        try (CpuEngine engine = CpuEngine.create(dm.model, 2)) {
            for (float[] o : engine.runAll(new float[][] {in}, batch)) ours.add(o);
        }
        for (var f : e.golden().path("outputs")) ort.add(ZooFamilies.tensor(e.dir().resolve(f.asText())).floats());
        BatchDetections mine = ZooFamilies.decode(dm, ours, batch), ref = ZooFamilies.decode(dm, ort, batch);
        double m = ZooFamilies.matched(ref, mine, 0.5), strict = ZooFamilies.matched(ref, mine, 0.9);
        System.out.printf("%s: %s; onnxruntime %d detections, ours %d, matched %.3f (at IoU 0.9: %.3f)%n", e, dm.describe(),
                ZooFamilies.count(ref), ZooFamilies.count(mine), m, strict);
        assertTrue(ZooFamilies.count(ref) > 0, e + ": onnxruntime's outputs decode to no detection: the check would be empty");
        assertTrue(m >= 0.95, e + ": only " + m + " of onnxruntime's detections found");
    }
}
