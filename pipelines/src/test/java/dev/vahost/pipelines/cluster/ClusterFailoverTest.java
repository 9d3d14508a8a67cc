package dev.vahost.pipelines.cluster;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.SyntheticCameras;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Cluster mode end to end on the CPU path: a KRaft broker in this JVM, three workers (the service,
 * {@code Main --cluster}, each its own process, decode-only), twelve cameras in the registry (eleven
 * written by a producer, one through a worker's stream control API). Every camera runs on exactly one
 * worker; one worker is killed with SIGKILL and its cameras must run elsewhere (the time is measured
 * and printed); it is started again with the same worker id and the group rebalances (the cameras
 * that moved are counted); at no poll of the workers (every 200 ms) may a camera run on two of them.
 */
class ClusterFailoverTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int CAMERAS = 12, SESSION_MS = 3000;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Worker(String id, int port, Process process, Path log) {
        String tail() {
            try {
                List<String> l = Files.readAllLines(log);
                return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
            } catch (Exception e) {
                return "(no log: " + e + ")";
            }
        }
    }

    @Test
    void camerasRunOnExactlyOneWorkerAndMoveWhenOneDies(@TempDir Path dir) throws Exception {
        Path clip = SyntheticCameras.clip(SourceSpec.parse("c=synthetic:160x120@10", "c"), 0, dir.resolve("clips"));
        try (KafkaClusterTestKit kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("group.min.session.timeout.ms", 1000).setConfigProp("group.initial.rebalance.delay.ms", 0)
                .setConfigProp("offsets.topic.replication.factor", (short) 1).setConfigProp("offsets.topic.num.partitions", 4).build()) {
            kafka.format();
            kafka.startup();
            kafka.waitForReadyBrokers();
            String bootstrap = kafka.bootstrapServers();
            List<Worker> workers = new ArrayList<>();
            try {
                for (String id : List.of("w1", "w2", "w3")) workers.add(start(id, freePort(), bootstrap, dir));
                for (Worker w : workers) awaitReady(w);
                try (KafkaProducer<String, String> p = producer(bootstrap)) {
                    for (int i = 0; i < CAMERAS - 1; i++) {
                        String id = "cam" + i;
                        p.send(new ProducerRecord<>("vahost-cameras", id, JSON.createObjectNode().put("camera_id", id)
                                .put("camera_url", clip.toString()).toString())).get(30, TimeUnit.SECONDS);
                    }
                }
                // The twelfth through the stream control API of one worker: written to the registry, run by its owner.
                HttpResponse<String> add = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + workers.get(0).port()
                                + "/api/v1/stream/add")).POST(HttpRequest.BodyPublishers.ofString("{\"camera_id\": \"cam" + (CAMERAS - 1)
                                + "\", \"camera_url\": \"" + clip + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, add.statusCode(), add.body());

                Timeline t = new Timeline();
                Map<String, String> placed = t.awaitSettled(workers, Duration.ofSeconds(90), Set.of());
                System.out.println("cluster: placement " + new TreeMap<>(placed));
                Map<String, Long> counts = new TreeMap<>();
                placed.values().forEach(w -> counts.merge(w, 1L, Long::sum));
                assertEquals(CAMERAS, placed.size(), "every camera runs on exactly one worker: " + placed);

                // Kill the worker with the most cameras.
                String victim = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
                Worker dead = workers.stream().filter(w -> w.id().equals(victim)).findFirst().orElseThrow();
                Set<String> itsCameras = new TreeSet<>();
                placed.forEach((cam, w) -> {
                    if (w.equals(victim)) itsCameras.add(cam);
                });
                long killedAt = System.nanoTime();
                dead.process().destroyForcibly();
                dead.process().waitFor(10, TimeUnit.SECONDS);
                List<Worker> alive = workers.stream().filter(w -> w != dead).toList();
                Map<String, String> after = t.awaitSettled(alive, Duration.ofSeconds(60), Set.of());
                double handover = (System.nanoTime() - killedAt) / 1e9;
                assertEquals(CAMERAS, after.size(), "every camera runs again after the kill: " + after);
                for (String cam : itsCameras) assertNotEquals(victim, after.get(cam));
                // Results continue: the moved cameras make progress on their new workers.
                Map<String, Long> f0 = t.frames(alive);
                Thread.sleep(2000);
                Map<String, Long> f1 = t.frames(alive);
                for (String cam : itsCameras) assertTrue(f1.getOrDefault(cam, 0L) > f0.getOrDefault(cam, 0L), cam + " makes no progress");
                System.out.printf(Locale.ROOT, "cluster: SIGKILL of %s (%d cameras %s): all of them running elsewhere after %.1f s"
                        + " (session timeout %.1f s)%n", victim, itsCameras.size(), itsCameras, handover, SESSION_MS / 1000.0);
                assertTrue(handover < SESSION_MS / 1000.0 + 20, "handover took " + handover + " s");

                // Restart it with the same id: the group rebalances; count the cameras that moved.
                Worker back = start(victim, dead.port(), bootstrap, dir);
                workers.set(workers.indexOf(dead), back);
                awaitReady(back);
                long restartedAt = System.nanoTime();
                Map<String, String> rebalanced = t.awaitSettled(workers, Duration.ofSeconds(60), Set.of(victim));
                double settle = (System.nanoTime() - restartedAt) / 1e9;
                int moved = 0;
                for (Map.Entry<String, String> e : rebalanced.entrySet()) if (!e.getValue().equals(after.get(e.getKey()))) moved++;
                System.out.printf(Locale.ROOT, "cluster: %s restarted: %d of %d cameras moved (to it), settled after %.1f s; placement %s%n",
                        victim, moved, CAMERAS, settle, new TreeMap<>(rebalanced));
                assertTrue(moved >= 1 && moved <= CAMERAS / 2, moved + " cameras moved");
                for (Map.Entry<String, String> e : rebalanced.entrySet()) {
                    if (!e.getValue().equals(after.get(e.getKey()))) assertEquals(victim, e.getValue(), "a camera moved between survivors");
                }
                System.out.printf(Locale.ROOT, "cluster: polls %d; longest time a camera was seen on two workers at once: %.1f s%n",
                        t.polls, t.longestDuplicate);
                assertEquals(0, t.longestDuplicate, 1e-9, "a camera ran on two workers: " + t.duplicateNote);
            } finally {
                for (Worker w : workers) {
                    w.process().destroy();
                    if (!w.process().waitFor(20, TimeUnit.SECONDS)) w.process().destroyForcibly();
                }
            }
        }
    }

    /** Polls the workers' /streams; tracks cameras seen on two workers in the same poll round. */
    final class Timeline {
        int polls;
        double longestDuplicate;
        String duplicateNote = "";
        private final Map<String, Long> duplicateSince = new HashMap<>();

        /** camera -> the workers running it now (state RUNNING), one poll round. */
        Map<String, List<String>> round(List<Worker> ws) throws Exception {
            Map<String, List<String>> where = new LinkedHashMap<>();
            for (Worker w : ws) {
                for (JsonNode s : streams(w)) {
                    if (s.path("state").asText().equals("RUNNING")) where.computeIfAbsent(s.path("id").asText(), k -> new ArrayList<>()).add(w.id());
                }
            }
            polls++;
            long now = System.nanoTime();
            for (Map.Entry<String, List<String>> e : where.entrySet()) {
                if (e.getValue().size() > 1) {
                    long since = duplicateSince.computeIfAbsent(e.getKey(), k -> now);
                    double d = Math.max(1e-3, (now - since) / 1e9);
                    if (d > longestDuplicate) {
                        longestDuplicate = d;
                        duplicateNote = e.getKey() + " on " + e.getValue();
                    }
                } else {
                    duplicateSince.remove(e.getKey());
                }
            }
            return where;
        }

        /** Waits until every camera runs on exactly one of {@code ws} (and each of {@code mustHave} runs one); returns camera -> worker. */
        Map<String, String> awaitSettled(List<Worker> ws, Duration limit, Set<String> mustHave) throws Exception {
            long end = System.nanoTime() + limit.toNanos();
            Map<String, List<String>> last = Map.of();
            int stable = 0;
            while (System.nanoTime() < end) {
                Map<String, List<String>> where = round(ws);
                boolean ok = where.size() == CAMERAS && where.values().stream().allMatch(l -> l.size() == 1);
                for (String m : mustHave) ok &= where.values().stream().anyMatch(l -> l.contains(m));
                stable = ok && where.equals(last) ? stable + 1 : 0;
                last = where;
                if (stable >= 5) { // a second unchanged
                    Map<String, String> out = new HashMap<>();
                    where.forEach((cam, l) -> out.put(cam, l.get(0)));
                    return out;
                }
                Thread.sleep(200);
            }
            fail("cameras did not settle on " + ws.stream().map(Worker::id).toList() + " within " + limit + ": " + last);
            return null;
        }

        Map<String, Long> frames(List<Worker> ws) throws Exception {
            Map<String, Long> out = new HashMap<>();
            for (Worker w : ws) for (JsonNode s : streams(w)) out.merge(s.path("id").asText(), s.path("frames_processed").asLong(), Long::sum);
            return out;
        }
    }

    List<JsonNode> streams(Worker w) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port() + "/streams"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            List<JsonNode> out = new ArrayList<>();
            JSON.readTree(r.body()).path("streams").forEach(out::add);
            return out;
        } catch (Exception e) {
            return List.of(); // not up (yet), or killed
        }
    }

    Worker start(String id, int port, String bootstrap, Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "dev.vahost.pipelines.Main", "--gpu", "off", "--model", "none",
                "--cluster", bootstrap, "--worker-id", id, "--cluster-partitions", "12", "--cluster-session-timeout-ms",
                Integer.toString(SESSION_MS), "--metrics-port", Integer.toString(port), "--live", "true", "--loop", "true", "--perf-interval-s", "60",
                "--batch-size", "4"));
        // Kept after the test (target/), for a look at what a worker did.
        Path log = Files.createDirectories(Path.of("target", "cluster-test-logs")).resolve(id + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return new Worker(id, port, p, log);
    }

    void awaitReady(Worker w) throws Exception {
        long end = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < end) {
            if (!w.process().isAlive()) fail(w.id() + " exited:\n" + w.tail());
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port() + "/readyz"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return;
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        fail(w.id() + " did not become ready (joined its group) within 60 s:\n" + w.tail());
    }

    static KafkaProducer<String, String> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
