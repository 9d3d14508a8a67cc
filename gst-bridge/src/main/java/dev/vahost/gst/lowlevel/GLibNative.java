package dev.vahost.gst.lowlevel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/** Direct-mapped bindings of libglib-2.0 (glib.h). */
public final class GLibNative {
    static {
        Native.register(GLibNative.class, NativeLibrary.getInstance("glib-2.0"));
    }

    private GLibNative() {}

    public static native void g_free(long mem);

    public static native void g_error_free(long error);
}
