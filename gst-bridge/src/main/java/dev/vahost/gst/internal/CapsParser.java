package dev.vahost.gst.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.vahost.gst.MemoryKind;
import dev.vahost.gst.VideoInfo;
import dev.vahost.gst.lowlevel.GLibNative;
import dev.vahost.gst.lowlevel.GstNative;
import dev.vahost.gst.lowlevel.GstVideoNative;

import static dev.vahost.gst.lowlevel.GstVideoNative.*;

/**
 * Turns a GstCaps* into a {@link VideoInfo} with gst_video_info_from_caps. Not thread-safe: one per
 * pull thread, which calls it only when the caps pointer of the pulled sample changes.
 */
public final class CapsParser {
    private final Memory info = new Memory(SIZEOF_GST_VIDEO_INFO);
    private long lastCaps;
    private VideoInfo last;

    /** The VideoInfo for {@code caps}; reparsed only when the pointer differs from the last call. */
    public VideoInfo parse(long caps) {
        if (caps == lastCaps && last != null) {
            return last;
        }
        VideoInfo v = parseNow(caps);
        lastCaps = caps;
        last = v;
        return v;
    }

    private VideoInfo parseNow(long caps) {
        if (caps == 0) {
            throw new IllegalArgumentException("sample has no caps");
        }
        String text = capsString(caps);
        if (!text.startsWith("video/x-raw")) {
            throw new IllegalArgumentException("appsink caps are not raw video: " + text);
        }
        MemoryKind memory = MemoryKind.SYSTEM;
        long features = GstNative.gst_caps_get_features(caps, 0);
        if (features != 0) {
            if (GstNative.gst_caps_features_contains(features, MemoryKind.CUDA.capsFeature()) != 0) {
                memory = MemoryKind.CUDA;
            } else if (GstNative.gst_caps_features_contains(features, MemoryKind.NVMM.capsFeature()) != 0) {
                memory = MemoryKind.NVMM;
            }
        }
        info.clear();
        if (GstVideoNative.gst_video_info_from_caps(Pointer.nativeValue(info), caps) == 0) {
            throw new IllegalArgumentException("caps do not describe a fixed raw video format: " + text);
        }
        long finfo = info.getLong(VIDEO_INFO_FINFO);
        String format = new Pointer(finfo).getPointer(FORMAT_INFO_NAME).getString(0);
        int[] strides = new int[4];
        long[] offsets = new long[4];
        for (int p = 0; p < 4; p++) {
            strides[p] = info.getInt(VIDEO_INFO_STRIDE + 4L * p);
            offsets[p] = info.getLong(VIDEO_INFO_OFFSET + 8L * p);
        }
        int range = info.getInt(VIDEO_INFO_COLORIMETRY);
        int matrix = info.getInt(VIDEO_INFO_COLORIMETRY + 4);
        VideoInfo.ColorRange[] ranges = VideoInfo.ColorRange.values();
        VideoInfo.ColorMatrix[] matrices = VideoInfo.ColorMatrix.values();
        return new VideoInfo(format, info.getInt(VIDEO_INFO_WIDTH), info.getInt(VIDEO_INFO_HEIGHT),
                info.getInt(VIDEO_INFO_FPS_N), info.getInt(VIDEO_INFO_FPS_D), memory, strides, offsets,
                info.getLong(VIDEO_INFO_SIZE),
                range >= 0 && range < ranges.length ? ranges[range] : VideoInfo.ColorRange.UNKNOWN,
                matrix >= 0 && matrix < matrices.length ? matrices[matrix] : VideoInfo.ColorMatrix.UNKNOWN,
                text);
    }

    /** gst_caps_to_string, freed. */
    public static String capsString(long caps) {
        long s = GstNative.gst_caps_to_string(caps);
        try {
            return new Pointer(s).getString(0);
        } finally {
            GLibNative.g_free(s);
        }
    }
}
