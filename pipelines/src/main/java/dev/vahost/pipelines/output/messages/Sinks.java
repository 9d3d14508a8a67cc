package dev.vahost.pipelines.output.messages;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;


import dev.vahost.pipelines.stage.StageSpec;
import dev.vahost.pipelines.stage.Stages;

/**
 * Message sinks from {@code --sink TYPE[:NAME][=CONFIG]} (deployment: {@code sinks:} as a list of
 * {type, name, config}), TYPE {@code kafka} or {@code mqtt}. Config keys (snake_case):
 * <ul>
 * <li>both: {@code topic} (default vahost), {@code schema} minimal (per frame, default) | full (per
 *     object) | none, {@code events} (analytics events as full messages, default true),
 *     {@code all_frames} (minimal messages for frames without detections too), {@code buffer}
 *     (messages held while the broker is slow or away, default 10000; more are dropped and counted);</li>
 * <li>kafka: {@code bootstrap} (required), {@code acks} all | 1 | 0 (all), {@code compression}
 *     none | gzip | snappy | lz4 | zstd (lz4), {@code linger_ms} (20), {@code batch_bytes} (65536),
 *     {@code delivery_timeout_ms} (120000);</li>
 * <li>mqtt: {@code broker} (required, tcp://host:1883), {@code qos} 0 | 1 (1), {@code per_camera}
 *     (topic/CAMERA, default false), {@code offline_buffer} (10000).</li>
 * </ul>
 */
public final class Sinks {
    private Sinks() {}

    public record Config(String topic, String schema, Boolean events, boolean allFrames, Integer buffer, String bootstrap, String acks,
                         String compression, Integer lingerMs, Integer batchBytes, Integer deliveryTimeoutMs, String broker, Integer qos,
                         boolean perCamera, Integer offlineBuffer) {}

    /** Makes the sinks (connecting where the client connects at once); closes those made when one fails. */
    public static List<MessageSink> create(List<StageSpec> specs, String model) {
        List<MessageSink> out = new ArrayList<>();
        try {
            for (StageSpec s : specs) out.add(create(s, model));
        } catch (RuntimeException e) {
            for (MessageSink m : out) m.close(1000);
            throw e;
        }
        return out;
    }

    /** One sink. */
    public static MessageSink create(StageSpec s, String model) {
        String who = "sink '" + s.name() + "' (" + s.type() + ")";
        Config c = Stages.bind(who, s.config(), Config.class);
        String topic = c.topic() == null ? "vahost" : c.topic();
        MessageSink.Schema schema = switch (c.schema() == null ? "minimal" : c.schema().toLowerCase(Locale.ROOT)) {
            case "minimal" -> MessageSink.Schema.MINIMAL;
            case "full" -> MessageSink.Schema.FULL;
            case "none" -> MessageSink.Schema.NONE;
            default -> throw new IllegalArgumentException(who + ": schema: expected minimal, full or none, got '" + c.schema() + "'");
        };
        int buffer = range(who, "buffer", c.buffer(), 10_000, 1, 10_000_000);
        Transport t = switch (s.type()) {
            case "kafka" -> {
                if (c.bootstrap() == null || c.bootstrap().isBlank()) throw new IllegalArgumentException(who + ": bootstrap: required (host:9092)");
                none(who, "mqtt", c.broker(), c.qos(), c.offlineBuffer(), c.perCamera() ? 1 : null);
                String acks = oneOf(who, "acks", c.acks() == null ? "all" : c.acks(), Set.of("all", "1", "0"));
                String comp = oneOf(who, "compression", c.compression() == null ? "lz4" : c.compression(),
                        Set.of("none", "gzip", "snappy", "lz4", "zstd"));
                yield new KafkaTransport(c.bootstrap(), topic, acks, comp, range(who, "linger_ms", c.lingerMs(), 20, 0, 60_000),
                        range(who, "batch_bytes", c.batchBytes(), 65_536, 1, 64 << 20),
                        range(who, "delivery_timeout_ms", c.deliveryTimeoutMs(), 120_000, 1000, 3_600_000));
            }
            case "mqtt" -> {
                if (c.broker() == null || c.broker().isBlank()) throw new IllegalArgumentException(who + ": broker: required (tcp://host:1883)");
                none(who, "kafka", c.bootstrap(), c.lingerMs(), c.batchBytes(), c.deliveryTimeoutMs());
                yield new MqttTransport(c.broker(), topic, c.perCamera(), range(who, "qos", c.qos(), 1, 0, 1),
                        range(who, "offline_buffer", c.offlineBuffer(), 10_000, 1, 10_000_000));
            }
            default -> throw new IllegalArgumentException(who + ": no sink type '" + s.type() + "' (known: kafka, mqtt)");
        };
        return new MessageSink(s.name(), t, schema, c.events() == null || c.events(), c.allFrames(), buffer, model);
    }

    private static void none(String who, String other, Object... values) {
        for (Object v : values) {
            if (v != null) throw new IllegalArgumentException(who + ": a key of the " + other + " sink is set here");
        }
    }

    private static int range(String who, String key, Integer v, int dflt, int lo, int hi) {
        int x = v == null ? dflt : v;
        if (x < lo || x > hi) throw new IllegalArgumentException(who + ": " + key + ": expected " + lo + ".." + hi + ", got " + x);
        return x;
    }

    private static String oneOf(String who, String key, String v, Set<String> allowed) {
        if (!allowed.contains(v)) throw new IllegalArgumentException(who + ": " + key + ": expected one of " + new java.util.TreeSet<>(allowed)
                + ", got '" + v + "'");
        return v;
    }
}
