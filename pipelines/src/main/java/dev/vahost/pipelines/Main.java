package dev.vahost.pipelines;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.cluster.ClusterWorker;
import dev.vahost.pipelines.detect.Detectors;
import dev.vahost.pipelines.output.JsonLinesWriter;
import dev.vahost.pipelines.output.MetricsServer;
import dev.vahost.pipelines.output.StreamControlApi;
import dev.vahost.pipelines.output.messages.MessageSink;
import dev.vahost.pipelines.output.messages.Sinks;
import dev.vahost.pipelines.perf.PerfReporter;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.view.RtspOutFactory;
import dev.vahost.pipelines.view.RtspOutStage;
import dev.vahost.pipelines.stage.Stages;
import dev.vahost.pipelines.view.ViewPages;
import dev.vahost.pipelines.view.ViewStage;

/** The service's command line: {@code vahost --help}. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {}

    public static void main(String[] args) {
        CliOptions o;
        try {
            o = CliOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("vahost: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.help()) {
            System.out.print(CliOptions.usage());
            return;
        }
        try {
            // Before anything touches CUDA or GStreamer: the process sees the chosen GPU alone.
            String gpu = dev.vahost.pipelines.cli.GpuSelection.apply(o.gpuId());
            if (gpu != null) System.err.println("vahost: --gpu-id " + o.gpuId() + ": " + gpu + " (seen as device 0 by this process)");
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("vahost: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.listStages()) {
            try {
                System.out.print(listStages(o));
            } catch (IllegalArgumentException e) {
                System.err.println("vahost: " + e.getMessage());
                System.exit(2);
            }
            return;
        }
        int code;
        try {
            code = run(o, null);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("vahost: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }

    /**
     * Runs the service until SIGINT/SIGTERM, {@code --duration-s}, or every source has ended.
     *
     * @param stop when not null, counting it down stops the service (tests)
     * @return the exit code: 0 after a graceful stop
     */
    public static int run(CliOptions o, CountDownLatch stop) {
        List<SourceSpec> specs = Detectors.sources(o);
        if (!o.cluster().enabled()) {
            // The stream RTSP out serves must be one of the sources (checked before its server starts).
            List<String> names = specs.stream().map(SourceSpec::name).toList();
            for (var st : o.stages()) {
                if (st.type().equals(RtspOutFactory.TYPE) && st.config().hasNonNull("stream")) {
                    RtspOutFactory.checkKnown("--rtsp-out", st.config().get("stream").asText(), names);
                }
            }
        }
        CountDownLatch done = stop != null ? stop : new CountDownLatch(1);
        installSignals(done);
        List<MessageSink> sinks = new java.util.ArrayList<>();
        ClusterWorker cluster = null;
        try (JsonLinesWriter json = "none".equals(o.output()) ? null : JsonLinesWriter.open(o.output(), o.framesWithoutDetections());
             AnalyticsService<?> service = Detectors.service(o, json)) {
            System.err.println("vahost: " + service.detector().describe());
            sinks.addAll(Sinks.create(o.sinks(), service.detector().describe()));
            for (MessageSink m : sinks) service.addListener(m);
            java.util.Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();
            if (!o.cluster().enabled()) {
                service.onStreamEnded(id -> {
                    ended.add(id);
                    if (!o.loop() && ended.size() == specs.size()) done.countDown();
                });
                for (SourceSpec s : specs) {
                    try {
                        service.addSource(s);
                    } catch (IllegalArgumentException e) {
                        // A launch string that cannot be built fails this source alone.
                        System.err.println("vahost: stream " + s.name() + ": " + e.getMessage());
                        ended.add(s.name());
                    }
                }
            } else {
                cluster = ClusterWorker.start(o.cluster().config(), StreamControlApi.Control.of(service));
                System.err.println("vahost: cluster worker " + o.cluster().workerId() + " in group " + o.cluster().group() + ", cameras from "
                        + o.cluster().topic() + " at " + o.cluster().bootstrap() + (specs.isEmpty() ? "" : "; writing " + specs.size()
                        + " --source camera(s) to the registry"));
                for (SourceSpec s : specs) cluster.put(s);
            }
            ClusterWorker worker = cluster;
            StreamControlApi api = new StreamControlApi(worker != null ? worker.control() : StreamControlApi.Control.of(service), service::status,
                    o.apiToken());
            io.prometheus.metrics.model.registry.MultiCollector serviceMetrics = Detectors.metrics(service);
            io.prometheus.metrics.model.registry.MultiCollector allMetrics = () -> {
                List<io.prometheus.metrics.model.snapshots.MetricSnapshot> m = new java.util.ArrayList<>();
                for (var x : serviceMetrics.collect()) m.add(x);
                for (MessageSink s : sinks) for (var x : s.metrics().collect()) m.add(x);
                if (worker != null) for (var x : worker.metrics().collect()) m.add(x);
                return new io.prometheus.metrics.model.snapshots.MetricSnapshots(m);
            };
            ViewStage view = ViewStage.find(service.stages());
            ViewPages pages = view != null && o.view().servedOn(service.detector().gpu()) ? new ViewPages(view, service::status) : null;
            MetricsServer metrics = o.metricsPort() >= 0 ? new MetricsServer(o.metricsPort(), service::status, allMetrics, api,
                    () -> worker == null || worker.joined(), pages) : null;
            if (metrics != null) {
                System.err.println("vahost: metrics at http://localhost:" + metrics.port() + "/metrics and /streams; stream control at "
                        + "/api/v1/stream/add|remove (" + (o.apiToken() == null ? "loopback clients only" : "with the access token") + ")");
                if (pages != null) {
                    System.err.printf(Locale.ROOT, "vahost: web view at http://localhost:%d/view (loopback clients only; %.3g pictures a second"
                            + " of each camera someone looks at)%n", metrics.port(), view.fps());
                }
            }
            RtspOutStage rtsp = RtspOutStage.find(service.stages());
            if (rtsp != null) {
                String host = "0.0.0.0".equals(rtsp.address()) ? "HOST" : rtsp.address();
                System.err.println("vahost: stream " + rtsp.streamId() + ": annotated video at " + rtsp.url(host) + " (encoder "
                        + rtsp.encoder() + ("x264enc".equals(rtsp.encoder()) ? " on the CPU: no NVENC here" : "")
                        + (service.detector().gpu() ? "; frames copied device to host" : "") + ")");
            }
            if (view != null && view.snapshotDir() != null) {
                System.err.println("vahost: snapshots of zone_entered events in " + view.snapshotDir());
            }
            ScheduledExecutorService perfTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "perf");
                t.setDaemon(true);
                return t;
            });
            java.io.PrintStream perfOut = "-".equals(o.output()) ? System.err : System.out;
            long intervalMs = (long) (o.perfIntervalS() * 1000);
            perfTimer.scheduleAtFixedRate(() -> {
                List<PerfReporter.StreamFps> fps = service.perf().sample();
                perfOut.println(PerfReporter.format(fps));
                if (json != null) json.perf(fps);
            }, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
            try {
                if (o.durationS() > 0) {
                    done.await((long) (o.durationS() * 1000), TimeUnit.MILLISECONDS);
                } else {
                    done.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.err.println("vahost: stopping: finishing in-flight batches");
            perfTimer.shutdownNow();
            if (cluster != null) cluster.close();
            if (metrics != null) metrics.close();
            service.close();
            for (MessageSink m : sinks) {
                m.close();
                MessageSink.Counts c = m.counts();
                System.err.printf(Locale.ROOT, "vahost: sink %s: %d messages queued, %d delivered, %d failed, %d dropped%n", m.name(), c.queued(),
                        c.delivered(), c.failed(), c.dropped());
            }
            List<PerfReporter.StreamFps> fin = service.perf().sample();
            System.err.println(summary(service.status()));
            if (!service.stages().isEmpty()) System.err.print("vahost: stages:\n" + service.stages().summary());
            if (json != null) json.perf(fin);
        } finally {
            if (cluster != null) cluster.close(); // no-op when closed above
            for (MessageSink m : sinks) m.close(1000); // no-op for those closed above
        }
        return 0;
    }

    /** {@code --list-stages}: every stage type on the class path and in the --plugin jars, with where it comes from. */
    static String listStages(CliOptions o) {
        var factories = Stages.factories(Stages.pluginLoader(o.plugins()));
        StringBuilder b = new StringBuilder();
        if (factories.isEmpty()) b.append("no stage types found (give plugin jars with --plugin)\n");
        for (var e : factories.entrySet()) {
            var src = e.getValue().getClass().getProtectionDomain().getCodeSource();
            b.append(String.format(Locale.ROOT, "%-16s %s%n%-16s   config %s, from %s%n", e.getKey(), e.getValue().describe(), "",
                    e.getValue().configType().getName(), src == null ? "?" : src.getLocation()));
        }
        return b.toString();
    }

    static String summary(List<StreamStatus> ss) {
        StringBuilder b = new StringBuilder("vahost: final per-stream figures:\n");
        for (StreamStatus s : ss) {
            b.append(String.format(Locale.ROOT, "  %-12s %-9s avg %6.2f fps  decoded %7d  processed %7d  dropped %6d  reconnects %d"
                            + "  latency p50 %5.1f p99 %5.1f ms%s%n",
                    s.id(), s.state(), s.avgFps(), s.framesDecoded(), s.framesProcessed(), s.dropped(), s.reconnects(),
                    s.latencyP50Ms(), s.latencyP99Ms(),
                    s.lastError() == null ? "" : "  last error: " + s.lastError()));
        }
        return b.toString();
    }

    /** SIGINT/SIGTERM stop the service gracefully (exit code 0) instead of killing the JVM. */
    @SuppressWarnings("restriction")
    private static void installSignals(CountDownLatch done) {
        for (String sig : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> done.countDown());
            } catch (IllegalArgumentException e) {
                LOG.debug("signal {} cannot be handled here: {}", sig, e.getMessage());
            }
        }
    }

    static Batcher.Config batchConfig(CliOptions o) {
        return new Batcher.Config(o.batchSize(), Duration.ofMillis(o.batchTimeoutMs()), o.queue(), o.maxFps());
    }
}
