package dev.vahost.pipelines.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.vahost.pipelines.output.StreamControlApi;
import dev.vahost.pipelines.source.SourceSpec;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

/**
 * One worker of a cluster of services that share cameras through Kafka (no coordinator of its own):
 * the cameras are the records of a compacted <em>registry</em> topic, keyed by camera id (value
 * {@code {"camera_id", "camera_url"}}, a tombstone to remove one). Every worker joins one consumer
 * group on that topic with the cooperative sticky assignor and static membership (its worker id),
 * and runs exactly the cameras of the partitions it is assigned: an assignment reads those partitions
 * from their beginning and starts their cameras; a revocation (or a loss) stops them before anything
 * else is assigned (the cooperative protocol's order), so a camera is never run by two live members of
 * one generation. When a worker dies, its partitions move after the group's session timeout; when it
 * comes back with the same id within that time, it gets them back without a rebalance.
 *
 * <p>A worker runs at most {@code capacity} cameras (0: no limit); cameras of its partitions beyond
 * that are <em>refused</em>, counted in {@code /metrics} ({@code vahost_cluster_cameras{state="refused"}})
 * and logged, and started as soon as a running one goes. Kafka cannot hand a partition back, so size
 * the topic's partitions against the workers (see the README: partitions >= 4 x workers keeps the
 * spread even, and workers x capacity above the cameras with one worker's share to spare).
 *
 * <p>Thread: the consumer's own ({@code cluster-worker}); cameras are started and stopped on it.
 */
