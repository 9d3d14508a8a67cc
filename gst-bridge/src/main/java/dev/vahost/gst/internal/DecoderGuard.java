package dev.vahost.gst.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import org.freedesktop.gstreamer.Bin;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Pad;
import org.freedesktop.gstreamer.PadProbeReturn;
import org.freedesktop.gstreamer.PadProbeType;
import org.freedesktop.gstreamer.event.Event;
import org.freedesktop.gstreamer.glib.Natives;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.gst.PipelineError;
import dev.vahost.gst.lowlevel.GLibNative;
import dev.vahost.gst.lowlevel.GObjectNative;
import dev.vahost.gst.lowlevel.GstNative;

/**
 * Refuses input that a decoder is known to crash on, before the decoder sees it: a probe on the
 * decoder's sink pad reads the stream's caps (the parser's view of the SPS) and, for caps outside
 * what the decoder handles, fails the stream with a message naming the format and drops everything
 * that follows. Decoders added later by decodebin are guarded too.
 *
 * <p>The table: {@code libde265dec} (gst-plugins-bad 1.22, the CPU path's H.265 decoder) outputs
 * 8-bit I420 only and crashes the process (SIGSEGV) on 10-bit or non-4:2:0 H.265 (seen here with
 * x265enc main-10 and 4:4:4 clips; libde265 issue #425 on Debian bookworm).
 */
