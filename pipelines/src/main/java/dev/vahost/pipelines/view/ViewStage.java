package dev.vahost.pipelines.view;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.ops.HostImage;
import dev.vahost.ops.overlay.Overlay;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;
import dev.vahost.pipelines.stage.OwnedThreads;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageBatch;
import dev.vahost.pipelines.stage.StageFrame;
import dev.vahost.pipelines.stage.StageRunner;

/**
 * The view stage: annotated pictures (boxes, labels, track ids, the analytics' zones and lines:
 * {@link Osd}) as JPEGs, only of the frames someone looks at.
 * <ul>
 * <li><b>Watched streams</b>: a stream is watched while its picture or page was asked for within the
 *     last {@code watch_seconds} ({@link #touch}), or when the configuration names it. Of a watched
 *     stream, one frame every 1/fps seconds is copied (the only copy: the frame goes back to the
 *     decoder when the stages return) and handed to the render thread, which converts it to RGB,
 *     draws, encodes the JPEG and keeps it as the stream's latest picture ({@link #picture}).</li>
 * <li><b>Unwatched streams cost nothing</b>: no copy, no conversion, no encoding; the batch thread
 *     only looks at the frame's events.</li>
 * <li><b>Snapshots</b> (with {@code snapshot_dir}): a frame with a {@code zone_entered} event is drawn
 *     whether watched or not, within the rate and count limits of {@link Snapshots}; its events get
 *     the file's path ({@code "snapshot"} in the JSON). The file is written by the render thread
 *     moments after the frame's results went out.</li>
 * <li><b>Recent events</b> of each stream (the last {@value #RECENT_EVENTS}) for the camera page.</li>
 * </ul>
 * One render thread, with a queue of {@value #QUEUE} pictures; when it is full, a picture is
 * skipped and counted ({@code vahost_view_dropped_total}), never waited for.
 *
 * <p>GPU path ({@link GpuPictures}): the wanted frames of a batch are converted to RGB and drawn by one
 * overlay kernel launch on the batch's stream (the same pixels as {@link Osd}), into picture buffers
 * of the view's (the bound on pictures in flight is the queue's plus two); the render thread makes
 * each JPEG with nvJPEG, so only JPEG bytes reach the host (counted, {@code vahost_view_bytes_to_host_total}).
 */
