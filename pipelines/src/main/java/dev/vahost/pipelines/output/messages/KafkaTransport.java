package dev.vahost.pipelines.output.messages;

import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka through the official client: one producer, messages keyed by camera id (so one camera's
 * messages stay in order on one partition), idempotent, retried by the client until
 * {@code delivery.timeout.ms}.
 */
public final class KafkaTransport implements Transport {
    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final String describe;

    /**
     * @param acks        all, 1 or 0
     * @param compression none, gzip, snappy, lz4 or zstd
     */
    public KafkaTransport(String bootstrap, String topic, String acks, String compression, int lingerMs, int batchBytes,
                          int deliveryTimeoutMs) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.LINGER_MS_CONFIG, lingerMs);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchBytes);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(deliveryTimeoutMs, lingerMs + 30_000));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "all".equals(acks));
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vahost");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(p);
        this.topic = topic;
        this.describe = "Kafka " + bootstrap + " topic " + topic + " (acks " + acks + ", compression " + compression + ", linger "
                + lingerMs + " ms)";
    }

    @Override
    public void send(String key, String payload, Done done) {
        producer.send(new ProducerRecord<>(topic, key, payload), (meta, e) -> done.completed(e));
    }

    @Override
    public void flush(long millis) {
        Thread t = new Thread(producer::flush, "kafka-flush");
        t.setDaemon(true);
        t.start();
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String describe() {
        return describe;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
