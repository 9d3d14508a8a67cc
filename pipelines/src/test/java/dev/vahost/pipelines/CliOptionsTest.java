package dev.vahost.pipelines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import dev.vahost.pipelines.cli.Completion;
import dev.vahost.pipelines.cli.ServiceCommand;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The command line: every option parsed to its typed value, every rule's error naming the option and
 * the value, --config files, the help and the completion script generated from the same declarations.
 * The deployment file has its own test ({@code cli.DeploymentTest}).
 */
class CliOptionsTest {
    static String err(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> CliOptions.parse(args)).getMessage();
    }

    /** Every option the service declares (picocli's model), the hidden --demo and --help left out. */
    static Set<String> declaredOptions() {
        Set<String> names = new TreeSet<>();
        for (OptionSpec o : ServiceCommand.commandLine(new ServiceCommand()).getCommandSpec().options()) {
            if (!o.hidden() && !o.usageHelp()) names.add(o.longestName());
        }
        return names;
    }

    /** @param with options it needs beside it (given first) */
    record Case(String option, String value, Function<CliOptions, Object> get, Object expected, String... with) {}

    /** One value for every option, and what the typed result must hold. */
    static final List<Case> EVERY_OPTION = List.of(
            new Case("--source", "cam1=synthetic:640x360@15", CliOptions::sources, List.of("cam1=synthetic:640x360@15")),
            new Case("--synthetic", "3", CliOptions::synthetic, 3),
            new Case("--synthetic-size", "640x360@15", CliOptions::syntheticSize, "640x360@15"),
            new Case("--live", "false", CliOptions::live, false),
            new Case("--loop", "no", CliOptions::loop, false),
            new Case("--reconnect-interval-s", "2.5", CliOptions::reconnectIntervalS, 2.5),
            new Case("--reconnect-attempts", "7", CliOptions::reconnectAttempts, 7),
            new Case("--reconnect-backoff-s", "0.25", CliOptions::reconnectBackoffS, 0.25),
            new Case("--reconnect-backoff-max-s", "120", CliOptions::reconnectBackoffMaxS, 120.0),
            new Case("--clip-cache", "/tmp/clips", CliOptions::clipCache, Path.of("/tmp/clips")),
            new Case("--model", "none", CliOptions::model, "none"),
            new Case("--gpu", "off", CliOptions::gpu, "off"),
            new Case("--input-size", "640X480", o -> o.inputWidth() + "x" + o.inputHeight(), "640x480"),
            new Case("--model-type", "Detectnet-V2", o -> o.modelCli().modelType(), "detectnet_v2"),
            new Case("--score-threshold", "0.25", CliOptions::scoreThreshold, 0.25f),
            new Case("--iou-threshold", "0.7", CliOptions::iouThreshold, 0.7f),
            new Case("--max-detections", "300", CliOptions::maxDetections, 300),
            new Case("--priors", "p.pb", o -> o.modelCli().priors(), "p.pb"),
            new Case("--priors-format", "xyxy", o -> o.modelCli().priorsFormat(), "xyxy"),
            new Case("--priors-normalized", "true", o -> o.modelCli().priorsNormalized(), true),
            new Case("--ssd-variances", "1,1", o -> List.of(o.modelCli().ssdVariances()[0], o.modelCli().ssdVariances()[1]), List.of(1f, 1f)),
            new Case("--ssd-scores", "sigmoid", o -> o.modelCli().ssdScores(), "sigmoid"),
            new Case("--ssd-background", "-1", o -> o.modelCli().ssdBackground(), -1),
            new Case("--yolox-strides", "8,16,32,64", o -> java.util.Arrays.toString(o.modelCli().yoloxStrides()), "[8, 16, 32, 64]"),
            new Case("--resize", "letterbox-topleft", o -> o.modelCli().resize(), "letterbox-topleft"),
            new Case("--normalize", "0.5,0.5,0.5/0.25,0.25,0.25", o -> o.modelCli().normalize(), "0.5,0.5,0.5/0.25,0.25,0.25"),
            new Case("--channel-order", "bgr", o -> o.modelCli().channelOrder(), "bgr"),
            new Case("--batch-size", "32", CliOptions::batchSize, 32),
            new Case("--batch-timeout-ms", "0", CliOptions::batchTimeoutMs, 0),
            new Case("--queue", "12", CliOptions::queue, 12),
            new Case("--max-fps", "15", CliOptions::maxFps, 15.0),
            new Case("--shutdown-grace-s", "2", CliOptions::shutdownGraceS, 2.0),
            new Case("--engine-graphs", "off", CliOptions::engineGraphs, false),
            new Case("--engine-fusion", "false", CliOptions::engineFusion, false),
            new Case("--batches-in-flight", "4", CliOptions::batchesInFlight, 4),
            new Case("--detector-pool-mib", "2048", CliOptions::detectorPoolMib, 2048),
            new Case("--output", "-", CliOptions::output, "-"),
            new Case("--all-frames", "true", CliOptions::framesWithoutDetections, true),
            new Case("--metrics-port", "9100", CliOptions::metricsPort, 9100),
            new Case("--perf-interval-s", "0.5", CliOptions::perfIntervalS, 0.5),
            new Case("--duration-s", "60", CliOptions::durationS, 60.0),
            new Case("--plugin", "plugins/zone-count.jar", CliOptions::plugins, List.of(Path.of("plugins/zone-count.jar"))),
            new Case("--stage", "test-tag:t={\"label\": \"a=b\"}", o -> o.stages().get(0).argument(),
                    "test-tag:t={\"label\":\"a=b\"}"),
            new Case("--list-stages", "true", CliOptions::listStages, true),
            new Case("--api-token", "s3cret-token-0123456789", CliOptions::apiToken, "s3cret-token-0123456789"),
            new Case("--sink", "mqtt:m={\"broker\": \"tcp://h:1883\"}", o -> o.sinks().get(0).argument(), "mqtt:m={\"broker\":\"tcp://h:1883\"}"),
            new Case("--cluster", "k1:9092,k2:9092", o -> o.cluster().config().bootstrap(), "k1:9092,k2:9092"),
            new Case("--cluster-topic", "site-cameras", o -> o.cluster().topic(), "site-cameras"),
            new Case("--cluster-group", "site-workers", o -> o.cluster().group(), "site-workers"),
            new Case("--worker-id", "vahost-3", o -> o.cluster().workerId(), "vahost-3"),
            new Case("--cluster-partitions", "96", o -> o.cluster().partitions(), 96),
            new Case("--cluster-session-timeout-ms", "6000", o -> o.cluster().sessionTimeoutMs(), 6000),
            new Case("--capacity", "140", o -> o.cluster().capacity(), 140),
            new Case("--gpu-id", "1", CliOptions::gpuId, 1),
            new Case("--view", "false", o -> o.view().enabled(), false),
            new Case("--view-fps", "0.5", o -> o.view().fps(), 0.5),
            new Case("--snapshot-dir", "/tmp/snaps", o -> o.view().snapshotDir(), Path.of("/tmp/snaps")),
            new Case("--snapshot-rate", "0.2", o -> o.view().snapshotRate(), 0.2, "--snapshot-dir", "s"),
            new Case("--snapshot-keep", "50", o -> o.view().snapshotKeep(), 50, "--snapshot-dir", "s"),
            new Case("--rtsp-out", "door", o -> rtspOut(o).get("stream").asText(), "door"),
            new Case("--rtsp-port", "8555", o -> rtspOut(o).get("port").asInt(), 8555, "--rtsp-out", "door"));

    /** The config of the rtsp-out stage that --rtsp-out adds. */
    static com.fasterxml.jackson.databind.JsonNode rtspOut(CliOptions o) {
        return o.stages().stream().filter(s -> s.type().equals("rtsp-out")).findFirst().orElseThrow().config();
    }

    @Test
    void defaults() {
        CliOptions o = CliOptions.parse(new String[0]);
        assertEquals(List.of(), o.sources());
        assertEquals(4, o.synthetic(), "no source: four synthetic cameras");
        assertEquals("1280x720@30", o.syntheticSize());
        assertEquals("builtin", o.model());
        assertEquals("auto", o.gpu());
        assertEquals(16, o.batchSize());
        assertEquals(40, o.batchTimeoutMs());
        assertEquals(0, o.inputWidth());
        assertEquals(0.4f, o.scoreThreshold());
        assertEquals(0.5f, o.iouThreshold());
        assertEquals(100, o.maxDetections());
        assertEquals("none", o.output());
        assertFalse(o.framesWithoutDetections());
        assertEquals(-1, o.metricsPort());
        assertEquals(5.0, o.perfIntervalS());
        assertTrue(o.live());
        assertTrue(o.loop());
        assertEquals(10.0, o.reconnectIntervalS());
        assertEquals(-1, o.reconnectAttempts());
        assertEquals(0.5, o.reconnectBackoffS(), "source.Backoff.defaults()");
        assertEquals(30.0, o.reconnectBackoffMaxS(), "source.Backoff.defaults()");
        assertEquals(30.0, o.shutdownGraceS(), "AnalyticsService.Options' default grace");
        assertEquals(0.0, o.maxFps());
        assertEquals(4, o.queue());
        assertEquals(0.0, o.durationS());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "vahost", "clips"), o.clipCache());
        assertFalse(o.help());
        assertTrue(o.engineGraphs());
        assertTrue(o.engineFusion());
        assertEquals(8192, o.detectorPoolMib(), "8 GiB, the pool GpuDetector had before the option existed");
        CliOptions.ModelCli m = o.modelCli();
        assertEquals(CliOptions.ModelCli.defaults().toString().replaceAll("@[0-9a-f]+", ""), m.toString().replaceAll("@[0-9a-f]+", ""));
    }

    @Test
    void everyOptionParsesToItsTypedValue() {
        Set<String> covered = new HashSet<>();
        for (Case c : EVERY_OPTION) {
            List<String> spacedArgs = new ArrayList<>(List.of(c.with())), joinedArgs = new ArrayList<>(List.of(c.with()));
            spacedArgs.addAll(List.of(c.option(), c.value()));
            joinedArgs.add(c.option() + "=" + c.value());
            CliOptions spaced = CliOptions.parse(spacedArgs.toArray(String[]::new));
            assertEquals(c.expected(), c.get().apply(spaced), c.option() + " " + c.value());
            CliOptions joined = CliOptions.parse(joinedArgs.toArray(String[]::new));
            assertEquals(c.expected(), c.get().apply(joined), c.option() + "=" + c.value());
            covered.add(c.option());
        }
        covered.add("--config");      // configFile* below
        covered.add("--deployment");  // cli.DeploymentTest
        assertEquals(declaredOptions(), new TreeSet<>(covered), "every declared option has a case here");
        // Flags also stand alone; later values of one option win; --source repeats.
        assertTrue(CliOptions.parse(new String[] {"--all-frames"}).framesWithoutDetections());
        assertTrue(CliOptions.parse(new String[] {"--priors-normalized"}).modelCli().priorsNormalized());
        assertEquals(8, CliOptions.parse(new String[] {"--batch-size", "4", "--batch-size", "8"}).batchSize());
        CliOptions two = CliOptions.parse(new String[] {"--source", "a=synthetic", "--source", "b=synthetic", "--synthetic", "1"});
        assertEquals(List.of("a=synthetic", "b=synthetic"), two.sources());
        assertEquals(1, two.synthetic());
        assertEquals(0, CliOptions.parse(new String[] {"--source", "a=synthetic"}).synthetic(), "sources given: no default cameras");
        assertEquals(0, CliOptions.parse(new String[] {"--cluster", "k:9092"}).synthetic(), "cluster mode: cameras from the registry");
        assertFalse(CliOptions.parse(new String[] {"--worker-id", "w1"}).cluster().enabled(), "no --cluster: cluster mode off");
        assertTrue(CliOptions.parse(new String[] {"--demo"}).live(), "--demo (from ./vahost demo) changes nothing");
        // --snapshot-rate/-keep refused alone (with a valid value) but fine with --snapshot-dir; the view stage is added last.
        assertEquals(0.5, CliOptions.parse(new String[] {"--snapshot-dir", "/tmp/s", "--snapshot-rate", "0.5"}).view().snapshotRate());
    }

    @Test
    void badValuesNameOptionAndValue() {
        String[][] bad = {
                {"--synthetic", "1025"}, {"--synthetic", "two"}, {"--synthetic-size", "100x100"}, {"--live", "sometimes"},
                {"--loop", "2"}, {"--reconnect-interval-s", "0"}, {"--reconnect-interval-s", "soon"}, {"--reconnect-attempts", "-2"},
                {"--reconnect-backoff-s", "0"}, {"--reconnect-backoff-max-s", "4000"}, {"--shutdown-grace-s", "-1"},
                {"--gpu", "maybe"}, {"--input-size", "320"}, {"--input-size", "16x16"}, {"--model-type", "yolo9000"},
                {"--score-threshold", "1.5"}, {"--score-threshold", "NaN"}, {"--iou-threshold", "-0.1"}, {"--max-detections", "0"},
                {"--priors-format", "ltrb"}, {"--priors-normalized", "maybe"}, {"--ssd-variances", "0.1"},
                {"--ssd-variances", "0,1"}, {"--ssd-variances", "0.1,x", "x"}, {"--ssd-scores", "relu"}, {"--ssd-background", "-2"},
                {"--yolox-strides", "8,0"}, {"--yolox-strides", "8,a", "a"}, {"--resize", "crop"}, {"--normalize", "0.5,0.5/1,1,1"},
                {"--normalize", "0,0,0/1,0,1"}, {"--normalize", "sometimes"}, {"--channel-order", "rbg"}, {"--batch-size", "0"},
                {"--batch-size", "many"}, {"--batch-size", "257"}, {"--batch-timeout-ms", "60001"}, {"--queue", "0"},
                {"--max-fps", "1001"}, {"--engine-graphs", "maybe"}, {"--engine-fusion", "auto"}, {"--batches-in-flight", "0"}, {"--batches-in-flight", "9"}, {"--detector-pool-mib", "8"}, {"--metrics-port", "70000"},
                {"--metrics-port", "-2"}, {"--all-frames", "maybe"}, {"--perf-interval-s", "0.01"}, {"--duration-s", "-1"},
                {"--stage", "Bad Type"}, {"--stage", "t:n=nofile.yaml"}, {"--list-stages", "maybe"}, {"--sink", "amqp"},
                {"--sink", "kafka={oops"}, {"--cluster", "kafka"}, {"--cluster", "k1:9092,,k2:9092"}, {"--cluster-topic", "bad topic"},
                {"--cluster-group", "bad/group"}, {"--worker-id", "bad id"}, {"--cluster-partitions", "0"},
                {"--cluster-session-timeout-ms", "500"}, {"--capacity", "-1"}, {"--gpu-id", "64"}, {"--gpu-id", "-2"},
                {"--view", "maybe"}, {"--view-fps", "0"}, {"--view-fps", "-1"}, {"--view-fps", "31"}, {"--snapshot-rate", "0"},
                {"--snapshot-keep", "0"}, {"--rtsp-out", "a/b"}, {"--rtsp-port", "70000"}};
        Set<String> options = new HashSet<>();
        Set<String> flags = Set.of("--all-frames", "--priors-normalized", "--list-stages"); // their value is optional: only --flag=VALUE gives one
        for (String[] b : bad) {
            String m = flags.contains(b[0]) ? err(b[0] + "=" + b[1]) : err(b[0], b[1]);
            assertTrue(m.contains("'" + b[0] + "'"), b[0] + " " + b[1] + ": the option is not named in: " + m);
            // A list option (split at ',') quotes the item that is not a number.
            String quoted = b.length > 2 ? b[2] : b[1];
            assertTrue(m.contains("'" + quoted + "'"), b[0] + " " + b[1] + ": the value is not quoted in: " + m);
            options.add(b[0]);
        }
        // A secret is refused without being repeated.
        String token = err("--api-token", "short");
        assertEquals("Invalid value for option '--api-token' (at least 16 printable characters without spaces; the value is not shown)", token);
        assertTrue(err("--api-token", "has a space in it 0123").contains("'--api-token'"));
        options.add("--api-token");
        // The rule is said, not only the value.
        assertEquals("Invalid value for option '--batch-size': '0' (expected an integer within 1..256)", err("--batch-size", "0"));
        assertEquals("Invalid value for option '--batch-size': 'many' is not an int", err("--batch-size", "many"));
        assertTrue(err("--score-threshold", "1.5").endsWith("(expected a number within 0..1)"));
        assertTrue(err("--gpu", "maybe").endsWith("(expected one of auto, on, off)"));
        assertTrue(err("--input-size", "320").contains("WxH"));
        assertTrue(err("--normalize", "0,0,0/1,0,1").contains("every std must be > 0"));
        assertTrue(err("--ssd-variances", "0.1").contains("expected 2 comma-separated numbers"));
        assertTrue(err("--synthetic-size", "100x100").contains("64x64..3840x2160"));
        assertEquals("Invalid value for option '--view-fps': '0' (expected a number within 0.1..30)", err("--view-fps", "0"));
        assertEquals("Invalid value for option '--view-fps': '-2' (expected a number within 0.1..30)", err("--view-fps", "-2"));
        assertEquals("Invalid value for option '--snapshot-keep': it applies to --snapshot-dir, which is not given",
                err("--snapshot-keep", "5"));
        // Unknown options, missing values and stray words.
        assertTrue(err("--nope", "1").contains("'--nope'"), err("--nope", "1"));
        assertTrue(err("--source").contains("Missing required parameter for option '--source'"), err("--source"));
        assertTrue(err("stray").contains("'stray'"), err("stray"));
        // Free text, checked when the service starts (a file, a jar): --plugin's errors are in stage.StagesTest.
        Set<String> free = Set.of("--source", "--model", "--priors", "--output", "--clip-cache", "--config", "--deployment", "--plugin",
                "--snapshot-dir");
        Set<String> missing = new TreeSet<>(declaredOptions());
        missing.removeAll(options);
        missing.removeAll(free);
        assertEquals(Set.of(), missing, "options with a rule but no bad-value case");
    }

    @Test
    void configFileAddsOptionsWhereItStands(@TempDir Path dir) throws Exception {
        Path inner = dir.resolve("inner.conf");
        Files.writeString(inner, "--batch-size 12\n--metrics-port=9100\n");
        Path c = dir.resolve("svc.conf");
        Files.writeString(c, "# cameras\n--source cam1=synthetic:640x360@15\n--source cam2=launch:videotestsrc ! videoconvert\n\n"
                + "  --batch-size 8\n--all-frames\n--config " + inner + "\n--model-type yolox\n");
        CliOptions o = CliOptions.parse(new String[] {"--batch-size", "2", "--config", c.toString(), "--iou-threshold", "0.6"});
        assertEquals(List.of("cam1=synthetic:640x360@15", "cam2=launch:videotestsrc ! videoconvert"), o.sources(),
                "the value is the rest of the line, spaces included");
        assertEquals(0, o.synthetic());
        assertEquals(12, o.batchSize(), "the nested file's value, read after the outer file's and the command line's earlier one");
        assertEquals(9100, o.metricsPort());
        assertTrue(o.framesWithoutDetections());
        assertEquals("yolox", o.modelCli().modelType());
        assertEquals(0.6f, o.iouThreshold(), 1e-6);
        assertEquals(4, CliOptions.parse(new String[] {"--config=" + c, "--batch-size", "4"}).batchSize(), "later options win");

        assertTrue(err("--config", "/nonexistent/x.conf").contains("/nonexistent/x.conf"));
        assertTrue(err("--config").contains("'--config'"));
        Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "--batch-size 0\n");
        assertEquals("Invalid value for option '--batch-size': '0' (expected an integer within 1..256)", err("--config", bad.toString()));
        Path loop = dir.resolve("loop.conf");
        Files.writeString(loop, "--config " + loop + "\n");
        assertTrue(err("--config", loop.toString()).contains("nested more than 4 deep"));
    }

    @Test
    void helpIsGeneratedWithADescriptionPerOption() {
        CliOptions o = CliOptions.parse(new String[] {"--demo", "--help", "--batch-size", "0"});
        assertTrue(o.help(), "--help wins over a bad value");
        String usage = CliOptions.usage();
        assertTrue(usage.startsWith("usage: ./vahost demo [OPTIONS]"), usage);
        List<String> lines = List.of(usage.split("\n"));
        for (String opt : declaredOptions()) {
            int at = -1;
            for (int i = 0; i < lines.size(); i++) if (lines.get(i).strip().startsWith(opt + "=") || lines.get(i).strip().startsWith(opt + "[")
                    || lines.get(i).strip().equals(opt)) at = i;
            assertTrue(at >= 0, opt + " missing from the help:\n" + usage);
            String line = lines.get(at).strip();
            String rest = line.contains("  ") ? line.substring(line.indexOf("  ")).strip()
                    : at + 1 < lines.size() ? lines.get(at + 1).strip() : "";
            assertTrue(rest.length() > 5, opt + " has no description in the help:\n" + usage);
        }
        assertFalse(usage.contains("--demo"), "--demo is hidden");
    }

    @Test
    void completionScriptOffersEveryOption() throws Exception {
        String script = Completion.bashScript();
        for (String opt : declaredOptions()) assertTrue(script.contains("'" + opt + "'"), opt + " missing from the completion script");
        assertTrue(script.contains("complete -F _complete_vahost"), "registers a completion function for vahost");
        assertTrue(script.contains("demo test completion"), "offers the subcommands");
        assertTrue(script.contains("(\"auto\" \"on\" \"off\") # --gpu values"), "offers --gpu's values");
        // bash can read it
        Path f = Files.createTempFile("vahost", ".bash");
        try {
            Files.writeString(f, script);
            Process p = new ProcessBuilder("bash", "-n", f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void everyTestedOptionIsDeclaredOnce() {
        List<String> names = new ArrayList<>();
        for (Case c : EVERY_OPTION) names.add(c.option());
        assertEquals(names.size(), new HashSet<>(names).size(), "duplicate cases");
        CommandLine cl = ServiceCommand.commandLine(new ServiceCommand());
        for (String n : names) assertNotNull(cl.getCommandSpec().findOption(n), n);
    }
}
