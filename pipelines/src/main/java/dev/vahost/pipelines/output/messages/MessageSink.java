package dev.vahost.pipelines.output.messages;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.pipelines.DetectionListener;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;

/**
 * Turns results into messages ({@link Payloads}) and hands them to a {@link Transport} on a thread
 * of its own, through a bounded queue: the batch thread only formats and enqueues, never waits for
 * a broker. When the queue is full (the broker is away longer than the buffer lasts) new messages are
 * dropped and counted; delivery failures (after the client's own retries) are counted too. Each
 * message is keyed by its camera id (Kafka keeps one camera's messages in order).
 */
public final class MessageSink implements DetectionListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MessageSink.class);

    /** Which messages: per frame (minimal), per object (full), and/or per analytics event. */
    public enum Schema { MINIMAL, FULL, NONE }

    private record Message(String key, String payload) {}

    private final String name;
    private final Transport transport;
    private final Schema schema;
    private final boolean events;
    private final boolean framesWithoutDetections;
    private final String model;
    private final BlockingQueue<Message> queue;
    private final Thread sender;
    private final AtomicLong queued = new AtomicLong(), delivered = new AtomicLong(), failed = new AtomicLong(),
            dropped = new AtomicLong();
    private volatile boolean closing;

    public MessageSink(String name, Transport transport, Schema schema, boolean events, boolean framesWithoutDetections, int capacity,
                       String model) {
        this.name = name;
        this.transport = transport;
        this.schema = schema;
        this.events = events;
        this.framesWithoutDetections = framesWithoutDetections;
        this.model = model;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = new Thread(this::run, "sink-" + name);
        sender.setDaemon(true);
        sender.start();
        LOG.info("sink {}: {} ({} messages{}, buffer {})", name, transport.describe(), schema.name().toLowerCase(java.util.Locale.ROOT),
                events ? " and events" : "", capacity);
    }

    @Override
    public void onResult(FrameResult r) {
        long now = System.currentTimeMillis();
        if (schema == Schema.MINIMAL && (framesWithoutDetections || !r.detections().isEmpty())) {
            offer(r.streamId(), Payloads.minimal(r, now));
        } else if (schema == Schema.FULL) {
            for (String p : Payloads.full(r, now, model)) offer(r.streamId(), p);
        }
        if (events && r.meta().get("events") instanceof List<?> list) {
            for (Object o : list) if (o instanceof AnalyticsFactory.Event e) offer(r.streamId(), Payloads.event(e, now, model));
        }
    }

    private void offer(String key, String payload) {
        if (closing) return;
        if (queue.offer(new Message(key, payload))) {
            queued.incrementAndGet();
        } else if (dropped.incrementAndGet() % 10_000 == 1) {
            LOG.warn("sink {}: buffer full ({} messages), dropping new messages ({} so far)", name, queue.size() + queue.remainingCapacity(),
                    dropped.get());
        }
    }

    private void run() {
        while (true) {
            Message m;
            try {
                m = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (m == null) {
                if (closing) return;
                continue;
            }
            try {
                transport.send(m.key(), m.payload(), failure -> {
                    if (failure == null) {
                        delivered.incrementAndGet();
                    } else if (failed.incrementAndGet() % 1000 == 1) {
                        LOG.warn("sink {}: delivery failed ({} so far): {}", name, failed.get(), failure.toString());
                    }
                });
            } catch (RuntimeException e) {
                if (failed.incrementAndGet() % 1000 == 1) LOG.warn("sink {}: send failed ({} so far): {}", name, failed.get(), e.toString());
            }
        }
    }

    /** Messages accepted into the buffer, delivered, failed after retries, and dropped for a full buffer. */
    public record Counts(long queued, long delivered, long failed, long dropped) {}

    public Counts counts() {
        return new Counts(queued.get(), delivered.get(), failed.get(), dropped.get());
    }

    /** {@code vahost_messages_total{sink,outcome}}: queued, delivered, failed, dropped. */
    public MultiCollector metrics() {
        return () -> {
            CounterSnapshot.Builder b = CounterSnapshot.builder().name("vahost_messages_total")
                    .help("Messages of a sink: queued, delivered (acknowledged), failed (after retries), dropped (buffer full)");
            Counts c = counts();
            for (Map.Entry<String, Long> e : Map.of("queued", c.queued(), "delivered", c.delivered(), "failed", c.failed(), "dropped",
                    c.dropped()).entrySet()) {
                b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(Labels.of("sink", name, "outcome", e.getKey()))
                        .value(e.getValue()).build());
            }
            return MetricSnapshots.of(b.build());
        };
    }

    public String name() {
        return name;
    }

    /** Sends what is buffered (waiting up to {@code graceMillis}), then closes the transport. Idempotent. */
    public void close(long graceMillis) {
        if (closing) return;
        closing = true;
        try {
            sender.join(graceMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (sender.isAlive()) {
            sender.interrupt();
            LOG.warn("sink {}: {} messages not sent at close", name, queue.size());
        }
        try {
            transport.flush(graceMillis);
        } finally {
            transport.close();
        }
        Counts c = counts();
        LOG.info("sink {}: {} queued, {} delivered, {} failed, {} dropped", name, c.queued(), c.delivered(), c.failed(), c.dropped());
    }

    @Override
    public void close() {
        close(10_000);
    }
}
