package dev.vahost.pipelines.stage;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.pipelines.FrameResult;

/**
 * Runs the service's stages on each batch, in order, on the batch thread: times each (host time of
 * {@link Stage#process}; GPU work it enqueues runs on after the call returns), counts its failures,
 * and isolates them (a stage that throws is logged and counted; the batch goes on). Closes the
 * stages with {@link #close()}.
 */
public final class StageRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);
    /** Failures logged with their stack trace per stage; after that, one line per 1,000. */
    private static final int LOGGED_FAILURES = 10;

    /** A stage with its instance name and type. */
    public record Named(String name, String type, Stage stage) {}

    /** A stage's figures so far. */
    public record Stats(String name, String type, long batches, long failures, double secondsTotal, double secondsMax) {
        public double meanMillis() {
            return batches == 0 ? 0 : secondsTotal * 1e3 / batches;
        }
    }

    private final List<Named> stages;
    private final boolean needsFrames;
    private final List<Stage> pixelStages; // those whose needsFrames() is true
    private final Histogram seconds = Histogram.builder().name("vahost_stage_seconds")
            .help("Host time of one stage's call per batch (GPU work it enqueues runs after)").labelNames("stage", "type")
            .classicOnly().classicUpperBounds(1e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.25, 1)
            .build();
    private final Counter failures = Counter.builder().name("vahost_stage_failures_total")
            .help("Batches in which the stage threw (counted and isolated; the batch went on)").labelNames("stage", "type").build();
    private final long[] batches, failed;
    private final double[] total, max;
    private final AtomicLong closed = new AtomicLong();

    StageRunner(List<Named> stages) {
        this.stages = List.copyOf(stages);
        this.needsFrames = stages.stream().anyMatch(n -> n.stage().needsFrames());
        this.pixelStages = stages.stream().map(Named::stage).filter(Stage::needsFrames).toList();
        int n = stages.size();
        batches = new long[n];
        failed = new long[n];
        total = new double[n];
        max = new double[n];
        for (Named s : stages) {
            seconds.labelValues(s.name(), s.type());
            failures.labelValues(s.name(), s.type());
        }
    }

    /** No stages: {@link #run} hands the results through. */
    public static StageRunner none() {
        return new StageRunner(List.of());
    }

    /** Stages already made (tests, embedding code), run in this order. */
    public static StageRunner of(List<Named> stages) {
        return new StageRunner(stages);
    }

    public boolean isEmpty() {
        return stages.isEmpty();
    }

    /** Whether any stage reads or writes pixels (the service then keeps the frames until the stages have run). */
    public boolean needsFrames() {
        return needsFrames;
    }

    /** Whether a stage needs the pixels of {@code streamId}'s frame in the coming batch ({@link Stage#needsFrames(String)}). */
    public boolean needsFrames(String streamId) {
        for (Stage s : pixelStages) {
            if (s.needsFrames(streamId)) return true;
        }
        return false;
    }

    public List<Named> stages() {
        return stages;
    }

    /**
     * Runs every stage on one batch.
     *
     * @param frames the frames as stages see them ({@code DeviceFrame}s or {@code VideoFrame}s), one per
     *               result, or null when they were not kept
     * @param stream the batch's CUDA stream (GPU path) or null
     * @return the results as the stages left them (detections changed, metadata published)
     */
    public List<FrameResult> run(List<FrameResult> results, List<?> frames, CudaStream stream) {
        if (stages.isEmpty()) return results;
        if (frames != null && frames.size() != results.size()) {
            throw new IllegalArgumentException(frames.size() + " frames for " + results.size() + " results");
        }
        List<StageFrame> sf = new ArrayList<>(results.size());
        for (int i = 0; i < results.size(); i++) sf.add(new StageFrame(results.get(i), frames == null ? null : frames.get(i)));
        StageBatch batch = new StageBatch(sf, stream, System.currentTimeMillis());
        synchronized (this) {
            for (int i = 0; i < stages.size(); i++) {
                Named s = stages.get(i);
                long t0 = System.nanoTime();
                Throwable failure = null;
                try {
                    s.stage().process(batch);
                } catch (Exception | LinkageError | AssertionError e) {
                    failure = e;
                }
                double sec = (System.nanoTime() - t0) * 1e-9;
                batches[i]++;
                total[i] += sec;
                max[i] = Math.max(max[i], sec);
                seconds.labelValues(s.name(), s.type()).observe(sec);
                if (failure != null) {
                    failures.labelValues(s.name(), s.type()).inc();
                    long k = ++failed[i];
                    if (k <= LOGGED_FAILURES) {
                        LOG.error("stage {} ({}) failed on a batch of {} frames (streams {}); failure {}, the batch goes on",
                                s.name(), s.type(), sf.size(), sf.stream().map(StageFrame::streamId).distinct().toList(), k, failure);
                    } else if (k % 1000 == 0) {
                        LOG.error("stage {} ({}) has failed {} times; last: {}", s.name(), s.type(), k, failure.toString());
                    }
                }
            }
        }
        List<FrameResult> out = new ArrayList<>(sf.size());
        for (StageFrame f : sf) out.add(f.toResult());
        return out;
    }

    /** Tells every stage that a stream has ended (each in its own try; failures are logged). */
    public synchronized void streamEnded(String streamId) {
        for (Named s : stages) {
            try {
                s.stage().streamEnded(streamId);
            } catch (RuntimeException e) {
                LOG.error("stage {} ({}): streamEnded({}) failed", s.name(), s.type(), streamId, e);
            }
        }
    }

    /** Per-stage figures so far, in stage order. */
    public synchronized List<Stats> stats() {
        List<Stats> out = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            Named s = stages.get(i);
            out.add(new Stats(s.name(), s.type(), batches[i], failed[i], total[i], max[i]));
        }
        return out;
    }

    /**
     * {@code vahost_stage_seconds} (histogram) and {@code vahost_stage_failures_total}, labelled by
     * stage and type, and each stage's own families ({@link Stage#metrics()}).
     */
    public MultiCollector metrics() {
        return () -> {
            if (stages.isEmpty()) return MetricSnapshots.of();
            List<io.prometheus.metrics.model.snapshots.MetricSnapshot> all = new ArrayList<>();
            all.add(seconds.collect());
            all.add(failures.collect());
            java.util.Set<MultiCollector> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (Named s : stages) {
                MultiCollector own = s.stage().metrics();
                if (own == null || !seen.add(own)) continue; // stages of one type may share one collector
                try {
                    for (var m : own.collect()) all.add(m);
                } catch (RuntimeException e) {
                    LOG.warn("stage {} ({}): its metrics failed: {}", s.name(), s.type(), e.toString());
                }
            }
            return new MetricSnapshots(all);
        };
    }

    /** One line per stage for the final figures. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        for (Stats s : stats()) {
            b.append(String.format(Locale.ROOT, "  stage %-12s %-14s %8d batches  mean %8.3f ms  max %8.3f ms  failures %d%n",
                    s.name(), "(" + s.type() + ")", s.batches(), s.meanMillis(), s.secondsMax() * 1e3, s.failures()));
        }
        return b.toString();
    }

    /** Closes every stage (each in its own try; failures are logged). Idempotent. */
    @Override
    public void close() {
        if (closed.getAndIncrement() > 0) return;
        for (Named s : stages) {
            try {
                s.stage().close();
            } catch (Exception e) {
                LOG.error("stage {} ({}): close failed", s.name(), s.type(), e);
            }
        }
    }
}
