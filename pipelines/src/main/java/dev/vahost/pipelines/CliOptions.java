package dev.vahost.pipelines;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.vahost.pipelines.cli.ConfigFiles;
import dev.vahost.pipelines.cli.Deployment;
import dev.vahost.pipelines.cli.ServiceCommand;
import dev.vahost.pipelines.stage.StageSpec;

/**
 * The service's configuration, typed and checked: what the command line, {@code --config} files and a
 * {@code --deployment} file say (declared in {@link ServiceCommand}); every error names the option
 * and the value.
 */
public record CliOptions(List<String> sources, int synthetic, String syntheticSize, String model, String gpu,
                         int batchSize, int batchTimeoutMs, int inputWidth, int inputHeight, float scoreThreshold,
                         float iouThreshold, int maxDetections, String output, boolean framesWithoutDetections,
                         int metricsPort, double perfIntervalS, boolean live, boolean loop, double reconnectIntervalS,
                         int reconnectAttempts, double reconnectBackoffS, double reconnectBackoffMaxS,
                         double shutdownGraceS, double maxFps, int queue, double durationS, Path clipCache, boolean help,
                         boolean engineGraphs, int detectorPoolMib, ModelCli modelCli, List<Path> plugins,
                         List<StageSpec> stages, boolean listStages, String apiToken, List<StageSpec> sinks,
                         ClusterCli cluster, int gpuId, int batchesInFlight, ViewCli view, boolean engineFusion) {

    /**
     * The web view and event snapshots ({@code --view}, {@code --view-fps}, {@code --snapshot-*}).
     *
     * @param enabled     whether /view is served (with --metrics-port); null: yes, on either path (only watched
     *                    streams cost anything: their frames are kept through the stages and drawn, on the GPU
     *                    path by the overlay kernel and nvJPEG)
     * @param snapshotDir where event snapshots go, or null (none)
     */
    public record ViewCli(Boolean enabled, double fps, Path snapshotDir, double snapshotRate, int snapshotKeep) {
        /** Whether /view is served on this path (see {@code enabled}). */
        public boolean servedOn(boolean gpuPath) {
            return enabled == null || enabled;
        }

        /** The view stage's configuration section (snake_case keys, as {@code view.ViewFactory.Config} reads them). */
        public com.fasterxml.jackson.databind.node.ObjectNode stageConfig() {
            var c = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            c.put("fps", fps);
            if (snapshotDir != null) {
                c.put("snapshot_dir", snapshotDir.toString());
                c.put("snapshot_rate", snapshotRate);
                c.put("snapshot_keep", snapshotKeep);
            }
            return c;
        }
    }

    /**
     * The stages the service runs on the CPU or GPU path: those given, then the {@code view} stage when
     * the web view is on there (with {@code --metrics-port}) or {@code --snapshot-dir} is given, unless
     * the stages list one already.
     */
    public List<StageSpec> serviceStages(boolean gpuPath) {
        if (stages.stream().anyMatch(s -> s.type().equals(dev.vahost.pipelines.view.ViewFactory.TYPE))) return stages;
        boolean served = view.servedOn(gpuPath) && metricsPort >= 0;
        if (!served && view.snapshotDir() == null) return stages;
        List<StageSpec> all = new java.util.ArrayList<>(stages);
        all.add(new StageSpec(dev.vahost.pipelines.view.ViewFactory.TYPE, "view", view.stageConfig()));
        return List.copyOf(all);
    }

    /** These options with {@code stages} in place of the stages given. */
    public CliOptions withStages(List<StageSpec> stages) {
        return new CliOptions(sources, synthetic, syntheticSize, model, gpu, batchSize, batchTimeoutMs, inputWidth, inputHeight,
                scoreThreshold, iouThreshold, maxDetections, output, framesWithoutDetections, metricsPort, perfIntervalS, live, loop,
                reconnectIntervalS, reconnectAttempts, reconnectBackoffS, reconnectBackoffMaxS, shutdownGraceS, maxFps, queue,
                durationS, clipCache, help, engineGraphs, detectorPoolMib, modelCli, plugins, List.copyOf(stages), listStages, apiToken,
                sinks, cluster, gpuId, batchesInFlight, view, engineFusion);
    }

    /**
     * Cluster mode ({@code --cluster} and the options that go with it); {@link #enabled} only with
     * brokers given. The other values are checked either way.
     */
    public record ClusterCli(String bootstrap, String topic, String group, String workerId, int partitions, int sessionTimeoutMs,
                             int capacity) {
        public boolean enabled() {
            return bootstrap != null;
        }

        /** The worker's settings. @throws IllegalStateException when cluster mode is off */
        public dev.vahost.pipelines.cluster.ClusterWorker.Config config() {
            if (!enabled()) throw new IllegalStateException("cluster mode is off (no --cluster)");
            return new dev.vahost.pipelines.cluster.ClusterWorker.Config(bootstrap, topic, group, workerId, partitions, sessionTimeoutMs,
                    capacity);
        }
    }

    /**
     * How the detector's outputs are decoded and its input prepared ("default": as the model family
     * expects; see {@code detect.DetectorModel}).
     */
    public record ModelCli(String modelType, String priors, String priorsFormat, boolean priorsNormalized, float[] ssdVariances,
                           String ssdScores, int ssdBackground, int[] yoloxStrides, String resize, String normalize,
                           String channelOrder) {
        public static ModelCli defaults() {
            return new ModelCli("auto", null, "cxcywh", false, null, "softmax", 0, null, "default", "default", "default");
        }
    }

    /**
     * Parses the command line: {@code --config FILE} expanded where it stands, then {@code --deployment FILE}
     * (whose options come first, so the command line overrides them), then picocli.
     *
     * @throws IllegalArgumentException naming the option and the value (and, for a deployment file, the key and the line)
     */
    public static CliOptions parse(String[] args) {
        List<String> all = ConfigFiles.expand(args);
        Path deployment = Deployment.take(all);
        if (deployment != null) all = Deployment.read(deployment).argumentsUnder(all);
        return ServiceCommand.parse(all);
    }

    /** The usage text ({@code --help}), generated by picocli from {@link ServiceCommand}. */
    public static String usage() {
        return ServiceCommand.usage();
    }

    public Duration batchTimeout() {
        return Duration.ofMillis(batchTimeoutMs);
    }
}
