package dev.vahost.pipelines.output.messages;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.moquette.broker.Server;

import dev.vahost.gst.Await;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.StageSpec;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The MQTT sink against a real broker in the test process (Moquette, with persistence, so that a
 * subscriber's session survives a broker restart): messages consumed back and checked field by
 * field, and a broker restart in the middle survived (messages published while it was down are
 * delivered after, none lost).
 */
class MqttSinkTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static Server broker(int port, Path data) throws Exception {
        Properties p = new Properties();
        p.setProperty("host", "127.0.0.1");
        p.setProperty("port", Integer.toString(port));
        p.setProperty("websocket_port", "disabled");
        p.setProperty("allow_anonymous", "true");
        p.setProperty("persistence_enabled", "true");
        p.setProperty("data_path", data.toString());
        Server s = new Server();
        s.startServer(p);
        return s;
    }

    static FrameResult frame(String cam, long n) {
        return new FrameResult(cam, n, n * 33_333_333L, 640, 480, List.of(
                new FrameResult.Detection(0, "person", 0.9f, 10 + n, 20, 110 + n, 220, 7),
                new FrameResult.Detection(2, "car", 0.8f, 300, 200.5f, 400, 300.25f)));
    }

    @Test
    void messagesArriveWithDeepStreamFieldsAndSurviveABrokerRestart(@TempDir Path dir) throws Exception {
        int port = freePort();
        String url = "tcp://127.0.0.1:" + port;
        Server broker = broker(port, dir);
        List<JsonNode> got = new CopyOnWriteArrayList<>();
        MqttClient sub = new MqttClient(url, "test-subscriber", new MemoryPersistence());
        MqttConnectOptions so = new MqttConnectOptions();
        so.setCleanSession(false); // a persistent session: the broker keeps QoS 1 messages for it while it is away
        so.setAutomaticReconnect(true);
        so.setMaxReconnectDelay(1000);
        sub.connect(so);
        sub.subscribe("vahost/#", 1, (topic, m) -> got.add(JSON.readTree(new String(m.getPayload(), StandardCharsets.UTF_8))));
        MessageSink sink = Sinks.create(StageSpec.parse("mqtt:m={\"broker\": \"" + url + "\", \"topic\": \"vahost\", \"per_camera\": true}"),
                "test model");
        try {
            for (int n = 0; n < 100; n++) sink.onResult(frame(n % 2 == 0 ? "door" : "yard", n));
            Await.until("100 messages through the broker", Duration.ofSeconds(30), () -> got.size() >= 100);
            broker.stopServer();
            for (int n = 100; n < 150; n++) sink.onResult(frame(n % 2 == 0 ? "door" : "yard", n)); // broker away: buffered
            Thread.sleep(500);
            broker = broker(port, dir);
            Await.until("the 50 sent while the broker was down", Duration.ofSeconds(60), () -> distinctIds(got) >= 150);
        } finally {
            sink.close(5000);
            if (sub.isConnected()) sub.disconnect();
            sub.close();
            broker.stopServer();
        }
        assertEquals(150, distinctIds(got), "every frame's message arrived (QoS 1 may repeat one, never lose one)");
        MessageSink.Counts c = sink.counts();
        assertEquals(150, c.queued());
        assertEquals(0, c.dropped());
        JsonNode m = got.stream().filter(x -> x.get("id").asText().equals("7")).findFirst().orElseThrow();
        assertEquals("4.0", m.get("version").asText());
        assertEquals("yard", m.get("sensorId").asText());
        assertTrue(m.get("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), m.toString());
        assertEquals(List.of("7|17.00|20.00|117.00|220.00|person", "-1|300.00|200.50|400.00|300.25|car"), texts(m.get("objects")));
    }

    static long distinctIds(List<JsonNode> got) {
        return got.stream().map(x -> x.get("id").asText()).distinct().count();
    }

    static List<String> texts(JsonNode a) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : a) out.add(n.asText());
        return out;
    }

    @Test
    void configErrorsNameTheKey() {
        assertEquals("sink 'm' (mqtt): broker: required (tcp://host:1883)", assertThrows(IllegalArgumentException.class,
                () -> Sinks.create(StageSpec.parse("mqtt:m"), "x")).getMessage());
        assertEquals("sink 'k' (kafka): a key of the mqtt sink is set here", assertThrows(IllegalArgumentException.class,
                () -> Sinks.create(StageSpec.parse("kafka:k={\"bootstrap\": \"h:1\", \"qos\": 1}"), "x")).getMessage());
        assertEquals("sink 'k' (kafka): unknown config key 'bootstrp' (known: acks, all_frames, batch_bytes, bootstrap, broker, "
                + "buffer, compression, delivery_timeout_ms, events, linger_ms, offline_buffer, per_camera, qos, schema, topic)", assertThrows(IllegalArgumentException.class,
                () -> Sinks.create(StageSpec.parse("kafka:k={\"bootstrp\": \"h:1\"}"), "x")).getMessage());
        assertEquals("sink 'k' (kafka): compression: expected one of [gzip, lz4, none, snappy, zstd], got 'brotli'",
                assertThrows(IllegalArgumentException.class, () -> Sinks.create(StageSpec.parse(
                        "kafka:k={\"bootstrap\": \"h:1\", \"compression\": \"brotli\"}"), "x")).getMessage());
        String down = assertThrows(IllegalArgumentException.class,
                () -> Sinks.create(StageSpec.parse("mqtt:m={\"broker\": \"tcp://127.0.0.1:1\"}"), "x")).getMessage();
        assertTrue(down.startsWith("MQTT broker tcp://127.0.0.1:1: cannot connect"), down);
    }
}
