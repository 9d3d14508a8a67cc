package dev.vahost.gst.lowlevel;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * Direct-mapped bindings of libgobject-2.0 (gsignal.h, gvalue.h) for code that must not make
 * gst1-java-core wrappers: each wrapper holds a reference to its object until it is disposed or
 * collected, so wrapping every element of a pipeline keeps closed pipelines alive until a GC.
 */
public final class GObjectNative {
    static {
        Native.register(GObjectNative.class, NativeLibrary.getInstance("gobject-2.0"));
    }

    private GObjectNative() {}

    /** sizeof(GValue) on x86-64 (a GType and two 8-byte data words). */
    public static final int SIZEOF_GVALUE = 24;

    /** GstBin::deep-element-added: (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data). */
    public interface DeepElementAdded extends Callback {
        void invoke(Pointer bin, Pointer subBin, Pointer element, Pointer userData);
    }

    /** gulong g_signal_connect_data(gpointer instance, const gchar *signal, GCallback handler, gpointer data, GClosureNotify destroy, GConnectFlags flags). */
    public static native long g_signal_connect_data(long instance, String signal, Callback handler, long data, long destroy, int flags);

    /** void g_signal_handler_disconnect(gpointer instance, gulong handler_id). */
    public static native void g_signal_handler_disconnect(long instance, long handlerId);

    /** gpointer g_value_get_object(const GValue *value): no reference is added. */
    public static native long g_value_get_object(long value);

    /** void g_value_reset(GValue *value). */
    public static native long g_value_reset(long value);

    /** void g_value_unset(GValue *value). */
    public static native void g_value_unset(long value);
}
