package dev.vahost.gst.internal;

import com.sun.jna.Pointer;

import org.freedesktop.gstreamer.message.Message;
import org.freedesktop.gstreamer.glib.Natives;

import dev.vahost.gst.PipelineError;
import dev.vahost.gst.lowlevel.GLibNative;
import dev.vahost.gst.lowlevel.GstNative;

/**
 * Reads ERROR and WARNING messages whole: gst1-java-core's listeners give the message text but
 * drop the debug string, which is where GStreamer names the missing file or the bad URL.
 */
public final class BusErrors {
    private BusErrors() {}

    public static PipelineError parse(String streamId, Message message, boolean error) {
        long msg = Pointer.nativeValue(Natives.getRawPointer(message));
        long[] gerror = new long[1];
        long[] debug = new long[1];
        if (error) {
            GstNative.gst_message_parse_error(msg, gerror, debug);
        } else {
            GstNative.gst_message_parse_warning(msg, gerror, debug);
        }
        String text = "?";
        int code = 0;
        String detail = "";
        try {
            if (gerror[0] != 0) {
                Pointer g = new Pointer(gerror[0]);
                code = g.getInt(GstNative.GERROR_CODE);
                long m = g.getLong(GstNative.GERROR_MESSAGE);
                text = m == 0 ? "?" : new Pointer(m).getString(0);
            }
            if (debug[0] != 0) {
                detail = lastLine(new Pointer(debug[0]).getString(0));
            }
        } finally {
            if (gerror[0] != 0) GLibNative.g_error_free(gerror[0]);
            if (debug[0] != 0) GLibNative.g_free(debug[0]);
        }
        return new PipelineError(streamId, sourceName(message), text, code, detail);
    }

    /**
     * The name of the element that posted {@code message}, read without {@code getSource()}: that
     * makes a wrapper holding a reference to the element until it is collected (keeping a failed
     * decoder, and on the GPU path its GL display thread, alive after the stream closed).
     */
    static String sourceName(Message message) {
        long msg = Pointer.nativeValue(Natives.getRawPointer(message));
        long src = new Pointer(msg).getLong(GstNative.MESSAGE_SRC);
        String name = src == 0 ? null : DecoderGuard.objectName(src);
        return name == null ? "?" : name;
    }

    /** The debug string is "file.c(line): function (): /Pipeline/Element:\nhuman text"; keep the text. */
    private static String lastLine(String debug) {
        String d = debug.strip();
        int nl = d.lastIndexOf('\n');
        return nl >= 0 ? d.substring(nl + 1).strip() : d;
    }
}
