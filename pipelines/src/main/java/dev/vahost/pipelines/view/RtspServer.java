package dev.vahost.pipelines.view;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.sun.jna.Callback;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.lowlevel.GstAppNative;
import dev.vahost.gst.lowlevel.GstNative;
import dev.vahost.gst.synth.SyntheticClip;

/**
 * One in-process RTSP server (GStreamer's libgstrtspserver-1.0) serving one mount: pictures pushed
 * by {@link #push} go through {@code appsrc ! videoconvert ! x264enc ! rtph264pay} to every client of
 * {@code rtsp://ADDRESS:PORT/MOUNT}. The media is shared: one encoder whatever the number of clients;
 * it is built when the first client asks (DESCRIBE) and torn down after the last one leaves.
 *
 * <p>Threads: a GLib main loop of its own ({@code rtsp-out-ID}, on a {@code GMainContext} of its own)
 * runs the server's sockets and clients; the media's pipeline has its streaming threads. Nothing here
 * blocks the caller of {@link #push}: a picture the encoder is not ready for is dropped and counted.
 * {@link #close()} removes the clients and sessions, stops the loop, joins its thread and releases
 * every native object; idempotent.
 */
final class RtspServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RtspServer.class);
    /** H.264 on the CPU (gstreamer1.0-plugins-ugly): the encoder wherever nvh264enc is not registered. */
    static final String X264 = "x264enc";
    /** NVENC through GStreamer's nvcodec: registered only where a GPU has NVENC (not the H100/H200, which have none). */
    static final String NVENC = "nvh264enc";
    /**
     * Pictures waiting in the appsrc beyond which the encoder counts as behind. A batch's burst of the
     * stream's frames (up to {@code --queue}, default 4) is pushed within a few ms and encoded one by
     * one: with 2, the last of a burst of 4 was dropped on a loaded 2-core machine (5 of 44 in 10 s).
     * At 1080p, 4 BGRx pictures are 33 MB.
     */
    static final int MAX_QUEUED = 4;

    /** Direct-mapped libgstrtspserver-1.0 (gst/rtsp-server/*.h, GStreamer 1.22). */
    static final class Lib {
        static {
            Native.register(Lib.class, NativeLibrary.getInstance("gstrtspserver-1.0"));
        }

        private Lib() {}

        static native long gst_rtsp_server_new();

        static native void gst_rtsp_server_set_address(long server, String address);

        static native void gst_rtsp_server_set_service(long server, String service);

        static native int gst_rtsp_server_get_bound_port(long server);

        /** transfer full */
        static native long gst_rtsp_server_get_mount_points(long server);

        /** transfer full */
        static native long gst_rtsp_server_get_session_pool(long server);

        /** guint gst_rtsp_server_attach(GstRTSPServer*, GMainContext*): 0 on failure. */
        static native int gst_rtsp_server_attach(long server, long context);

        /** GList* (transfer full) gst_rtsp_server_client_filter(server, func, user_data). */
        static native long gst_rtsp_server_client_filter(long server, FilterFunc func, long data);

        static native long gst_rtsp_session_pool_filter(long pool, FilterFunc func, long data);

        static native long gst_rtsp_media_factory_new();

        static native void gst_rtsp_media_factory_set_launch(long factory, String launch);

        static native void gst_rtsp_media_factory_set_shared(long factory, int shared);

        /** GstElement* (transfer full) gst_rtsp_media_get_element(GstRTSPMedia*). */
        static native long gst_rtsp_media_get_element(long media);

        /** the factory: transfer full */
        static native void gst_rtsp_mount_points_add_factory(long mounts, String path, long factory);
    }

    /** Direct-mapped libglib-2.0 and libgobject-2.0 (glib.h, glib-object.h). */
    static final class GLib {
        static {
            Native.register(GLib.class, NativeLibrary.getInstance("glib-2.0"));
        }

        private GLib() {}

        static native long g_main_context_new();

        static native void g_main_context_unref(long context);

        static native long g_main_context_find_source_by_id(long context, int id);

        static native void g_source_destroy(long source);

        static native long g_main_loop_new(long context, int running);

        static native void g_main_loop_run(long loop);

        static native void g_main_loop_quit(long loop);

        static native void g_main_loop_unref(long loop);

        static native int g_main_loop_is_running(long loop);

        static native void g_list_free(long list);
    }

    static final class GObject {
        static {
            Native.register(GObject.class, NativeLibrary.getInstance("gobject-2.0"));
        }

        private GObject() {}

        static native long g_object_ref(long o);

        static native void g_object_unref(long o);

        /** gulong g_signal_connect_data(instance, detailed_signal, c_handler, data, destroy_data, connect_flags). */
        static native long g_signal_connect_data(long instance, String signal, Callback handler, long data, long destroy, int flags);

        static native void g_signal_handler_disconnect(long instance, long handlerId);
    }

    static final class Gst {
        static {
            Native.register(Gst.class, NativeLibrary.getInstance("gstreamer-1.0"));
        }

        private Gst() {}

        /** GstElement* (transfer full) gst_bin_get_by_name(GstBin*, const gchar*). */
        static native long gst_bin_get_by_name(long bin, String name);

        /** GstElementFactory* (transfer full), or NULL. */
        static native long gst_element_factory_find(String name);

        /** GstClock* (transfer full) gst_element_get_clock(GstElement*): NULL until the pipeline has chosen its clock. */
        static native long gst_element_get_clock(long element);

        static native long gst_element_get_base_time(long element);

        static native long gst_clock_get_time(long clock);

        static native void gst_object_unref(long o);
    }

    static final class App {
        static {
            Native.register(App.class, NativeLibrary.getInstance("gstapp-1.0"));
        }

        private App() {}

        static native long gst_app_src_get_current_level_bytes(long appsrc);
    }

    /** void (*)(GstRTSPMediaFactory*, GstRTSPMedia*, gpointer): the factory's "media-configure" signal. */
    interface MediaConfigure extends Callback {
        void invoke(long factory, long media, long data);
    }

    /** void (*)(GstRTSPMedia*, gpointer): the media's "unprepared" signal. */
    interface MediaUnprepared extends Callback {
        void invoke(long media, long data);
    }

    /** GstRTSPFilterResult (*)(owner, GstRTSPClient* or GstRTSPSession*, gpointer). */
    interface FilterFunc extends Callback {
        int invoke(long owner, long item, long data);
    }

    private static final int GST_RTSP_FILTER_REMOVE = 0, GST_FLOW_OK = 0;
    private static final FilterFunc REMOVE_ALL = (owner, item, data) -> GST_RTSP_FILTER_REMOVE;

    private final String streamId, mount, address, encoder;
    private final int port;
    private long server, context, loop, factory, handler;
    private final int sourceId;
    private final Thread loopThread;
    private final CountDownLatch loopEnded = new CountDownLatch(1);
    private final MediaConfigure onMediaConfigure = this::mediaConfigured; // held: the native side calls them
    private final MediaUnprepared onMediaUnprepared = this::mediaUnprepared;
    private final Object lock = new Object();
    private long appsrc, media; // under lock; 0 while no client plays (media: not a reference, only compared)
    private volatile boolean playing;
    private String launchCaps; // under lock: the caps the launch line was made for
    private final Memory mapInfo = new Memory(GstNative.SIZEOF_GST_MAP_INFO); // under lock
    private final AtomicLong pushed = new AtomicLong(), encoderBehind = new AtomicLong(), medias = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Starts the server: it listens at once; clients are answered after the first {@link #push}
     * (the picture size is needed for the launch line).
     *
     * @param address where to listen ({@code 127.0.0.1}, {@code 0.0.0.0})
     * @param port    0 = any free port ({@link #port()} says which)
     * @throws IllegalStateException when the library or an element is missing, or the port cannot be bound
     */
    RtspServer(String streamId, String address, int port) {
        GstRuntime.init();
        this.encoder = chooseEncoder();
        for (String e : new String[] {"appsrc", "videoconvert", encoder, "rtph264pay"}) {
            if (!installed(e)) throw new IllegalStateException("stream " + streamId + ": RTSP out needs the GStreamer element " + e + ", which is not installed");
        }
        this.streamId = streamId;
        this.mount = "/" + streamId;
        this.address = address;
        server = Lib.gst_rtsp_server_new();
        Lib.gst_rtsp_server_set_address(server, address);
        Lib.gst_rtsp_server_set_service(server, Integer.toString(port));
        factory = Lib.gst_rtsp_media_factory_new();
        Lib.gst_rtsp_media_factory_set_shared(factory, 1);
        handler = GObject.g_signal_connect_data(factory, "media-configure", onMediaConfigure, 0, 0, 0);
        GObject.g_object_ref(factory); // ours, besides the mount points' (add_factory takes one)
        long mounts = Lib.gst_rtsp_server_get_mount_points(server);
        Lib.gst_rtsp_mount_points_add_factory(mounts, mount, factory);
        GObject.g_object_unref(mounts);
        context = GLib.g_main_context_new();
        sourceId = Lib.gst_rtsp_server_attach(server, context);
        if (sourceId == 0) {
            release();
            throw new IllegalStateException("stream " + streamId + ": the RTSP server cannot listen on " + address + ":" + port
                    + " (in use, or not an address of this host)");
        }
        this.port = Lib.gst_rtsp_server_get_bound_port(server);
        loop = GLib.g_main_loop_new(context, 0);
        long l = loop;
        loopThread = new Thread(() -> {
            try {
                GLib.g_main_loop_run(l);
            } finally {
                loopEnded.countDown();
            }
        }, "rtsp-out-" + streamId);
        loopThread.setDaemon(true);
        loopThread.start();
    }

    int port() {
        return port;
    }

    /** The H.264 encoder element ({@link #chooseEncoder}). */
    String encoder() {
        return encoder;
    }

    /** {@value #NVENC} where it is registered, else {@value #X264}. */
    static String chooseEncoder() {
        GstRuntime.init();
        return installed(NVENC) ? NVENC : X264;
    }

    private static boolean installed(String element) {
        long f = Gst.gst_element_factory_find(element);
        if (f == 0) return false;
        Gst.gst_object_unref(f);
        return true;
    }

    /** The launch fragment from raw video to H.264 with {@code encoder}, a key frame (an entry point for clients) every {@code keyInt} pictures. */
    static String encode(String encoder, int keyInt) {
        return switch (encoder) {
            // I420, else x264 picks 4:4:4, which baseline decoders refuse; zerolatency: no lookahead, no B-frames.
            case X264 -> "videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" + keyInt;
            // NOT RUN ANYWHERE YET: no machine this project has used has NVENC. From system memory (nvh264enc uploads);
            // zerolatency: no reordering delay.
            case NVENC -> "videoconvert ! video/x-raw,format=NV12 ! nvh264enc preset=low-latency-hq zerolatency=true gop-size=" + keyInt;
            default -> throw new IllegalArgumentException("encoder: expected " + X264 + " or " + NVENC + ", got " + encoder);
        };
    }

    String url(String host) {
        return "rtsp://" + host + ":" + port + mount;
    }

    String address() {
        return address;
    }

    /** Whether a client plays the stream now (its media is built): only then are pictures worth making. */
    boolean playing() {
        return playing;
    }

    long pushed() {
        return pushed.get();
    }

    /** Pictures dropped because the encoder had {@value #MAX_QUEUED} waiting. */
    long encoderBehind() {
        return encoderBehind.get();
    }

    /** Medias built so far (one per run of clients). */
    long medias() {
        return medias.get();
    }

    /** On the loop thread: a client asked for the stream and its media's pipeline is built. */
    private void mediaConfigured(long f, long media, long data) {
        try {
            long element = Lib.gst_rtsp_media_get_element(media);
            long src = element == 0 ? 0 : Gst.gst_bin_get_by_name(element, "src");
            if (element != 0) Gst.gst_object_unref(element);
            if (src == 0) {
                LOG.warn("stream {}: RTSP out: the media has no appsrc named src", streamId);
                return;
            }
            GObject.g_signal_connect_data(media, "unprepared", onMediaUnprepared, 0, 0, 0);
            synchronized (lock) {
                if (appsrc != 0) Gst.gst_object_unref(appsrc);
                appsrc = src;
                this.media = media;
                lastNow = lastPts = lastCameraPts = -1; // a new pipeline: its running time starts again
                playing = true;
            }
            medias.incrementAndGet();
            LOG.info("stream {}: RTSP out: a client plays {}", streamId, mount);
        } catch (Throwable t) { // nothing crosses the native callback
            LOG.warn("stream {}: RTSP out: media-configure failed: {}", streamId, t.toString());
        }
    }

    /** The last client left (or the server closes): the media's pipeline is stopped; wait for the next client. */
    private void mediaUnprepared(long m, long data) {
        try {
            synchronized (lock) {
                if (m != media) return;
                if (appsrc != 0) Gst.gst_object_unref(appsrc);
                appsrc = 0;
                media = 0;
                playing = false;
            }
            LOG.info("stream {}: RTSP out: no client plays {} any more", streamId, mount);
        } catch (Throwable t) {
            LOG.warn("stream {}: RTSP out: unprepared failed: {}", streamId, t.toString());
        }
    }

    /**
     * Sets the launch line for pictures of this size and frame rate ({@code fpsN/fpsD}, 0/1: variable);
     * until then clients are refused. Only the first call counts: pictures of another size are dropped.
     */
    void configure(int width, int height, int fpsN, int fpsD) {
        synchronized (lock) {
            if (closed.get() || launchCaps != null) return;
            launchCaps = caps(width, height);
            String caps = launchCaps + ",framerate=" + fpsN + "/" + fpsD;
            // A live appsrc, timestamped by push() (see timestamp()); a key frame every second. The queue after the
            // encoder: the server's sink waits for each picture's time (up to MAX_LEAD_NANOS for a burst spread at its
            // camera interval); without it that wait held the encoder, and the appsrc, whose fill level says when the
            // encoder is behind.
            Lib.gst_rtsp_media_factory_set_launch(factory, "( appsrc name=src is-live=true format=time do-timestamp=false caps=" + caps
                    + " ! " + encode(encoder, fpsN > 0 && fpsD > 0 ? Math.max(1, Math.round((float) fpsN / fpsD)) : 30)
                    + " ! queue ! rtph264pay name=pay0 pt=96 config-interval=1 )");
            LOG.info("stream {}: RTSP out encodes {} with {}", streamId, caps, encoder);
        }
    }

    boolean configured() {
        synchronized (lock) {
            return launchCaps != null;
        }
    }

    private static String caps(int width, int height) {
        return "video/x-raw,format=BGRx,width=" + width + ",height=" + height;
    }

    /**
     * Hands one annotated picture to the encoder; never blocks. Dropped (and counted) when the encoder
     * has {@value #MAX_QUEUED} pictures waiting; dropped when no client plays, its size is not the
     * one {@link #configure}d, or the media's pipeline is not playing yet (it has no clock).
     *
     * @param cameraPts the frame's presentation time from its camera (ns; negative: unknown), for {@link #timestamp}
     * @return whether it went to the encoder
     */
    boolean push(RgbImage img, long cameraPts) {
        synchronized (lock) {
            if (closed.get() || !caps(img.width(), img.height()).equals(launchCaps)) return false;
            if (appsrc == 0) return false;
            if (App.gst_app_src_get_current_level_bytes(appsrc) >= (long) MAX_QUEUED * img.width() * img.height() * 4) {
                encoderBehind.incrementAndGet();
                return false;
            }
            long clock = Gst.gst_element_get_clock(appsrc);
            if (clock == 0) return false; // not playing yet
            long now = Gst.gst_clock_get_time(clock) - Gst.gst_element_get_base_time(appsrc);
            Gst.gst_object_unref(clock);
            long pts = timestamp(now, cameraPts, lastNow, lastPts, lastCameraPts);
            int[] px = ((java.awt.image.DataBufferInt) img.image().getRaster().getDataBuffer()).getData();
            byte[] bgrx = new byte[px.length * 4];
            java.nio.ByteBuffer.wrap(bgrx).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(px); // 0x00RRGGBB -> B, G, R, x
            long buf = SyntheticClip.newBuffer(bgrx, mapInfo);
            new Pointer(buf).setLong(GstNative.BUFFER_PTS, pts);
            int flow = GstAppNative.gst_app_src_push_buffer(appsrc, buf); // takes the buffer
            if (flow != GST_FLOW_OK) return false; // not started yet, or being torn down ("unprepared" follows)
            lastNow = now;
            lastPts = pts;
            lastCameraPts = cameraPts;
            pushed.incrementAndGet();
            return true;
        }
    }

    /** How far ahead of the pipeline's running time {@link #timestamp} may put a picture. */
    static final long MAX_LEAD_NANOS = 200_000_000L;
    /** Pictures pushed closer than this (and than half their camera interval) are one burst: a batch's frames of the stream. */
    static final long MAX_BURST_GAP_NANOS = 50_000_000L;
    private static final long MAX_INTERVAL_NANOS = 1_000_000_000L, MIN_STEP_NANOS = 1_000_000L;
    private long lastNow = -1, lastPts = -1, lastCameraPts = -1; // under lock; -1 at each new media

    /**
     * The presentation timestamp (the media pipeline's running time, ns) of a picture pushed at running
     * time {@code now} whose camera took it at {@code cameraPts} (negative: unknown), after one pushed at
     * {@code lastNow}, stamped {@code lastPts} (-1: none yet) and taken at {@code lastCameraPts}.
     *
     * <p>Why not the arrival time (appsrc's do-timestamp, as before): frames reach the stage a batch at
     * a time. When the detector is behind (the CPU path on a small machine), a batch holds two
     * consecutive frames of a stream, pushed within a few ms; stamped on arrival they were shown a few
     * ms apart, so a client saw about half of the frames it decoded (measured at the client: 23 of the
     * 47 intervals between 48 frames were 0-7 ms; stamped here, those pairs are 66-67 ms apart, as the
     * camera took them). So a picture of a burst, one pushed less than half its camera interval
     * ({@code cameraPts - lastCameraPts}, within (0, 1 s]) and less than {@value #MAX_BURST_GAP_NANOS} ns
     * after the one before, keeps that interval, but goes no more than {@value #MAX_LEAD_NANOS} ns ahead
     * of {@code now} (the server's sink waits for it; a longer burst is squeezed). Any other picture is
     * stamped on arrival, {@code now}: never in the past (a late picture would be late at every sink
     * and jitter buffer), and without carrying a lead on, so the detector's varying latency (hundreds
     * of ms on the CPU path) does not build up leads that squeeze the next burst. Always increasing.
     */
    static long timestamp(long now, long cameraPts, long lastNow, long lastPts, long lastCameraPts) {
        if (lastPts < 0) return Math.max(0, now);
        long floor = Math.max(now, lastPts + MIN_STEP_NANOS), d = cameraPts - lastCameraPts;
        boolean burst = cameraPts >= 0 && lastCameraPts >= 0 && d > 0 && d <= MAX_INTERVAL_NANOS
                && now - lastNow < Math.min(d / 2, MAX_BURST_GAP_NANOS);
        return burst ? Math.max(floor, Math.min(lastPts + d, now + MAX_LEAD_NANOS)) : floor;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        // The clients and their sessions first (their medias stop), then the listening socket, then the loop.
        GLib.g_list_free(Lib.gst_rtsp_server_client_filter(server, REMOVE_ALL, 0));
        long pool = Lib.gst_rtsp_server_get_session_pool(server);
        if (pool != 0) {
            GLib.g_list_free(Lib.gst_rtsp_session_pool_filter(pool, REMOVE_ALL, 0));
            GObject.g_object_unref(pool);
        }
        long src = GLib.g_main_context_find_source_by_id(context, sourceId);
        if (src != 0) GLib.g_source_destroy(src);
        GLib.g_main_loop_quit(loop);
        try {
            if (!loopEnded.await(10, TimeUnit.SECONDS)) {
                LOG.warn("stream {}: RTSP out: the main loop did not end within 10 s", streamId);
                return; // its objects are left alive rather than freed under a running loop
            }
            loopThread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        release();
    }

    private void release() {
        synchronized (lock) {
            if (appsrc != 0) Gst.gst_object_unref(appsrc);
            appsrc = 0;
            media = 0;
            playing = false;
        }
        if (handler != 0) GObject.g_signal_handler_disconnect(factory, handler);
        handler = 0;
        if (loop != 0) GLib.g_main_loop_unref(loop);
        loop = 0;
        GObject.g_object_unref(factory);
        factory = 0;
        GObject.g_object_unref(server);
        server = 0;
        GLib.g_main_context_unref(context);
        context = 0;
    }
}
