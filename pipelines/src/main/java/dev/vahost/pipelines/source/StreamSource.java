package dev.vahost.pipelines.source;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.gst.FrameListener;
import dev.vahost.gst.PipelineError;
import dev.vahost.gst.PipelineListener;
import dev.vahost.gst.PipelineOptions;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.StreamState;

/**
 * One camera of the service: builds its pipeline, restarts it when a live source stops delivering
 * (no frame for {@code reconnectInterval}) or errors, up to {@code maxAttempts} times in a row
 * (negative: unlimited), and restarts looped container files at their end. Every other stream is
 * untouched by what happens here.
 */
public final class StreamSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamSource.class);

    /** What the service sees of a source. */
    public enum State { STARTING, RUNNING, RECONNECTING, ENDED, FAILED, STOPPED }

    /** How to build and restart the pipeline. */
    public interface Factory {
        /** A new, not yet started pipeline (the GPU path also shares its CUDA context here). */
        StreamPipeline create(String streamId, String launch, PipelineOptions options);
    }

    private final SourceSpec spec;
    private final String launch;
    private final PipelineOptions options;
    private final Factory factory;
    private final FrameListener frames;
    private final ScheduledExecutorService timer;
    private final Duration reconnectInterval;
    private final int maxAttempts;
    private final boolean restartAtEnd;
    private final Consumer<String> onEnded;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private final AtomicLong frameCount = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile long lastFrameNanos = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicInteger failedAttempts = new java.util.concurrent.atomic.AtomicInteger();
    private StreamPipeline pipeline; // guarded by this
    private ScheduledFuture<?> watchdog;
    private volatile boolean stopped;

    public StreamSource(SourceSpec spec, String launch, PipelineOptions options, Factory factory, FrameListener frames,
                        ScheduledExecutorService timer, Duration reconnectInterval, int maxAttempts, boolean restartAtEnd,
                        Consumer<String> onEnded) {
        this.spec = spec;
        this.launch = launch;
        this.options = options;
        this.factory = factory;
        this.frames = frames;
        this.timer = timer;
        this.reconnectInterval = reconnectInterval;
        this.maxAttempts = maxAttempts;
        this.restartAtEnd = restartAtEnd;
        this.onEnded = onEnded;
    }

    public String id() {
        return spec.name();
    }

    public SourceSpec spec() {
        return spec;
    }

    public State state() {
        return state.get();
    }

    public long frames() {
        return frameCount.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    public String lastError() {
        return lastError.get();
    }

    public String launch() {
        return launch;
    }

    /** Starts the first pipeline. A failure to start a live source schedules a retry instead of throwing. */
    public synchronized void start() {
        openOrRetry();
        if (spec.isLive() && watchdog == null) {
            long ms = Math.max(100, reconnectInterval.toMillis() / 4);
            watchdog = timer.scheduleAtFixedRate(this::checkAlive, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void openOrRetry() {
        if (stopped) return;
        try {
            StreamPipeline p = factory.create(spec.name(), launch, options);
            p.addListener(new PipelineListener() {
                @Override
                public void onError(String streamId, PipelineError error) {
                    lastError.set(error.describe());
                    onPipelineEnded(p, true);
                }

                @Override
                public void onEos(String streamId) {
                    onPipelineEnded(p, false);
                }
            });
            pipeline = p;
            lastFrameNanos = System.nanoTime();
            p.start(f -> {
                lastFrameNanos = System.nanoTime();
                frameCount.incrementAndGet();
                if (state.get() != State.RUNNING) {
                    failedAttempts.set(0); // no lock here: close() may be joining this thread
                    state.compareAndSet(State.STARTING, State.RUNNING);
                    state.compareAndSet(State.RECONNECTING, State.RUNNING);
                }
                frames.onFrame(f);
            });
        } catch (RuntimeException e) {
            lastError.set(e.getMessage());
            LOG.error("stream {}: {}", spec.name(), e.getMessage());
            closePipeline();
            if (spec.isLive()) {
                scheduleReconnect();
            } else {
                end(State.FAILED);
            }
        }
    }

    /** Called from the pipeline's listener (executor or pull thread): never blocks on the pipeline there. */
    private void onPipelineEnded(StreamPipeline p, boolean error) {
        timer.execute(() -> {
            synchronized (this) {
                if (p != pipeline || stopped) return;
                if (spec.isLive()) {
                    closePipeline();
                    scheduleReconnect();
                } else if (!error && restartAtEnd) {
                    closePipeline();
                    reconnects.incrementAndGet();
                    openOrRetry();
                } else {
                    closePipeline();
                    end(error ? State.FAILED : State.ENDED);
                }
            }
        });
    }

    private void checkAlive() {
        synchronized (this) {
            if (stopped || state.get() == State.RECONNECTING || pipeline == null) return;
            long silent = System.nanoTime() - lastFrameNanos;
            if (silent > reconnectInterval.toNanos()) {
                LOG.warn("stream {}: no frame for {} ms, resetting the source", spec.name(), silent / 1_000_000);
                lastError.compareAndSet(null, "no frame for " + silent / 1_000_000 + " ms");
                closePipeline();
                scheduleReconnect();
            }
        }
    }

    private void scheduleReconnect() {
        int attempt = failedAttempts.incrementAndGet();
        if (maxAttempts >= 0 && attempt > maxAttempts) {
            LOG.error("stream {}: giving up after {} reconnect attempts", spec.name(), maxAttempts);
            end(State.FAILED);
            return;
        }
        state.set(State.RECONNECTING);
        timer.schedule(() -> {
            synchronized (this) {
                if (stopped) return;
                reconnects.incrementAndGet();
                LOG.info("stream {}: reconnect attempt {}", spec.name(), failedAttempts.get());
                openOrRetry();
            }
        }, reconnectInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void end(State s) {
        state.set(s);
        if (watchdog != null) watchdog.cancel(false);
        onEnded.accept(spec.name());
    }

    private void closePipeline() {
        StreamPipeline p = pipeline;
        pipeline = null;
        if (p != null) {
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.warn("stream {}: closing its pipeline failed: {}", spec.name(), e.getMessage());
            }
        }
    }

    /** Fails this stream from the consumer side (e.g. a frame the GPU path cannot use). */
    public void fail(String source, String message) {
        lastError.set(source + ": " + message);
        StreamPipeline p;
        synchronized (this) {
            p = pipeline;
        }
        if (p != null) p.failWith(source, message);
    }

    /** Whether the pipeline currently exists and has not ended. */
    public synchronized boolean isPipelineActive() {
        return pipeline != null && !pipeline.state().isTerminal();
    }

    /** Stops the source; frames already delivered stay valid. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) return;
        stopped = true;
        if (watchdog != null) watchdog.cancel(false);
        closePipeline();
        if (!state.get().equals(State.FAILED) && !state.get().equals(State.ENDED)) state.set(State.STOPPED);
    }

    /** Current pipeline state, for reports. */
    public synchronized StreamState pipelineState() {
        return pipeline == null ? StreamState.CLOSED : pipeline.state();
    }
}
