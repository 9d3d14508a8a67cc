package dev.vahost.pipelines.output.messages;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.Main;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The service (CPU path, two synthetic cameras, the tracker and a counting line) with two Kafka
 * sinks, against a real KRaft broker started in the test process (the Kafka project's test kit):
 * every message consumed back and checked field by field against the service's own JSON lines:
 * per-frame minimal messages, per-object full messages, analytics events; keys are camera ids and
 * each camera's messages stay in frame order. And a broker in a process of its own, killed (SIGKILL)
 * and restarted with its data while messages are being sent: none lost, none doubled.
 */
class KafkaSinkTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void messagesMatchTheJsonLinesFieldByField(@TempDir Path dir) throws Exception {
        try (KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true)
                .setNumBrokerNodes(1).setNumControllerNodes(1).build())
                .setConfigProp("num.partitions", 3).setConfigProp("auto.create.topics.enable", true).build()) {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            String bootstrap = cluster.bootstrapServers();
            Path out = dir.resolve("out.jsonl");
            CliOptions o = CliOptions.parse(new String[] {"--gpu", "off", "--model", "builtin", "--source", "a=synthetic:320x240@30",
                    "--source", "b=synthetic:320x240@30", "--clip-cache", System.getProperty("vahost.testClips", "target/test-clips"),
                    "--batch-size", "4", "--output", out.toString(), "--duration-s", "8", "--perf-interval-s", "4",
                    "--stage", "tracker", "--stage", "analytics:count={\"lines\": [{\"name\": \"mid\", \"line\": [[0.5, 0], [0.5, 1]], "
                            + "\"normalized\": true}]}",
                    "--sink", "kafka:frames={\"bootstrap\": \"" + bootstrap + "\", \"topic\": \"frames\"}",
                    "--sink", "kafka:objects={\"bootstrap\": \"" + bootstrap + "\", \"topic\": \"objects\", \"schema\": \"full\", "
                            + "\"events\": false, \"compression\": \"zstd\", \"acks\": \"1\"}"});
            assertEquals(0, Main.run(o, new CountDownLatch(1)));

            // What the service wrote: frames with detections, their boxes and track ids, and the events.
            Map<String, JsonNode> lines = new HashMap<>();
            int detections = 0, events = 0;
            for (String l : Files.readAllLines(out)) {
                JsonNode n = JSON.readTree(l);
                if (!"detections".equals(n.get("type").asText())) continue;
                lines.put(n.get("stream").asText() + "#" + n.get("frame").asLong(), n);
                detections += n.get("detections").size();
                events += n.at("/meta/events").size();
            }
            assertFalse(lines.isEmpty());
            List<ConsumerRecord<String, String>> frames = consume(bootstrap, "frames"), objects = consume(bootstrap, "objects");

            int minimal = 0, eventMessages = 0;
            Map<String, Long> lastFrame = new HashMap<>();
            for (ConsumerRecord<String, String> r : frames) {
                JsonNode m = JSON.readTree(r.value());
                if (m.has("messageid")) { // an analytics event, full schema
                    eventMessages++;
                    assertEquals("line_crossed", m.at("/event/type").asText(), r.value());
                    assertEquals(r.key(), m.at("/sensor/id").asText());
                    assertEquals("mid", m.at("/analytics/name").asText());
                    continue;
                }
                minimal++;
                assertEquals(r.key(), m.get("sensorId").asText(), "keyed by camera id");
                long frame = Long.parseLong(m.get("id").asText());
                Long before = lastFrame.put(r.partition() + "/" + r.key(), frame);
                assertTrue(before == null || frame > before, "one camera's messages in frame order: " + before + " then " + frame);
                JsonNode line = lines.get(r.key() + "#" + frame);
                assertNotNull(line, "a message for a frame the JSON lines have: " + r.value());
                List<String> want = new ArrayList<>();
                for (JsonNode d : line.get("detections")) {
                    JsonNode b = d.get("box");
                    want.add((d.has("track") ? d.get("track").asLong() : -1) + "|" + fmt(b.get(0)) + "|" + fmt(b.get(1)) + "|" + fmt(b.get(2))
                            + "|" + fmt(b.get(3)) + "|" + d.get("label").asText());
                }
                assertEquals(want, MqttSinkTest.texts(m.get("objects")), r.value());
            }
            assertEquals(lines.size(), minimal, "one minimal message per frame with detections");
            assertEquals(events, eventMessages, "one message per analytics event");
            assertTrue(events > 0, "objects crossed the line");

            assertEquals(detections, objects.size(), "one full message per object");
            for (ConsumerRecord<String, String> r : objects) {
                JsonNode m = JSON.readTree(r.value());
                assertEquals("1.0", m.get("mdsversion").asText());
                assertEquals(r.key(), m.at("/sensor/id").asText());
                assertEquals("Camera", m.at("/sensor/type").asText());
                assertEquals("moving", m.at("/event/type").asText());
                JsonNode bbox = m.at("/object/bbox");
                assertTrue(bbox.get("bottomrightx").asDouble() > bbox.get("topleftx").asDouble(), r.value());
                assertTrue(m.at("/object/confidence").asDouble() > 0, r.value());
            }
        }
    }

    @Test
    void aBrokerKilledAndRestartedLosesNoMessage(@TempDir Path dir) throws Exception {
        try (KafkaBrokerProcess broker = new KafkaBrokerProcess(dir)) {
            broker.start();
            MessageSink sink = Sinks.create(dev.vahost.pipelines.stage.StageSpec.parse("kafka:k={\"bootstrap\": \"" + broker.bootstrap()
                    + "\", \"topic\": \"frames\"}"), "test model");
            try {
                for (int n = 0; n < 100; n++) sink.onResult(MqttSinkTest.frame(n % 2 == 0 ? "door" : "yard", n));
                dev.vahost.gst.Await.until("100 delivered", Duration.ofSeconds(60), () -> sink.counts().delivered() == 100);
                broker.kill();
                for (int n = 100; n < 150; n++) sink.onResult(MqttSinkTest.frame(n % 2 == 0 ? "door" : "yard", n)); // broker down
                Thread.sleep(1000);
                assertTrue(sink.counts().delivered() < 150, "nothing can be delivered while the broker is down");
                broker.start();
                dev.vahost.gst.Await.until("the 50 sent while the broker was down", Duration.ofSeconds(90),
                        () -> sink.counts().delivered() == 150);
            } finally {
                sink.close(5000);
            }
            assertEquals(new MessageSink.Counts(150, 150, 0, 0), sink.counts());
            List<ConsumerRecord<String, String>> got = consume(broker.bootstrap(), "frames");
            assertEquals(150, got.stream().map(r -> r.value()).distinct().count(), "every message once (idempotent producer)");
            assertEquals(150, got.size());
        }
    }

    static String fmt(JsonNode v) {
        return String.format(java.util.Locale.ROOT, "%.2f", v.asDouble());
    }

    static List<ConsumerRecord<String, String>> consume(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
            // Partitions assigned by hand, read from the start: no consumer group (and no group coordinator) needed.
            List<org.apache.kafka.common.TopicPartition> parts = new ArrayList<>();
            for (var info : c.partitionsFor(topic, Duration.ofSeconds(30))) parts.add(new org.apache.kafka.common.TopicPartition(topic, info.partition()));
            assertFalse(parts.isEmpty(), "topic " + topic + " exists");
            c.assign(parts);
            c.seekToBeginning(parts);
            long quietSince = System.nanoTime(), end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end && System.nanoTime() - quietSince < Duration.ofSeconds(3).toNanos()) {
                var batch = c.poll(Duration.ofMillis(200));
                for (ConsumerRecord<String, String> r : batch) out.add(r);
                if (!batch.isEmpty() || out.isEmpty()) quietSince = System.nanoTime();
            }
        }
        return out;
    }
}
