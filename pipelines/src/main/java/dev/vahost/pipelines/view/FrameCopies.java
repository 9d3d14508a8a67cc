package dev.vahost.pipelines.view;

import java.nio.ByteBuffer;

import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.VideoInfo;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.ops.HostImage;

/**
 * The one copy the view makes of a frame it draws on the CPU path: the frame's planes into a host
 * array the render thread owns, so the frame itself goes back to the decoder when the stages return.
 * (The view's GPU path copies nothing but JPEGs: {@link GpuPictures}. RTSP out's GPU path still copies
 * whole frames down: {@link #ofDeviceFrame}.)
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

    /** Bytes of a dense NV12 copy of a w x h frame (Y, then interleaved UV at half height, rounded up). */
    static long nv12Bytes(int w, int h) {
        return (long) w * h + 2L * ((w + 1) / 2) * ((h + 1) / 2);
    }

    /**
     * GPU path of RTSP out (NOT yet run on a GPU): the NV12 planes of a frame in CUDA memory, copied
     * device to host with the counted copies of {@link Transfers} (they show in
     * {@code vahost_transfer_bytes_to_host_total}), after the batch's stream has finished the work
     * enqueued on it (the detector's, and earlier stages' kernels that may have drawn into the frame).
     * The view used this too until it drew on the GPU ({@link GpuPictures}); RTSP out could do the same
     * (overlay kernel into an RGB or NV12 picture, then down to the CPU encoder), which would still copy
     * the drawn picture.
     *
     * @param stream      the batch's CUDA stream
     * @param synchronize whether to wait for {@code stream} first (the caller does it once per batch)
     */
    static HostImage ofDeviceFrame(DeviceFrame f, CudaStream stream, boolean synchronize) {
        DeviceImage img = f.image();
        if (img.format() != PixelFormat.NV12) {
            throw new UnsupportedOperationException("stream " + f.streamId() + ": RTSP out draws NV12 frames on the GPU path, got " + img.format());
        }
        if (synchronize) stream.synchronize();
        int w = img.width(), h = img.height(), chromaRows = (h + 1) / 2, uvBytes = 2 * ((w + 1) / 2);
        // The bytes copied are nv12Bytes(w, h), what the caller counts.
        byte[] y = new byte[w * h], uv = new byte[uvBytes * chromaRows];
        Transfers.toHost2D(y, img.plane(0), img.pitch(0), w, h);
        Transfers.toHost2D(uv, img.plane(1), img.pitch(1), uvBytes, chromaRows);
        byte[] copy = new byte[y.length + uv.length];
        System.arraycopy(y, 0, copy, 0, y.length);
        System.arraycopy(uv, 0, copy, y.length, uv.length);
        return new HostImage(PixelFormat.NV12, w, h, ByteBuffer.wrap(copy), new int[] {0, y.length}, new int[] {w, uvBytes},
                img.color());
    }
}
