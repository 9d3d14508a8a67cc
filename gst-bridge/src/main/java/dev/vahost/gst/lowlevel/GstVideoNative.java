package dev.vahost.gst.lowlevel;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Direct-mapped bindings of libgstvideo-1.0 (gst/video/video-info.h, gstvideometa.h; 1.22 x86-64)
 * and the struct offsets this project reads.
 */
public final class GstVideoNative {
    static {
        Native.register(GstVideoNative.class, NativeLibrary.getInstance("gstvideo-1.0"));
    }

    private GstVideoNative() {}

    /** sizeof(GstVideoInfo) is 152 in 1.22 (120 bytes of fields + a 32-byte ABI union); allocate more. */
    public static final int SIZEOF_GST_VIDEO_INFO = 256;
    public static final int VIDEO_INFO_FINFO = 0;
    public static final int VIDEO_INFO_WIDTH = 16;
    public static final int VIDEO_INFO_HEIGHT = 20;
    public static final int VIDEO_INFO_SIZE = 24;
    /** GstVideoColorimetry {range, matrix, transfer, primaries} as four gint enums. */
    public static final int VIDEO_INFO_COLORIMETRY = 40;
    public static final int VIDEO_INFO_FPS_N = 64;
    public static final int VIDEO_INFO_FPS_D = 68;
    /** gsize offset[GST_VIDEO_MAX_PLANES]. */
    public static final int VIDEO_INFO_OFFSET = 72;
    /** gint stride[GST_VIDEO_MAX_PLANES]. */
    public static final int VIDEO_INFO_STRIDE = 104;
    /** GstVideoFormatInfo: format @0, name @8. */
    public static final int FORMAT_INFO_NAME = 8;

    /** GstVideoMeta: GstMeta (16) then buffer@16, flags@24, format@28, id@32, width@36, height@40,
     *  n_planes@44, offset[4]@48 (gsize), stride[4]@80 (gint). */
    public static final int VIDEO_META_WIDTH = 36;
    public static final int VIDEO_META_HEIGHT = 40;
    public static final int VIDEO_META_N_PLANES = 44;
    public static final int VIDEO_META_OFFSET = 48;
    public static final int VIDEO_META_STRIDE = 80;

    public static native int gst_video_info_from_caps(long info, long caps);

    /** Borrowed GstVideoMeta* or 0. */
    public static native long gst_buffer_get_video_meta(long buffer);
}
