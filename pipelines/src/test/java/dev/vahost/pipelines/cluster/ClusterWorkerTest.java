package dev.vahost.pipelines.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.vahost.pipelines.source.SourceSpec;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;

import static dev.vahost.gst.Await.until;
import static org.junit.jupiter.api.Assertions.*;

/**
 * One {@link ClusterWorker} against a real broker, its cameras recorded instead of run: what the
 * registry says is what runs (add, change, remove), a worker over its capacity refuses the rest and
 * says so in its metrics, and a refused camera starts when a place frees up; a bad record is refused
 * by name without stopping the others; bad settings are refused at start.
 */
class ClusterWorkerTest {
    static KafkaClusterTestKit kafka;

    @BeforeAll
    static void broker() throws Exception {
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1)
                .build()).setConfigProp("group.min.session.timeout.ms", 1000).setConfigProp("group.initial.rebalance.delay.ms", 0)
                .setConfigProp("offsets.topic.replication.factor", (short) 1).setConfigProp("offsets.topic.num.partitions", 2).build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
    }

    @AfterAll
    static void stop() throws Exception {
        kafka.close();
    }

    /** The cameras a worker runs, as the service would. */
    static final class Recorder implements dev.vahost.pipelines.output.StreamControlApi.Control {
        final Map<String, String> running = new ConcurrentHashMap<>();

        @Override
        public void add(SourceSpec spec) {
            if (running.putIfAbsent(spec.name(), spec.text()) != null) throw new IllegalStateException(spec.name() + " started twice");
        }

        @Override
        public void remove(String id) {
            if (running.remove(id) == null) throw new IllegalStateException(id + " stopped but not running");
        }
    }

    static ClusterWorker.Config config(String topic, String worker, int capacity) {
        return new ClusterWorker.Config(kafka.bootstrapServers(), topic, "g-" + topic, worker, 4, 3000, capacity);
    }

    @Test
    void theRegistryDecidesWhatRunsAndCapacityRefusesTheRest() throws Exception {
        Recorder cams = new Recorder();
        try (ClusterWorker w = ClusterWorker.start(config("reg-a", "w1", 3), cams)) {
            until("the worker to join", Duration.ofSeconds(30), w::joined);
            for (int i = 0; i < 5; i++) w.put(SourceSpec.parse("c" + i + "=synthetic:160x120@10", "x"));
            until("three cameras running, two refused", Duration.ofSeconds(20), () -> cams.running.size() == 3 && gauge(w, "refused") == 2);
            assertEquals(3, gauge(w, "running"));
            assertEquals(3.0, metric(w, "vahost_cluster_capacity"));
            assertEquals(4.0, metric(w, "vahost_cluster_partitions"));
            // A place frees up: a refused camera takes it.
            String gone = cams.running.keySet().iterator().next();
            w.delete(gone);
            until("a refused camera to start in its place", Duration.ofSeconds(20),
                    () -> cams.running.size() == 3 && !cams.running.containsKey(gone) && gauge(w, "refused") == 1);
            // A change of URL restarts the camera with the new one.
            String changed = cams.running.keySet().iterator().next();
            w.put(SourceSpec.parse(changed + "=synthetic:320x240@10", "x"));
            until("the changed camera to run its new URL", Duration.ofSeconds(20),
                    () -> "synthetic:320x240@10".equals(cams.running.get(changed)));
        }
        assertEquals(Map.of(), cams.running, "closing the worker stops its cameras");
    }

    @Test
    void aBadRecordIsRefusedAloneByName() throws Exception {
        Recorder cams = new Recorder();
        try (ClusterWorker w = ClusterWorker.start(config("reg-b", "w1", 0), cams);
             org.apache.kafka.clients.producer.KafkaProducer<String, String> p = ClusterFailoverTest.producer(kafka.bootstrapServers())) {
            until("the worker to join", Duration.ofSeconds(30), w::joined);
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("reg-b", "bad", "{not json")).get();
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("reg-b", "nourl", "{\"camera_id\": \"nourl\"}")).get();
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("reg-b", "nofile", "{\"camera_url\": \"/no/such/file.h264\"}")).get();
            w.put(SourceSpec.parse("good=synthetic:160x120@10", "x"));
            until("the good camera to run", Duration.ofSeconds(20), () -> cams.running.containsKey("good"));
            Thread.sleep(500);
            assertEquals(Set.of("good"), cams.running.keySet());
        }
    }

    @Test
    void everyWorkerStartHasItsOwnTrackIdEpoch() {
        java.util.Set<Long> epochs = new java.util.HashSet<>();
        for (String worker : List.of("a", "b", "a", "c", "b")) {
            try (ClusterWorker w = ClusterWorker.start(config("reg-c", worker, 0), new Recorder())) {
                assertTrue(w.epoch() >= 1 && w.epoch() < 9_000_000, "epoch " + w.epoch());
                assertTrue(epochs.add(w.epoch()), "epoch " + w.epoch() + " handed out twice: " + epochs);
            }
        }
    }

    @Test
    void aRegistryThatIsNotCompactedIsRefused() throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        try (org.apache.kafka.clients.admin.Admin a = org.apache.kafka.clients.admin.Admin.create(p)) {
            a.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic("reg-delete", 2, (short) 1))).all().get();
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClusterWorker.start(config("reg-delete", "w", 0),
                new Recorder()));
        assertTrue(e.getMessage().contains("cleanup.policy=delete") && e.getMessage().contains("must be compact"), e.getMessage());
    }

    @Test
    void badSettingsAreRefusedAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClusterWorker.Config(kafka.bootstrapServers(), "t", "g", "bad id!", 4, 3000, 0));
        assertTrue(e.getMessage().contains("--worker-id"), e.getMessage());
        IllegalStateException down = assertThrows(IllegalStateException.class, () -> ClusterWorker.ensureTopic(
                new ClusterWorker.Config("127.0.0.1:1", "t", "g", "w", 4, 3000, 0)));
        assertTrue(down.getMessage().contains("127.0.0.1:1"), down.getMessage());
    }

    static double gauge(ClusterWorker w, String state) {
        for (MetricSnapshot m : w.metrics().collect()) {
            if (!m.getMetadata().getPrometheusName().equals("vahost_cluster_cameras")) continue;
            for (GaugeSnapshot.GaugeDataPointSnapshot d : ((GaugeSnapshot) m).getDataPoints()) {
                if (d.getLabels().get("worker").equals(w.workerId()) && d.getLabels().get("state").equals(state)) return d.getValue();
            }
        }
        return Double.NaN;
    }

    static double metric(ClusterWorker w, String name) {
        for (MetricSnapshot m : w.metrics().collect()) {
            if (m.getMetadata().getPrometheusName().equals(name) && m instanceof GaugeSnapshot g) {
                for (GaugeSnapshot.GaugeDataPointSnapshot d : g.getDataPoints()) if (d.getLabels().get("worker").equals(w.workerId())) return d.getValue();
            }
        }
        return Double.NaN;
    }
}
