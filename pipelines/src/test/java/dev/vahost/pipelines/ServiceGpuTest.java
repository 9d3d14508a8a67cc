package dev.vahost.pipelines;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.pipelines.detect.Detectors;
import dev.vahost.pipelines.detect.GpuDetector;
import dev.vahost.pipelines.detect.ModelSpec;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole GPU path: synthetic cameras of different sizes decoded by NVDEC into CUDA memory,
 * batched, preprocessed by one kernel per batch, the test detector on the cuDNN engine, NMS on the
 * GPU; detections scored against ground truth; the only device→host bytes are the final
 * detections (no frame byte).
 */
@Tag("gpu")
class ServiceGpuTest {
    static final String[] CAMS = {"a=synthetic:320x240@30", "b=synthetic:640x360@30", "c=synthetic:1280x720@30",
            "d=synthetic:1920x1080@30"};

    @BeforeAll
    static void gpu() {
        GpuTests.require("ops/letterbox", "postprocess/batched_nms");
        assertNull(Detectors.gpuUnavailableReason(), "GPU path unavailable on the GPU machine");
    }

    /** One batch at a time (the batch thread waits), the default two in flight, and three. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} batches in flight")
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3})
    void gpuPathMatchesGroundTruthWithoutCopyingFramesToTheHost(int inFlight) throws Exception {
        CliOptions o = CliOptions.parse(new String[] {"--batch-size", "8", "--batches-in-flight", Integer.toString(inFlight)});
        Map<String, GroundTruth> truth = new ConcurrentHashMap<>();
        GpuDetector det = GpuDetector.create(ModelSpec.of(o), 8, GpuDetector.Settings.of(o));
        Transfers.Counts before;
        long resultBytes;
        try (AnalyticsService<DeviceFrame> s = new AnalyticsService<>(options(false, true, Duration.ofSeconds(5), 0), det)) {
            for (int i = 0; i < CAMS.length; i++) {
                SourceSpec spec = SourceSpec.parse(CAMS[i], "x");
                truth.put(spec.name(), new GroundTruth(SyntheticCameras.clip(spec, i, clipCache())));
            }
            before = Transfers.counts();
            for (String c : CAMS) s.addSource(SourceSpec.parse(c, "x"));
            s.addListener(r -> truth.get(r.streamId()).score(r));
            await("300 frames per camera", Duration.ofSeconds(120), () -> {
                if (s.failedBatches() > 0) throw new AssertionError(s.failedBatches() + " batch(es) failed; see the log");
                return s.status().stream().allMatch(x -> x.framesProcessed() >= 300);
            });
            System.out.println(Main.summary(s.status()));
            System.out.println("engine: " + det.describe());
        }
        Transfers.Counts d = Transfers.counts().minus(before);
        resultBytes = det.resultBytesToHost();
        for (Map.Entry<String, GroundTruth> e : truth.entrySet()) {
            System.out.println("camera " + e.getKey() + " (GPU path): " + e.getValue());
            assertTrue(e.getValue().recall() >= 0.9, e.getKey() + ": " + e.getValue());
            assertTrue(e.getValue().precision() >= 0.9, e.getKey() + ": " + e.getValue());
        }
        System.out.println("batches in flight per detector: " + det.maxInFlight() + "; batches " + det.batches()
                + "; results read before their completion marker was reached: " + det.lateMarkers());
        assertEquals(inFlight, det.maxInFlight(), "batches in flight");
        assertEquals(0, det.lateMarkers(), "results read before their batch's completion marker was reached");
        System.out.println("device->host: " + d.bytesToHost() + " bytes in " + d.copiesToHost() + " copies, of which final detections "
                + resultBytes + "; host->device: " + d.bytesToDevice() + " bytes in " + d.copiesToDevice() + " copies (tables)");
        assertEquals(resultBytes, d.bytesToHost(), "device->host bytes other than the final detections (frame data?)");
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }
}
