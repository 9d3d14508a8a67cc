package dev.vahost.pipelines.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.stage.StageSpec;

/**
 * The service's options as picocli declares them: names, types, defaults and the help text.
 * {@link #toOptions()} checks the ranges picocli cannot express and builds the {@link CliOptions}
 * the rest of the code uses; every error names the option and the value ({@link BadOption}).
 * {@code --config} and {@code --deployment} are declared here for the help and the completion
 * script; {@link CliOptions#parse} expands them before picocli sees the arguments. An option's
 * {@code order} places it in the help: its hundreds pick the section ({@link #SECTIONS}).
 */
@Command(name = "vahost demo", sortOptions = false, usageHelpWidth = 110, synopsisHeading = "usage: ",
        customSynopsis = {"./vahost demo [OPTIONS]   (or java -cp ... dev.vahost.pipelines.Main [OPTIONS])%n"},
        description = {"Runs the multi-camera service: decode (NVDEC when a GPU is there) -> batch -> preprocess -> detector -> "
                + "NMS -> results and per-stream FPS. Stop with Ctrl-C (graceful, exit code 0).",
                "With no --source and no --synthetic, 4 synthetic cameras are used."},
        footer = {"", "A bash completion script: ./vahost completion > vahost.bash && source vahost.bash"})
public final class ServiceCommand {
    /** An option whose value breaks its rule; {@link #option()} names it. */
    public static final class BadOption extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final String option;

        public BadOption(String option, String message) {
            super(message);
            this.option = option;
        }

