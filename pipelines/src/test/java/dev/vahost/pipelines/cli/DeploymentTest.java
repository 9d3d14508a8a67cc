package dev.vahost.pipelines.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.pipelines.CliOptions;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --deployment FILE}: the example file and the README's, keys mapped onto options, the command
 * line overriding the file, and errors that name the file, the line and the key. Not covered: running
 * the service from a deployment file (it only produces the same {@link CliOptions} as the options do).
 */
class DeploymentTest {
    static final Path EXAMPLE = Path.of("src/test/resources/deployment/example.yaml");

    static CliOptions parse(String... args) {
        return CliOptions.parse(args);
    }

    static String err(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> CliOptions.parse(args)).getMessage();
    }

    static Path file(Path dir, String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void exampleFileMapsOntoTheOptions() {
        CliOptions o = parse("--deployment", EXAMPLE.toString());
        assertEquals(List.of("door=synthetic:640x360@15", "yard=synthetic:320x240@30"), o.sources());
        assertEquals(0, o.synthetic());
        assertTrue(o.live());
        assertTrue(o.loop());
        assertEquals(10.0, o.reconnectIntervalS());
        assertEquals(-1, o.reconnectAttempts());
        assertEquals("builtin", o.model());
        assertEquals("auto", o.modelCli().modelType());
        assertEquals(320, o.inputWidth());
        assertEquals(320, o.inputHeight());
        assertEquals(0.45f, o.scoreThreshold());
        assertEquals(0.5f, o.iouThreshold());
        assertEquals(100, o.maxDetections());
        assertEquals(8, o.batchSize());
        assertEquals(40, o.batchTimeoutMs());
        assertEquals("auto", o.gpu());
        assertTrue(o.engineGraphs());
        assertTrue(o.engineFusion());
        assertEquals(4096, o.detectorPoolMib());
        assertEquals("target/deployment-results.jsonl", o.output());
        assertFalse(o.framesWithoutDetections());
        assertEquals(0, o.metricsPort());
        assertEquals(5.0, o.perfIntervalS());
    }

    @Test
    void everyKeyReachesItsOption(@TempDir Path dir) throws Exception {
        Path f = file(dir, "all.yaml", """
                sources: [synthetic]
                synthetic: {count: 2, size: 640x360@15}
                live: false
                loop: false
                reconnect: {interval_s: 3, attempts: 5, backoff_s: 0.2, backoff_max_s: 8}
                clip_cache: /tmp/c
                model:
                  path: none
                  type: yolox
                  input_size: [640, 480]
                  thresholds: {score: 0.3, iou: 0.6, max_detections: 50}
                  preprocess: {resize: stretch, normalize: imagenet, channel_order: bgr}
                  ssd: {priors: p.pb, priors_format: xyxy, priors_normalized: true, variances: [1, 1], scores: sigmoid, background: -1}
                  yolox: {strides: [8, 16, 32, 64]}
                batching: {size: 32, timeout_ms: 10, queue: 8, max_fps: 12.5, shutdown_grace_s: 1.5}
                engine: {gpu: off, graphs: false, fusion: false, detector_pool_mib: 1024, gpu_id: 1, batches_in_flight: 3}
                outputs: {results: '-', all_frames: true, metrics_port: 9100, perf_interval_s: 2, api_token: t0123456789abcdefgh}
                duration_s: 30
                view: {enabled: false, fps: 5, snapshot_dir: /tmp/s, snapshot_rate: 0.5, snapshot_keep: 20}
                rtsp_out: {stream: cam0, port: 8555}
                plugins: [/opt/plugins/a.jar, /opt/plugins]
                stages:
                  - {type: test-tag, name: t, config: {label: 'x: y', min_score: 0.5}}
                  - test-throw
                sinks:
                  - {type: kafka, name: k, config: {bootstrap: 'h:9092', topic: t}}
                cluster: {bootstrap: 'k1:9092', topic: cams, group: workers, worker_id: w7, partitions: 48, session_timeout_ms: 6000,
                          capacity: 140}
                """);
        CliOptions o = parse("--deployment", f.toString());
        assertEquals(new CliOptions.ClusterCli("k1:9092", "cams", "workers", "w7", 48, 6000, 140), o.cluster());
        assertEquals(new CliOptions.ViewCli(false, 5, Path.of("/tmp/s"), 0.5, 20), o.view());
        assertEquals("kafka:k={\"bootstrap\":\"h:9092\",\"topic\":\"t\"}", o.sinks().get(0).argument());
        assertEquals(List.of(Path.of("/opt/plugins/a.jar"), Path.of("/opt/plugins")), o.plugins());
        assertEquals(List.of("t", "test-throw", "rtsp-out"), o.stages().stream().map(dev.vahost.pipelines.stage.StageSpec::name).toList());
        assertEquals("cam0", o.stages().get(2).config().get("stream").asText());
        assertEquals(8555, o.stages().get(2).config().get("port").asInt());
        assertEquals("x: y", o.stages().get(0).config().get("label").asText());
        assertEquals(0.5, o.stages().get(0).config().get("min_score").asDouble());
        assertEquals(List.of("synthetic"), o.sources());
        assertEquals(2, o.synthetic());
        assertEquals("640x360@15", o.syntheticSize());
        assertFalse(o.live());
        assertFalse(o.loop());
        assertEquals(3.0, o.reconnectIntervalS());
        assertEquals(5, o.reconnectAttempts());
        assertEquals(0.2, o.reconnectBackoffS());
        assertEquals(8.0, o.reconnectBackoffMaxS());
        assertEquals(Path.of("/tmp/c"), o.clipCache());
        assertEquals("none", o.model());
        assertEquals("yolox", o.modelCli().modelType());
        assertEquals(640, o.inputWidth());
        assertEquals(480, o.inputHeight());
        assertEquals(0.3f, o.scoreThreshold());
        assertEquals(0.6f, o.iouThreshold());
        assertEquals(50, o.maxDetections());
        assertEquals("stretch", o.modelCli().resize());
        assertEquals("imagenet", o.modelCli().normalize());
        assertEquals("bgr", o.modelCli().channelOrder());
        assertEquals("p.pb", o.modelCli().priors());
        assertEquals("xyxy", o.modelCli().priorsFormat());
        assertTrue(o.modelCli().priorsNormalized());
        assertArrayEquals(new float[] {1, 1}, o.modelCli().ssdVariances());
        assertEquals("sigmoid", o.modelCli().ssdScores());
        assertEquals(-1, o.modelCli().ssdBackground());
        assertArrayEquals(new int[] {8, 16, 32, 64}, o.modelCli().yoloxStrides());
        assertEquals(32, o.batchSize());
        assertEquals(10, o.batchTimeoutMs());
        assertEquals(8, o.queue());
        assertEquals(12.5, o.maxFps());
        assertEquals(1.5, o.shutdownGraceS());
        assertEquals("off", o.gpu());
        assertFalse(o.engineGraphs());
        assertFalse(o.engineFusion());
        assertEquals(1024, o.detectorPoolMib());
        assertEquals(1, o.gpuId());
        assertEquals(3, o.batchesInFlight());
        assertEquals("-", o.output());
        assertTrue(o.framesWithoutDetections());
        assertEquals(9100, o.metricsPort());
        assertEquals(2.0, o.perfIntervalS());
        assertEquals("t0123456789abcdefgh", o.apiToken());
        assertEquals(30.0, o.durationS());
        // Every key of the table appears in this file, and every option but --config/--deployment/--help has a key.
        String text = Files.readString(f);
        for (String key : Deployment.KEYS.keySet()) {
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            assertTrue(text.contains(leaf + ":"), key + " not exercised here");
        }
        Set<String> options = new TreeSet<>(Deployment.KEYS.values());
        Set<String> declared = new TreeSet<>();
        for (var opt : ServiceCommand.commandLine(new ServiceCommand()).getCommandSpec().options()) {
            if (!opt.hidden() && !opt.usageHelp()) declared.add(opt.longestName());
        }
        declared.removeAll(Set.of("--config", "--deployment", "--list-stages"));
        assertEquals(declared, options, "each option has one deployment key");
    }

    @Test
    void jsonFilesToo(@TempDir Path dir) throws Exception {
        Path f = file(dir, "site.json", """
                {"sources": [{"name": "a", "uri": "synthetic:320x240@30"}],
                 "model": {"thresholds": {"score": 0.7}},
                 "batching": {"size": 4}}
                """);
        CliOptions o = parse("--deployment", f.toString());
        assertEquals(List.of("a=synthetic:320x240@30"), o.sources());
        assertEquals(0.7f, o.scoreThreshold());
        assertEquals(4, o.batchSize());
        Path bad = file(dir, "bad.json", "{\"batching\": {\"size\": 4},\n \"batching\": {\"size\": 5}}");
        String m = err("--deployment", bad.toString());
        assertTrue(m.contains("line 2") && m.contains("batching"), m);
    }

    @Test
    void theCommandLineOverridesTheFile() {
        String dep = EXAMPLE.toString();
        assertEquals(4, parse("--deployment", dep, "--batch-size", "4").batchSize());
        assertEquals(4, parse("--batch-size", "4", "--deployment", dep).batchSize(), "wherever --deployment stands");
        assertEquals(0.9f, parse("--deployment=" + dep, "--score-threshold=0.9").scoreThreshold());
        CliOptions o = parse("--deployment", dep, "--source", "c=synthetic:640x480@30");
        assertEquals(List.of("c=synthetic:640x480@30"), o.sources(), "a --source on the command line replaces the file's sources");
        CliOptions s = parse("--deployment", dep, "--synthetic", "2");
        assertEquals(2, s.sources().size(), "--synthetic adds cameras to the file's sources");
        assertEquals(2, s.synthetic());
        assertEquals(8, s.batchSize(), "what the command line does not say comes from the file");
    }

    @Test
    void anUnknownKeyIsNamedWithItsLine(@TempDir Path dir) throws Exception {
        Path f = file(dir, "site.yaml", """
                model:
                  path: builtin
                  thresholds:
                    scor: 0.5
                """);
        String m = err("--deployment", f.toString());
        assertTrue(m.startsWith("--deployment " + f + ", line 4, column 5, key model.thresholds.scor: unknown key"), m);
        assertTrue(m.contains("known: score, iou, max_detections"), m);
        String top = err("--deployment", file(dir, "top.yaml", "# site\nbatching:\n  size: 4\nbatchsize: 8\n").toString());
        assertTrue(top.contains("line 4") && top.contains("key batchsize: unknown key") && top.contains("batching"), top);
        String src = err("--deployment", file(dir, "src.yaml", "sources:\n  - name: a\n    url: rtsp://h/x\n").toString());
        assertTrue(src.contains("line 3") && src.contains("key sources[0].url") && src.contains("known: name, uri"), src);
    }

    @Test
    void aBadValueIsNamedWithKeyLineAndTheOptionsRule(@TempDir Path dir) throws Exception {
        Path f = file(dir, "site.yaml", "sources:\n  - synthetic\nbatching:\n  timeout_ms: 10\n  size: 0\n");
        assertEquals("--deployment " + f + ", line 5, column 9, key batching.size: "
                + "Invalid value for option '--batch-size': '0' (expected an integer within 1..256)", err("--deployment", f.toString()));
        String word = err("--deployment", file(dir, "w.yaml", "\n\nmodel: {thresholds: {score: high}}\n").toString());
        assertTrue(word.contains("line 3") && word.contains("model.thresholds.score") && word.contains("'high'"), word);
        String gpu = err("--deployment", file(dir, "g.yaml", "engine:\n  gpu: maybe\n").toString());
        assertTrue(gpu.contains("line 2") && gpu.contains("engine.gpu") && gpu.contains("one of auto, on, off"), gpu);
        String source = err("--deployment", file(dir, "s.yaml", "sources:\n  - a=synthetic\n  - b=synthetic:10x10\n").toString());
        assertTrue(source.contains("line 3") && source.contains("sources[1]") && source.contains("64x64"), source);
        String noUri = err("--deployment", file(dir, "n.yaml", "sources:\n  - name: a\n").toString());
        assertTrue(noUri.contains("line 2") && noUri.contains("needs a uri"), noUri);
    }

    @Test
    void structureErrorsNameTheLine(@TempDir Path dir) throws Exception {
        String section = err("--deployment", file(dir, "a.yaml", "live: true\nmodel: yolov8n.onnx\n").toString());
        assertTrue(section.contains("line 2") && section.contains("key model") && section.contains("path, type, input_size"), section);
        String list = err("--deployment", file(dir, "b.yaml", "batching:\n  size: [1, 2]\n").toString());
        assertTrue(list.contains("line 2") && list.contains("batching.size") && list.contains("not a list"), list);
        String dup = err("--deployment", file(dir, "c.yaml", "live: true\nloop: true\nlive: false\n").toString());
        assertTrue(dup.contains("line 3") && dup.contains("live"), dup);
        String syntax = err("--deployment", file(dir, "d.yaml", "model:\n  path: builtin\n   type: yolov8\n").toString());
        assertTrue(syntax.contains("line 3"), syntax);
        String scalar = err("--deployment", file(dir, "e.yaml", "- a\n- b\n").toString());
        assertTrue(scalar.contains("line 1") && scalar.contains("mapping of keys at the top"), scalar);
        String empty = err("--deployment", file(dir, "f.yaml", "").toString());
        assertTrue(empty.contains("empty"), empty);
        String missing = err("--deployment", dir.resolve("none.yaml").toString());
        assertTrue(missing.contains(dir.resolve("none.yaml").toString()) && missing.contains("cannot read"), missing);
        String twice = err("--deployment", EXAMPLE.toString(), "--deployment", EXAMPLE.toString());
        assertTrue(twice.contains("one file per deployment"), twice);
        String noValue = err("--deployment");
        assertTrue(noValue.contains("'--deployment'"), noValue);
        // null (an empty value) leaves the default
        assertEquals(16, parse("--deployment", file(dir, "g.yaml", "batching:\n  size:\n").toString()).batchSize());
    }

    @Test
    void stagesInTheFileAreCheckedWithTheirLineAndReplacedByTheCommandLines(@TempDir Path dir) throws Exception {
        Path f = file(dir, "s.yaml", """
                stages:
                  - type: test-tag
                    name: a
                  - {type: test-throw, config: {every: 2}}
                """);
        assertEquals(List.of("a", "test-throw"), parse("--deployment", f.toString()).stages().stream()
                .map(dev.vahost.pipelines.stage.StageSpec::name).toList());
        assertEquals(List.of("b"), parse("--deployment", f.toString(), "--stage", "test-tag:b").stages().stream()
                .map(dev.vahost.pipelines.stage.StageSpec::name).toList(), "--stage on the command line replaces the file's stages");
        Path withSink = file(dir, "k.yaml", "sinks: [{type: mqtt, name: a, config: {broker: 'tcp://h:1883'}}]\n");
        assertEquals(List.of("a"), parse("--deployment", withSink.toString()).sinks().stream()
                .map(dev.vahost.pipelines.stage.StageSpec::name).toList());
        assertEquals(List.of("b"), parse("--deployment", withSink.toString(), "--sink", "mqtt:b={\"broker\": \"tcp://x:1883\"}").sinks()
                .stream().map(dev.vahost.pipelines.stage.StageSpec::name).toList(), "--sink replaces the file's sinks");
        String noType = err("--deployment", file(dir, "n.yaml", "stages:\n  - name: a\n").toString());
        assertTrue(noType.contains("line 2, column 5, key stages[0]: a stage needs a type"), noType);
        String unknown = err("--deployment", file(dir, "u.yaml", "stages:\n  - type: x\n    confg: {}\n").toString());
        assertTrue(unknown.contains("line 3, column 5, key stages[0].confg: unknown key (known: type, name, config)"),
                unknown);
        String notMap = err("--deployment", file(dir, "m.yaml", "stages:\n  - type: x\n    config: [1]\n").toString());
        assertTrue(notMap.contains("key stages[0]: stage 'x' (x): its config must be a mapping of keys, not array"), notMap);
        String badName = err("--deployment", file(dir, "b.yaml", "stages: [{type: x, name: 'a b'}]\n").toString());
        assertTrue(badName.contains("key stages[0]: stage name 'a b'"), badName);
        String cli = err("--stage", "test-tag:x={oops");
        assertTrue(cli.startsWith("Invalid value for option '--stage': 'test-tag:x={oops' (stage x (test-tag): cannot read its config"),
                cli);
    }

    @Test
    void theReadmesExampleParses(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("```yaml\n# site.yaml");
        assertTrue(at >= 0, "pipelines/README.md has a deployment example starting with '```yaml' and '# site.yaml'");
        String yaml = readme.substring(at + "```yaml\n".length(), readme.indexOf("```", at + 7));
        CliOptions o = parse("--deployment", file(dir, "site.yaml", yaml).toString());
        assertEquals(List.of("door=rtsp://10.0.0.5/stream1", "lobby=synthetic:1280x720@30"), o.sources());
        assertEquals(9100, o.metricsPort());
        for (var e : Deployment.KEYS.entrySet()) {
            assertTrue(readme.contains("| `" + e.getKey() + "`") && readme.contains("| `" + e.getValue() + "` |"),
                    e.getKey() + " -> " + e.getValue() + " missing from the README's table of keys");
        }
    }
}
