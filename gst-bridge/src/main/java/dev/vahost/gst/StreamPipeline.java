package dev.vahost.gst;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.message.MessageType;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.StateChangeReturn;
import org.freedesktop.gstreamer.glib.GError;
import org.freedesktop.gstreamer.glib.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.gst.internal.BusErrors;
import dev.vahost.gst.internal.CapsParser;
import dev.vahost.gst.internal.DecoderGuard;
import dev.vahost.gst.lowlevel.GstAppNative;
import dev.vahost.gst.lowlevel.GstNative;

/**
 * One stream: a GStreamer pipeline built from a launch string, ending in an appsink, with one Java
 * thread that pulls its frames through direct-mapped JNA and hands them to a {@link FrameListener}.
 *
 * <p>Lifecycle calls run on the GStreamer executor and may be called from any thread, including a
 * listener. A failure of this stream (an ERROR on its bus, a failed start, input its decoder would
 * crash on: see {@link dev.vahost.gst.internal.DecoderGuard}) marks it
 * {@link StreamState#FAILED} and brings its pipeline to NULL; it never affects other streams.
 *
 * <pre>{@code
 * try (StreamPipeline p = StreamPipeline.fromLaunch("cam0", "videotestsrc ! appsink name=sink")) {
 *     p.start(frame -> { try (frame) { use(frame.map()); } });
 *     ...
 * }
 * }</pre>
 */
