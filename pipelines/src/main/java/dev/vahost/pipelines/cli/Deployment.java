package dev.vahost.pipelines.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.stage.StageSpec;

/**
 * A deployment file ({@code --deployment site.yaml}, or .json): one file that describes a deployment's
 * sources, model, batching and outputs, as deepstream-app users keep one config per deployment. Every
 * key maps onto one command-line option ({@link #KEYS}) and is checked by the same rules; options on
 * the command line (and in --config files) come after the file's, so they win, and any --source there
 * replaces the file's sources. Errors name the file, the line and the key.
 *
 * <pre>
 * sources:
 *   - name: door
 *     uri: rtsp://10.0.0.5/stream1
 *   - lobby=/srv/video/lobby.mp4
 * model:
 *   path: /models/yolov8n.onnx
 *   type: yolov8
 *   input_size: 640x640
 *   thresholds: {score: 0.4, iou: 0.5}
 * batching: {size: 16, timeout_ms: 40}
 * outputs:
 *   results: /var/lib/vahost/results.jsonl
 *   metrics_port: 9100
 * </pre>
 */
public final class Deployment {
    /** Each key of a deployment file and the option it sets, in the order the documentation lists them. */
    public static final Map<String, String> KEYS;
    /** Keys that may hold a list, and how its items are joined into the option's value. */
    private static final Map<String, String> LIST_JOIN = Map.of("model.ssd.variances", ",", "model.yolox.strides", ",",
            "model.input_size", "x");
    private static final String SOURCES = "sources";
    private static final String PLUGINS = "plugins";
    private static final String STAGES = "stages";
    private static final String SINKS = "sinks";
    private static final Set<String> STAGE_FIELDS = Set.of("type", "name", "config");
    private static final Set<String> SOURCE_FIELDS = Set.of("name", "uri");
    private static final Set<String> SECTIONS = new TreeSet<>();
    // Factories of mappers, so that a stage's config section can be read as a tree.
    private static final JsonFactory JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
            .getFactory();
    private static final JsonFactory YAML = YAMLMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()
            .getFactory();

    static {
        Map<String, String> k = new LinkedHashMap<>();
        k.put(SOURCES, "--source");
        k.put("synthetic.count", "--synthetic");
        k.put("synthetic.size", "--synthetic-size");
        k.put("live", "--live");
        k.put("loop", "--loop");
        k.put("reconnect.interval_s", "--reconnect-interval-s");
        k.put("reconnect.attempts", "--reconnect-attempts");
        k.put("reconnect.backoff_s", "--reconnect-backoff-s");
        k.put("reconnect.backoff_max_s", "--reconnect-backoff-max-s");
        k.put("clip_cache", "--clip-cache");
        k.put("model.path", "--model");
        k.put("model.type", "--model-type");
        k.put("model.input_size", "--input-size");
        k.put("model.thresholds.score", "--score-threshold");
        k.put("model.thresholds.iou", "--iou-threshold");
        k.put("model.thresholds.max_detections", "--max-detections");
        k.put("model.preprocess.resize", "--resize");
        k.put("model.preprocess.normalize", "--normalize");
        k.put("model.preprocess.channel_order", "--channel-order");
        k.put("model.ssd.priors", "--priors");
        k.put("model.ssd.priors_format", "--priors-format");
        k.put("model.ssd.priors_normalized", "--priors-normalized");
        k.put("model.ssd.variances", "--ssd-variances");
        k.put("model.ssd.scores", "--ssd-scores");
        k.put("model.ssd.background", "--ssd-background");
        k.put("model.yolox.strides", "--yolox-strides");
        k.put("batching.size", "--batch-size");
        k.put("batching.timeout_ms", "--batch-timeout-ms");
        k.put("batching.queue", "--queue");
        k.put("batching.max_fps", "--max-fps");
        k.put("batching.shutdown_grace_s", "--shutdown-grace-s");
        k.put("engine.gpu", "--gpu");
        k.put("engine.gpu_id", "--gpu-id");
        k.put("engine.graphs", "--engine-graphs");
        k.put("engine.fusion", "--engine-fusion");
        k.put("engine.detector_pool_mib", "--detector-pool-mib");
        k.put("engine.batches_in_flight", "--batches-in-flight");
        k.put("outputs.results", "--output");
        k.put("outputs.all_frames", "--all-frames");
        k.put("outputs.metrics_port", "--metrics-port");
        k.put("outputs.perf_interval_s", "--perf-interval-s");
        k.put("outputs.api_token", "--api-token");
        k.put("view.enabled", "--view");
        k.put("view.fps", "--view-fps");
        k.put("view.snapshot_dir", "--snapshot-dir");
        k.put("view.snapshot_rate", "--snapshot-rate");
        k.put("view.snapshot_keep", "--snapshot-keep");
        k.put("rtsp_out.stream", "--rtsp-out");
        k.put("rtsp_out.port", "--rtsp-port");
        k.put("cluster.bootstrap", "--cluster");
        k.put("cluster.topic", "--cluster-topic");
        k.put("cluster.group", "--cluster-group");
        k.put("cluster.worker_id", "--worker-id");
        k.put("cluster.partitions", "--cluster-partitions");
        k.put("cluster.session_timeout_ms", "--cluster-session-timeout-ms");
        k.put("cluster.capacity", "--capacity");
        k.put("duration_s", "--duration-s");
        k.put(PLUGINS, "--plugin");
        k.put(STAGES, "--stage");
        k.put(SINKS, "--sink");
        KEYS = Collections.unmodifiableMap(k);
        for (String key : KEYS.keySet()) {
            for (int dot = key.indexOf('.'); dot > 0; dot = key.indexOf('.', dot + 1)) SECTIONS.add(key.substring(0, dot));
        }
    }

