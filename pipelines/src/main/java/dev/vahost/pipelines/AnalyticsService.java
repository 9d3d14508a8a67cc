package dev.vahost.pipelines;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.gst.PipelineOptions;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.perf.LatencyRecorder;
import dev.vahost.pipelines.perf.PerfReporter;
import dev.vahost.pipelines.source.Backoff;
import dev.vahost.pipelines.source.LaunchBuilder;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.StreamSource;
import dev.vahost.pipelines.source.SyntheticCameras;
import dev.vahost.pipelines.stage.OwnedThreads;
import dev.vahost.pipelines.stage.StageRunner;

/**
 * The multi-camera service: sources → (decode) → {@link FrameDetector#adopt} → cross-stream
 * {@link Batcher} → {@link FrameDetector#detect} → stages → listeners, with per-stream FPS. One
 * broken source fails alone; sources can be added and removed while running.
 *
 * <p>With a detector that keeps several batches in flight ({@link FrameDetector#maxInFlight} &gt; 1,
 * the GPU path), the batch thread only submits batches; a second thread ("results") takes them in
 * order as they complete and runs the stages and listeners, so host work on one batch overlaps the
 * GPU work of the next. The detector's {@code submit} blocks while all its slots are busy: that is the
 * back-pressure, and the batcher's per-stream queues drop the oldest frames from there.
 */