public final class StreamPipeline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamPipeline.class);
    private static final AtomicLong LIVE_SAMPLES = new AtomicLong();

    private final String streamId;
    private final String launch;
    private final PipelineOptions options;
    private final Pipeline pipeline;
    private final Element appsink;
    private final long appsinkHandle;
    private final List<PipelineListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<StreamState> state = new AtomicReference<>(StreamState.CREATED);
    private final AtomicReference<PipelineError> lastError = new AtomicReference<>();
    private final Object lifecycle = new Object();
    private final Semaphore slots;
    private final ArrayBlockingQueue<Memory> mapInfos;
    private final AtomicLong pulled = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong listenerErrors = new AtomicLong();
    private final AtomicLong capsChanges = new AtomicLong();
    private final AtomicLong invalid = new AtomicLong();
    private final CountDownLatch pullerDone = new CountDownLatch(1);
    private final FrameOwner frameOwner = new FrameOwner();
    private final DecoderGuard decoderGuard;
    private final Bus bus;
    private volatile boolean stopRequested;
    private Thread puller; // guarded by lifecycle

    private StreamPipeline(String streamId, String launch, PipelineOptions options, Pipeline pipeline, Element appsink) {
        this.streamId = streamId;
        this.launch = launch;
        this.options = options;
        this.pipeline = pipeline;
        this.appsink = appsink;
        this.appsinkHandle = Pointer.nativeValue(Natives.getRawPointer(appsink));
        this.slots = new Semaphore(options.maxFramesInFlight());
        this.mapInfos = new ArrayBlockingQueue<>(options.maxFramesInFlight());
        for (int i = 0; i < options.maxFramesInFlight(); i++) {
            mapInfos.add(new Memory(GstNative.SIZEOF_GST_MAP_INFO));
        }
        Bus bus = pipeline.getBus();
        this.bus = bus;
        // One listener, and the message's wrapper released as soon as it was read: each wrapper holds a
        // reference to its message, and the message one to its source (the pipeline, an element), so
        // wrappers left to the garbage collector kept closed pipelines alive, with their buses' sockets
        // and their decoders (no STATE_CHANGED listener either: it wraps every element that posts one).
        bus.connect((Bus.MESSAGE) (b, message) -> {
            try {
                MessageType t = message.getType();
                if (t == MessageType.ERROR || t == MessageType.WARNING) {
                    PipelineError e = BusErrors.parse(streamId, message, t == MessageType.ERROR);
                    if (t == MessageType.ERROR) {
                        fail(e);
                    } else {
                        LOG.warn("{}", e);
                        notifyListeners(l -> l.onWarning(streamId, e.source(), e.message()));
                    }
                }
            } finally {
                message.dispose();
            }
        });
        // Input a decoder would crash the process on fails this stream instead (e.g. 10-bit H.265 on libde265dec).
        this.decoderGuard = DecoderGuard.install(pipeline, streamId, this::fail);
    }

    /** Builds a stream from a launch string with default options. */
    public static StreamPipeline fromLaunch(String streamId, String launch) {
        return fromLaunch(streamId, launch, PipelineOptions.defaults());
    }

    /**
     * Builds a stream from a launch string. The pipeline is not started: {@link #nativeHandle()} may
     * be used to set a context on it first.
     *
     * @throws LaunchStringException when the string does not parse, names an element that is not
     *                               installed, cannot link, or has no appsink
     */
    public static StreamPipeline fromLaunch(String streamId, String launch, PipelineOptions options) {
        Objects.requireNonNull(streamId, "streamId");
        Objects.requireNonNull(options, "options");
        if (launch == null || launch.isBlank()) {
            throw new LaunchStringException(LaunchStringException.Kind.EMPTY, streamId, String.valueOf(launch),
                    "empty launch string");
        }
        GstRuntime.init();
        return GstRuntime.call(() -> build(streamId, launch, options));
    }

    private static StreamPipeline build(String streamId, String launch, PipelineOptions options) {
        List<GError> errors = new ArrayList<>();
        Element top;
        try {
            top = org.freedesktop.gstreamer.Gst.parseLaunch(launch, errors);
        } catch (org.freedesktop.gstreamer.GstException e) {
            int code = errors.isEmpty() ? 0 : errors.get(0).getCode();
            throw new LaunchStringException(LaunchStringException.Kind.ofParseErrorCode(code), streamId, launch,
                    e.getMessage());
        }
        if (!errors.isEmpty()) {
            // A "recoverable" parse error (missing element, bad property) still returns a partial
            // pipeline; running it would only fail later and more obscurely.
            GError e = errors.get(0);
            top.dispose();
            throw new LaunchStringException(LaunchStringException.Kind.ofParseErrorCode(e.getCode()), streamId, launch,
                    e.getMessage());
        }
        Pipeline pipeline;
        if (top instanceof Pipeline p) {
            pipeline = p;
        } else {
            pipeline = new Pipeline("stream-" + streamId);
            pipeline.add(top);
        }
        Element sink;
        try {
            sink = findAppsink(pipeline, options.appsinkName(), streamId, launch);
        } catch (RuntimeException e) {
            pipeline.dispose();
            throw e;
        }
        sink.set("max-buffers", options.maxBuffers());
        sink.set("drop", false);
        sink.set("sync", false);
        sink.set("emit-signals", false);
        // basesink keeps the last sample by default: one more frame held per stream, for nothing.
        sink.set("enable-last-sample", false);
        sink.set("qos", false);
        return new StreamPipeline(streamId, launch, options, pipeline, sink);
    }

    private static Element findAppsink(Bin bin, String name, String streamId, String launch) {
        Element byName = bin.getElementByName(name);
        if (byName != null) {
            if (!"appsink".equals(byName.getFactory().getName())) {
                throw new LaunchStringException(LaunchStringException.Kind.NO_APPSINK, streamId, launch,
                        "element '" + name + "' is a " + byName.getFactory().getName() + ", not an appsink");
            }
            return byName;
        }
        List<Element> sinks = new ArrayList<>();
        for (Element e : bin.getElementsRecursive()) {
            if ("appsink".equals(e.getFactory().getName())) {
                sinks.add(e);
            }
        }
        if (sinks.size() == 1) {
            return sinks.get(0);
        }
        throw new LaunchStringException(LaunchStringException.Kind.NO_APPSINK, streamId, launch, sinks.isEmpty()
                ? "no appsink to pull frames from (end the launch string with 'appsink name=" + name + "')"
                : sinks.size() + " appsinks and none named '" + name + "'");
    }

    public String streamId() {
        return streamId;
    }

    public String launch() {
        return launch;
    }

    public StreamState state() {
        return state.get();
    }

    /** The last ERROR this stream's pipeline posted, or null. */
    public PipelineError lastError() {
        return lastError.get();
    }

    /** The GstPipeline* (borrowed; valid until close), e.g. to set a CUDA context before start. */
    public long nativeHandle() {
        return Pointer.nativeValue(Natives.getRawPointer(pipeline));
    }

    public StreamStats stats() {
        return new StreamStats(pulled.get(), dropped.get(),
                options.maxFramesInFlight() - slots.availablePermits(), listenerErrors.get(), capsChanges.get(), invalid.get());
    }

    /** Samples pulled by any stream in this process and not yet released: a leak counter for tests. */
    public static long liveSamples() {
        return LIVE_SAMPLES.get();
    }

    public void addListener(PipelineListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    public void removeListener(PipelineListener l) {
        listeners.remove(l);
    }

    /**
     * Sets the pipeline PLAYING and starts the pull thread.
     *
     * @throws PipelineException when the state change fails (with GStreamer's error, e.g. a missing file)
     */
    public void start(FrameListener frames) {
        Objects.requireNonNull(frames, "frames");
        synchronized (lifecycle) {
            StreamState s = state.get();
            if (s == StreamState.PAUSED) {
                resume();
                return;
            }
            if (s != StreamState.CREATED) {
                throw new IllegalStateException("stream " + streamId + ": cannot start in state " + s);
            }
            StateChangeReturn r = GstRuntime.call(() -> pipeline.setState(State.PLAYING));
            if (r == StateChangeReturn.FAILURE) {
                GstRuntime.drainExecutor(); // bus messages posted during the change have now been handled
                PipelineError e = lastError.get();
                GstRuntime.call(() -> pipeline.setState(State.NULL));
                transition(StreamState.FAILED);
                throw new PipelineException(streamId, "could not start: "
                        + (e != null ? e.describe() : "state change to PLAYING failed"));
            }
            puller = new Thread(() -> pullLoop(frames), "pull-" + streamId);
            puller.setDaemon(true);
            puller.start();
            transitionUnlessTerminal(StreamState.PLAYING);
        }
    }

    public void pause() {
        synchronized (lifecycle) {
            if (state.get() != StreamState.PLAYING) {
                throw new IllegalStateException("stream " + streamId + ": cannot pause in state " + state.get());
            }
            GstRuntime.call(() -> pipeline.setState(State.PAUSED));
            transitionUnlessTerminal(StreamState.PAUSED);
        }
    }

    private void resume() {
        GstRuntime.call(() -> pipeline.setState(State.PLAYING));
        transitionUnlessTerminal(StreamState.PLAYING);
    }

    /**
     * Stops pulling and brings the pipeline to NULL. Frames already delivered stay valid until closed.
     * Idempotent; a no-op once the stream has ended.
     */
    public void stop() {
        synchronized (lifecycle) {
            stopRequested = true;
            joinPuller();
            if (state.get() != StreamState.CLOSED) {
                GstRuntime.call(() -> pipeline.setState(State.NULL));
            }
            if (!state.get().isTerminal()) {
                transition(StreamState.STOPPED);
            }
        }
    }

    /** Waits until the pull thread has delivered its last frame (EOS, failure or stop). */
    public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
        synchronized (lifecycle) {
            if (puller == null) {
                return state.get().isTerminal();
            }
        }
        return pullerDone.await(timeout, unit);
    }

    /** Stops and disposes the pipeline. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (state.get() == StreamState.CLOSED) {
                return;
            }
            stop();
            decoderGuard.close();
            GstRuntime.call(() -> {
                // The bus wrapper (with our listener on it) holds the bus, and with it the bus's sockets,
                // until the collector runs, and the appsink wrapper keeps the pipeline's native objects too: let
                // both go now. Other element wrappers are left to gst1-java-core:
                // disposing them here as well (toggle references) crashed a later collection
                // (SIGSEGV in gst_element_remove_pad on its reaper thread, in FaultFuzzTest).
                try {
                    bus.dispose();
                    appsink.dispose();
                } catch (RuntimeException e) {
                    LOG.debug("stream {}: releasing the bus wrapper: {}", streamId, e.getMessage());
                }
                pipeline.dispose();
                return null;
            });
            transition(StreamState.CLOSED);
        }
    }

    private void joinPuller() {
        Thread t = puller;
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        try {
            t.join(10_000 + options.pullTimeout().toMillis());
            if (t.isAlive()) {
                LOG.warn("stream {}: pull thread did not stop within 10 s (a frame listener is blocking)", streamId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pullLoop(FrameListener frames) {
        CapsParser caps = new CapsParser();
        long timeoutNs = options.pullTimeout().toNanos();
        long lastCaps = 0;
        try {
            while (!stopRequested && state.get() != StreamState.FAILED) {
                long sample = GstAppNative.gst_app_sink_try_pull_sample(appsinkHandle, timeoutNs);
                if (sample == 0) {
                    if (GstAppNative.gst_app_sink_is_eos(appsinkHandle) != 0) {
                        // A source that fails posts its ERROR and then sends EOS downstream; the
                        // ERROR's dispatch is queued on the executor by then, so let it run first.
                        GstRuntime.drainExecutor();
                        if (!stopRequested && transitionUnlessTerminal(StreamState.EOS)) {
                            notifyListeners(l -> l.onEos(streamId));
                        }
                        return;
                    }
                    continue;
                }
                LIVE_SAMPLES.incrementAndGet();
                long seq = pulled.getAndIncrement();
                if (!slots.tryAcquire()) {
                    dropped.incrementAndGet();
                    release(sample);
                    continue;
                }
                VideoFrame frame;
                try {
                    long c = GstNative.gst_sample_get_caps(sample);
                    VideoInfo info = caps.parse(c);
                    if (c != lastCaps) {
                        capsChanges.incrementAndGet();
                        lastCaps = c;
                        LOG.info("stream {}: caps {}", streamId, info);
                    }
                    long buffer = GstNative.gst_sample_get_buffer(sample);
                    String bad = mismatch(buffer, info);
                    if (bad != null) {
                        if (invalid.getAndIncrement() % 100 == 0) {
                            LOG.warn("stream {}: frame {} dropped: {} (dropped so far: {})", streamId, seq, bad, invalid.get());
                        }
                        slots.release();
                        release(sample);
                        continue;
                    }
                    frame = new VideoFrame(frameOwner, streamId, seq, sample, buffer, info);
                } catch (RuntimeException e) {
                    slots.release();
                    release(sample);
                    fail(new PipelineError(streamId, "appsink", e.getMessage(), -1, ""));
                    return;
                }
                try {
                    frames.onFrame(frame);
                } catch (Throwable t) {
                    listenerErrors.incrementAndGet();
                    if (frame.isClaimed()) {
                        // Handed on before the failure: its new owner (a queue, a DeviceFrame) may
                        // still read it, so closing it here would free memory in use.
                        LOG.error("stream {}: frame listener failed on frame {} after handing the frame on; "
                                + "its owner closes it", streamId, seq, t);
                    } else {
                        LOG.error("stream {}: frame listener failed on frame {}", streamId, seq, t);
                        frame.close();
                    }
                }
            }
        } finally {
            pullerDone.countDown();
        }
    }

    /**
     * Why a system-memory buffer cannot hold a frame of {@code info}, or null. Seen: libde265dec
     * pushes the last frames of the old size under the new caps after a resolution change; a
     * consumer reading them by the caps would read past the buffer.
     */
    static String mismatch(long buffer, VideoInfo info) {
        if (info.memory() != MemoryKind.SYSTEM) return null;
        long meta = dev.vahost.gst.lowlevel.GstVideoNative.gst_buffer_get_video_meta(buffer);
        if (meta != 0) {
            Pointer m = new Pointer(meta);
            int w = m.getInt(dev.vahost.gst.lowlevel.GstVideoNative.VIDEO_META_WIDTH);
            int h = m.getInt(dev.vahost.gst.lowlevel.GstVideoNative.VIDEO_META_HEIGHT);
            return w == info.width() && h == info.height() ? null
                    : "its video meta says " + w + "x" + h + ", its caps " + info.width() + "x" + info.height();
        }
        long size = GstNative.gst_buffer_get_size(buffer);
        return size >= info.size() ? null : "its buffer holds " + size + " bytes, a " + info.format() + " " + info.width() + "x"
                + info.height() + " frame needs " + info.size() + " (a frame of another size under these caps)";
    }

    private static void release(long sample) {
        GstNative.gst_mini_object_unref(sample);
        LIVE_SAMPLES.decrementAndGet();
    }

    private final class FrameOwner implements VideoFrame.Owner {
        @Override
        public Memory borrowMapInfo() {
            Memory m = mapInfos.poll();
            // Only frames in flight map, and there are as many blocks as slots: never empty.
            return m != null ? m : new Memory(GstNative.SIZEOF_GST_MAP_INFO);
        }

        @Override
        public void returnMapInfo(Memory m) {
            mapInfos.offer(m);
        }

        @Override
        public void frameClosed() {
            LIVE_SAMPLES.decrementAndGet();
            slots.release();
        }
    }

    /**
     * Fails this stream from the consumer side: a frame it cannot use (wrong memory, unsupported
     * format). The stream goes {@link StreamState#FAILED}, listeners hear the error, the pipeline is
     * brought to NULL; other streams are unaffected. A no-op once the stream has ended.
     */
    public void failWith(String source, String message) {
        fail(new PipelineError(streamId, source, message, -1, ""));
    }

    /** Marks the stream failed, tells listeners, and brings the pipeline down off the streaming thread. */
    private void fail(PipelineError error) {
        lastError.compareAndSet(null, error);
        boolean first = transitionUnlessTerminal(StreamState.FAILED);
        if (!first) {
            // Elements downstream of the first failure usually post follow-up errors; the first names the cause.
            LOG.debug("{} (after the stream had already ended)", error);
            return;
        }
        LOG.error("{}", error);
        notifyListeners(l -> l.onError(streamId, error));
        org.freedesktop.gstreamer.Gst.invokeLater(() -> {
            if (state.get() != StreamState.CLOSED) {
                pipeline.setState(State.NULL);
            }
        });
    }

    private void transition(StreamState next) {
        StreamState prev = state.getAndSet(next);
        if (prev != next) {
            notifyListeners(l -> l.onStateChanged(streamId, prev, next));
        }
    }

    /** Moves to {@code next} unless the stream already ended; true when it moved. */
    private boolean transitionUnlessTerminal(StreamState next) {
        while (true) {
            StreamState prev = state.get();
            if (prev.isTerminal()) {
                return false;
            }
            if (state.compareAndSet(prev, next)) {
                if (prev != next) {
                    notifyListeners(l -> l.onStateChanged(streamId, prev, next));
                }
                return true;
            }
        }
    }

    private void notifyListeners(java.util.function.Consumer<PipelineListener> call) {
        for (PipelineListener l : listeners) {
            try {
                call.accept(l);
            } catch (Throwable t) {
                LOG.error("stream {}: pipeline listener failed", streamId, t);
            }
        }
    }

    @Override
    public String toString() {
        return "StreamPipeline[" + streamId + " " + state.get() + "]";
    }
}
