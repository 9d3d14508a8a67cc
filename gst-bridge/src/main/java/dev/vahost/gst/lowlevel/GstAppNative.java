package dev.vahost.gst.lowlevel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** Direct-mapped bindings of libgstapp-1.0 (gst/app/gstappsink.h, gstappsrc.h; GStreamer 1.22). */
public final class GstAppNative {
    static {
        Native.register(GstAppNative.class, NativeLibrary.getInstance("gstapp-1.0"));
    }

    private GstAppNative() {}

    /** Returns an owned GstSample*, or 0 on timeout, EOS or flushing. Timeout in nanoseconds. */
    public static native long gst_app_sink_try_pull_sample(long appsink, long timeout);

    public static native int gst_app_sink_is_eos(long appsink);

    /** Takes ownership of buffer. Returns a GstFlowReturn (0 = OK). */
    public static native int gst_app_src_push_buffer(long appsrc, long buffer);

    public static native int gst_app_src_end_of_stream(long appsrc);
}
