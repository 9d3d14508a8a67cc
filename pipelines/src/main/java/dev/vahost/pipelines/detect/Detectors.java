package dev.vahost.pipelines.detect;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.freedesktop.gstreamer.ElementFactory;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.gst.GstRuntime;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.output.JsonLinesWriter;
import dev.vahost.pipelines.output.MetricsServer;
import dev.vahost.pipelines.source.Backoff;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.Stages;

/** Chooses the path (GPU or CPU) and the model from the command line, and builds the service. */
public final class Detectors {
    private Detectors() {}

    /** The sources named on the command line, plus the requested synthetic cameras. */
    public static List<SourceSpec> sources(CliOptions o) {
        List<SourceSpec> out = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        int i = 0;
        for (String s : o.sources()) {
            SourceSpec spec = SourceSpec.parse(s, "cam" + i++);
            if (!names.add(spec.name())) throw new IllegalArgumentException("duplicate stream name '" + spec.name() + "'");
            out.add(spec);
        }
        for (int k = 0; k < o.synthetic(); k++) {
            String name = "cam" + i++;
            while (names.contains(name)) name = "cam" + i++;
            names.add(name);
            out.add(SourceSpec.parse(name + "=synthetic:" + o.syntheticSize(), name));
        }
        return out;
    }

    /** Why the GPU path cannot run here, or null when it can. */
    public static String gpuUnavailableReason() {
        if (!Cuda.isAvailable()) return Cuda.unavailableReason();
        if (!KernelModule.isBuilt("ops", "letterbox")) return "the CUDA kernels were not built (nvcc missing at build time)";
        GstRuntime.init();
        try {
            ElementFactory.find("nvh264dec");
        } catch (RuntimeException e) {
            return "GStreamer's nvh264dec is not available (gstreamer1.0-plugins-bad nvcodec, NVIDIA driver)";
        }
        return null;
    }

    static boolean useGpu(CliOptions o) {
        if ("off".equals(o.gpu())) return false;
        String why = gpuUnavailableReason();
        if ("on".equals(o.gpu()) && why != null) throw new IllegalStateException("--gpu on but the GPU path is unavailable: " + why);
        if (why != null) System.err.println("vahost: CPU path (" + why + ")");
        return why == null;
    }

    /** The service: the GPU or CPU path, with the stages given and, where the options ask for it there, the web view's. */
    public static AnalyticsService<?> service(CliOptions given, JsonLinesWriter json) {
        boolean gpu = useGpu(given);
        CliOptions o = given.withStages(given.serviceStages(gpu));
        AnalyticsService.Options opts = serviceOptions(o);
        AnalyticsService<?> s = gpu ? service(opts, gpuDetector(o), o) : service(opts, cpuDetector(o), o);
        if (json != null) s.addListener(json);
        return s;
    }

    /** The service over {@code detector} with the stages the options name; the detector is closed when they cannot start. */
    private static <F> AnalyticsService<F> service(AnalyticsService.Options opts, FrameDetector<F> detector, CliOptions o) {
        StageRunner stages = null;
        try {
            stages = Stages.create(o.stages(), o.plugins(), detector.gpu(), o.batchSize());
            return new AnalyticsService<>(opts, detector, stages);
        } catch (RuntimeException e) {
            if (stages != null) stages.close();
            try {
                detector.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The service's options as the command line set them (batching, sources' reconnects and back-off, shutdown grace). */
    static AnalyticsService.Options serviceOptions(CliOptions o) {
        Batcher.Config batch = new Batcher.Config(o.batchSize(), Duration.ofMillis(o.batchTimeoutMs()), o.queue(), o.maxFps());
        return new AnalyticsService.Options(batch, o.live(), o.loop(), millis(o.reconnectIntervalS()), o.reconnectAttempts(),
                o.clipCache(), 4)
                .withReconnectBackoff(new Backoff(millis(o.reconnectBackoffS()), millis(o.reconnectBackoffMaxS()),
                        Backoff.defaults().healthyAfter()))
                .withShutdownGrace(millis(o.shutdownGraceS()));
    }

    private static Duration millis(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    static FrameDetector<?> gpuDetector(CliOptions o) {
        if ("none".equals(o.model())) return DecodeOnlyDetector.gpu();
        return GpuDetector.create(ModelSpec.of(o), o.batchSize(), GpuDetector.Settings.of(o));
    }

    static FrameDetector<?> cpuDetector(CliOptions o) {
        if (o.batchesInFlight() > 1) {
            org.slf4j.LoggerFactory.getLogger(Detectors.class).warn("--batches-in-flight {} applies to the GPU path; the CPU path"
                    + " runs one batch at a time", o.batchesInFlight());
        }
        if ("none".equals(o.model())) return DecodeOnlyDetector.cpu();
        return CpuDetector.create(ModelSpec.of(o), o.batchSize());
    }

    /** Detector-wide families for /metrics (batches; bytes copied to the host when CUDA is there), read at each scrape. */
    public static MultiCollector metrics(AnalyticsService<?> s) {
        return () -> {
            List<MetricSnapshot> m = new ArrayList<>();
            m.add(MetricsServer.counter("vahost_batches_total", "Batches run through the detector", s.batches()));
            m.add(MetricsServer.counter("vahost_batches_failed_total",
                    "Batches whose detection failed (frames released without results)", s.failedBatches()));
            m.add(MetricsServer.gauge("vahost_batches_in_flight",
                    "Batches submitted to the detector whose results have not been handed on yet (--batches-in-flight > 1)",
                    s.batchesInFlight()));
            for (MetricSnapshot st : s.stages().metrics().collect()) m.add(st);
            m.add(s.latency().histogram().collect());
            if (Cuda.isAvailable()) {
                m.add(MetricsServer.counter("vahost_transfer_bytes_to_host_total", "Bytes copied device to host (all of them)",
                        dev.vahost.nvmm.cuda.Transfers.bytesToHost()));
            }
            return new MetricSnapshots(m);
        };
    }
}
