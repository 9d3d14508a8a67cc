package dev.vahost.pipelines.view;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.ops.overlay.Overlay;
import dev.vahost.ops.overlay.OverlayGpu;
import dev.vahost.ops.jpeg.JpegEncoderGpu;

/**
 * The view's pictures on the GPU path: the watched frames of a batch converted to RGB with their
 * OSD in one launch on the batch's stream ({@link OverlayGpu}), into RGB buffers of the view's own
 * (at most {@code maxPictures} in flight: when all are taken a picture is skipped, never waited
 * for); then, on the render thread, the JPEG made by nvJPEG so that only its bytes cross to the
 * host. Where nvJPEG cannot be loaded, the RGB picture is copied to the host and encoded there
 * (javax.imageio), and those bytes are what is counted. The frames themselves are only read by the
 * kernel, which runs before the service lets them go (it releases kept frames after the batch's stream).
 */
final class GpuPictures implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GpuPictures.class);

    /** A picture being made: where its RGB is, and the event after which it is complete. */
    record Pending(DeviceBuffer rgb, int pitch, int width, int height, CudaEvent ready) {}

    private final int maxPictures, quality;
    private final DevicePool pool;
    private final OverlayGpu overlay;
    private final ArrayDeque<DeviceBuffer> free = new ArrayDeque<>(); // guarded by this
    private int taken;                                                // guarded by this
    private final String nvjpegMissing;
    private JpegEncoderGpu encoder; // render thread only
    private long launches;

    private GpuPictures(int maxPictures, int quality, DevicePool pool, OverlayGpu overlay) {
        this.maxPictures = maxPictures;
        this.quality = quality;
        this.pool = pool;
        this.overlay = overlay;
        this.nvjpegMissing = JpegEncoderGpu.unavailable();
        if (nvjpegMissing != null) LOG.warn("view: {}; JPEGs are encoded on the CPU from a copy of the drawn picture", nvjpegMissing);
    }

    /** On the batch thread (its CUDA context current). */
    static GpuPictures create(String stage, int maxPictures, int quality) {
        DevicePool pool = DevicePool.create("view " + stage + " " + Integer.toHexString(System.identityHashCode(new Object())), 1L << 30);
        try {
            return new GpuPictures(maxPictures, quality, pool, OverlayGpu.create(pool));
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** What encodes the JPEGs: "nvJPEG" or the CPU fallback, with why. */
    String encoderName() {
        return nvjpegMissing == null ? "nvJPEG" : "javax.imageio on the CPU (" + nvjpegMissing + ")";
    }

    /**
     * Enqueues one launch drawing every frame that gets a buffer; the list has a {@link Pending} for
     * each of those and null for the others (all buffers in use).
     */
    List<Pending> draw(CudaStream stream, List<DeviceImage> frames, List<Overlay> overlays) {
        List<Pending> out = new ArrayList<>(frames.size());
        List<OverlayGpu.Target> targets = new ArrayList<>(frames.size());
        for (int i = 0; i < frames.size(); i++) {
            DeviceImage img = frames.get(i);
            int pitch = (3 * img.width() + 255) / 256 * 256;
            DeviceBuffer b = take((long) pitch * img.height());
            if (b == null) {
                out.add(null);
                continue;
            }
            out.add(new Pending(b, pitch, img.width(), img.height(), null));
            targets.add(new OverlayGpu.Target(img, b.address(), pitch, overlays.get(i)));
        }
        if (targets.isEmpty()) return out;
        try {
            overlay.submit(stream, targets);
        } catch (RuntimeException e) {
            for (Pending p : out) if (p != null) give(p.rgb());
            throw e;
        }
        launches++;
        for (int i = 0; i < out.size(); i++) {
            Pending p = out.get(i);
            if (p == null) continue;
            CudaEvent ev = CudaEvent.marker();
            ev.record(stream);
            out.set(i, new Pending(p.rgb(), p.pitch(), p.width(), p.height(), ev));
        }
        return out;
    }

    /**
     * On the render thread: waits for the picture, then its JPEG; {@code bytesToHost} gets what
     * crossed to the host. The buffer goes back in every case.
     */
    byte[] encode(Pending p, long[] bytesToHost) {
        try {
            Cuda.ensureCurrent();
            p.ready().synchronize();
            if (nvjpegMissing == null) {
                if (encoder == null) encoder = JpegEncoderGpu.create(quality);
                byte[] jpeg = encoder.encode(p.rgb().address(), p.pitch(), p.width(), p.height());
                bytesToHost[0] = jpeg.length;
                return jpeg;
            }
            byte[] rgb = new byte[3 * p.width() * p.height()];
            Transfers.toHost2D(rgb, p.rgb().address(), p.pitch(), 3 * p.width(), p.height());
            bytesToHost[0] = rgb.length;
            return Jpeg.encode(RgbImage.ofPacked(rgb, p.width(), p.height()), quality);
        } finally {
            release(p);
        }
    }

    /** Gives the buffer back without encoding (the render thread did not take the picture). */
    void release(Pending p) {
        if (p.ready() != null) p.ready().close();
        give(p.rgb());
    }

    /** Launches so far. */
    long launches() {
        return launches;
    }

    private synchronized DeviceBuffer take(long bytes) {
        for (var it = free.iterator(); it.hasNext(); ) {
            DeviceBuffer b = it.next();
            if (b.bytes() >= bytes) {
                it.remove();
                taken++;
                return b;
            }
        }
        if (taken + free.size() >= maxPictures) {
            if (free.isEmpty()) return null;
            free.removeFirst().close(); // a buffer of another size: make room
        }
        DeviceBuffer b = pool.allocate(bytes, "view picture");
        taken++;
        return b;
    }

    private synchronized void give(DeviceBuffer b) {
        taken--;
        free.addLast(b);
    }

    /** After the render thread stopped: frees the encoder, buffers and tables. */
    @Override
    public synchronized void close() {
        Cuda.ensureCurrent();
        if (encoder != null) encoder.close();
        overlay.close();
        for (DeviceBuffer b : free) b.close();
        free.clear();
        pool.close();
    }
}
