package dev.vahost.ops;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;

/**
 * Real decoded frames in system memory: an H.264 clip decoded on the CPU by openh264dec, converted
 * by videoconvert to the wanted format, copied out of the mapped buffers into tight host images.
 */
public final class DecodedFrames {
    private DecodedFrames() {}

    /** The first {@code count} frames of {@code clip} as {@code format}, tagged with {@code color}. */
    public static List<HostImage> decode(Path clip, PixelFormat format, int count, ColorSpec color) {
        String launch = "filesrc location=\"" + clip.toAbsolutePath() + "\" ! h264parse ! openh264dec ! videoconvert"
                + " ! video/x-raw,format=" + format.gstName() + " ! appsink name=sink";
        List<HostImage> frames = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("decode-" + format.gstName(), launch)) {
            p.start(frame -> {
                try (frame) {
                    if (frames.size() < count) {
                        frames.add(copy(frame, format, color));
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            if (!p.awaitEnd(120, TimeUnit.SECONDS)) {
                throw new AssertionError("decoding " + clip + " did not finish in 120 s");
            }
            if (p.lastError() != null) {
                throw new AssertionError("decoding " + clip + " failed: " + p.lastError());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        if (failure.get() != null) {
            throw new AssertionError("copying decoded frames failed", failure.get());
        }
        if (frames.size() < count) {
            throw new AssertionError(clip + " gave " + frames.size() + " frames, wanted " + count);
        }
        return List.copyOf(frames);
    }

    private static HostImage copy(VideoFrame frame, PixelFormat format, ColorSpec color) {
        int w = frame.info().width();
        int h = frame.info().height();
        ByteBuffer px = frame.map();
        HostImage out = HostImage.allocate(format, w, h, color);
        for (int p = 0; p < format.planes(); p++) {
            int rowBytes = out.planeRowBytes(p);
            int stride = frame.stride(p);
            long offset = frame.planeOffset(p);
            byte[] row = new byte[rowBytes];
            for (int r = 0; r < out.planeRows(p); r++) {
                px.get((int) (offset + (long) r * stride), row, 0, rowBytes);
                out.data().put(out.offset(p) + r * out.pitch(p), row);
            }
        }
        return out;
    }
}