    /** One value from the file: its key, the option it sets, the value as written, and where it stands. */
    public record Setting(String key, String option, String value, JsonLocation where) {
        String argument() {
            return option + "=" + value;
        }
    }

    private final Path file;
    private final List<Setting> settings;

    private Deployment(Path file, List<Setting> settings) {
        this.file = file;
        this.settings = List.copyOf(settings);
    }

    public List<Setting> settings() {
        return settings;
    }

    /**
     * Removes {@code --deployment FILE} (or {@code --deployment=FILE}) from {@code args}.
     *
     * @return the file, or null when there is none
     */
    public static Path take(List<String> args) {
        Path found = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value;
            if (a.equals("--deployment")) {
                if (i + 1 >= args.size()) {
                    throw new ServiceCommand.BadOption("--deployment",
                            "Missing required parameter for option '--deployment' (FILE.yaml)");
                }
                value = args.remove(i + 1);
            } else if (a.startsWith("--deployment=")) {
                value = a.substring("--deployment=".length());
            } else {
                continue;
            }
            args.remove(i--);
            if (found != null) {
                throw new ServiceCommand.BadOption("--deployment", "--deployment given twice (" + found + ", " + value
                        + "): one file per deployment");
            }
            found = Path.of(value);
        }
        return found;
    }

    /**
     * Reads and checks a deployment file: its keys, the structure, each value by its option's rule.
     *
     * @throws ServiceCommand.BadOption naming the file, the line and the key
     */
    public static Deployment read(Path file) {
        JsonFactory f = file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
                ? JSON : YAML;
        List<Setting> out = new ArrayList<>();
        try (JsonParser p = f.createParser(file.toFile())) {
            JsonToken t = p.nextToken();
            if (t == null) throw error(file, p.currentLocation(), null, "the file is empty");
            if (t != JsonToken.START_OBJECT) {
                throw error(file, p.currentTokenLocation(), null, "expected a mapping of keys at the top (" + children("") + ")");
            }
            section(file, p, "", out);
            if (p.nextToken() != null) throw error(file, p.currentTokenLocation(), null, "more than one document in the file");
        } catch (StreamReadException e) {
            throw error(file, e.getLocation(), null, e.getOriginalMessage());
        } catch (IOException e) {
            throw new ServiceCommand.BadOption("--deployment", "--deployment " + file + ": cannot read ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
        Deployment d = new Deployment(file, out);
        d.check();
        return d;
    }

    /**
     * The file's options, then {@code commandLine}'s (which win); a --source there replaces the file's
     * sources, a --stage the file's stages, a --sink the file's sinks.
     */
    public List<String> argumentsUnder(List<String> commandLine) {
        boolean cliSources = given(commandLine, "--source"), cliStages = given(commandLine, "--stage"),
                cliSinks = given(commandLine, "--sink");
        List<String> all = new ArrayList<>();
        for (Setting s : settings) {
            if (cliSources && s.option().equals("--source") || cliStages && s.option().equals("--stage")
                    || cliSinks && s.option().equals("--sink")) {
                continue;
            }
            all.add(s.argument());
        }
        all.addAll(commandLine);
        return all;
    }

    private static boolean given(List<String> args, String option) {
        return args.stream().anyMatch(a -> a.equals(option) || a.startsWith(option + "="));
    }

    /** Every value by its option's rule, alone; an error names the key and the line of the value that broke it. */
    private void check() {
        List<String> args = new ArrayList<>();
        for (Setting s : settings) args.add(s.argument());
        try {
            ServiceCommand.parse(args);
        } catch (ServiceCommand.BadOption e) {
            for (int i = settings.size() - 1; i >= 0; i--) {
                Setting s = settings.get(i);
                if (s.option().equals(e.option())) throw error(file, s.where(), s.key(), e.getMessage());
            }
            throw new ServiceCommand.BadOption("--deployment", "--deployment " + file + ": " + e.getMessage());
        }
        for (Setting s : settings) {
            if (!s.option().equals("--source")) continue;
            try {
                SourceSpec.parse(s.value(), "x");
            } catch (IllegalArgumentException e) {
                throw error(file, s.where(), s.key(), e.getMessage());
            }
        }
    }

    private static void section(Path file, JsonParser p, String prefix, List<Setting> out) throws IOException {
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String key = prefix.isEmpty() ? p.currentName() : prefix + "." + p.currentName();
            JsonLocation at = p.currentTokenLocation();
            JsonToken v = p.nextToken();
            if (key.equals(SOURCES)) {
                sources(file, p, v, at, out);
            } else if (key.equals(PLUGINS)) {
                plugins(file, p, v, at, out);
            } else if (key.equals(STAGES)) {
                stages(file, p, v, at, out, STAGES, "--stage");
            } else if (key.equals(SINKS)) {
                stages(file, p, v, at, out, SINKS, "--sink");
            } else if (SECTIONS.contains(key)) {
                if (v == JsonToken.VALUE_NULL) continue;
                if (v != JsonToken.START_OBJECT) {
                    throw error(file, at, key, "expected a mapping of keys under it (" + children(key) + ")");
                }
                section(file, p, key, out);
            } else if (KEYS.containsKey(key)) {
                String value = value(file, p, v, key);
                if (value != null) out.add(new Setting(key, KEYS.get(key), value, p.currentTokenLocation()));
            } else {
                throw error(file, at, key, "unknown key" + (prefix.isEmpty() ? "" : " under '" + prefix + "'") + " (known: "
                        + children(prefix) + ")");
            }
        }
    }

    /**
     * A scalar as written (numbers and booleans as their text), a list joined for the keys that take
     * one, or null for null or an empty value (the option keeps its default).
     */
    private static String value(Path file, JsonParser p, JsonToken t, String key) throws IOException {
        if (t == JsonToken.VALUE_NULL) return null;
        if (t.isScalarValue()) return p.getText().isEmpty() ? null : p.getText();
        String join = LIST_JOIN.get(key);
        if (t == JsonToken.START_ARRAY && join != null) {
            JsonLocation at = p.currentTokenLocation();
            List<String> items = new ArrayList<>();
            for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken()) {
                if (i == null || !i.isScalarValue()) {
                    throw error(file, p.currentTokenLocation(), key, "expected a list of values");
                }
                items.add(p.getText());
            }
            if (items.isEmpty()) throw error(file, at, key, "empty list");
            return String.join(join, items);
        }
        throw error(file, p.currentTokenLocation(), key, "expected one value" + (join != null ? " or a list of values" : "")
                + ", not " + (t == JsonToken.START_ARRAY ? "a list" : "a mapping"));
    }

    /** sources: a list of "[NAME=]SPEC" strings or {name, uri} mappings. */
    private static void sources(Path file, JsonParser p, JsonToken t, JsonLocation at, List<Setting> out) throws IOException {
        if (t == JsonToken.VALUE_NULL) return;
        if (t != JsonToken.START_ARRAY) throw error(file, at, SOURCES, "expected a list of sources");
        int index = 0;
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken(), index++) {
            String key = SOURCES + "[" + index + "]";
            JsonLocation where = p.currentTokenLocation();
            if (i == JsonToken.VALUE_STRING) {
                out.add(new Setting(key, "--source", p.getText(), where));
            } else if (i == JsonToken.START_OBJECT) {
                String name = null, uri = null;
                for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                    String field = p.currentName();
                    JsonLocation fieldAt = p.currentTokenLocation();
                    JsonToken v = p.nextToken();
                    if (!SOURCE_FIELDS.contains(field)) {
                        throw error(file, fieldAt, key + "." + field, "unknown key in a source (known: name, uri)");
                    }
                    if (v != JsonToken.VALUE_STRING) throw error(file, fieldAt, key + "." + field, "expected a string");
                    if (field.equals("name")) name = p.getText(); else uri = p.getText();
                }
                if (uri == null) {
                    throw error(file, where, key, "a source needs a uri (rtsp://..., a file, synthetic:WxH@FPS, ...)");
                }
                out.add(new Setting(key, "--source", name == null ? uri : name + "=" + uri, where));
            } else {
                throw error(file, where, key, "expected \"[NAME=]SPEC\" or a mapping {name: ..., uri: ...}");
            }
        }
    }

    /** plugins: one path or a list of paths (jars or directories of jars). */
    private static void plugins(Path file, JsonParser p, JsonToken t, JsonLocation at, List<Setting> out) throws IOException {
        if (t == JsonToken.VALUE_NULL) return;
        if (t == JsonToken.VALUE_STRING) {
            out.add(new Setting(PLUGINS, "--plugin", p.getText(), at));
            return;
        }
        if (t != JsonToken.START_ARRAY) throw error(file, at, PLUGINS, "expected a path or a list of paths (jars or directories)");
        int index = 0;
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken(), index++) {
            if (i != JsonToken.VALUE_STRING) throw error(file, p.currentTokenLocation(), PLUGINS + "[" + index + "]", "expected a path");
            out.add(new Setting(PLUGINS + "[" + index + "]", "--plugin", p.getText(), p.currentTokenLocation()));
        }
    }

    /**
     * stages: a list of {type, name, config} mappings (config: the stage's own section, any shape its
     * type reads) or "TYPE[:NAME][=CONFIG]" strings, in the order they run.
     */
    private static void stages(Path file, JsonParser p, JsonToken t, JsonLocation at, List<Setting> out, String section, String option)
            throws IOException {
        if (t == JsonToken.VALUE_NULL) return;
        if (t != JsonToken.START_ARRAY) throw error(file, at, section, "expected a list ({type, name, config} each)");
        int index = 0;
        for (JsonToken i = p.nextToken(); i != JsonToken.END_ARRAY; i = p.nextToken(), index++) {
            String key = section + "[" + index + "]";
            JsonLocation where = p.currentTokenLocation();
            StageSpec spec;
            try {
                if (i == JsonToken.VALUE_STRING) {
                    spec = StageSpec.parse(p.getText());
                } else if (i == JsonToken.START_OBJECT) {
                    String type = null, name = null;
                    JsonNode config = null;
                    for (JsonToken f = p.nextToken(); f == JsonToken.FIELD_NAME; f = p.nextToken()) {
                        String field = p.currentName();
                        JsonLocation fieldAt = p.currentTokenLocation();
                        JsonToken v = p.nextToken();
                        if (!STAGE_FIELDS.contains(field)) {
                            throw error(file, fieldAt, key + "." + field, "unknown key (known: type, name, config)");
                        }
                        if (field.equals("config")) {
                            config = p.readValueAsTree();
                        } else if (v != JsonToken.VALUE_STRING) {
                            throw error(file, fieldAt, key + "." + field, "expected a string");
                        } else if (field.equals("type")) {
                            type = p.getText();
                        } else {
                            name = p.getText();
                        }
                    }
                    if (type == null) {
                        throw error(file, where, key, option.equals("--stage") ? "a stage needs a type (see ./vahost demo --list-stages)"
                                : "a sink needs a type (kafka or mqtt)");
                    }
                    spec = new StageSpec(type, name, config);
                } else {
                    throw error(file, where, key, "expected a mapping {type: ..., name: ..., config: {...}}");
                }
            } catch (IllegalArgumentException e) {
                if (e instanceof ServiceCommand.BadOption) throw e;
                throw error(file, where, key, e.getMessage());
            }
            out.add(new Setting(key, option, spec.argument(), where));
        }
    }

    private static String children(String prefix) {
        Set<String> names = new java.util.LinkedHashSet<>();
        String start = prefix.isEmpty() ? "" : prefix + ".";
        for (String key : KEYS.keySet()) {
            if (!key.startsWith(start)) continue;
            String rest = key.substring(start.length());
            int dot = rest.indexOf('.');
            names.add(dot < 0 ? rest : rest.substring(0, dot));
        }
        return String.join(", ", names);
    }

    private static ServiceCommand.BadOption error(Path file, JsonLocation at, String key, String message) {
        StringBuilder b = new StringBuilder("--deployment ").append(file);
        if (at != null && at.getLineNr() > 0) {
            b.append(", line ").append(at.getLineNr()).append(", column ").append(at.getColumnNr());
        }
        if (key != null) b.append(", key ").append(key);
        return new ServiceCommand.BadOption("--deployment", b.append(": ").append(message).toString());
    }
}
