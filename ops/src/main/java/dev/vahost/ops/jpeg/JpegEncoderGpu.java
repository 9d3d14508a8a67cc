package dev.vahost.ops.jpeg;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Ptr;

/**
 * JPEG encoding of packed RGB pictures in device memory with nvJPEG, baseline 4:4:4 (thin coloured
 * outlines keep their colour, as with the CPU path's encoder) at a chosen quality: only the JPEG's
 * bytes come to the host. One encoder per thread (nvJPEG's encoder state is not shared); each
 * {@link #encode} waits for its stream.
 */
public final class JpegEncoderGpu implements AutoCloseable {
    private final long handle, state, params;
    private final CudaStream stream;
    private final Memory image = new Memory(NvJpeg.SIZEOF_IMAGE);
    private final long[] length = new long[1];
    private Memory out = new Memory(1 << 20);
    private boolean closed;

    private JpegEncoderGpu(long handle, long state, long params, CudaStream stream) {
        this.handle = handle;
        this.state = state;
        this.params = params;
        this.stream = stream;
    }

    /** Whether nvJPEG can be loaded here; null when it can, else why not. */
    public static String unavailable() {
        return NvJpeg.load();
    }

    /**
     * An encoder at {@code quality} (1..100) working on its own stream.
     *
     * @throws IllegalStateException when nvJPEG is not available (the message says why)
     */
    public static JpegEncoderGpu create(int quality) {
        if (quality < 1 || quality > 100) throw new IllegalArgumentException("JPEG quality must be 1..100, got " + quality);
        String why = NvJpeg.load();
        if (why != null) throw new IllegalStateException(why);
        CudaStream stream = CudaStream.create();
        long s = Ptr.handle(stream.handle());
        long[] h = new long[1], st = new long[1], p = new long[1];
        check(NvJpeg.nvjpegCreateSimple(h), "nvjpegCreateSimple");
        try {
            check(NvJpeg.nvjpegEncoderStateCreate(h[0], st, s), "nvjpegEncoderStateCreate");
            check(NvJpeg.nvjpegEncoderParamsCreate(h[0], p, s), "nvjpegEncoderParamsCreate");
            check(NvJpeg.nvjpegEncoderParamsSetQuality(p[0], quality, s), "nvjpegEncoderParamsSetQuality");
            check(NvJpeg.nvjpegEncoderParamsSetSamplingFactors(p[0], NvJpeg.NVJPEG_CSS_444, s), "nvjpegEncoderParamsSetSamplingFactors");
            return new JpegEncoderGpu(h[0], st[0], p[0], stream);
        } catch (RuntimeException e) {
            if (p[0] != 0) NvJpeg.nvjpegEncoderParamsDestroy(p[0]);
            if (st[0] != 0) NvJpeg.nvjpegEncoderStateDestroy(st[0]);
            NvJpeg.nvjpegDestroy(h[0]);
            stream.close();
            throw e;
        }
    }

    /** The encoder's stream: work that makes the picture must be ordered before {@link #encode} (an event wait). */
    public CudaStream stream() {
        return stream;
    }

    /**
     * The JPEG of the {@code width x height} packed RGB picture at device address {@code rgb}
     * ({@code pitch} bytes a row), once the work enqueued on {@link #stream()} before it is done.
     */
    public byte[] encode(long rgb, int pitch, int width, int height) {
        if (closed) throw new IllegalStateException("JPEG encoder closed");
        if (width <= 0 || height <= 0 || pitch < 3 * width) {
            throw new IllegalArgumentException("picture " + width + "x" + height + " with pitch " + pitch);
        }
        long s = Ptr.handle(stream.handle());
        image.clear();
        image.setLong(0, rgb);
        image.setLong(32, pitch);
        check(NvJpeg.nvjpegEncodeImage(handle, state, params, Pointer.nativeValue(image), NvJpeg.NVJPEG_INPUT_RGBI, width, height, s),
                "nvjpegEncodeImage " + width + "x" + height);
        check(NvJpeg.nvjpegEncodeRetrieveBitstream(handle, state, 0, length, s), "nvjpegEncodeRetrieveBitstream (length)");
        stream.synchronize();
        if (length[0] > out.size()) out = new Memory(length[0]);
        check(NvJpeg.nvjpegEncodeRetrieveBitstream(handle, state, Pointer.nativeValue(out), length, s), "nvjpegEncodeRetrieveBitstream");
        stream.synchronize();
        return out.getByteArray(0, (int) length[0]);
    }

    private static void check(int status, String call) {
        if (status != NvJpeg.NVJPEG_STATUS_SUCCESS) throw new IllegalStateException(call + " failed: nvJPEG status " + status);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        stream.synchronize();
        NvJpeg.nvjpegEncoderParamsDestroy(params);
        NvJpeg.nvjpegEncoderStateDestroy(state);
        NvJpeg.nvjpegDestroy(handle);
        stream.close();
        image.close();
        out.close();
    }
}