public final class DecoderGuard implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecoderGuard.class);
    private static final Pattern BIT_DEPTH_LUMA = Pattern.compile("bit-depth-luma=\\(uint\\)(\\d+)");
    private static final Pattern BIT_DEPTH_CHROMA = Pattern.compile("bit-depth-chroma=\\(uint\\)(\\d+)");
    private static final Pattern CHROMA = Pattern.compile("chroma-format=\\(string\\)([0-9:]+|[a-z0-9:]+)");
    private static final Pattern PROFILE = Pattern.compile("profile=\\(string\\)([A-Za-z0-9-]+)");

    private final String streamId;
    private final Consumer<PipelineError> fail;
    private final List<Object[]> probes = new ArrayList<>(); // {Pad, Pad.PROBE}: kept reachable while installed
    private volatile boolean closed;
    private long bin;
    private long addedHandler;
    @SuppressWarnings("unused") // kept reachable while connected: JNA frees a callback's trampoline when it is collected
    private GObjectNative.DeepElementAdded addedCallback;

    private DecoderGuard(String streamId, Consumer<PipelineError> fail) {
        this.streamId = streamId;
        this.fail = fail;
    }

    /**
     * Why a decoder made by {@code factory} must not receive a stream with these caps, or null when
     * it may.
     */
    public static String refusal(String factory, String caps) {
        if (!"libde265dec".equals(factory) || caps == null || !caps.startsWith("video/x-h265")) return null;
        int luma = intField(BIT_DEPTH_LUMA, caps, 8);
        int chroma = intField(BIT_DEPTH_CHROMA, caps, luma);
        String format = field(CHROMA, caps, "4:2:0");
        if (luma == 8 && chroma == 8 && "4:2:0".equals(format)) return null;
        String profile = field(PROFILE, caps, "unknown profile");
        return String.format(Locale.ROOT, "H.265 %s, %d-bit %s, is not supported on the CPU path: libde265dec "
                + "(GStreamer 1.22) decodes 8-bit 4:2:0 only and crashes on anything else; transcode to 8-bit 4:2:0",
                profile, Math.max(luma, chroma), format);
    }

    private static int intField(Pattern p, String caps, int absent) {
        Matcher m = p.matcher(caps);
        return m.find() ? Integer.parseInt(m.group(1)) : absent;
    }

    private static String field(Pattern p, String caps, String absent) {
        Matcher m = p.matcher(caps);
        return m.find() ? m.group(1) : absent;
    }

    /** The decoders guarded: only these get a gst1-java-core wrapper. */
    private static final List<String> GUARDED = List.of("libde265dec");

    /**
     * Guards the decoders in {@code bin} now and those added to it later. The scan and the
     * element-added handler work on raw pointers: wrapping every element (as {@code getElementsRecursive}
     * and gst1-java-core's signal callbacks do) would keep each one, and on the GPU path each NVDEC
     * decoder's GL display thread, alive after the stream is closed, until the next garbage collection.
     */
    public static DecoderGuard install(Bin bin, String streamId, Consumer<PipelineError> fail) {
        DecoderGuard g = new DecoderGuard(streamId, fail);
        long binPtr = Pointer.nativeValue(Natives.getRawPointer(bin));
        GObjectNative.DeepElementAdded added = (top, parent, element, data) -> {
            try {
                String factory = factoryName(Pointer.nativeValue(element));
                if (GUARDED.contains(factory)) g.guard(Natives.objectFor(element, Element.class, true, true), factory);
            } catch (Throwable t) { // never throw into GStreamer
                LOG.error("stream {}: cannot guard a decoder", streamId, t);
            }
        };
        g.bin = binPtr;
        g.addedCallback = added;
        g.addedHandler = GObjectNative.g_signal_connect_data(binPtr, "deep-element-added", added, 0, 0, 0);
        for (String factory : GUARDED) {
            for (long e : elementsOf(binPtr, factory)) {
                g.guard(Natives.objectFor(new Pointer(e), Element.class, true, true), factory);
            }
        }
        return g;
    }

    /** The factory name of an element, or null when it was made without a factory. */
    static String factoryName(long element) {
        long f = GstNative.gst_element_get_factory(element);
        if (f == 0) return null;
        return objectName(f);
    }

    /** gst_object_get_name's copy as a Java string (null for none), the copy freed. */
    public static String objectName(long object) {
        long name = GstNative.gst_object_get_name(object);
        if (name == 0) return null;
        try {
            return new Pointer(name).getString(0);
        } finally {
            GLibNative.g_free(name);
        }
    }

    /** The elements made by {@code factory} in {@code bin} and its child bins (pointers valid while the bin holds them). */
    public static List<Long> elementsOf(long bin, String factory) {
        List<Long> found = new ArrayList<>();
        long it = GstNative.gst_bin_iterate_all_by_element_factory_name(bin, factory);
        if (it == 0) return found;
        try (Memory value = new Memory(GObjectNative.SIZEOF_GVALUE)) {
            value.clear();
            long v = Pointer.nativeValue(value);
            while (true) {
                int r = GstNative.gst_iterator_next(it, v);
                if (r == GstNative.GST_ITERATOR_OK) {
                    found.add(GObjectNative.g_value_get_object(v));
                    GObjectNative.g_value_reset(v);
                } else if (r == GstNative.GST_ITERATOR_RESYNC) {
                    found.clear();
                    GstNative.gst_iterator_resync(it);
                } else {
                    break;
                }
            }
            GObjectNative.g_value_unset(v);
        } finally {
            GstNative.gst_iterator_free(it);
        }
        return found;
    }

    private void guard(Element element, String factory) {
        if (closed) return;
        Pad sink = element.getStaticPad("sink");
        if (sink == null) return;
        String name = element.getName();
        Pad.PROBE probe = (pad, info) -> {
            try {
                return onEvent(factory, name, pad, info.getEvent());
            } catch (Throwable t) {
                LOG.error("stream {}: decoder guard failed on {}", streamId, name, t);
                return PadProbeReturn.OK;
            }
        };
        synchronized (probes) {
            if (closed) return;
            sink.addProbe(PadProbeType.EVENT_DOWNSTREAM, probe);
            probes.add(new Object[] {sink, probe});
        }
        LOG.debug("stream {}: guarding {} ({})", streamId, name, factory);
    }

    private PadProbeReturn onEvent(String factory, String name, Pad pad, Event event) {
        if (event == null) return PadProbeReturn.OK;
        long ev = Pointer.nativeValue(Natives.getRawPointer(event));
        if (new Pointer(ev).getInt(GstNative.EVENT_TYPE) != GstNative.GST_EVENT_CAPS) return PadProbeReturn.OK;
        long[] caps = new long[1];
        GstNative.gst_event_parse_caps(ev, caps);
        if (caps[0] == 0) return PadProbeReturn.OK;
        String text = CapsParser.capsString(caps[0]);
        String why = refusal(factory, text);
        if (why == null) return PadProbeReturn.OK;
        // Nothing more may reach the decoder: buffers without caps would be decoded all the same.
        Pad.PROBE drop = (p, i) -> PadProbeReturn.DROP;
        synchronized (probes) {
            if (!closed) {
                pad.addProbe(java.util.Set.of(PadProbeType.BUFFER, PadProbeType.BUFFER_LIST), drop);
                probes.add(new Object[] {pad, drop});
            }
        }
        fail.accept(new PipelineError(streamId, name, why, -1, "caps " + text.replaceAll(", codec_data=\\([a-z]+\\)[0-9a-f]+", "")));
        return PadProbeReturn.DROP;
    }

    /** Removes the probes. Idempotent. */
    @Override
    public void close() {
        List<Object[]> installed;
        synchronized (probes) {
            closed = true;
            installed = new ArrayList<>(probes);
            probes.clear();
        }
        if (addedHandler != 0) {
            GObjectNative.g_signal_handler_disconnect(bin, addedHandler);
            addedHandler = 0;
        }
        for (Object[] pp : installed) {
            try {
                ((Pad) pp[0]).removeProbe((Pad.PROBE) pp[1]);
            } catch (RuntimeException e) {
                LOG.debug("stream {}: removing a decoder guard probe: {}", streamId, e.getMessage());
            }
        }
    }
}