public final class ViewStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(ViewStage.class);
    static final int RECENT_EVENTS = 50, QUEUE = 8;

    /** A stream's latest picture. */
    public record Picture(String streamId, long frameNumber, long ptsNanos, long madeAtMillis, int width, int height, byte[] jpeg) {}

    /** What the view did for a stream so far. */
    public record Counts(long framesCopied, long pictures, long dropped, long snapshots, long snapshotFailures, long bytesToHost) {}

    private final class StreamView {
        final String id;
        volatile long lastAsked;
        volatile boolean asked;
        long nextDue;      // batch thread only
        boolean scheduled; // nextDue is set
        volatile Picture latest;
        final AtomicLong copied = new AtomicLong(), pictures = new AtomicLong(), dropped = new AtomicLong(), snapshots = new AtomicLong(),
                snapshotFailures = new AtomicLong(), bytesToHost = new AtomicLong();
        final ArrayDeque<AnalyticsFactory.Event> events = new ArrayDeque<>();

        StreamView(String id) {
            this.id = id;
        }

        boolean watched(long now) {
            return always.contains(id) || asked && now - lastAsked < watchNanos;
        }
    }

    private record Job(StreamView sv, HostImage frame, List<FrameResult.Detection> detections, List<AnalyticsFactory.Figure> figures,
                       long frameNumber, long pts, boolean publish, Path snapshot) {}

    private final String name;
    private final double fps;
    private final long intervalNanos, watchNanos;
    private final Set<String> always;
    private final int quality;
    private final Snapshots snapshots;
    private final LongSupplier clock;
    private final Map<String, StreamView> streams = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor renderer;
    private final OwnedThreads renderThread;
    private final AtomicLong jpegBytesServed = new AtomicLong(), picturesServed = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile GpuPictures gpu; // GPU path: made by the batch thread on its first batch

    ViewStage(String name, double fps, long watchNanos, Set<String> always, int quality, Snapshots snapshots) {
        this(name, fps, watchNanos, always, quality, snapshots, System::nanoTime);
    }

    /** With a clock of the test's own (nanoseconds, monotonic). */
    ViewStage(String name, double fps, long watchNanos, Set<String> always, int quality, Snapshots snapshots, LongSupplier clock) {
        this.name = name;
        this.fps = fps;
        this.intervalNanos = (long) (1e9 / fps);
        this.watchNanos = watchNanos;
        this.always = Set.copyOf(always);
        this.quality = quality;
        this.snapshots = snapshots;
        this.clock = clock;
        this.renderThread = new OwnedThreads("view-render-" + name);
        this.renderer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), renderThread,
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** The first view stage among a service's stages, or null. */
    public static ViewStage find(StageRunner stages) {
        for (StageRunner.Named n : stages.stages()) if (n.stage() instanceof ViewStage v) return v;
        return null;
    }

    @Override
    public boolean needsFrames() {
        return true;
    }

    /**
     * The frames of watched streams; of every stream when snapshots are on (any frame may carry a
     * zone event). The others go back to their decoder before the stages run.
     */
    @Override
    public boolean needsFrames(String streamId) {
        return snapshots != null || watched(streamId);
    }

    /** Pictures a second of a watched stream. */
    public double fps() {
        return fps;
    }

    /** The snapshot directory, or null. */
    public Path snapshotDir() {
        return snapshots == null ? null : snapshots.dir();
    }

    /** Someone looks at {@code streamId} (its page or picture was asked for): it is watched for the next watch_seconds. */
    public void touch(String streamId) {
        StreamView sv = stream(streamId);
        sv.lastAsked = clock.getAsLong();
        sv.asked = true;
    }

    /** Whether pictures of {@code streamId} are being made now. */
    public boolean watched(String streamId) {
        StreamView sv = streams.get(streamId);
        return sv != null ? sv.watched(clock.getAsLong()) : always.contains(streamId);
    }

    /** The latest picture of {@code streamId}, or null when none was made yet. */
    public Picture picture(String streamId) {
        StreamView sv = streams.get(streamId);
        return sv == null ? null : sv.latest;
    }

    /** The stream's recent analytics events, oldest first (at most {@value #RECENT_EVENTS}). */
    public List<AnalyticsFactory.Event> recentEvents(String streamId) {
        StreamView sv = streams.get(streamId);
        if (sv == null) return List.of();
        synchronized (sv.events) {
            return List.copyOf(sv.events);
        }
    }

    public Counts counts(String streamId) {
        StreamView sv = streams.get(streamId);
        if (sv == null) return new Counts(0, 0, 0, 0, 0, 0);
        return new Counts(sv.copied.get(), sv.pictures.get(), sv.dropped.get(), sv.snapshots.get(), sv.snapshotFailures.get(),
                sv.bytesToHost.get());
    }

    /** A picture of {@code bytes} was sent to a client (the HTTP side counts here: one place for /metrics). */
    void served(long bytes) {
        picturesServed.incrementAndGet();
        jpegBytesServed.addAndGet(bytes);
    }

    private StreamView stream(String id) {
        return streams.computeIfAbsent(id, StreamView::new);
    }

    /** A frame the view draws in this batch. */
    private record Wanted(StageFrame frame, StreamView sv, boolean publish, Path snapshot, List<AnalyticsFactory.Event> events) {}

    @Override
    public void process(StageBatch batch) {
        long now = clock.getAsLong();
        List<Wanted> wanted = null;
        for (StageFrame f : batch.frames()) {
            StreamView sv = stream(f.streamId());
            List<AnalyticsFactory.Event> events = f.meta().get(AnalyticsFactory.EVENTS);
            boolean due = sv.watched(now) && (!sv.scheduled || now - sv.nextDue >= 0);
            Path snapshot = null;
            if (snapshots != null && events != null && events.stream().anyMatch(e -> "zone_entered".equals(e.type()))) {
                snapshot = snapshots.reserve(f.streamId(), f.frameNumber(), now, batch.wallClockMillis());
            }
            if (!f.hasFrame()) { // watched only since the service chose which frames to keep: the next frame then
                due = false;
                snapshot = null; // (cannot happen: with snapshots on, every stream's frames are kept)
            }
            if (due || snapshot != null) { // else, the cost of an unwatched stream: the checks above
                if (due) {
                    sv.nextDue = now + intervalNanos;
                    sv.scheduled = true;
                }
                if (wanted == null) wanted = new ArrayList<>();
                wanted.add(new Wanted(f, sv, due, snapshot, events));
            } else if (events != null && !events.isEmpty()) {
                remember(sv, events);
            }
        }
        if (wanted == null) return;
        boolean[] taken = batch.gpu() ? drawOnGpu(batch, wanted) : new boolean[wanted.size()];
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            if (!batch.gpu()) taken[i] = drawOnCpu(w);
            List<AnalyticsFactory.Event> events = w.events();
            if (taken[i] && w.snapshot() != null) {
                String path = w.snapshot().toString();
                List<AnalyticsFactory.Event> withPath = new ArrayList<>(events.size());
                for (AnalyticsFactory.Event e : events) withPath.add("zone_entered".equals(e.type()) ? e.withSnapshot(path) : e);
                w.frame().meta().put(AnalyticsFactory.EVENTS, withPath);
                events = withPath;
            }
            if (events != null && !events.isEmpty()) remember(w.sv(), events);
        }
    }

    /**
     * CPU path: copies the frame and hands it to the render thread.
     *
     * @return whether the render thread took it (false: the copy failed or the thread was behind)
     */
    private boolean drawOnCpu(Wanted w) {
        StageFrame f = w.frame();
        StreamView sv = w.sv();
        HostImage copy;
        try {
            copy = FrameCopies.ofSystemFrame(f.videoFrame());
        } catch (RuntimeException e) {
            LOG.warn("stream {}: frame {} cannot be copied for the view: {}", f.streamId(), f.frameNumber(), e.toString());
            return false;
        }
        sv.copied.incrementAndGet();
        List<AnalyticsFactory.Figure> figures = f.meta().get(AnalyticsFactory.FIGURES);
        Job job = new Job(sv, copy, List.copyOf(f.detections()), figures == null ? List.of() : figures, f.frameNumber(), f.ptsNanos(),
                w.publish(), w.snapshot());
        try {
            renderer.execute(() -> render(job));
            return true;
        } catch (RejectedExecutionException e) {
            sv.dropped.incrementAndGet();
            return false; // no picture, and so no snapshot path in the events
        }
    }

    /**
     * GPU path: one overlay launch on the batch's stream draws every wanted frame into an RGB buffer
     * of the view's; the render thread makes each JPEG (nvJPEG) once the launch is done.
     *
     * @return per wanted frame, whether the render thread took it
     */
    private boolean[] drawOnGpu(StageBatch batch, List<Wanted> wanted) {
        boolean[] taken = new boolean[wanted.size()];
        List<GpuPictures.Pending> pending;
        try {
            if (gpu == null) gpu = GpuPictures.create(name, QUEUE + 2, quality);
            List<dev.vahost.nvmm.DeviceImage> images = new ArrayList<>(wanted.size());
            List<Overlay> overlays = new ArrayList<>(wanted.size());
            for (Wanted w : wanted) {
                dev.vahost.nvmm.DeviceImage img = w.frame().deviceFrame().image();
                List<AnalyticsFactory.Figure> figures = w.frame().meta().get(AnalyticsFactory.FIGURES);
                images.add(img);
                overlays.add(Osd.overlay(img.width(), img.height(), w.frame().detections(), figures == null ? List.of() : figures,
                        new Overlay()));
            }
            pending = gpu.draw(batch.cudaStream(), images, overlays);
        } catch (RuntimeException e) {
            LOG.warn("view stage {}: frames cannot be drawn on the GPU: {}", name, e.toString());
            return taken;
        }
        for (int i = 0; i < wanted.size(); i++) {
            Wanted w = wanted.get(i);
            GpuPictures.Pending p = pending.get(i);
            if (p == null) { // every picture buffer in use: the render thread is behind
                w.sv().dropped.incrementAndGet();
                continue;
            }
            w.sv().copied.incrementAndGet();
            StageFrame f = w.frame();
            try {
                renderer.execute(() -> renderGpu(w.sv(), p, f.frameNumber(), f.ptsNanos(), w.publish(), w.snapshot()));
                taken[i] = true;
            } catch (RejectedExecutionException e) {
                gpu.release(p);
                w.sv().dropped.incrementAndGet();
            }
        }
        return taken;
    }

    private static void remember(StreamView sv, List<AnalyticsFactory.Event> events) {
        synchronized (sv.events) {
            for (AnalyticsFactory.Event e : events) {
                if (sv.events.size() == RECENT_EVENTS) sv.events.removeFirst();
                sv.events.addLast(e);
            }
        }
    }

    /** On the render thread (CPU path): RGB, OSD, JPEG; then the latest picture and/or the snapshot file. */
    private void render(Job j) {
        byte[] jpeg;
        try {
            RgbImage img = RgbImage.of(j.frame());
            Osd.draw(img, j.detections(), j.figures());
            jpeg = Jpeg.encode(img, quality);
        } catch (RuntimeException e) {
            LOG.warn("stream {}: frame {} cannot be drawn for the view: {}", j.sv().id, j.frameNumber(), e.toString());
            if (j.snapshot() != null) j.sv().snapshotFailures.incrementAndGet();
            return;
        }
        finish(j.sv(), j.frameNumber(), j.pts(), j.frame().width(), j.frame().height(), j.publish(), j.snapshot(), jpeg);
    }

    /** On the render thread (GPU path): the JPEG of a picture drawn on the GPU; then as {@link #render}. */
    private void renderGpu(StreamView sv, GpuPictures.Pending p, long frameNumber, long pts, boolean publish, Path snapshot) {
        byte[] jpeg;
        long[] toHost = new long[1];
        try {
            jpeg = gpu.encode(p, toHost);
            sv.bytesToHost.addAndGet(toHost[0]);
        } catch (RuntimeException e) {
            LOG.warn("stream {}: frame {} cannot be encoded for the view: {}", sv.id, frameNumber, e.toString());
            if (snapshot != null) sv.snapshotFailures.incrementAndGet();
            return;
        }
        finish(sv, frameNumber, pts, p.width(), p.height(), publish, snapshot, jpeg);
    }

    private void finish(StreamView sv, long frameNumber, long pts, int width, int height, boolean publish, Path snapshot, byte[] jpeg) {
        if (publish) {
            sv.latest = new Picture(sv.id, frameNumber, pts, System.currentTimeMillis(), width, height, jpeg);
            sv.pictures.incrementAndGet();
        }
        if (snapshot != null) {
            try {
                snapshots.write(snapshot, jpeg);
                sv.snapshots.incrementAndGet();
            } catch (RuntimeException e) {
                sv.snapshotFailures.incrementAndGet();
                LOG.warn("stream {}: {}", sv.id, e.getMessage());
            }
        }
    }

    /** Waits until every picture handed to the render thread so far is done (tests). */
    boolean awaitRendered(long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + timeoutMillis * 1_000_000;
        while (renderer.getActiveCount() > 0 || !renderer.getQueue().isEmpty()
                || renderer.getCompletedTaskCount() < renderer.getTaskCount()) {
            if (System.nanoTime() > end) return false;
            Thread.sleep(5);
        }
        return true;
    }

    @Override
    public void streamEnded(String streamId) {
        streams.remove(streamId);
        if (snapshots != null) snapshots.streamEnded(streamId);
    }

    @Override
    public MultiCollector metrics() {
        return () -> {
            CounterSnapshot.Builder copied = counter("vahost_view_frames_copied_total",
                    "Frames taken for the web view or a snapshot (watched streams only, at the view rate; plus event frames): copied on the CPU path, drawn on the GPU on the GPU path");
            CounterSnapshot.Builder pictures = counter("vahost_view_pictures_total", "Annotated JPEGs made for the web view");
            CounterSnapshot.Builder dropped = counter("vahost_view_dropped_total",
                    "Pictures skipped because the render thread was behind (its queue full)");
            CounterSnapshot.Builder snaps = counter("vahost_view_snapshots_total", "Event snapshots written to the snapshot directory");
            CounterSnapshot.Builder toHost = counter("vahost_view_bytes_to_host_total",
                    "Bytes the view copied device to host (GPU path: the JPEGs nvJPEG made, or the drawn RGB pictures where nvJPEG is missing; 0 on the CPU path)");
            GaugeSnapshot.Builder watched = GaugeSnapshot.builder().name("vahost_view_watched").help("1 while the stream is watched");
            long now = clock.getAsLong();
            for (StreamView sv : streams.values()) {
                Labels l = Labels.of("stream", sv.id);
                copied.dataPoint(point(l, sv.copied.get()));
                pictures.dataPoint(point(l, sv.pictures.get()));
                dropped.dataPoint(point(l, sv.dropped.get()));
                snaps.dataPoint(point(l, sv.snapshots.get()));
                toHost.dataPoint(point(l, sv.bytesToHost.get()));
                watched.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(sv.watched(now) ? 1 : 0).build());
            }
            return MetricSnapshots.of(copied.build(), pictures.build(), dropped.build(), snaps.build(), toHost.build(), watched.build(),
                    counter("vahost_view_served_total", "Pictures sent to web view clients").dataPoint(
                            CounterSnapshot.CounterDataPointSnapshot.builder().value(picturesServed.get()).build()).build(),
                    counter("vahost_view_jpeg_bytes_served_total", "JPEG bytes sent to web view clients").dataPoint(
                            CounterSnapshot.CounterDataPointSnapshot.builder().value(jpegBytesServed.get()).build()).build());
        };
    }

    private static CounterSnapshot.Builder counter(String name, String help) {
        return CounterSnapshot.builder().name(name).help(help);
    }

    private static CounterSnapshot.CounterDataPointSnapshot point(Labels l, long v) {
        return CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(v).build();
    }

    /**
     * Stops the render thread: pictures queued are still made (snapshot files written), for at most 10 s; returns when
     * the thread has ended. Idempotent.
     */
    @Override
    public void close() throws InterruptedException {
        if (!closed.compareAndSet(false, true)) return;
        renderer.shutdown();
        if (!renderer.awaitTermination(10, TimeUnit.SECONDS)) {
            LOG.warn("view stage {}: the render thread did not finish within 10 s; stopping it", name);
            renderer.shutdownNow();
        }
        List<String> alive = renderThread.join(Duration.ofSeconds(10));
        if (!alive.isEmpty()) LOG.warn("view stage {}: {} still alive 10 s after the render pool ended", name, alive);
        if (gpu != null) gpu.close();
    }
}