public final class ClusterWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterWorker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the registry is and how this worker joins. */
    public record Config(String bootstrap, String topic, String group, String workerId, int partitions, int sessionTimeoutMs,
                         int capacity) {
        public Config {
            if (bootstrap == null || bootstrap.isBlank()) throw new IllegalArgumentException("--cluster: the Kafka bootstrap servers are required");
            if (workerId == null || !workerId.matches("[A-Za-z0-9_.-]{1,128}")) {
                throw new IllegalArgumentException("--worker-id '" + workerId + "': 1-128 letters, digits, '_', '.' or '-'");
            }
        }
    }

    private final Config config;
    private final StreamControlApi.Control cameras; // the service's own sources
    private final KafkaConsumer<String, String> consumer;
    private final KafkaProducer<String, String> producer;
    private final Thread thread;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CountDownLatch joined = new CountDownLatch(1);
    /** Per owned partition: its cameras as the registry says. Consumer thread only, published copies for status. */
    private final Map<TopicPartition, Map<String, SourceSpec>> owned = new HashMap<>();
    private final Map<String, SourceSpec> running = new LinkedHashMap<>();
    private final Map<String, SourceSpec> refused = new LinkedHashMap<>();
    private volatile int runningCount, refusedCount, partitionCount;

    private static final Gauge CAMERAS = Gauge.builder().name("vahost_cluster_cameras")
            .help("Cameras of this worker's partitions: running, or refused over its capacity").labelNames("worker", "state").build();
    private static final Gauge PARTITIONS = Gauge.builder().name("vahost_cluster_partitions")
            .help("Registry partitions assigned to this worker").labelNames("worker").build();
    private static final Gauge CAPACITY = Gauge.builder().name("vahost_cluster_capacity")
            .help("Cameras this worker runs at most (0: no limit)").labelNames("worker").build();
    private static final Counter REBALANCES = Counter.builder().name("vahost_cluster_rebalances_total")
            .help("Partition assignments and revocations this worker took part in").labelNames("worker", "kind").build();

    private ClusterWorker(Config config, StreamControlApi.Control cameras) {
        this.config = config;
        this.cameras = cameras;
        this.producer = new KafkaProducer<>(producerProps(config));
        this.consumer = new KafkaConsumer<>(consumerProps(config));
        this.thread = new Thread(this::run, "cluster-worker");
        thread.setDaemon(true);
    }

    /**
     * Creates the registry topic when it does not exist (compacted, {@code partitions}), joins the
     * group and starts consuming.
     *
     * @throws IllegalStateException when the brokers cannot be reached within 20 s (the message names them)
     */
    public static ClusterWorker start(Config config, StreamControlApi.Control cameras) {
        ensureTopic(config);
        ClusterWorker w = new ClusterWorker(config, cameras);
        try {
            w.epoch = w.reserveEpoch();
        } catch (RuntimeException e) {
            w.producer.close(Duration.ZERO);
            w.consumer.close(Duration.ZERO);
            throw e;
        }
        LOG.info("cluster: worker {} has epoch {} (its track ids start at {} x 10^9)", config.workerId(), w.epoch, w.epoch);
        dev.vahost.pipelines.analytics.ByteTracker.useIdEpoch(w.epoch);
        w.thread.start();
        return w;
    }

    private volatile long epoch;

    /**
     * A number no other worker (and no earlier start of this one) has: a tombstone written to the
     * registry under a key no camera can have; its offset is unique within its partition.
     */
    private long reserveEpoch() {
        var meta = write(EPOCH_KEY, null);
        return 1 + meta.offset() * config.partitions() + meta.partition();
    }

    /** The registry key of the epoch tombstones: '/' is not allowed in camera ids. */
    static final String EPOCH_KEY = "vahost/epoch";

    /** This worker's epoch: unique among the workers and their restarts; its track ids are {@code epoch x 10^9 + n}. */
    public long epoch() {
        return epoch;
    }

    static void ensureTopic(Config c) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        try (Admin admin = Admin.create(p)) {
            NewTopic t = new NewTopic(c.topic(), c.partitions(), (short) -1)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(t)).all().get(20, TimeUnit.SECONDS);
            LOG.info("cluster: created the camera registry topic {} ({} partitions, compacted)", c.topic(), c.partitions());
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("--cluster " + c.bootstrap() + ": cannot create or find the registry topic " + c.topic() + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
            checkCompacted(p, c);
        } catch (TimeoutException e) {
            throw new IllegalStateException("--cluster " + c.bootstrap() + ": no Kafka broker answered within 20 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the registry topic", e);
        }
    }

    /**
     * A registry that is not compacted loses its cameras when its retention expires (7 days by
     * default): an existing topic must have cleanup.policy compact.
     */
    private static void checkCompacted(Properties admin, Config c) {
        try (Admin a = Admin.create(admin)) {
            org.apache.kafka.common.config.ConfigResource r = new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, c.topic());
            var entry = a.describeConfigs(List.of(r)).all().get(20, TimeUnit.SECONDS).get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG);
            String policy = entry == null ? "" : entry.value();
            if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                throw new IllegalStateException("--cluster-topic " + c.topic() + ": the registry topic exists with cleanup.policy=" + policy
                        + "; it must be compact (otherwise cameras vanish when their records expire): kafka-configs --alter --entity-type"
                        + " topics --entity-name " + c.topic() + " --add-config cleanup.policy=compact");
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("--cluster " + c.bootstrap() + ": cannot read the configuration of " + c.topic() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the registry topic's configuration", e);
        }
    }

    private static Properties consumerProps(Config c) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, c.group());
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, c.workerId());
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, c.sessionTimeoutMs());
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, c.sessionTimeoutMs() / 4));
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // every assignment reads its partitions from the start
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "vahost-" + c.workerId());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return p;
    }

    private static Properties producerProps(Config c) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "vahost-registry-" + c.workerId());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return p;
    }

    // ---- the registry, written by the stream control API and at start-up ----

    /** Writes (or replaces) a camera in the registry; returns once the brokers acknowledged it. */
    public void put(SourceSpec spec) {
        String value = JSON.createObjectNode().put("camera_id", spec.name()).put("camera_url", spec.text()).toString();
        write(spec.name(), value);
    }

    /** Removes a camera from the registry (a tombstone); returns once the brokers acknowledged it. */
    public void delete(String id) {
        write(id, null);
    }

    private org.apache.kafka.clients.producer.RecordMetadata write(String key, String value) {
        try {
            return producer.send(new ProducerRecord<>(config.topic(), key, value)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the camera registry " + config.topic() + " could not be written: "
                    + (e.getCause() != null ? e.getCause().getMessage() : "no acknowledgement within 30 s"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the camera registry", e);
        }
    }

    /** The stream control API in cluster mode: adding and removing write the registry; the owner starts or stops the camera. */
    public StreamControlApi.Control control() {
        return new StreamControlApi.Control() {
            @Override
            public void add(SourceSpec spec) {
                put(spec);
            }

            @Override
            public void remove(String id) {
                delete(id);
            }
        };
    }

    // ---- the consumer thread ----

    private void run() {
        try {
            consumer.subscribe(List.of(config.topic()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    if (!parts.isEmpty()) REBALANCES.labelValues(config.workerId(), "revoked").inc();
                    drop(parts, "revoked");
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> parts) {
                    if (!parts.isEmpty()) REBALANCES.labelValues(config.workerId(), "lost").inc();
                    drop(parts, "lost");
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    joined.countDown();
                    if (parts.isEmpty()) return;
                    REBALANCES.labelValues(config.workerId(), "assigned").inc();
                    for (TopicPartition tp : parts) owned.put(tp, new HashMap<>());
                    consumer.seekToBeginning(parts);
                    partitionCount = owned.size();
                    LOG.info("cluster: worker {} was assigned {} (now {} partitions)", config.workerId(), parts, owned.size());
                }
            });
            while (!closed.get()) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) apply(r);
            }
        } catch (WakeupException e) {
            if (!closed.get()) LOG.error("cluster: consumer woken up unexpectedly", e);
        } catch (RuntimeException e) {
            LOG.error("cluster: worker {} stopped consuming the registry: {}", config.workerId(), e.toString(), e);
        } finally {
            drop(new ArrayList<>(owned.keySet()), "closing");
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("cluster: consumer close: {}", e.toString());
            }
        }
    }

    private void apply(ConsumerRecord<String, String> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        Map<String, SourceSpec> part = owned.get(tp);
        if (part == null || r.key() == null || r.key().equals(EPOCH_KEY)) return;
        String id = r.key();
        if (r.value() == null) {
            part.remove(id);
            stopCamera(id, "removed from the registry");
            return;
        }
        SourceSpec spec;
        try {
            JsonNode n = JSON.readTree(r.value());
            String url = n.path("camera_url").asText(null);
            if (url == null) throw new IllegalArgumentException("no camera_url");
            spec = SourceSpec.parse(id + "=" + url, id);
        } catch (Exception e) {
            LOG.error("cluster: registry record for camera '{}' at {}@{} is not usable: {}", id, tp, r.offset(), e.getMessage());
            part.remove(id);
            stopCamera(id, "its registry record is not usable");
            return;
        }
        SourceSpec before = part.put(id, spec);
        if (spec.equals(before) && (running.containsKey(id) || refused.containsKey(id))) return;
        if (refused.containsKey(id)) {
            refused.put(id, spec); // still waiting for a place, now with the new definition
            return;
        }
        if (running.containsKey(id)) {
            // Restarted in place: the camera keeps its place (no refused camera takes it meanwhile).
            stop(id, "changed in the registry");
            running.remove(id);
        }
        startCamera(spec);
    }

    private void startCamera(SourceSpec spec) {
        if (config.capacity() > 0 && running.size() >= config.capacity()) {
            refused.put(spec.name(), spec);
            LOG.warn("cluster: worker {} refuses camera {}: at its capacity of {} cameras", config.workerId(), spec.name(), config.capacity());
        } else {
            try {
                cameras.add(spec);
                running.put(spec.name(), spec);
                LOG.info("cluster: worker {} started camera {}", config.workerId(), spec.name());
            } catch (RuntimeException e) {
                LOG.error("cluster: worker {} could not start camera {}: {}", config.workerId(), spec.name(), e.getMessage());
            }
        }
        counts();
    }

    private void stop(String id, String why) {
        try {
            cameras.remove(id);
        } catch (RuntimeException e) {
            LOG.warn("cluster: stopping camera {}: {}", id, e.getMessage());
        }
        LOG.info("cluster: worker {} stopped camera {} ({})", config.workerId(), id, why);
    }

    private void stopCamera(String id, String why) {
        refused.remove(id);
        if (running.remove(id) != null) {
            stop(id, why);
            // A place became free: the first refused camera (in the order they came) takes it.
            if (!refused.isEmpty()) {
                SourceSpec next = refused.values().iterator().next();
                refused.remove(next.name());
                startCamera(next);
            }
        }
        counts();
    }

    private void drop(Collection<TopicPartition> parts, String why) {
        for (TopicPartition tp : parts) {
            Map<String, SourceSpec> part = owned.remove(tp);
            if (part != null) for (String id : part.keySet()) stopCamera(id, "partition " + tp + " " + why);
        }
        partitionCount = owned.size();
        if (!parts.isEmpty()) LOG.info("cluster: worker {}: partitions {} {} (now {})", config.workerId(), parts, why, owned.size());
    }

    private void counts() {
        runningCount = running.size();
        refusedCount = refused.size();
    }

    /** True once the worker has joined the group (its first assignment arrived, empty or not). */
    public boolean joined() {
        return joined.getCount() == 0;
    }

    public String workerId() {
        return config.workerId();
    }

    /** {@code vahost_cluster_*}: cameras running and refused, partitions, capacity, rebalances. */
    public MultiCollector metrics() {
        return () -> {
            String w = config.workerId();
            CAMERAS.labelValues(w, "running").set(runningCount);
            CAMERAS.labelValues(w, "refused").set(refusedCount);
            PARTITIONS.labelValues(w).set(partitionCount);
            CAPACITY.labelValues(w).set(config.capacity());
            return MetricSnapshots.of(CAMERAS.collect(), PARTITIONS.collect(), CAPACITY.collect(), REBALANCES.collect());
        };
    }

    /** Stops consuming (the cameras it ran are stopped) and closes the clients. Static membership: the group keeps its partitions for it until the session timeout. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        consumer.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
