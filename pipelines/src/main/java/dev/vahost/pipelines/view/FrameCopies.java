package dev.vahost.pipelines.view;

import java.nio.ByteBuffer;

import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.VideoInfo;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.ops.HostImage;

/**
 * The one copy the view makes of a frame it draws on the CPU path: the frame's planes into a host
 * array the render thread owns, so the frame itself goes back to the decoder when the stages return.
 * (The GPU path copies nothing but JPEGs: {@link GpuPictures}.)
 */
final class FrameCopies {
    private FrameCopies() {}

    /** CPU path: the I420 planes of a system-memory frame (the CPU detector's format), copied as mapped. */
    static HostImage ofSystemFrame(VideoFrame f) {
        VideoInfo info = f.info();
        if (!"I420".equals(info.format())) {
            throw new UnsupportedOperationException("stream " + f.streamId() + ": the view draws I420 frames on the CPU path, got "
                    + info.format());
        }
        ByteBuffer mapped = f.map();
        byte[] copy = new byte[mapped.capacity()];
        mapped.duplicate().clear().get(copy);
        int[] offsets = new int[3], pitches = new int[3];
        for (int p = 0; p < 3; p++) {
            offsets[p] = Math.toIntExact(f.planeOffset(p));
            pitches[p] = f.stride(p);
        }
        return new HostImage(dev.vahost.nvmm.PixelFormat.I420, info.width(), info.height(), ByteBuffer.wrap(copy), offsets, pitches,
                ColorSpec.of(info));
    }
}
