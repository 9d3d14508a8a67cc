package dev.vahost.pipelines.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.output.MetricsServer;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The container recipe and the Kubernetes manifests (deploy/) cannot run here (no Docker, no
 * cluster); what can be checked is: every manifest parses as YAML with the fields Kubernetes
 * requires, the deployment file in the ConfigMap is a valid deployment for this service (parsed by
 * the service's own reader, cluster mode on), the probes ask for paths the service answers (a real
 * MetricsServer is asked), the ports agree, each pod asks for one GPU, and the Dockerfile's entry
 * point is the service's main class with the NVDEC (video) driver capability.
 */
class DeployFilesTest {
    static final Path DEPLOY = Path.of("..", "deploy");

    @Test
    void kubernetesManifestsAreConsistentWithTheService(@TempDir Path dir) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class)
                .readValues(new YAMLFactory().createParser(DEPLOY.resolve("k8s/vahost.yaml").toFile()))) {
            while (it.hasNext()) docs.add(it.next());
        }
        JsonNode config = null, sts = null, svc = null;
        for (JsonNode d : docs) {
            assertTrue(d.hasNonNull("apiVersion") && d.hasNonNull("kind") && d.path("metadata").hasNonNull("name"), d.toString());
            switch (d.path("kind").asText()) {
                case "ConfigMap" -> config = d;
                case "StatefulSet" -> sts = d;
                case "Service" -> svc = d;
                default -> fail("unexpected kind " + d.path("kind"));
            }
        }
        assertNotNull(config);
        assertNotNull(sts);
        assertNotNull(svc);
        // The ConfigMap's deployment file is one the service accepts, in cluster mode.
        Path deployment = Files.writeString(dir.resolve("deployment.yaml"), config.path("data").path("deployment.yaml").asText());
        CliOptions o = CliOptions.parse(new String[] {"--deployment", deployment.toString()});
        assertTrue(o.cluster().enabled(), "the manifests run workers in cluster mode");
        assertEquals(1, o.sinks().size());
        // The StatefulSet: selector matches the pod labels, one GPU each, probes on the metrics port.
        JsonNode spec = sts.path("spec");
        assertEquals(spec.path("selector").path("matchLabels"), spec.path("template").path("metadata").path("labels"));
        assertEquals(svc.path("metadata").path("name").asText(), spec.path("serviceName").asText());
        JsonNode c = spec.path("template").path("spec").path("containers").get(0);
        assertEquals("1", c.path("resources").path("limits").path("nvidia.com/gpu").asText());
        assertEquals(o.metricsPort(), c.path("ports").get(0).path("containerPort").asInt(), "container port = outputs.metrics_port");
        assertEquals(c.path("ports").get(0).path("name").asText(), c.path("livenessProbe").path("httpGet").path("port").asText());
        assertEquals("--deployment", c.path("args").get(0).asText());
        assertEquals("/etc/vahost", c.path("volumeMounts").get(0).path("mountPath").asText());
        // The probe paths are ones the service answers: ask a real metrics server.
        String live = c.path("livenessProbe").path("httpGet").path("path").asText();
        String ready = c.path("readinessProbe").path("httpGet").path("path").asText();
        boolean[] joined = {false};
        try (MetricsServer m = new MetricsServer(0, List::of, () -> io.prometheus.metrics.model.snapshots.MetricSnapshots.of(), null,
                () -> joined[0])) {
            assertEquals(200, get(m.port(), live));
            assertEquals(503, get(m.port(), ready), "not ready before the worker joined its group");
            joined[0] = true;
            assertEquals(200, get(m.port(), ready));
        }
    }

    @Test
    void dockerfileRunsTheServiceWithNvdec() throws Exception {
        String df = Files.readString(DEPLOY.resolve("Dockerfile"));
        Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$").matcher(df);
        assertTrue(entry.find(), "an exec-form ENTRYPOINT");
        List<String> words = new ArrayList<>();
        for (JsonNode n : new ObjectMapper().readTree("[" + entry.group(1) + "]")) words.add(n.asText());
        String main = words.get(words.size() - 1);
        assertEquals(CliOptions.class.getPackageName() + ".Main", main);
        Class.forName(main).getMethod("main", String[].class);
        assertTrue(df.contains("NVIDIA_DRIVER_CAPABILITIES=compute,video,utility"), "NVDEC needs the video capability");
        Matcher expose = Pattern.compile("(?m)^EXPOSE (\\d+)$").matcher(df);
        assertTrue(expose.find());
        assertTrue(df.contains("\"--metrics-port\", \"" + expose.group(1) + "\""), "CMD's metrics port = EXPOSE");
        assertTrue(df.contains("/healthz"), "the health check asks /healthz");
        for (String line : df.split("\n")) {
            if (line.startsWith("FROM ")) assertTrue(line.matches("FROM [a-z0-9./-]+:[A-Za-z0-9._-]+( AS [a-z]+)?"), "a pinned base image: " + line);
        }
    }

    static int get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
