package dev.vahost.pipelines;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The command line of the service, parsed and validated; every error names the option and the value. */
public record CliOptions(List<String> sources, int synthetic, String syntheticSize, String model, String gpu,
                         int batchSize, int batchTimeoutMs, int inputWidth, int inputHeight, float scoreThreshold,
                         float iouThreshold, int maxDetections, String output, boolean framesWithoutDetections,
                         int metricsPort, double perfIntervalS, boolean live, boolean loop, double reconnectIntervalS,
                         int reconnectAttempts, double maxFps, int queue, double durationS, Path clipCache, boolean help,
                         ModelCli modelCli) {

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

    public static final String USAGE = """
            usage: vahost [options]       (./vahost demo [options] from the project root)
              Runs the multi-camera service: decode (NVDEC when a GPU is there) -> batch -> preprocess ->
              detector -> NMS -> results and per-stream FPS. Stop with Ctrl-C (graceful, exit code 0).
            sources (repeat --source; with none, 4 synthetic cameras are used):
              --source [NAME=]SPEC       synthetic[:WxH][@FPS] | rtsp://... | any URI | FILE (.h264 .h265 .mp4 .mkv ...)
                                         | launch:FRAGMENT (a launch string ending in decoded video)
              --synthetic N              add N synthetic cameras of --synthetic-size (default 1280x720@30)
              --config FILE              more options, one per line ('#' starts a comment)
              --live true|false          pace files and synthetic cameras at their frame rate (default true)
              --loop true|false          loop file sources (default true)
              --reconnect-interval-s S   reset a live source that delivered nothing for S seconds (default 10)
              --reconnect-attempts N     consecutive attempts before giving up, -1 = unlimited (default -1)
            model and batching:
              --model PATH|builtin|none  ONNX detector (default builtin: the project's test detector); none = decode only
              --gpu auto|on|off          GPU path (default auto: used when CUDA, NVDEC and the kernels are available)
              --batch-size N             frames per batch, 1..256 (default 16)
              --batch-timeout-ms N       push a partial batch N ms after its first frame (default 40)
              --queue N                  frames queued per stream before the oldest is dropped (default 4)
              --max-fps F                per-stream frame-rate cap, 0 = none (default 0)
              --input-size WxH           model input size (default: the model's; required for exports with dynamic height/width)
              --model-type TYPE          auto (from the output shapes) | yolov8 (also yolo11) | yolov5 | yolox | ssd | detr
                                         (RT-DETR, D-FINE) | detectnet_v2 | centernet (default auto)
              --priors FILE              SSD/RetinaNet anchors: ONNX TensorProto float [A, 4] (see --priors-format)
              --priors-format F          cxcywh | xyxy, in input pixels (default cxcywh); --priors-normalized: fractions
              --ssd-variances C,S        box coder variances (default 0.1,0.2; RetinaNet: 1,1)
              --ssd-scores S             softmax | sigmoid (default softmax)   --ssd-background N  (default 0; -1 none)
              --yolox-strides A,B,C      YOLOX grid strides (default 8,16,32)
              --resize R                 default | letterbox | letterbox-topleft | stretch (default: the family's)
              --normalize N              default | unit (x/255) | none (0..255) | imagenet | MR,MG,MB/SR,SG,SB (on x/255)
              --channel-order O          default | rgb | bgr
              --score-threshold F        0..1 (default 0.4)   --iou-threshold F  0..1 (default 0.5)
              --max-detections N         per frame (default 100)
            output:
              --output -|FILE|none       detections as JSON lines (default none); '-' = stdout (PERF then goes to stderr)
              --all-frames               also write frames without detections
              --metrics-port N           HTTP /metrics (Prometheus) and /streams (JSON); 0 = any free port (default off)
              --perf-interval-s S        **PERF: lines every S seconds (default 5)
              --duration-s S             stop after S seconds (default 0: run until Ctrl-C / SIGTERM)
              --clip-cache DIR           where synthetic camera clips are kept (default ~/.cache/vahost/clips)
              --help
            """;

    public static CliOptions parse(String[] args) {
        List<String> all = new ArrayList<>();
        expand(args, all, 0);
        List<String> sources = new ArrayList<>();
        int synthetic = 0;
        String size = "1280x720@30", model = "builtin", gpu = "auto", output = "none";
        int batch = 16, timeout = 40, inW = 0, inH = 0, maxDet = 100, port = -1, attempts = -1, queue = 4;
        float score = 0.4f, iou = 0.5f;
        double perf = 5, reconnect = 10, maxFps = 0, duration = 0;
        boolean live = true, loop = true, allFrames = false, help = false;
        String modelType = "auto", priors = null, priorsFormat = "cxcywh", ssdScores = "softmax", resize = "default",
                normalize = "default", channelOrder = "default";
        boolean priorsNormalized = false;
        float[] ssdVariances = null;
        int ssdBackground = 0;
        int[] yoloxStrides = null;
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "vahost", "clips");
        for (int i = 0; i < all.size(); i++) {
            String a = all.get(i);
            switch (a) {
                case "--help", "-h" -> help = true;
                case "--all-frames" -> allFrames = true;
                case "--priors-normalized" -> priorsNormalized = true;
                case "--demo" -> { }
                default -> {
                    if (!a.startsWith("--")) throw new IllegalArgumentException("unexpected argument '" + a + "' (options start with --; see --help)");
                    if (i + 1 >= all.size()) throw new IllegalArgumentException("missing value after " + a);
                    String v = all.get(++i);
                    switch (a) {
                        case "--source" -> sources.add(v);
                        case "--synthetic" -> synthetic = intIn(a, v, 0, 1024);
                        case "--synthetic-size" -> size = v;
                        case "--model" -> model = v;
                        case "--model-type" -> modelType = oneOf(a, v.toLowerCase(Locale.ROOT).replace('-', '_'), "auto", "yolov8",
                                "yolo11", "yolov5", "yolox", "ssd", "detr", "rtdetr", "detectnet_v2", "centernet");
                        case "--priors" -> priors = v;
                        case "--priors-format" -> priorsFormat = oneOf(a, v, "cxcywh", "xyxy");
                        case "--ssd-variances" -> {
                            float[] f = floats(a, v, 2);
                            for (float x : f) if (!(x > 0)) throw new IllegalArgumentException("bad value for " + a + ": '" + v + "' (variances must be > 0)");
                            ssdVariances = f;
                        }
                        case "--ssd-scores" -> ssdScores = oneOf(a, v, "softmax", "sigmoid");
                        case "--ssd-background" -> ssdBackground = intIn(a, v, -1, 65535);
                        case "--yolox-strides" -> {
                            String[] p = v.split(",");
                            yoloxStrides = new int[p.length];
                            for (int k = 0; k < p.length; k++) yoloxStrides[k] = intIn(a, p[k], 1, 1024);
                        }
                        case "--resize" -> resize = oneOf(a, v, "default", "letterbox", "letterbox-topleft", "stretch");
                        case "--normalize" -> normalize = normalization(a, v);
                        case "--channel-order" -> channelOrder = oneOf(a, v, "default", "rgb", "bgr");
                        case "--gpu" -> gpu = oneOf(a, v, "auto", "on", "off");
                        case "--batch-size" -> batch = intIn(a, v, 1, 256);
                        case "--batch-timeout-ms" -> timeout = intIn(a, v, 0, 60_000);
                        case "--queue" -> queue = intIn(a, v, 1, 1024);
                        case "--max-fps" -> maxFps = dblIn(a, v, 0, 1000);
                        case "--input-size" -> {
                            String[] wh = v.toLowerCase(Locale.ROOT).split("x");
                            if (wh.length != 2) throw new IllegalArgumentException("bad value for --input-size: '" + v + "' (expected WxH, e.g. 320x320)");
                            inW = intIn(a, wh[0], 32, 4096);
                            inH = intIn(a, wh[1], 32, 4096);
                        }
                        case "--score-threshold" -> score = (float) dblIn(a, v, 0, 1);
                        case "--iou-threshold" -> iou = (float) dblIn(a, v, 0, 1);
                        case "--max-detections" -> maxDet = intIn(a, v, 1, 10_000);
                        case "--output" -> output = v;
                        case "--metrics-port" -> port = intIn(a, v, 0, 65535);
                        case "--perf-interval-s" -> perf = dblIn(a, v, 0.1, 3600);
                        case "--live" -> live = bool(a, v);
                        case "--loop" -> loop = bool(a, v);
                        case "--reconnect-interval-s" -> reconnect = dblIn(a, v, 0.1, 3600);
                        case "--reconnect-attempts" -> attempts = intIn(a, v, -1, 1_000_000);
                        case "--duration-s" -> duration = dblIn(a, v, 0, 1e7);
                        case "--clip-cache" -> cache = Path.of(v);
                        default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
                    }
                }
            }
        }
        if (sources.isEmpty() && synthetic == 0) synthetic = 4;
        return new CliOptions(List.copyOf(sources), synthetic, size, model, gpu, batch, timeout, inW, inH, score, iou, maxDet,
                output, allFrames, port, perf, live, loop, reconnect, attempts, maxFps, queue, duration, cache, help,
                new ModelCli(modelType, priors, priorsFormat, priorsNormalized, ssdVariances, ssdScores, ssdBackground, yoloxStrides,
                        resize, normalize, channelOrder));
    }

    /** --config FILE is replaced by the options in the file (nested up to 4 deep). */
    private static void expand(String[] args, List<String> out, int depth) {
        for (int i = 0; i < args.length; i++) {
            if (!"--config".equals(args[i])) {
                out.add(args[i]);
                continue;
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after --config");
            if (depth > 3) throw new IllegalArgumentException("--config files nested too deep");
            Path p = Path.of(args[++i]);
            List<String> lines;
            try {
                lines = Files.readAllLines(p);
            } catch (IOException e) {
                throw new IllegalArgumentException("--config " + p + ": cannot read (" + e.getMessage() + ")");
            }
            List<String> words = new ArrayList<>();
            for (String line : lines) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                int sp = t.indexOf(' ');
                if (sp < 0) words.add(t);
                else {
                    words.add(t.substring(0, sp));
                    words.add(t.substring(sp + 1).strip());
                }
            }
            expand(words.toArray(String[]::new), out, depth + 1);
        }
    }

    static int intIn(String opt, String v, int lo, int hi) {
        int x;
        try {
            x = Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (expected an integer within " + lo + ".." + hi + ")");
        }
        if (x < lo || x > hi) throw new IllegalArgumentException("bad value for " + opt + ": " + x + " (expected " + lo + ".." + hi + ")");
        return x;
    }

    static double dblIn(String opt, String v, double lo, double hi) {
        double x;
        try {
            x = Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            x = Double.NaN;
        }
        if (Double.isNaN(x) || x < lo || x > hi) {
            throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (expected a number within " + lo + ".." + hi + ")");
        }
        return x;
    }

    static float[] floats(String opt, String v, int count) {
        String[] p = v.split(",");
        if (p.length != count) {
            throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (expected " + count + " comma-separated numbers)");
        }
        float[] f = new float[count];
        for (int i = 0; i < count; i++) f[i] = (float) dblIn(opt, p[i], -1e9, 1e9);
        return f;
    }

    /** default | unit | none | imagenet | MR,MG,MB/SR,SG,SB (checked here, applied by the detector). */
    static String normalization(String opt, String v) {
        if (v.equals("default") || v.equals("unit") || v.equals("none") || v.equals("imagenet")) return v;
        String[] ms = v.split("/");
        if (ms.length != 2) {
            throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (expected default, unit, none, imagenet or"
                    + " MEAN_R,MEAN_G,MEAN_B/STD_R,STD_G,STD_B)");
        }
        floats(opt, ms[0], 3);
        for (float s : floats(opt, ms[1], 3)) {
            if (!(s > 0)) throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (every std must be > 0)");
        }
        return v;
    }

    static boolean bool(String opt, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (expected true or false)");
        };
    }

    static String oneOf(String opt, String v, String... allowed) {
        for (String a : allowed) if (a.equals(v)) return v;
        throw new IllegalArgumentException("bad value for " + opt + ": '" + v + "' (expected one of " + String.join(", ", allowed) + ")");
    }

    public Duration batchTimeout() {
        return Duration.ofMillis(batchTimeoutMs);
    }
}
