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
 * (negative: unlimited), waiting longer after each consecutive failure ({@link Backoff}), and
 * restarts looped container files at their end. A file source fails instead of restarting: when it
 * errors, when an elementary-stream file is not an Annex B byte-stream ({@link AnnexB}), or when it
 * ends without a single frame. A file source that decodes nothing for {@code reconnectInterval} is
 * restarted after the back-off (a decoder slow to start under load, as 128 NVDEC sessions opening at
 * once were, gets another chance) and fails after {@value #SILENT_FILE_RUNS} such runs in a row without
 * a frame (e.g. a looped file of undecodable data, which would otherwise keep a core busy forever).
 * Every other stream is untouched by what happens here.
 *
 * <p>Locking: lifecycle changes hold this object's monitor, and closing a pipeline joins its pull
 * thread; so nothing the pull thread calls ({@link #fail}, the frame callback) takes the monitor.
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
    private final Backoff backoff;
    private final boolean restartAtEnd;
    private final Consumer<String> onEnded;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTING);
    private final AtomicLong frameCount = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile long lastFrameNanos = System.nanoTime();
    private final java.util.concurrent.atomic.AtomicInteger failedAttempts = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong runFrames = new AtomicLong(); // frames of the current pipeline
    private final AtomicLong invalidBefore = new AtomicLong(); // invalid frames of the pipelines closed so far
    private volatile long runFirstFrameNanos; // when the current pipeline's first frame came, 0 before
    private volatile StreamPipeline pipeline; // written under this; read without it (see the class comment)
    private long lastPulled = -1; // guarded by this: the pipeline's pulled count at the last liveness check
    private int backoffFailures; // guarded by this: consecutive failures since the last healthy run
    private final boolean pace;
    private final java.util.concurrent.atomic.AtomicLong paceReanchors = new java.util.concurrent.atomic.AtomicLong();
    private int silentFileRuns; // guarded by this: file runs in a row that ended silent without a frame
    /** File runs in a row that may stay silent (no frame at all) before the source fails. */
    public static final int SILENT_FILE_RUNS = 3;
    private volatile Duration lastDelay;
    private ScheduledFuture<?> watchdog;
    private volatile boolean stopped;

    public StreamSource(SourceSpec spec, String launch, PipelineOptions options, Factory factory, FrameListener frames,
                        ScheduledExecutorService timer, Duration reconnectInterval, int maxAttempts, Backoff backoff,
                        boolean restartAtEnd, Consumer<String> onEnded) {
        this(spec, launch, options, factory, frames, timer, reconnectInterval, maxAttempts, backoff, restartAtEnd, onEnded, false);
    }

    /**
     * @param pace hand frames on at the stream's frame rate, as a camera would ({@link Pacer}): for
     *             files and synthetic cameras played live
     */
    public StreamSource(SourceSpec spec, String launch, PipelineOptions options, Factory factory, FrameListener frames,
                        ScheduledExecutorService timer, Duration reconnectInterval, int maxAttempts, Backoff backoff,
                        boolean restartAtEnd, Consumer<String> onEnded, boolean pace) {
        this.pace = pace;
        this.spec = spec;
        this.launch = launch;
        this.options = options;
        this.factory = factory;
        this.frames = frames;
        this.timer = timer;
        this.reconnectInterval = reconnectInterval;
        this.maxAttempts = maxAttempts;
        this.backoff = java.util.Objects.requireNonNull(backoff, "backoff");
        this.restartAtEnd = restartAtEnd;
        this.onEnded = onEnded;
    }

    public String id() {
        return spec.name();
    }

    /** Times this paced stream fell behind by more than two frame intervals and went on from there (no catch-up burst). */
    public long paceReanchors() {
        return paceReanchors.get();
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

    /**
     * Frames the decoder delivered but that were dropped as unusable (a corrupt stream's frames without
     * valid timestamps or size), over every pipeline this source has had.
     */
    public long framesInvalid() {
        StreamPipeline p = pipeline;
        return invalidBefore.get() + (p == null ? 0 : p.stats().framesInvalid());
    }

    /** The delay before the last scheduled reconnect attempt, or null when none was scheduled yet. */
    public Duration lastBackoff() {
        return lastDelay;
    }

    /** Starts the first pipeline. A failure to start a live source schedules a retry instead of throwing. */
    public synchronized void start() {
        if (watchdog == null) {
            long ms = Math.max(100, reconnectInterval.toMillis() / 4);
            watchdog = timer.scheduleAtFixedRate(this::checkAlive, ms, ms, TimeUnit.MILLISECONDS);
        }
        openOrRetry();
    }

    private void openOrRetry() {
        if (stopped) return;
        try {
            if (spec.kind() == SourceSpec.Kind.H264_FILE || spec.kind() == SourceSpec.Kind.H265_FILE) {
                AnnexB.check(java.nio.file.Path.of(spec.value()), spec.kind() == SourceSpec.Kind.H265_FILE);
            }
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
            lastPulled = -1;
            runFrames.set(0);
            runFirstFrameNanos = 0;
            Pacer pacer = pace ? new Pacer() : null; // one per run: a restart starts on time
            p.start(f -> {
                long now = System.nanoTime();
                lastFrameNanos = now;
                frameCount.incrementAndGet();
                if (runFrames.getAndIncrement() == 0) runFirstFrameNanos = now;
                if (state.get() != State.RUNNING) {
                    failedAttempts.set(0); // no lock here: close() may be joining this thread
                    state.compareAndSet(State.STARTING, State.RUNNING);
                    state.compareAndSet(State.RECONNECTING, State.RUNNING);
                }
                if (pacer != null) {
                    long before = pacer.reanchors();
                    pacer.await(f.ptsNanos());
                    if (pacer.reanchors() != before) paceReanchors.incrementAndGet();
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
                boolean noFrame = runFrames.get() == 0;
                if (spec.isLive()) {
                    closePipeline();
                    scheduleReconnect();
                } else if (!error && noFrame) {
                    // Restarting would only end the same way again (a tight loop for a looped file).
                    lastError.set("the input ended without a single decoded video frame (not video, or undecodable)");
                    LOG.error("stream {}: {}", spec.name(), lastError.get());
                    closePipeline();
                    end(State.FAILED);
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

    /**
     * The watchdog: a pipeline (also a reconnect attempt in progress) from which nothing was pulled
     * for {@code reconnectInterval} is reset (live) or failed (file). Frames the pull thread drops
     * because consumers hold too many still count as life.
     */
    private void checkAlive() {
        synchronized (this) {
            StreamPipeline p = pipeline;
            if (stopped || p == null) return;
            long pulled = p.stats().framesPulled();
            if (lastPulled >= 0 && pulled > lastPulled) lastFrameNanos = System.nanoTime();
            lastPulled = pulled;
            long silent = System.nanoTime() - lastFrameNanos;
            if (silent <= reconnectInterval.toNanos()) return;
            String why = "no frame for " + silent / 1_000_000 + " ms";
            closePipeline();
            if (spec.isLive()) {
                LOG.warn("stream {}: {}, resetting the source", spec.name(), why);
                lastError.set(why);
                scheduleReconnect();
            } else if (runFrames.get() > 0 || ++silentFileRuns < SILENT_FILE_RUNS) {
                if (runFrames.get() > 0) silentFileRuns = 0;
                LOG.warn("stream {}: {}, restarting the file ({} silent run(s) without a frame)", spec.name(), why, silentFileRuns);
                lastError.set(why);
                scheduleReconnect();
            } else {
                lastError.set(why + " (" + SILENT_FILE_RUNS + " runs in a row without a frame): the input decodes to no video"
                        + " (undecodable data, or a stalled source)");
                LOG.error("stream {}: {}", spec.name(), lastError.get());
                end(State.FAILED);
            }
        }
    }

    /** Called with the monitor held, after the failed pipeline was closed. */
    private void scheduleReconnect() {
        int attempt = failedAttempts.incrementAndGet();
        if (maxAttempts >= 0 && attempt > maxAttempts) {
            LOG.error("stream {}: giving up after {} reconnect attempts", spec.name(), maxAttempts);
            end(State.FAILED);
            return;
        }
        long first = runFirstFrameNanos;
        if (first != 0 && lastFrameNanos - first >= backoff.healthyAfter().toNanos()) {
            backoffFailures = 0; // the run that just ended was healthy: start again from the initial delay
        }
        runFirstFrameNanos = 0;
        Duration delay = backoff.delay(++backoffFailures);
        lastDelay = delay;
        state.set(State.RECONNECTING);
        LOG.info("stream {}: next attempt in {} ms ({} failure(s) in a row)", spec.name(), delay.toMillis(), backoffFailures);
        timer.schedule(() -> {
            synchronized (this) {
                if (stopped) return;
                reconnects.incrementAndGet();
                LOG.info("stream {}: reconnect attempt {}", spec.name(), failedAttempts.get());
                openOrRetry();
            }
        }, delay.toNanos(), TimeUnit.NANOSECONDS);
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
            invalidBefore.addAndGet(p.stats().framesInvalid());
            try {
                p.close();
            } catch (RuntimeException e) {
                LOG.warn("stream {}: closing its pipeline failed: {}", spec.name(), e.getMessage());
            }
        }
    }

    /**
     * Fails this stream from the consumer side (e.g. a frame the GPU path cannot use). Called on the
     * pull thread, so it must not take the monitor: a close or a watchdog reset holding it joins
     * that very thread.
     */
    public void fail(String source, String message) {
        lastError.set(source + ": " + message);
        StreamPipeline p = pipeline;
        if (p != null) p.failWith(source, message);
    }

    /** Whether the pipeline currently exists and has not ended. */
    public boolean isPipelineActive() {
        StreamPipeline p = pipeline;
        return p != null && !p.state().isTerminal();
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
    public StreamState pipelineState() {
        StreamPipeline p = pipeline;
        return p == null ? StreamState.CLOSED : p.state();
    }
}
