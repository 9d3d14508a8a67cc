package dev.vahost.pipelines.view;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import dev.vahost.gst.VideoInfo;
import dev.vahost.ops.HostImage;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;
import dev.vahost.pipelines.stage.OwnedThreads;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageBatch;
import dev.vahost.pipelines.stage.StageFrame;
import dev.vahost.pipelines.stage.StageRunner;

/**
 * The {@code rtsp-out} stage: one chosen stream's frames with their boxes, labels and zones drawn
 * ({@link Osd}), encoded to H.264 (x264enc; nvh264enc where it is registered: {@link RtspServer#chooseEncoder})
 * and served over RTSP by an in-process server ({@link RtspServer}) at {@code rtsp://HOST:PORT/STREAM}.
 * <ul>
 * <li><b>Only the chosen stream pays</b>, and only while a client plays it: then each of its frames
 *     is copied ({@link FrameCopies}) on the batch thread and handed to a render thread of its own
 *     (RGB, OSD, push to the encoder). Other streams, and the chosen one with no client, are not copied
 *     nor kept: {@link #needsFrames(String)} lets their frames go back to the decoders before the
 *     stages run.</li>
 * <li><b>Which frames</b>: those that went through the detector, each with its own boxes. A stage sees
 *     nothing else: when the detector is slower than the cameras, the batcher drops the oldest frames
 *     before any stage runs ({@code dropped} in /streams), and the stream served runs at the rate the
 *     detector keeps for it. Measured on a 2-core machine (CPU path, two 320x240 15-fps cameras, the
 *     built-in detector): 2.4-6.8 of the 15 frames a second; with {@code --model none}, 152 of 152 frames
 *     in 10 s. The encoder and the server lose nothing of what is pushed (the same runs: every pushed
 *     frame left x264enc and rtph264pay and was decoded by the client).</li>
 * <li><b>Never blocks the batch thread</b>: with {@value #QUEUE} frames waiting for the render thread,
 *     or {@value RtspServer#MAX_QUEUED} pictures waiting for the encoder, a frame is dropped and counted
 *     ({@code vahost_rtsp_out_dropped_total}).</li>
 * <li><b>Timestamps</b>: the camera's intervals within a burst of frames (a batch), the arrival time
 *     otherwise ({@link RtspServer#timestamp}); the caps carry the stream's frame rate (CPU path).</li>
 * </ul>
 *
 * <p>GPU path (NOT yet run on a GPU): the frame is copied device to host with a counted copy
 * ({@link FrameCopies#ofDeviceFrame}, in {@code vahost_transfer_bytes_to_host_total}) and drawn and
 * encoded on the CPU the same way; the frame rate is not known there (caps say 0/1: variable). The H200
 * has no NVENC, so x264enc is the encoder there too.
 */
public final class RtspOutStage implements Stage {
    private static final Logger LOG = LoggerFactory.getLogger(RtspOutStage.class);
    /**
     * Frames that may wait for the render thread. A batch brings up to {@code --queue} (default 4)
     * frames of the stream at once when the detector is behind the cameras; with room for 2, the
     * third and later frames of each batch were dropped here (measured with the defaults, batch 16:
     * 21 of 27 frames copied were dropped). Room for two such batches; at 1080p that is 8 I420 copies,
     * 25 MB.
     */
    static final int QUEUE = 8;

    private record Job(HostImage frame, List<FrameResult.Detection> detections, List<AnalyticsFactory.Figure> figures, long frameNumber, long ptsNanos) {}

    private final String name, streamId;
    private final RtspServer server;
    private final ThreadPoolExecutor renderer;
    private final OwnedThreads renderThread;
    private final AtomicLong copied = new AtomicLong(), renderBehind = new AtomicLong(), bytesToHost = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private boolean configured; // batch thread only

    RtspOutStage(String name, String streamId, RtspServer server) {
        this.name = name;
        this.streamId = streamId;
        this.server = server;
        this.renderThread = new OwnedThreads("rtsp-out-render-" + streamId);
        this.renderer = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), renderThread,
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** The first rtsp-out stage among a service's stages, or null. */
    public static RtspOutStage find(StageRunner stages) {
        for (StageRunner.Named n : stages.stages()) if (n.stage() instanceof RtspOutStage r) return r;
        return null;
    }

    public String streamId() {
        return streamId;
    }

    /** The URL clients play, with {@code host} for the listening address when it is a wildcard. */
    public String url(String host) {
        return server.url(host);
    }

    /** The port the server listens on. */
    public int port() {
        return server.port();
    }

    /** The address the server listens on. */
    public String address() {
        return server.address();
    }

    /** The H.264 encoder element: nvh264enc where it is registered, else x264enc (the H200 has no NVENC). */
    public String encoder() {
        return server.encoder();
    }

    /** Pictures that went to the encoder. */
    public long pushed() {
        return server.pushed();
    }

    /** Frames dropped: the render thread or the encoder was behind. */
    public long dropped() {
        return renderBehind.get() + server.encoderBehind();
    }

    /** Frames copied (only the chosen stream's, only while a client plays). */
    public long copied() {
        return copied.get();
    }

