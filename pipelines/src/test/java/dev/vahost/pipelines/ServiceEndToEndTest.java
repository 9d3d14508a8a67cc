package dev.vahost.pipelines;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.pipelines.detect.CpuDetector;
import dev.vahost.pipelines.detect.Detectors;
import dev.vahost.pipelines.detect.ModelSpec;
import dev.vahost.pipelines.output.MetricsServer;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole service on the CPU path with the project's test detector: synthetic cameras (H.264
 * decoded by openh264dec) → batcher → CPU preprocessing → CPU executor → NMS; detections scored
 * against the cameras' exact ground truth; JSON, /metrics and /streams parsed; graceful stop.
 */
class ServiceEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] CAMS = {"a=synthetic:320x240@30", "b=synthetic:640x360@30"};

    @Test
    void detectionsMatchGroundTruthAndReportsParse() throws Exception {
        CliOptions o = CliOptions.parse(new String[] {"--gpu", "off"});
        Map<String, GroundTruth> truth = new ConcurrentHashMap<>();
        AtomicLong results = new AtomicLong();
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(false, true, Duration.ofSeconds(5), 0),
                CpuDetector.create(ModelSpec.of(o)));
             MetricsServer http = new MetricsServer(0, s::status, Detectors.metrics(s))) {
            for (int i = 0; i < CAMS.length; i++) {
                SourceSpec spec = SourceSpec.parse(CAMS[i], "x");
                truth.put(spec.name(), new GroundTruth(SyntheticCameras.clip(spec, i, clipCache())));
                s.addSource(spec);
            }
            s.addListener(r -> {
                truth.get(r.streamId()).score(r);
                results.incrementAndGet();
            });
            await("30 frames per camera through the detector", Duration.ofSeconds(120),
                    () -> s.status().stream().allMatch(x -> x.framesProcessed() >= 30));
            s.perf().sample();

            HttpClient client = HttpClient.newHttpClient();
            String metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String cam : List.of("a", "b")) {
                assertTrue(metrics.matches("(?s).*\nvahost_stream_up\\{stream=\"" + cam + "\"} 1(\\.0)?\n.*"), metrics);
                assertTrue(metrics.matches("(?s).*\nvahost_stream_frames_processed_total\\{stream=\"" + cam + "\"} [1-9][0-9]*(\\.0)?\n.*"),
                        metrics);
            }
            assertTrue(metrics.matches("(?s).*\nvahost_batches_total [1-9][0-9]*(\\.0)?\n.*"), metrics);
            assertTrue(metrics.matches("(?s).*\nvahost_batches_failed_total 0(\\.0)?\n.*"), metrics);
            assertTrue(metrics.matches("(?s).*\nvahost_batches_in_flight 0(\\.0)?\n.*"), metrics);
            // The client's JVM and process metrics come with ours.
            assertTrue(metrics.matches("(?s).*\njvm_memory_used_bytes\\{area=\"heap\"} [0-9.E]+\n.*"), metrics);
            assertTrue(metrics.matches("(?s).*\njvm_threads_current [0-9.E]+\n.*"), metrics);
            assertTrue(metrics.contains("\nprocess_cpu_seconds_total "), metrics);
            HttpResponse<String> om = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0").build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"), om.headers().toString());
            assertTrue(om.body().endsWith("# EOF\n"), "OpenMetrics when asked for");
            JsonNode streams = JSON.readTree(client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + http.port() + "/streams")).build(), HttpResponse.BodyHandlers.ofString()).body());
            JsonNode list = streams.get("streams");
            assertEquals(2, list.size());
            assertEquals("a", list.get(0).get("id").textValue());
            assertEquals("RUNNING", list.get(0).get("state").textValue());
            assertTrue(list.get(1).get("frames_processed").longValue() >= 30);
            // Latency from the decoder to results delivered: a number per stream, and in /metrics the histogram.
            for (JsonNode st : list) {
                double p50 = st.at("/latency_ms/p50").doubleValue(), p99 = st.at("/latency_ms/p99").doubleValue();
                assertTrue(p50 > 0 && p50 <= p99 && p99 < 120_000, st.toString());
            }
            for (String cam : List.of("a", "b")) {
                assertTrue(metrics.matches("(?s).*\nvahost_stream_latency_seconds_count\\{stream=\"" + cam + "\"} [1-9][0-9]*\n.*"),
                        metrics);
            }
            assertEquals(404, client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + "/nope")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
        for (Map.Entry<String, GroundTruth> e : truth.entrySet()) {
            GroundTruth g = e.getValue();
            System.out.println("camera " + e.getKey() + ": " + g);
            assertTrue(g.gt >= 60, "too little ground truth scored: " + g);
            assertTrue(g.recall() >= 0.9, "camera " + e.getKey() + " " + g);
            assertTrue(g.precision() >= 0.9, "camera " + e.getKey() + " " + g);
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }

    @Test
    void commandLineRunWritesJsonLinesAndStopsGracefully(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("results.jsonl");
        CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--source", CAMS[0], "--live", "false",
                "--output", out.toString(), "--perf-interval-s", "0.5", "--batch-size", "4",
                "--clip-cache", clipCache().toString()});
        CountDownLatch stop = new CountDownLatch(1);
        Thread stopper = new Thread(() -> {
            try {
                await("results in the output file", Duration.ofSeconds(90), () -> {
                    try {
                        return Files.exists(out) && Files.readAllLines(out).stream().anyMatch(l -> l.contains("\"type\":\"perf\""));
                    } catch (Exception e) {
                        return false;
                    }
                });
            } finally {
                stop.countDown(); // what SIGINT does
            }
        });
        stopper.start();
        assertEquals(0, Main.run(o, stop));
        stopper.join();
        List<String> lines = Files.readAllLines(out);
        int detections = 0, perf = 0;
        for (String l : lines) {
            JsonNode m = JSON.readTree(l); // every line parses
            if ("detections".equals(m.get("type").textValue())) {
                detections++;
                assertEquals("a", m.get("stream").textValue());
                assertEquals(320, m.get("width").intValue());
                assertEquals(240, m.get("height").intValue());
                assertTrue(m.get("frame").isIntegralNumber() && m.get("pts").isIntegralNumber(), l);
                assertFalse(m.get("detections").isEmpty(), l);
                for (JsonNode d : m.get("detections")) {
                    assertTrue(d.get("class").isInt() && d.get("label").isTextual() && d.get("score").isNumber(), l);
                    assertEquals(4, d.get("box").size(), l);
                }
            } else {
                assertEquals("perf", m.get("type").textValue());
                assertEquals("a", m.get("streams").get(0).get("stream").textValue());
                perf++;
            }
        }
        assertTrue(detections > 0, "no detection lines in " + lines.size() + " lines");
        assertTrue(perf >= 2, "perf lines: " + perf + " (one per interval and a final one)");
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }
}
