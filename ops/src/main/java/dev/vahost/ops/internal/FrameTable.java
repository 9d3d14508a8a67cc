package dev.vahost.ops.internal;

import java.nio.ByteBuffer;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.Rect;

/**
 * The 128-byte per-frame record the letterbox kernels read ({@code FrameParams} in pixel.cuh, whose
 * static_asserts pin the same offsets). Little endian, as the GPU reads it.
 */
public final class FrameTable {
    public static final int BYTES = 128;
    public static final int PLANE0 = 0;
    public static final int PLANE1 = 8;
    public static final int PLANE2 = 16;
    public static final int PITCH0 = 24;
    public static final int PITCH1 = 28;
    public static final int PITCH2 = 32;
    public static final int FORMAT = 36;
    public static final int SRC_X = 40;
    public static final int SRC_Y = 44;
    public static final int SRC_W = 48;
    public static final int SRC_H = 52;
    public static final int PAD_X = 56;
    public static final int PAD_Y = 60;
    public static final int DST_W = 64;
    public static final int DST_H = 68;
    public static final int Y_OFFSET = 72;
    public static final int CY = 76;
    public static final int CVR = 80;
    public static final int CVG = 84;
    public static final int CUG = 88;
    public static final int CUB = 92;
    public static final int SCALE_X = 96;
    public static final int SCALE_Y = 104;

    private FrameTable() {}

    /**
     * Writes the record of {@code image} placed as {@code box} at {@code at} of {@code out} (a
     * little-endian buffer). Planes a format lacks repeat plane 0 (never read); so do unused pitches.
     */
    public static void write(ByteBuffer out, int at, DeviceImage image, Letterbox box) {
        int planes = image.format().planes();
        long p0 = image.plane(0);
        out.putLong(at + PLANE0, p0);
        out.putLong(at + PLANE1, planes > 1 ? image.plane(1) : p0);
        out.putLong(at + PLANE2, planes > 2 ? image.plane(2) : p0);
        int q0 = image.pitch(0);
        out.putInt(at + PITCH0, q0);
        out.putInt(at + PITCH1, planes > 1 ? image.pitch(1) : q0);
        out.putInt(at + PITCH2, planes > 2 ? image.pitch(2) : q0);
        out.putInt(at + FORMAT, Formats.code(image.format()));
        Rect s = box.source();
        out.putInt(at + SRC_X, s.x());
        out.putInt(at + SRC_Y, s.y());
        out.putInt(at + SRC_W, s.width());
        out.putInt(at + SRC_H, s.height());
        out.putInt(at + PAD_X, box.padX());
        out.putInt(at + PAD_Y, box.padY());
        out.putInt(at + DST_W, box.width());
        out.putInt(at + DST_H, box.height());
        ColorCoefficients c = ColorCoefficients.of(image.color());
        out.putInt(at + Y_OFFSET, c.yOffset());
        out.putInt(at + CY, c.cy());
        out.putInt(at + CVR, c.cvr());
        out.putInt(at + CVG, c.cvg());
        out.putInt(at + CUG, c.cug());
        out.putInt(at + CUB, c.cub());
        out.putDouble(at + SCALE_X, box.sourceStepX());
        out.putDouble(at + SCALE_Y, box.sourceStepY());
        out.putLong(at + 112, 0L);
        out.putLong(at + 120, 0L);
    }
}
