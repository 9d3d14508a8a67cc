package dev.vahost.gst.lowlevel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Direct-mapped bindings of libgstreamer-1.0 (gst/gst.h, GStreamer 1.22) for the per-frame path.
 * Pointers are passed as {@code long} so that no JNA wrapper object is made per frame.
 * Names and argument order mirror C exactly.
 */
public final class GstNative {
    static {
        Native.register(GstNative.class, NativeLibrary.getInstance("gstreamer-1.0"));
    }

    private GstNative() {}

    /** GST_MAP_READ (gstmemory.h). */
    public static final int GST_MAP_READ = 1;
    /** GST_MAP_CUDA = GST_MAP_FLAG_LAST << 1 (gstcudamemory.h, 1.22): map returns a CUdeviceptr. */
    public static final int GST_MAP_CUDA = 0x20000;
    /** sizeof(GstMapInfo) on x86-64: memory, flags, data, size, maxsize, user_data[4], _gst_reserved[4]. */
    public static final int SIZEOF_GST_MAP_INFO = 104;
    /** offsetof(GstMapInfo, data). */
    public static final int MAP_INFO_DATA = 16;
    /** offsetof(GstMapInfo, size). */
    public static final int MAP_INFO_SIZE = 24;
    /** offsetof(GstMiniObject, refcount). */
    public static final int MINI_OBJECT_REFCOUNT = 8;
    /** offsetof(GstBuffer, pts): GstMiniObject is 64 bytes, then pool*, pts, dts, duration. */
    public static final int BUFFER_PTS = 72;
    /** offsetof(GstBuffer, duration). */
    public static final int BUFFER_DURATION = 88;
    /** GST_CLOCK_TIME_NONE. */
    public static final long GST_CLOCK_TIME_NONE = -1L;

    /** gst_segtrap_set_enabled(gboolean): may be called before gst_init. */
    public static native void gst_segtrap_set_enabled(int enabled);

    public static native long gst_mini_object_ref(long miniObject);

    public static native void gst_mini_object_unref(long miniObject);

    public static native long gst_sample_get_buffer(long sample);

    public static native long gst_sample_get_caps(long sample);

    public static native long gst_buffer_get_size(long buffer);

    public static native int gst_buffer_n_memory(long buffer);

    public static native long gst_buffer_peek_memory(long buffer, int idx);

    /** gboolean gst_buffer_map(GstBuffer*, GstMapInfo*, GstMapFlags). */
    public static native int gst_buffer_map(long buffer, long info, int flags);

    public static native void gst_buffer_unmap(long buffer, long info);

    /** gboolean gst_memory_map(GstMemory*, GstMapInfo*, GstMapFlags). */
    public static native int gst_memory_map(long memory, long info, int flags);

    public static native void gst_memory_unmap(long memory, long info);

    /** GstBuffer* gst_buffer_new_allocate(GstAllocator*, gsize, GstAllocationParams*). */
    public static native long gst_buffer_new_allocate(long allocator, long size, long params);

    /** Returns a newly allocated string: free it with {@link GLibNative#g_free}. */
    public static native long gst_caps_to_string(long caps);

    public static native long gst_caps_get_features(long caps, int index);

    public static native int gst_caps_features_contains(long features, String feature);

    public static native int gst_caps_get_size(long caps);

    /** void gst_message_parse_error(GstMessage*, GError** gerror, gchar** debug): both out-values owned. */
    public static native void gst_message_parse_error(long message, long[] gerror, long[] debug);

    /** void gst_message_parse_warning(GstMessage*, GError** gerror, gchar** debug). */
    public static native void gst_message_parse_warning(long message, long[] gerror, long[] debug);

    /** void gst_element_set_context(GstElement*, GstContext*): a bin hands it to children added later. */
    public static native void gst_element_set_context(long element, long context);

    /** void gst_version(guint* major, guint* minor, guint* micro, guint* nano). */
    public static native void gst_version(int[] major, int[] minor, int[] micro, int[] nano);

    public static native void gst_object_unref(long object);

    /** gpointer gst_object_ref(gpointer object). */
    public static native long gst_object_ref(long object);

    /** GObject's ref_count (guint, after the GTypeInstance's class pointer). */
    public static final int OBJECT_REFCOUNT = 8;

    /** offsetof(GstEvent, type): after the 64-byte GstMiniObject. */
    public static final int EVENT_TYPE = 64;
    /**
     * GST_EVENT_CAPS = GST_EVENT_MAKE_TYPE(50, DOWNSTREAM | SERIALIZED | STICKY) = (50 << 8) | 2 | 4 | 8
     * (gstevent.h).
     */
    public static final int GST_EVENT_CAPS = (50 << 8) | 2 | 4 | 8;

    /** void gst_event_parse_caps(GstEvent*, GstCaps** caps): the caps are borrowed from the event. */
    public static native void gst_event_parse_caps(long event, long[] caps);

    /** offsetof(GError, code) and offsetof(GError, message) (glib/gerror.h). */
    public static final int GERROR_CODE = 4;
    public static final int GERROR_MESSAGE = 8;

    /** GstIterator results (gstiterator.h). */
    public static final int GST_ITERATOR_DONE = 0, GST_ITERATOR_OK = 1, GST_ITERATOR_RESYNC = 2;

    /** GstIterator *gst_bin_iterate_all_by_element_factory_name(GstBin*, const gchar*): recurses into child bins (1.18). */
    public static native long gst_bin_iterate_all_by_element_factory_name(long bin, String factoryName);

    /** GstIteratorResult gst_iterator_next(GstIterator*, GValue*). */
    public static native int gst_iterator_next(long it, long value);

    /** void gst_iterator_resync(GstIterator*). */
    public static native void gst_iterator_resync(long it);

    /** void gst_iterator_free(GstIterator*). */
    public static native void gst_iterator_free(long it);

    /** GstElementFactory *gst_element_get_factory(GstElement*): no reference added; 0 for elements made without one. */
    public static native long gst_element_get_factory(long element);

    /** gchar *gst_object_get_name(GstObject*): a copy, freed with g_free. */
    public static native long gst_object_get_name(long object);

    /** GST_MESSAGE_SRC: offset of {@code src} in GstMessage (after the 64-byte GstMiniObject, type and timestamp). */
    public static final int MESSAGE_SRC = 80;
}