public final class AnalyticsService<F> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsService.class);

    /**
     * @param live              pace file and synthetic sources at their frame rate, like cameras
     * @param loop              loop file sources
     * @param reconnectInterval a live source that delivers nothing this long is reset; a file source
     *                          that decodes nothing this long is failed
     * @param reconnectAttempts consecutive reset attempts before a live source is failed (negative: unlimited)
     * @param clipCache         where synthetic camera clips are made and kept
     * @param reconnectBackoff  the wait between consecutive failed attempts of a live source
     * @param shutdownGrace     how long {@link #close()} lets queued frames and the batch in flight
     *                          finish before it stops the batcher
     */
    public record Options(Batcher.Config batch, boolean live, boolean loop, Duration reconnectInterval,
                          int reconnectAttempts, Path clipCache, int maxBuffers, Backoff reconnectBackoff,
                          Duration shutdownGrace) {
        public Options {
            if (reconnectInterval == null || reconnectInterval.isNegative() || reconnectInterval.isZero()) {
                throw new IllegalArgumentException("reconnect interval must be positive, got " + reconnectInterval);
            }
            java.util.Objects.requireNonNull(reconnectBackoff, "reconnectBackoff");
            if (shutdownGrace == null || shutdownGrace.isNegative()) {
                throw new IllegalArgumentException("shutdown grace must be >= 0, got " + shutdownGrace);
            }
        }

        /** With the default back-off ({@link Backoff#defaults()}) and 30 s of shutdown grace. */
        public Options(Batcher.Config batch, boolean live, boolean loop, Duration reconnectInterval, int reconnectAttempts,
                       Path clipCache, int maxBuffers) {
            this(batch, live, loop, reconnectInterval, reconnectAttempts, clipCache, maxBuffers, Backoff.defaults(),
                    Duration.ofSeconds(30));
        }

        public Options withReconnectBackoff(Backoff b) {
            return new Options(batch, live, loop, reconnectInterval, reconnectAttempts, clipCache, maxBuffers, b, shutdownGrace);
        }

        public Options withShutdownGrace(Duration d) {
            return new Options(batch, live, loop, reconnectInterval, reconnectAttempts, clipCache, maxBuffers, reconnectBackoff, d);
        }
    }

    private final Options options;
    private final FrameDetector<F> detector;
    private final StageRunner stages;
    private final Batcher<F> batcher;
    private final PerfReporter perf = new PerfReporter();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final Map<String, StreamSource> sources = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> processed = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> adoptFailures = new ConcurrentHashMap<>();
    private final List<DetectionListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> endListeners = new CopyOnWriteArrayList<>();
    private final OwnedThreads timerThreads = new OwnedThreads("service-timer");
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, timerThreads);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong detectNanos = new AtomicLong();
    private final AtomicLong batchNanos = new AtomicLong();
    private final AtomicLong framesBatched = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private final AtomicLong batchesInFlight = new AtomicLong();
    /** Submitted batches for the results thread, in order; null when the detector runs one batch at a time. */
    private final java.util.concurrent.BlockingQueue<Object> submitted;
    private final Thread resultsThread;
    private static final Object END = new Object();
    private int nextIndex;

    /** A batch the batch thread submitted, for the results thread. */
    private record Submitted<F>(List<Batcher.Entry<F>> batch, FrameDetector.InFlight inFlight, boolean[] keep) {}

    public AnalyticsService(Options options, FrameDetector<F> detector) {
        this(options, detector, StageRunner.none());
    }

    /**
     * A service whose batches go through {@code stages} after detection; it closes them after the
     * last batch.
     *
     * @throws IllegalArgumentException when a stage needs the frames and the detector cannot keep them
     */
    public AnalyticsService(Options options, FrameDetector<F> detector, StageRunner stages) {
        if (stages.needsFrames() && !detector.canKeepFrames()) {
            throw new IllegalArgumentException("a stage reads the frames' pixels but " + detector.describe()
                    + " cannot keep frames for stages");
        }
        this.options = options;
        this.detector = detector;
        this.stages = stages;
        if (detector.maxInFlight() > 1) {
            submitted = new java.util.concurrent.LinkedBlockingQueue<>();
            resultsThread = new Thread(this::resultsLoop, "results");
            resultsThread.setDaemon(true);
            resultsThread.start();
        } else {
            submitted = null;
            resultsThread = null;
        }
        this.batcher = new Batcher<>(options.batch(), new Batcher.Frames<>() {
            @Override
            public long ptsNanos(F f) {
                return detector.ptsNanos(f);
            }

            @Override
            public void release(F f) {
                detector.release(f);
            }
        }, this::onBatch);
        batcher.start();
    }

    public FrameDetector<F> detector() {
        return detector;
    }

    public PerfReporter perf() {
        return perf;
    }

    /** Per-stream latency from the decoder to results delivered. */
    public LatencyRecorder latency() {
        return latency;
    }

    /** The stages every batch goes through after detection (none by default). */
    public StageRunner stages() {
        return stages;
    }

    public void addListener(DetectionListener l) {
        listeners.add(l);
    }

    /** Called with the stream id when a source ends for good (EOS without loop, failure, give-up). */
    public void onStreamEnded(Consumer<String> l) {
        endListeners.add(l);
    }

    /**
     * Adds and starts a source. A source that cannot start fails alone (see {@link #status()});
     * a bad launch string or a missing file throws.
     */
    public synchronized StreamSource addSource(SourceSpec spec) {
        if (closed.get()) throw new IllegalStateException("service is closed");
        if (sources.containsKey(spec.name())) throw new IllegalArgumentException("duplicate stream name '" + spec.name() + "'");
        int index = nextIndex++;
        Path clip = spec.kind() == SourceSpec.Kind.SYNTHETIC ? SyntheticCameras.clip(spec, index, options.clipCache()) : null;
        // Files and synthetic cameras played live are paced by their source (Pacer); launch fragments
        // pace themselves (or not) as written; live sources come at their own pace.
        boolean pace = options.live() && spec.kind() != SourceSpec.Kind.LAUNCH && (spec.kind() == SourceSpec.Kind.SYNTHETIC || !spec.isLive());
        String launch = LaunchBuilder.build(spec, detector.gpu(), clip, options.loop());
        int inFlight = options.batch().queueCapacity() + Math.max(1, detector.maxInFlight()) * options.batch().batchSize() + 2;
        PipelineOptions po = PipelineOptions.defaults().withMaxFramesInFlight(inFlight).withMaxBuffers(options.maxBuffers());
        boolean restartAtEnd = options.loop() && spec.kind() == SourceSpec.Kind.CONTAINER_FILE;
        String id = spec.name();
        batcher.addStream(id);
        perf.addStream(id);
        latency.addStream(id);
        processed.put(id, new AtomicLong());
        adoptFailures.put(id, new AtomicLong());
        StreamSource[] self = new StreamSource[1];
        StreamSource s = new StreamSource(spec, launch, po, this::createPipeline, frame -> onFrame(self[0], frame), timer,
                options.reconnectInterval(), options.reconnectAttempts(), options.reconnectBackoff(), restartAtEnd,
                this::sourceEnded, pace);
        self[0] = s;
        sources.put(id, s);
        LOG.info("stream {}: {}{}", id, launch, pace ? " (paced as a live camera)" : "");
        s.start();
        return s;
    }

    private StreamPipeline createPipeline(String id, String launch, PipelineOptions po) {
        StreamPipeline p = StreamPipeline.fromLaunch(id, launch, po);
        if (detector.gpu()) {
            try {
                dev.vahost.nvmm.gst.GstCudaContextSharing.share(p);
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
        }
        return p;
    }

    private void onFrame(StreamSource s, VideoFrame frame) {
        // adopt owns the frame in every outcome (it releases it when it throws), then the batcher
        // does: the pull loop must not close it if anything below throws.
        frame.claim();
        F f;
        try {
            f = detector.adopt(frame);
        } catch (IllegalArgumentException e) {
            // adopt released the frame; this stream's frames are unusable: fail it, alone.
            adoptFailures.get(s.id()).incrementAndGet();
            s.fail("detector", e.getMessage());
            return;
        } catch (RuntimeException e) {
            frame.close(); // a no-op when adopt kept its contract; the frame never reached the batcher
            throw e;
        }
        batcher.offer(s.id(), f);
    }

    private void sourceEnded(String id) {
        batcher.endOfStream(id);
        stages.streamEnded(id);
        for (Consumer<String> l : endListeners) {
            try {
                l.accept(id);
            } catch (RuntimeException e) {
                LOG.error("stream-ended listener failed for {}", id, e);
            }
        }
    }

    /** Stops and removes a source; its queued frames are released. */
    public void removeSource(String id) {
        StreamSource s = sources.remove(id);
        if (s == null) throw new IllegalArgumentException("no stream named '" + id + "'");
        s.close();
        batcher.removeStream(id);
        perf.removeStream(id);
        latency.removeStream(id);
        stages.streamEnded(id);
    }

    private void onBatch(List<Batcher.Entry<F>> batch) {
        long start = System.nanoTime();
        try {
            if (submitted == null) {
                handle(batch);
            } else {
                submit(batch);
            }
        } finally {
            batchNanos.addAndGet(System.nanoTime() - start);
        }
    }

    /** One batch at a time, on the batch thread. */
    private void handle(List<Batcher.Entry<F>> batch) {
        List<FrameResult> results;
        boolean[] keep = keep(batch);
        long t0 = System.nanoTime();
        try {
            results = keep != null ? detector.detect(batch, keep) : detector.detect(batch);
            detectNanos.addAndGet(System.nanoTime() - t0);
            framesBatched.addAndGet(batch.size());
        } catch (RuntimeException e) {
            batchFailed(batch, e);
            return;
        }
        deliver(batch, results, keep, detector.gpu() ? detector.stageStream() : null);
    }

    /** The detector released the batch's frames; their results are lost, the service goes on. */
    private void batchFailed(List<Batcher.Entry<F>> batch, RuntimeException e) {
        failedBatches.incrementAndGet();
        LOG.error("batch of {} frames failed (streams {})", batch.size(),
                batch.stream().map(Batcher.Entry::streamId).distinct().toList(), e);
    }

    /**
     * Which frames of the batch to keep until the stages have run: those of streams a stage needs
     * pixels of ({@link StageRunner#needsFrames(String)}); null when no stage reads pixels.
     */
    private boolean[] keep(List<Batcher.Entry<F>> batch) {
        if (!stages.needsFrames()) return null;
        boolean[] keep = new boolean[batch.size()];
        for (int i = 0; i < keep.length; i++) keep[i] = stages.needsFrames(batch.get(i).streamId());
        return keep;
    }

    /** Pipelined: the batch thread submits (blocking while the detector's slots are all busy). */
    private void submit(List<Batcher.Entry<F>> batch) {
        boolean[] keep = keep(batch);
        long t0 = System.nanoTime();
        FrameDetector.InFlight f;
        try {
            f = detector.submit(batch, keep);
        } catch (RuntimeException e) {
            batchFailed(batch, e);
            return;
        }
        detectNanos.addAndGet(System.nanoTime() - t0);
        batchesInFlight.incrementAndGet();
        submitted.add(new Submitted<>(batch, f, keep));
    }

    /** The results thread: submitted batches in order, each as its results are ready. */
    private void resultsLoop() {
        try {
            while (true) {
                Object o = submitted.take();
                if (o == END) return;
                complete(o);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @SuppressWarnings("unchecked")
    private void complete(Object o) {
        Submitted<F> s = (Submitted<F>) o;
        long start = System.nanoTime();
        try {
            List<FrameResult> results;
            try {
                results = s.inFlight().await();
                detectNanos.addAndGet(System.nanoTime() - start);
                framesBatched.addAndGet(s.batch().size());
            } catch (RuntimeException e) {
                batchFailed(s.batch(), e);
                return;
            }
            deliver(s.batch(), results, s.keep(), s.inFlight().stream());
        } catch (RuntimeException e) {
            LOG.error("handing on a batch's results failed", e);
        } finally {
            s.inFlight().close();
            batchesInFlight.decrementAndGet();
            batchNanos.addAndGet(System.nanoTime() - start);
        }
    }

    /** Batches submitted whose results have not been handed on yet (0 when the detector runs one at a time). */
    public long batchesInFlight() {
        return batchesInFlight.get();
    }

    /**
     * Waits until every queued frame has been batched and every batch's results handed on.
     *
     * @return false when that did not happen within {@code timeout}
     */
    public boolean awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!batcher.awaitDrained(timeout)) return false;
        while (batchesInFlight.get() > 0) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(2);
        }
        return batcher.awaitDrained(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /** Stages, latency, FPS and listeners for a batch's results; kept frames go back after the stages' work on {@code stream}. */
    private void deliver(List<Batcher.Entry<F>> batch, List<FrameResult> results, boolean[] keep, dev.vahost.nvmm.cuda.CudaStream stream) {
        batches.incrementAndGet();
        if (!stages.isEmpty()) results = runStages(batch, results, keep, stream);
        long delivered = System.nanoTime();
        for (int i = 0; i < results.size() && i < batch.size(); i++) {
            latency.record(batch.get(i).streamId(), delivered - batch.get(i).offeredNanos());
        }
        for (FrameResult r : results) {
            perf.frame(r.streamId());
            AtomicLong c = processed.get(r.streamId());
            if (c != null) c.incrementAndGet();
            for (DetectionListener l : listeners) {
                try {
                    l.onResult(r);
                } catch (RuntimeException e) {
                    LOG.error("stream {}: result listener failed", r.streamId(), e);
                }
            }
        }
    }

    /** The stages on one batch; kept frames go back afterwards (in stream order on the GPU path), whatever happens. */
    private List<FrameResult> runStages(List<Batcher.Entry<F>> batch, List<FrameResult> results, boolean[] keep,
                                        dev.vahost.nvmm.cuda.CudaStream stream) {
        List<F> frames = keep != null ? new ArrayList<>(batch.size()) : null;
        List<Object> views = keep != null ? new ArrayList<>(batch.size()) : null;
        if (keep != null) {
            for (int i = 0; i < batch.size(); i++) {
                F f = batch.get(i).frame();
                if (keep[i]) frames.add(f);
                views.add(keep[i] ? detector.stageView(f) : null); // not kept: already back with its decoder
            }
        }
        try {
            return stages.run(results, views, detector.gpu() ? stream : null);
        } finally {
            if (frames != null && !frames.isEmpty()) detector.releaseKept(frames, detector.gpu() ? stream : null);
        }
    }

    public long batches() {
        return batches.get();
    }

    /**
     * Time spent in {@link FrameDetector#detect} on batches that succeeded, in seconds; with batches
     * in flight, in submitting them and waiting for their results (on two threads, so it can exceed
     * the wall time).
     */
    public double detectSeconds() {
        return detectNanos.get() * 1e-9;
    }

    /**
     * Time spent on batches (detection, stages, listeners, failed batches too), in seconds: by the batch
     * thread, and by the results thread when batches are in flight.
     */
    public double batchSeconds() {
        return batchNanos.get() * 1e-9;
    }

    /** Frames in the batches that succeeded. */
    public long framesBatched() {
        return framesBatched.get();
    }

    /** Batches whose detection failed (their frames were released without results). */
    public long failedBatches() {
        return failedBatches.get();
    }

    public Batcher<F> batcher() {
        return batcher;
    }

    /** A snapshot of every stream. */
    public List<StreamStatus> status() {
        List<StreamStatus> out = new ArrayList<>();
        Map<String, PerfReporter.StreamFps> fps = new java.util.HashMap<>();
        for (PerfReporter.StreamFps f : perf.last()) fps.put(f.streamId(), f);
        for (StreamSource s : sources.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).toList()) {
            PerfReporter.StreamFps f = fps.get(s.id());
            long dropped = 0;
            try {
                Batcher.StreamCounts c = batcher.counts(s.id());
                dropped = c.droppedQueueFull() + c.droppedRateCap();
            } catch (IllegalArgumentException ignored) {
                // removed meanwhile
            }
            LatencyRecorder.Percentiles lat = latency.percentiles(s.id());
            out.add(new StreamStatus(s.id(), LaunchBuilder.describe(s.spec()), s.state().name(), f == null ? 0 : f.fps(),
                    f == null ? 0 : f.avgFps(), s.frames(), processed.getOrDefault(s.id(), new AtomicLong()).get(), dropped,
                    s.reconnects(), s.lastError(), lat.p50Ms(), lat.p95Ms(), lat.p99Ms(), s.framesInvalid(),
                    s.state() == StreamSource.State.RECONNECTING && s.lastBackoff() != null ? s.lastBackoff().toMillis() / 1000.0 : Double.NaN));
        }
        return out;
    }

    public StreamSource source(String id) {
        return sources.get(id);
    }

    /**
     * Graceful stop: sources stop (no new frames), every queued frame is batched and every in-flight
     * batch finishes, then the detector closes. Idempotent.
     *
     * <p>A batch still running after the shutdown grace (a stuck model, a hung device) keeps using
     * the detector, so the detector is then not closed here but by the batch thread as it leaves
     * the batch: freeing it under the running batch would be a use-after-free (on the GPU path, of
     * device memory and CUDA handles).
     */
    /**
     * After a stuck batch returned, past the shutdown grace: batches that were submitted after the
     * results thread ended (or while it was stuck) are finished here, so their frames go back.
     */
    private void finishSubmittedLate() {
        if (resultsThread == null) return;
        try {
            resultsThread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Object o; (o = submitted.poll()) != null; ) {
            if (o != END) complete(o);
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        for (StreamSource s : sources.values()) s.close();
        Duration grace = options.shutdownGrace();
        try {
            if (!awaitDrained(grace)) LOG.warn("batches still in flight after {} ms", grace.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boolean stopped = batcher.close(grace);
        if (resultsThread != null) {
            // The batch thread has stopped (or is stuck inside a batch): the results thread finishes
            // what was submitted, then ends.
            submitted.add(END);
            try {
                resultsThread.join(Math.max(1, grace.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (resultsThread.isAlive()) {
                LOG.warn("the results thread is still waiting for a batch after {} ms", grace.toMillis());
                stopped = false;
            }
        }
        timer.shutdownNow();
        try {
            if (timer.awaitTermination(5, TimeUnit.SECONDS)) timerThreads.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopped) {
            stages.close();
            detector.close();
        } else {
            LOG.warn("a batch is still running; the stages and the detector are closed when it returns");
            Runnable closeLate = () -> {
                try {
                    finishSubmittedLate();
                    stages.close();
                    detector.close();
                } catch (RuntimeException e) {
                    LOG.error("closing the detector after the last batch failed", e);
                }
            };
            // Not on this thread: the results thread may be the one stuck (finishSubmittedLate waits for it).
            batcher.whenStopped(() -> {
                Thread t = new Thread(closeLate, "close-after-last-batch");
                t.setDaemon(true);
                t.start();
            });
        }
    }
}