        /** The option's name ({@code --batch-size}), or null when the error concerns no one option. */
        public String option() {
            return option;
        }
    }

    @Option(order = 101, names = "--source", paramLabel = "[NAME=]SPEC",
            description = "a camera: synthetic[:WxH][@FPS] | rtsp://... | any URI | FILE (.h264 .h265 .mp4 .mkv ...) | "
                    + "launch:FRAGMENT (a launch string ending in decoded video); repeat for more")
    List<String> sources = new ArrayList<>();

    @Option(order = 102, names = "--synthetic", paramLabel = "N",
            description = "add N synthetic cameras of --synthetic-size, 0..1024")
    int synthetic = 0;

    @Option(order = 103, names = "--synthetic-size", paramLabel = "WxH@FPS",
            description = "size and rate of --synthetic cameras (default ${DEFAULT-VALUE})")
    String syntheticSize = "1280x720@30";

    @Option(order = 104, names = "--config", paramLabel = "FILE",
            description = "more options from FILE, one per line as on the command line ('--batch-size 8'; '#' starts a "
                    + "comment; --config nests up to 4 deep); read where it stands, so later options win")
    List<Path> config = new ArrayList<>();

    @Option(order = 105, names = "--deployment", paramLabel = "FILE.yaml",
            description = "a deployment file (YAML or JSON: sources, model, batching, outputs; see pipelines/README.md); "
                    + "options on the command line override it")
    Path deployment;

    @Option(order = 106, names = "--live", paramLabel = "true|false", arity = "1", converter = Bool.class,
            description = "pace files and synthetic cameras at their frame rate (default ${DEFAULT-VALUE})")
    boolean live = true;

    @Option(order = 107, names = "--loop", paramLabel = "true|false", arity = "1", converter = Bool.class,
            description = "loop file sources (default ${DEFAULT-VALUE})")
    boolean loop = true;

    @Option(order = 108, names = "--reconnect-interval-s", defaultValue = "10", paramLabel = "S",
            description = "reset a live source that delivered nothing for S seconds, 0.1..3600 (default ${DEFAULT-VALUE})")
    double reconnectIntervalS = 10;

    @Option(order = 109, names = "--reconnect-attempts", paramLabel = "N",
            description = "consecutive attempts before giving up, -1 = unlimited (default ${DEFAULT-VALUE})")
    int reconnectAttempts = -1;

    @Option(order = 110, names = "--reconnect-backoff-s", defaultValue = "0.5", paramLabel = "S",
            description = "wait after a source's first failed attempt, doubling per further failure, 0.01..3600 "
                    + "(default ${DEFAULT-VALUE})")
    double reconnectBackoffS = 0.5;

    @Option(order = 111, names = "--reconnect-backoff-max-s", defaultValue = "30", paramLabel = "S",
            description = "the longest wait between failed attempts, from --reconnect-backoff-s up to 3600 (default "
                    + "${DEFAULT-VALUE}); back to the shortest after 10 s of frames")
    double reconnectBackoffMaxS = 30;


    @Option(order = 112, names = "--clip-cache", paramLabel = "DIR",
            description = "where synthetic camera clips are kept (default ~/.cache/vahost/clips)")
    Path clipCache;

    @Option(order = 201, names = "--model", paramLabel = "PATH|builtin|none",
            description = "ONNX detector; builtin = the project's test detector, none = decode only (default "
                    + "${DEFAULT-VALUE})")
    String model = "builtin";

    @Option(order = 202, names = "--gpu", paramLabel = "auto|on|off", completionCandidates = GpuModes.class,
            description = "GPU path; auto: used when CUDA, NVDEC and the kernels are available (default ${DEFAULT-VALUE})")
    String gpu = "auto";

    @Option(order = 203, names = "--input-size", paramLabel = "WxH", converter = Size.Converter.class,
            description = "model input size, 32..4096 each (default: the model's; required for exports with dynamic "
                    + "height/width)")
    Size inputSize;

    @Option(order = 204, names = "--model-type", paramLabel = "TYPE", completionCandidates = ModelTypes.class,
            description = "${COMPLETION-CANDIDATES}; auto: from the output shapes; yolo11 = yolov8; rtdetr (also D-FINE) = "
                    + "detr (default ${DEFAULT-VALUE})")
    String modelType = "auto";

    @Option(order = 205, names = "--score-threshold", defaultValue = "0.4", paramLabel = "F",
            description = "0..1 (default ${DEFAULT-VALUE})")
    double scoreThreshold = 0.4;

    @Option(order = 206, names = "--iou-threshold", defaultValue = "0.5", paramLabel = "F",
            description = "NMS IoU, 0..1 (default ${DEFAULT-VALUE})")
    double iouThreshold = 0.5;

    @Option(order = 207, names = "--max-detections", paramLabel = "N",
            description = "per frame, 1..10000 (default ${DEFAULT-VALUE})")
    int maxDetections = 100;

    @Option(order = 208, names = "--priors", paramLabel = "FILE",
            description = "SSD/RetinaNet anchors: ONNX TensorProto float [A, 4] (see --priors-format)")
    String priors;

    @Option(order = 209, names = "--priors-format", paramLabel = "F", completionCandidates = PriorFormats.class,
            description = "${COMPLETION-CANDIDATES}, in input pixels (default ${DEFAULT-VALUE})")
    String priorsFormat = "cxcywh";

    @Option(order = 210, names = "--priors-normalized", arity = "0..1", paramLabel = "true|false",
            description = "the priors are fractions of the input size, not pixels")
    boolean priorsNormalized;

    @Option(order = 211, names = "--ssd-variances", paramLabel = "C,S", split = ",",
            description = "box coder variances, > 0 (default 0.1,0.2; RetinaNet: 1,1)")
    float[] ssdVariances;

    @Option(order = 212, names = "--ssd-scores", paramLabel = "S", completionCandidates = SsdScores.class,
            description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
    String ssdScores = "softmax";

    @Option(order = 213, names = "--ssd-background", paramLabel = "N",
            description = "background class, -1 = none, -1..65535 (default ${DEFAULT-VALUE})")
    int ssdBackground = 0;

    @Option(order = 214, names = "--yolox-strides", paramLabel = "A,B,C", split = ",",
            description = "YOLOX grid strides, 1..1024 each (default 8,16,32)")
    int[] yoloxStrides;

    @Option(order = 215, names = "--resize", paramLabel = "R", completionCandidates = Resizes.class,
            description = "${COMPLETION-CANDIDATES} (default: the family's)")
    String resize = "default";

    @Option(order = 216, names = "--normalize", paramLabel = "N", completionCandidates = Normalizations.class,
            description = "default | unit (x/255) | none (0..255) | imagenet | MR,MG,MB/SR,SG,SB (on x/255)")
    String normalize = "default";

    @Option(order = 217, names = "--channel-order", paramLabel = "O", completionCandidates = ChannelOrders.class,
            description = "${COMPLETION-CANDIDATES} (default: the family's)")
    String channelOrder = "default";

    @Option(order = 301, names = "--batch-size", paramLabel = "N",
            description = "frames per batch, 1..256 (default ${DEFAULT-VALUE})")
    int batchSize = 16;

    @Option(order = 302, names = "--batch-timeout-ms", paramLabel = "N",
            description = "push a partial batch N ms after its first frame, 0..60000 (default ${DEFAULT-VALUE})")
    int batchTimeoutMs = 40;

    @Option(order = 303, names = "--queue", paramLabel = "N",
            description = "frames queued per stream before the oldest is dropped, 1..1024 (default ${DEFAULT-VALUE})")
    int queue = 4;

    @Option(order = 304, names = "--max-fps", defaultValue = "0", paramLabel = "F",
            description = "per-stream frame-rate cap, 0 = none, 0..1000 (default ${DEFAULT-VALUE})")
    double maxFps = 0;

    @Option(order = 305, names = "--shutdown-grace-s", defaultValue = "30", paramLabel = "S",
            description = "on stop, how long queued frames and the batch in flight may finish, 0..3600 (default "
                    + "${DEFAULT-VALUE})")
    double shutdownGraceS = 30;

    @Option(order = 403, names = "--gpu-id", paramLabel = "N",
            description = "run on this GPU only (0-based; among those CUDA_VISIBLE_DEVICES lists when it is set): the process then"
                    + " sees it alone, as device 0, for CUDA, the NVDEC decoders and the libraries; -1 = the first visible GPU"
                    + " (default ${DEFAULT-VALUE})")
    int gpuId = -1;

    @Option(order = 401, names = "--engine-graphs", paramLabel = "true|false", arity = "1", converter = Bool.class,
            description = "replay the GPU engine's work as CUDA graphs (default ${DEFAULT-VALUE})")
    boolean engineGraphs = true;

    @Option(order = 405, names = "--engine-fusion", paramLabel = "true|false", arity = "1", converter = Bool.class,
            description = "GPU path: run each convolution with its bias and activation as one fused cuDNN graph where that"
                    + " measured faster when the detector starts (compiling them takes seconds then: 5.4 s for a"
                    + " YOLOv8n-class 640 model on an H200); false keeps the separate bias/activation kernel (default ${DEFAULT-VALUE})")
    boolean engineFusion = true;

    @Option(order = 402, names = "--detector-pool-mib", paramLabel = "N",
            description = "GPU memory the detector may take, in MiB, 16..1048576 (default ${DEFAULT-VALUE})")
    int detectorPoolMib = 8192;

    @Option(order = 404, names = "--batches-in-flight", paramLabel = "N",
            description = "GPU path: batches the detector works on at once, 1..8, each with its own CUDA stream, buffers and"
                    + " engine instance (memory from --detector-pool-mib; slots that do not fit are left out, with a warning);"
                    + " with 2 or more, host work on one batch (results, stages, listeners) overlaps the GPU work of the next,"
                    + " but the batches also compete with the decoders for the GPU (default ${DEFAULT-VALUE})")
    int batchesInFlight = 1;

    @Option(order = 501, names = "--output", paramLabel = "-|FILE|none",
            description = "detections as JSON lines; '-' = stdout (PERF then goes to stderr) (default ${DEFAULT-VALUE})")
    String output = "none";

    @Option(order = 502, names = "--all-frames", arity = "0..1", paramLabel = "true|false",
            description = "also write frames without detections")
    boolean allFrames;

    @Option(order = 503, names = "--metrics-port", paramLabel = "N",
            description = "HTTP /metrics (Prometheus) and /streams (JSON); 0 = any free port, -1 = off (default off)")
    int metricsPort = -1;

    @Option(order = 504, names = "--perf-interval-s", defaultValue = "5", paramLabel = "S",
            description = "**PERF: lines every S seconds, 0.1..3600 (default ${DEFAULT-VALUE})")
    double perfIntervalS = 5;

    @Option(order = 505, names = "--duration-s", defaultValue = "0", paramLabel = "S",
            description = "stop after S seconds; 0 = run until Ctrl-C / SIGTERM (default ${DEFAULT-VALUE})")
    double durationS = 0;

    @Option(order = 506, names = "--api-token", paramLabel = "TOKEN",
            description = "the stream control API (/api/v1/stream/add|remove, /api/v1/streams on the --metrics-port) answers "
                    + "any client that sends 'Authorization: Bearer TOKEN'; without it, loopback clients only")
    String apiToken;

    @Option(order = 507, names = "--sink", paramLabel = "TYPE[:NAME]=CONFIG",
            description = "send results as messages: kafka or mqtt, CONFIG inline JSON or a .json/.yaml file "
                    + "('{\"bootstrap\": \"host:9092\", \"topic\": \"vahost\"}'; see pipelines/README.md); repeat for more")
    List<String> sinks = new ArrayList<>();

    @Option(order = 508, names = "--view", paramLabel = "true|false", arity = "1", converter = Bool.class,
            description = "the web view at /view on the --metrics-port (loopback clients only): every camera's annotated picture "
                    + "(boxes, labels, zones) and stats; pictures are made only of streams someone looks at, on the GPU path by"
                    + " a CUDA kernel and nvJPEG (default: true)")
    Boolean view; // null: on (CliOptions.ViewCli)

    @Option(order = 509, names = "--view-fps", defaultValue = "2", paramLabel = "F",
            description = "pictures a second of each watched camera, 0.1..30 (default ${DEFAULT-VALUE})")
    double viewFps = 2;

    @Option(order = 510, names = "--snapshot-dir", paramLabel = "DIR",
            description = "write an annotated JPEG of each frame where an object enters a zone (analytics stage) here; the event's "
                    + "JSON gets its path as \"snapshot\"")
    Path snapshotDir;

    @Option(order = 511, names = "--snapshot-rate", defaultValue = "1", paramLabel = "F",
            description = "at most F snapshots a second per camera, 0.01..1000 (default ${DEFAULT-VALUE})")
    double snapshotRate = 1;

    @Option(order = 512, names = "--snapshot-keep", defaultValue = "1000", paramLabel = "N",
            description = "at most N snapshot files in --snapshot-dir, the oldest deleted first, 1..10000000 (default ${DEFAULT-VALUE})")
    int snapshotKeep = 1000;

    @Option(order = 513, names = "--rtsp-out", paramLabel = "ID",
            description = "serve stream ID's annotated video (boxes, labels, zones) over RTSP at rtsp://127.0.0.1:PORT/ID, encoded with "
                    + "x264enc on the CPU (nvh264enc where installed); the frames the detector processed, so at its rate for ID; only "
                    + "that stream's frames are copied, and only while a client plays it (GPU path: not yet run on a GPU)")
    String rtspOut;

    @Option(order = 514, names = "--rtsp-port", defaultValue = "8554", paramLabel = "PORT",
            description = "the RTSP server's port for --rtsp-out, 0..65535, 0 = any free port (default ${DEFAULT-VALUE})")
    int rtspPort = 8554;

    @Option(order = 701, names = "--cluster", paramLabel = "HOST:PORT[,...]",
            description = "cluster mode: the cameras come from a Kafka camera registry (a compacted topic) shared by the workers of"
                    + " one consumer group; this process runs the cameras of the partitions it is assigned; --source values and the"
                    + " stream control API write to the registry")
    String cluster;

    @Option(order = 702, names = "--cluster-topic", paramLabel = "TOPIC", description = "with --cluster: the camera registry topic (default ${DEFAULT-VALUE})")
    String clusterTopic = "vahost-cameras";

    @Option(order = 703, names = "--cluster-group", paramLabel = "GROUP", description = "with --cluster: the workers' consumer group (default ${DEFAULT-VALUE})")
    String clusterGroup = "vahost-workers";

    @Option(order = 704, names = "--worker-id", paramLabel = "ID",
            description = "with --cluster: this worker's static member id; a restart with the same id within the session timeout"
                    + " keeps its cameras (default: the host name, e.g. the pod name of a StatefulSet)")
    String workerId;

    @Option(order = 705, names = "--cluster-partitions", paramLabel = "N",
            description = "with --cluster: partitions of the registry topic when this worker creates it, 1..10000 (default ${DEFAULT-VALUE})")
    int clusterPartitions = 24;

    @Option(order = 706, names = "--cluster-session-timeout-ms", paramLabel = "MS",
            description = "with --cluster: how long the group waits for a silent worker before its cameras move, 1000..600000 (default ${DEFAULT-VALUE};"
                    + " the brokers' group.min.session.timeout.ms must allow it)")
    int clusterSessionTimeoutMs = 10_000;

    @Option(order = 707, names = "--capacity", paramLabel = "N",
            description = "with --cluster: the most cameras this worker runs; more in its partitions are refused and counted in /metrics, 0 = no"
                    + " limit (default ${DEFAULT-VALUE})")
    int capacity = 0;

    @Option(order = 601, names = "--plugin", paramLabel = "JAR|DIR",
            description = "a jar of stage plugins, or a directory of such jars; repeat for more")
    List<Path> plugins = new ArrayList<>();

    @Option(order = 602, names = "--stage", paramLabel = "TYPE[:NAME][=CONFIG]",
            description = "run a stage on every batch after detection, in the order given; CONFIG: inline JSON "
                    + "('{\"block\": 16}') or a .json/.yaml file with its configuration; repeat for more")
    List<String> stages = new ArrayList<>();

    @Option(order = 603, names = "--list-stages", arity = "0..1", paramLabel = "true|false",
            description = "print the stage types found (class path and --plugin jars) and exit")
    boolean listStages;

    @Option(order = 1, names = {"-h", "--help"}, usageHelp = true,
            description = "this help")
    boolean help;

    /** Given by ./vahost demo; it changes nothing. */
    @Option(names = "--demo", hidden = true)
    boolean demo;

    /**
     * The help's sections, by an option's {@code order} / 100. (picocli's argument groups give headings
     * too, but lost a value here when one group's options were interleaved with another's.)
     */
    private static final String[] SECTIONS = {null, "sources", "model", "batching", "GPU engine", "output",
            "stages (plugins; see README, Writing a plugin)", "cluster (cameras shared by workers through Kafka)"};

    /** A picocli command line over a fresh instance; later values of one option replace earlier ones. */
    public static CommandLine commandLine(ServiceCommand c) {
        CommandLine cl = new CommandLine(c);
        cl.setOverwrittenOptionsAllowed(true);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, ServiceCommand::optionList);
        return cl;
    }

    /** picocli's option list, under one heading per section. */
    private static String optionList(CommandLine.Help help) {
        StringBuilder b = new StringBuilder();
        List<CommandLine.Model.OptionSpec> options = new ArrayList<>(help.commandSpec().options());
        options.removeIf(CommandLine.Model.OptionSpec::hidden);
        options.sort(java.util.Comparator.comparingInt(CommandLine.Model.OptionSpec::order));
        int section = -1;
        CommandLine.Help.Layout layout = null;
        for (CommandLine.Model.OptionSpec o : options) {
            int sec = o.order() / 100;
            if (sec != section) {
                if (layout != null) b.append(layout);
                if (SECTIONS[sec] != null) b.append(String.format("%n%s:%n", SECTIONS[sec]));
                layout = help.createDefaultLayout();
                section = sec;
            }
            layout.addOption(o, help.createDefaultParamLabelRenderer());
        }
        if (layout != null) b.append(layout);
        return b.toString();
    }

    /** Parses {@code args} (no --config or --deployment left in them) into the typed options. */
    public static CliOptions parse(List<String> args) {
        ServiceCommand c = new ServiceCommand();
        try {
            c.parsed = commandLine(c).parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            String option = e.getArgSpec() instanceof CommandLine.Model.OptionSpec o ? o.longestName() : null;
            throw new BadOption(option, e.getMessage());
        }
        if (c.help) {
            // --help prints the usage whatever else is on the line.
            ServiceCommand d = new ServiceCommand();
            d.help = true;
            return d.toOptions();
        }
        return c.toOptions();
    }

    /** The usage text picocli generates from the declarations above. */
    public static String usage() {
        return commandLine(new ServiceCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    private CommandLine.ParseResult parsed;

    CliOptions toOptions() {
        range("--synthetic", synthetic, 0, 1024);
        try {
            SourceSpec.parse("x=synthetic:" + syntheticSize, "x");
        } catch (IllegalArgumentException e) {
            throw bad("--synthetic-size", syntheticSize, e.getMessage());
        }
        range("--reconnect-interval-s", reconnectIntervalS, 0.1, 3600);
        range("--reconnect-attempts", reconnectAttempts, -1, 1_000_000);
        range("--reconnect-backoff-s", reconnectBackoffS, 0.01, 3600);
        range("--reconnect-backoff-max-s", reconnectBackoffMaxS, reconnectBackoffS, 3600);
        range("--shutdown-grace-s", shutdownGraceS, 0, 3600);
        String gpuMode = oneOf("--gpu", gpu, new GpuModes());
        int inW = 0, inH = 0;
        if (inputSize != null) {
            inW = inputSize.width();
            inH = inputSize.height();
            if (inW < 32 || inW > 4096 || inH < 32 || inH > 4096) {
                throw bad("--input-size", inW + "x" + inH, "expected width and height within 32..4096");
            }
        }
        String type = oneOf("--model-type", modelType.toLowerCase(Locale.ROOT).replace('-', '_'), new ModelTypes());
        range("--score-threshold", scoreThreshold, 0, 1);
        range("--iou-threshold", iouThreshold, 0, 1);
        range("--max-detections", maxDetections, 1, 10_000);
        oneOf("--priors-format", priorsFormat, new PriorFormats());
        if (ssdVariances != null) {
            if (ssdVariances.length != 2) throw bad("--ssd-variances", join(ssdVariances), "expected 2 comma-separated numbers");
            for (float v : ssdVariances) if (!(v > 0)) throw bad("--ssd-variances", join(ssdVariances), "variances must be > 0");
        }
        oneOf("--ssd-scores", ssdScores, new SsdScores());
        range("--ssd-background", ssdBackground, -1, 65535);
        if (yoloxStrides != null) for (int st : yoloxStrides) range("--yolox-strides", st, 1, 1024);
        oneOf("--resize", resize, new Resizes());
        normalization(normalize);
        oneOf("--channel-order", channelOrder, new ChannelOrders());
        range("--batch-size", batchSize, 1, 256);
        range("--batch-timeout-ms", batchTimeoutMs, 0, 60_000);
        range("--queue", queue, 1, 1024);
        range("--max-fps", maxFps, 0, 1000);
        range("--detector-pool-mib", detectorPoolMib, 16, 1 << 20);
        range("--gpu-id", gpuId, -1, 63);
        range("--batches-in-flight", batchesInFlight, 1, 8);
        if (metricsPort != -1) range("--metrics-port", metricsPort, 0, 65535);
        range("--perf-interval-s", perfIntervalS, 0.1, 3600);
        range("--duration-s", durationS, 0, 1e7);
        if (apiToken != null && (apiToken.length() < 16 || !apiToken.matches("[\\x21-\\x7e]+"))) {
            // The value is a secret: the message does not repeat it.
            throw new BadOption("--api-token", "Invalid value for option '--api-token' (at least 16 printable characters without"
                    + " spaces; the value is not shown)");
        }
        if (cluster != null && !cluster.matches("[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")) {
            throw bad("--cluster", cluster, "expected HOST:PORT[,HOST:PORT...] of Kafka brokers");
        }
        range("--cluster-partitions", clusterPartitions, 1, 10_000);
        range("--cluster-session-timeout-ms", clusterSessionTimeoutMs, 1000, 600_000);
        range("--capacity", capacity, 0, 100_000);
        String worker = workerId != null ? workerId : hostName();
        if (!worker.matches("[A-Za-z0-9_.-]{1,128}")) throw bad("--worker-id", worker, "1-128 letters, digits, '_', '.' or '-'");
        if (!clusterTopic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw bad("--cluster-topic", clusterTopic, "a Kafka topic name: 1-249 letters, digits, '.', '_' or '-'");
        }
        if (!clusterGroup.matches("[A-Za-z0-9._-]{1,249}")) throw bad("--cluster-group", clusterGroup, "1-249 letters, digits, '.', '_' or '-'");
        CliOptions.ClusterCli clusterCli = new CliOptions.ClusterCli(cluster, clusterTopic, clusterGroup, worker, clusterPartitions,
                clusterSessionTimeoutMs, capacity);
        List<StageSpec> stageSpecs = specs("--stage", stages, null);
        List<StageSpec> sinkSpecs = specs("--sink", sinks, java.util.Set.of("kafka", "mqtt"));
        range("--view-fps", viewFps, 0.1, 30);
        range("--snapshot-rate", snapshotRate, 0.01, 1000);
        range("--snapshot-keep", snapshotKeep, 1, 10_000_000);
        for (String opt : List.of("--snapshot-rate", "--snapshot-keep")) {
            if (snapshotDir == null && parsed != null && parsed.hasMatchedOption(opt)) {
                throw new BadOption(opt, "Invalid value for option '" + opt + "': it applies to --snapshot-dir, which is not given");
            }
        }
        if (stageSpecs.stream().anyMatch(sp -> sp.type().equals(dev.vahost.pipelines.view.ViewFactory.TYPE))) {
            for (String opt : List.of("--view-fps", "--snapshot-dir", "--snapshot-rate", "--snapshot-keep")) {
                if (parsed != null && parsed.hasMatchedOption(opt)) {
                    throw new BadOption(opt, "Invalid value for option '" + opt + "': a 'view' stage is listed among the stages; "
                            + "configure it there (fps, snapshot_dir, snapshot_rate, snapshot_keep)");
                }
            }
        }
        range("--rtsp-port", rtspPort, 0, 65535);
        boolean rtspListed = stageSpecs.stream().anyMatch(sp -> sp.type().equals(dev.vahost.pipelines.view.RtspOutFactory.TYPE));
        for (String opt : List.of("--rtsp-out", "--rtsp-port")) {
            if (rtspListed && parsed != null && parsed.hasMatchedOption(opt)) {
                throw new BadOption(opt, "Invalid value for option '" + opt + "': an 'rtsp-out' stage is listed among the stages; "
                        + "configure it there (stream, port, address)");
            }
        }
        if (rtspOut == null && parsed != null && parsed.hasMatchedOption("--rtsp-port")) {
            throw new BadOption("--rtsp-port", "Invalid value for option '--rtsp-port': it applies to --rtsp-out, which is not given");
        }
        if (rtspOut != null) {
            if (!rtspOut.matches("[A-Za-z0-9._-]{1,128}")) {
                throw bad("--rtsp-out", rtspOut, "expected a stream id: 1-128 letters, digits, '.', '_' or '-'");
            }
            var rc = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            rc.put("stream", rtspOut);
            rc.put("port", rtspPort);
            stageSpecs = new ArrayList<>(stageSpecs);
            stageSpecs.add(new StageSpec(dev.vahost.pipelines.view.RtspOutFactory.TYPE, dev.vahost.pipelines.view.RtspOutFactory.TYPE, rc));
        }
        CliOptions.ViewCli viewCli = new CliOptions.ViewCli(view, viewFps, snapshotDir, snapshotRate, snapshotKeep);
        int cameras = sources.isEmpty() && synthetic == 0 && cluster == null ? 4 : synthetic;
        // Cluster mode: the cameras come from the registry; --source values are written to it.
        Path cache = clipCache != null ? clipCache : Path.of(System.getProperty("user.home"), ".cache", "vahost", "clips");
        return new CliOptions(List.copyOf(sources), cameras, syntheticSize, model, gpuMode, batchSize, batchTimeoutMs,
                inW, inH, (float) scoreThreshold, (float) iouThreshold, maxDetections, output, allFrames, metricsPort,
                perfIntervalS, live, loop, reconnectIntervalS, reconnectAttempts, reconnectBackoffS,
                reconnectBackoffMaxS, shutdownGraceS, maxFps, queue, durationS, cache,
                help, engineGraphs, detectorPoolMib,
                new CliOptions.ModelCli(type, priors, priorsFormat, priorsNormalized, ssdVariances, ssdScores,
                        ssdBackground, yoloxStrides, resize, normalize, channelOrder),
                List.copyOf(plugins), List.copyOf(stageSpecs), listStages, apiToken, List.copyOf(sinkSpecs), clusterCli, gpuId,
                batchesInFlight, viewCli, engineFusion);
    }

    /** This host's name as a worker id: $HOSTNAME (a pod's name), else the resolver's, with other characters as '-'. */
    static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h == null || h.isBlank()) {
            try {
                h = java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                h = "worker";
            }
        }
        return h.replaceAll("[^A-Za-z0-9_.-]", "-"); // a default that is always a valid id
    }

    /** {@code TYPE[:NAME][=CONFIG]} values of {@code option}, their type one of {@code types} when given. */
    private static List<StageSpec> specs(String option, List<String> values, java.util.Set<String> types) {
        List<StageSpec> out = new ArrayList<>();
        for (String v : values) {
            String why;
            try {
                StageSpec sp = StageSpec.parse(v);
                if (types == null || types.contains(sp.type())) {
                    out.add(sp);
                    continue;
                }
                why = "expected " + String.join(" or ", new java.util.TreeSet<>(types));
            } catch (IllegalArgumentException e) {
                why = e.getMessage();
            }
            throw new BadOption(option, "Invalid value for option '" + option + "': '" + v + "' (" + why + ")");
        }
        return out;
    }

    /** The error for {@code option}, quoting the value as it was written when picocli saw it. */
    BadOption bad(String option, Object value, String rule) {
        CommandLine.Model.OptionSpec o = parsed == null ? null : parsed.matchedOption(option);
        String text = o != null && !o.originalStringValues().isEmpty()
                ? o.originalStringValues().get(o.originalStringValues().size() - 1) : String.valueOf(value);
        return new BadOption(option, "Invalid value for option '" + option + "': '" + text + "' (" + rule + ")");
    }

    void range(String option, long v, long lo, long hi) {
        if (v < lo || v > hi) throw bad(option, v, "expected an integer within " + lo + ".." + hi);
    }

    void range(String option, double v, double lo, double hi) {
        if (Double.isNaN(v) || v < lo || v > hi) {
            throw bad(option, num(v), "expected a number within " + num(lo) + ".." + num(hi));
        }
    }

    private static String num(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    String oneOf(String option, String v, Iterable<String> allowed) {
        List<String> all = new ArrayList<>();
        for (String a : allowed) {
            if (a.equals(v)) return v;
            all.add(a);
        }
        throw bad(option, v, "expected one of " + String.join(", ", all));
    }

    private static String join(float[] f) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < f.length; i++) b.append(i > 0 ? "," : "").append(f[i]);
        return b.toString();
    }

    /** default | unit | none | imagenet | MR,MG,MB/SR,SG,SB (checked here, applied by the detector). */
    void normalization(String v) {
        if (v.equals("default") || v.equals("unit") || v.equals("none") || v.equals("imagenet")) return;
        String[] ms = v.split("/");
        if (ms.length != 2) {
            throw bad("--normalize", v, "expected default, unit, none, imagenet or MEAN_R,MEAN_G,MEAN_B/STD_R,STD_G,STD_B");
        }
        float[] mean = floats(ms[0]), std = floats(ms[1]);
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw bad("--normalize", v, "expected 3 comma-separated numbers on each side of '/'");
        }
        for (float s : std) if (!(s > 0)) throw bad("--normalize", v, "every std must be > 0");
    }

    /** true/false, also yes/no, on/off, 1/0. */
    public static final class Bool implements ITypeConverter<Boolean> {
        @Override
        public Boolean convert(String v) {
            return switch (v.strip().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new TypeConversionException("'" + v + "' (expected true or false)");
            };
        }
    }

    /** WxH, e.g. 320x320. */
    public record Size(int width, int height) {
        public static final class Converter implements ITypeConverter<Size> {
            @Override
            public Size convert(String v) {
                return valueOf(v);
            }
        }

        public static Size valueOf(String v) {
            String[] wh = v.strip().toLowerCase(Locale.ROOT).split("x");
            try {
                if (wh.length == 2) return new Size(Integer.parseInt(wh[0].strip()), Integer.parseInt(wh[1].strip()));
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new TypeConversionException("'" + v + "' (expected WxH, e.g. 320x320)");
        }
    }

    /** Comma-separated finite numbers, or null. */
    private static float[] floats(String v) {
        String[] p = v.split(",");
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            try {
                f[i] = Float.parseFloat(p[i].strip());
            } catch (NumberFormatException e) {
                return null;
            }
            if (!Float.isFinite(f[i])) return null;
        }
        return f;
    }

    /** Choices: picocli offers them in the help and the completion script; {@link #toOptions()} checks them. */
    static class Choices extends ArrayList<String> {
        private static final long serialVersionUID = 1L;

        Choices(String... values) {
            super(List.of(values));
        }
    }

    static final class GpuModes extends Choices {
        private static final long serialVersionUID = 1L;

        GpuModes() {
            super("auto", "on", "off");
        }
    }

    static final class ModelTypes extends Choices {
        private static final long serialVersionUID = 1L;

        ModelTypes() {
            super("auto", "yolov8", "yolo11", "yolov5", "yolox", "ssd", "detr", "rtdetr", "detectnet_v2", "centernet");
        }
    }

    static final class PriorFormats extends Choices {
        private static final long serialVersionUID = 1L;

        PriorFormats() {
            super("cxcywh", "xyxy");
        }
    }

    static final class SsdScores extends Choices {
        private static final long serialVersionUID = 1L;

        SsdScores() {
            super("softmax", "sigmoid");
        }
    }

    static final class Resizes extends Choices {
        private static final long serialVersionUID = 1L;

        Resizes() {
            super("default", "letterbox", "letterbox-topleft", "stretch");
        }
    }

    static final class Normalizations extends Choices {
        private static final long serialVersionUID = 1L;

        Normalizations() {
            super("default", "unit", "none", "imagenet");
        }
    }

    static final class ChannelOrders extends Choices {
        private static final long serialVersionUID = 1L;

        ChannelOrders() {
            super("default", "rgb", "bgr");
        }
    }
}
