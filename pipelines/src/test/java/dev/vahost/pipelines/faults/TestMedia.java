package dev.vahost.pipelines.faults;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.vahost.gst.PipelineRunner;
import dev.vahost.gst.lowlevel.GstAppNative;
import dev.vahost.gst.lowlevel.GstNative;
import dev.vahost.gst.synth.SceneRenderer;
import dev.vahost.gst.synth.SyntheticClip;

/**
 * Test media made at test time: the synthetic scene (moving shapes, exact ground truth written
 * beside the clip as {@link SyntheticClip#boxesPath}) pushed through any raw-video chain, encoder
 * and muxer of the installed GStreamer (x264enc, x265enc, mp4mux, matroskamux, mpegtsmux).
 */
public final class TestMedia {
    private TestMedia() {}

    /**
     * H.264 constrained baseline, no B-frames, a keyframe at least every {@code gop} frames, byte-stream.
     * The caps after the parser hold the elementary stream to byte-stream: without them, a muxer on
     * another branch of a tee (mp4mux wants avc) can make the parser write length-prefixed NAL units
     * into the ".h264" file too, as GStreamer on the GPU machine did.
     */
    public static String h264Baseline(int gop) {
        return "x264enc speed-preset=ultrafast bframes=0 key-int-max=" + gop
                + " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream,alignment=au ! h264parse"
                + " ! video/x-h264,stream-format=byte-stream,alignment=au";
    }

    /** H.265 Main, no B-frames, a keyframe at least every {@code gop} frames, byte-stream. */
    public static String h265Main(int gop) {
        return "x265enc speed-preset=ultrafast key-int-max=" + gop + " option-string=\"bframes=0\""
                + " ! video/x-h265,stream-format=byte-stream,alignment=au ! h265parse"
                + " ! video/x-h265,stream-format=byte-stream,alignment=au";
    }

    /**
     * Encodes {@code frames} scene frames of {@code width}x{@code height} (width a multiple of 8)
     * through {@code chain} (raw-video elements, encoder, parser, muxer: everything between the
     * I420 frames and the filesink). {@code ptsNs}, when given, are the frames' timestamps (variable
     * frame rate); otherwise they are at {@code fps}.
     */
    public static Path scene(Path out, int width, int height, int fps, int frames, long seed, String chain, long[] ptsNs) {
        try {
            Files.createDirectories(out.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SceneRenderer scene = new SceneRenderer(width, height, seed);
        // With variable timestamps the caps still say a nominal rate, as phones' VFR files do: with
        // framerate=0/1, x264enc gives the last frame no duration and mp4mux drops it.
        String raw = String.format(Locale.ROOT, "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,pixel-aspect-ratio=1/1",
                width, height, fps);
        String launch = "appsrc name=src format=time block=true max-bytes=" + 4 * scene.frameSize() + " caps=\"" + raw + "\" ! "
                + chain + " ! filesink location=\"" + out.toAbsolutePath() + "\"";
        String[] refused = {null};
        try (BufferedWriter gt = Files.newBufferedWriter(SyntheticClip.boxesPath(out), StandardCharsets.UTF_8)) {
            PipelineRunner.runToEos("media", launch, Duration.ofSeconds(120), "src", appsrc -> {
                byte[] frame = new byte[scene.frameSize()];
                Memory map = new Memory(GstNative.SIZEOF_GST_MAP_INFO);
                try {
                    for (int i = 0; i < frames; i++) {
                        List<SceneRenderer.Box> boxes = scene.render(frame);
                        long pts = ptsNs != null ? ptsNs[i] : i * 1_000_000_000L / fps;
                        long next = ptsNs != null ? (i + 1 < frames ? ptsNs[i + 1] : pts + 33_333_333L) : (i + 1) * 1_000_000_000L / fps;
                        long buf = SyntheticClip.newBuffer(frame, map);
                        new Pointer(buf).setLong(GstNative.BUFFER_PTS, pts);
                        new Pointer(buf).setLong(GstNative.BUFFER_DURATION, next - pts);
                        int flow = GstAppNative.gst_app_src_push_buffer(appsrc, buf);
                        if (flow != 0) { // an error on the bus is reported by the runner; a flow without one, here
                            refused[0] = "appsrc refused frame " + i + " of " + frames + " (flow return " + flow + ")";
                            break;
                        }
                        gt.write(SyntheticClip.boxesJson(i, pts, boxes));
                        gt.newLine();
                    }
                    GstAppNative.gst_app_src_end_of_stream(appsrc);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (refused[0] != null) throw new IllegalStateException("encoding " + out.getFileName() + " with '" + chain + "': " + refused[0]);
        return out;
    }

    /** The containers a clip is muxed into, with the file extension the service recognises. */
    public enum Container {
        ES(null), MP4("mp4mux"), MKV("matroskamux"), TS("mpegtsmux");

        final String muxer;

        Container(String muxer) {
            this.muxer = muxer;
        }

        /** The file name of a clip {@code base} in this container, for {@code codec} "h264" or "h265". */
        public String file(String base, String codec) {
            return base + (this == ES ? "." + codec : "." + name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * One encode, written as the elementary stream and in every container at once (a tee after the
     * parser), so that all carry the same NAL units: {@code encode} is e.g. {@link #h264Baseline}.
     */
    public static void allContainers(Path dir, String base, String codec, int width, int height, int frames, long seed,
                                     String encode) {
        containers(dir, base, codec, width, height, frames, seed, encode, List.of(Container.values()));
    }

    /** As {@link #allContainers}, into the elementary stream and the {@code containers} named. */
    public static void containers(Path dir, String base, String codec, int width, int height, int frames, long seed,
                                  String encode, List<Container> containers) {
        StringBuilder chain = new StringBuilder(encode).append(" ! tee name=t");
        for (Container c : containers) {
            if (c == Container.ES) continue;
            chain.append(" t. ! queue ! ").append(codec).append("parse ! ").append(c.muxer).append(" ! filesink location=\"")
                    .append(dir.resolve(c.file(base, codec)).toAbsolutePath()).append('"');
        }
        chain.append(" t. ! queue");
        scene(dir.resolve(Container.ES.file(base, codec)), width, height, 30, frames, seed, chain.toString(), null);
    }
}