    @Override
    public boolean needsFrames() {
        return true;
    }

    /**
     * The chosen stream's frames while a client plays, and until its first frame has been seen (the
     * launch line needs the picture's size and rate); no other stream's (they go back to their
     * decoders right after preprocessing). Asked on the batch thread, like {@link #process}.
     */
    @Override
    public boolean needsFrames(String id) {
        return streamId.equals(id) && (!configured || server.playing());
    }

    @Override
    public void process(StageBatch batch) {
        boolean synced = false;
        for (StageFrame f : batch.frames()) {
            if (!f.streamId().equals(streamId)) continue; // the cost for every other stream
            if (!configured) {
                // The launch line needs the picture's size and rate: clients are answered from the first frame on.
                if (!batch.gpu() && !f.hasFrame()) continue; // its frame was given back (asked before this stage existed)
                if (batch.gpu()) {
                    server.configure(f.width(), f.height(), 0, 1);
                } else {
                    VideoInfo info = f.videoFrame().info();
                    server.configure(info.width(), info.height(), info.fpsN(), info.fpsD());
                }
                configured = true;
            }
            // A client that came after needsFrames(streamId) was asked finds no frame in this batch: from the next one on.
            if (!server.playing() || !f.hasFrame()) continue;
            if (renderer.getQueue().remainingCapacity() == 0) {
                renderBehind.incrementAndGet();
                continue;
            }
            HostImage copy;
            try {
                if (batch.gpu()) {
                    copy = FrameCopies.ofDeviceFrame(f.deviceFrame(), batch.cudaStream(), !synced);
                    synced = true;
                    bytesToHost.addAndGet(FrameCopies.nv12Bytes(copy.width(), copy.height()));
                } else {
                    copy = FrameCopies.ofSystemFrame(f.videoFrame());
                }
            } catch (RuntimeException e) {
                LOG.warn("stream {}: frame {} cannot be copied for RTSP out: {}", streamId, f.frameNumber(), e.toString());
                continue;
            }
            copied.incrementAndGet();
            List<AnalyticsFactory.Figure> figures = f.meta().get(AnalyticsFactory.FIGURES);
            Job job = new Job(copy, List.copyOf(f.detections()), figures == null ? List.of() : figures, f.frameNumber(), f.ptsNanos());
            try {
                renderer.execute(() -> render(job));
            } catch (RejectedExecutionException e) {
                renderBehind.incrementAndGet();
            }
        }
    }

    /** On the render thread: RGB, OSD, to the encoder. */
    private void render(Job j) {
        try {
            RgbImage img = RgbImage.of(j.frame());
            Osd.draw(img, j.detections(), j.figures());
            server.push(img, j.ptsNanos());
        } catch (RuntimeException e) {
            LOG.warn("stream {}: frame {} cannot be drawn for RTSP out: {}", streamId, j.frameNumber(), e.toString());
        }
    }

    @Override
    public MultiCollector metrics() {
        return () -> {
            Labels l = Labels.of("stream", streamId);
            return MetricSnapshots.of(
                    CounterSnapshot.builder().name("vahost_rtsp_out_frames_total").help("Annotated frames sent to the RTSP encoder")
                            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(server.pushed()).build()).build(),
                    CounterSnapshot.builder().name("vahost_rtsp_out_dropped_total")
                            .help("Frames of the RTSP out stream dropped because drawing or the encoder was behind")
                            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(dropped()).build()).build(),
                    CounterSnapshot.builder().name("vahost_rtsp_out_bytes_to_host_total")
                            .help("Frame bytes copied device to host for RTSP out (GPU path; 0 on the CPU path)")
                            .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(l).value(bytesToHost.get()).build()).build(),
                    GaugeSnapshot.builder().name("vahost_rtsp_out_encoder_info").help("1, labelled with the H.264 encoder element of the RTSP out stream")
                            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("stream", streamId, "encoder", encoder())).value(1)
                                    .build()).build(),
                    GaugeSnapshot.builder().name("vahost_rtsp_out_playing").help("1 while an RTSP client plays the stream")
                            .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(l).value(server.playing() ? 1 : 0).build()).build());
        };
    }

    /** Stops the render thread (at most 10 s) and waits until it has ended, then the server (clients, loop thread, appsrc). Idempotent. */
    @Override
    public void close() throws InterruptedException {
        if (!closed.compareAndSet(false, true)) return;
        try {
            renderer.shutdown();
            if (!renderer.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("rtsp-out stage {}: the render thread did not finish within 10 s; stopping it", name);
                renderer.shutdownNow();
            }
            List<String> alive = renderThread.join(Duration.ofSeconds(10));
            if (!alive.isEmpty()) LOG.warn("rtsp-out stage {}: {} still alive 10 s after the render pool ended", name, alive);
        } finally {
            server.close();
            LOG.info("stream {}: RTSP out closed: {} frames copied, {} encoded, {} dropped ({} with the render thread behind, {} with the"
                    + " encoder behind)", streamId, copied.get(), server.pushed(), dropped(), renderBehind.get(), server.encoderBehind());
        }
    }
}
