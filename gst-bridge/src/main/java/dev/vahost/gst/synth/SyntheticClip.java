package dev.vahost.gst.synth;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.vahost.gst.PipelineRunner;
import dev.vahost.gst.lowlevel.GstAppNative;
import dev.vahost.gst.lowlevel.GstNative;

/**
 * Makes the project's own test video: H.264 byte-stream files encoded by x264enc, either from a
 * {@code videotestsrc} pattern or from a {@link SceneRenderer} scene (moving shapes with exact
 * ground truth written beside the clip as {@code <clip>.boxes.jsonl}).
 *
 * <pre>
 * java -cp ... dev.vahost.gst.synth.SyntheticClip --out clip.h264 --width 1920 --height 1080 \
 *      --fps 30 --bitrate-kbps 8000 --frames 300 --source scene --seed 7
 * </pre>
 */
public final class SyntheticClip {
    /** videotestsrc patterns accepted by {@code --source}. */
    public static final Set<String> PATTERNS = Set.of("smpte", "snow", "ball", "gradient", "colors", "pinwheel",
            "spokes", "circular", "zone-plate", "smpte100", "bar", "checkers-8");

    /**
     * What to make.
     *
     * @param source "scene" or a videotestsrc pattern name
     */
    public record Spec(Path out, int width, int height, int fps, int bitrateKbps, int frames, String source, long seed) {
        public Spec {
            if (out == null) throw new IllegalArgumentException("--out is required");
            if (width < 16 || height < 16 || width > 8192 || height > 8192 || width % 2 != 0 || height % 2 != 0) {
                throw new IllegalArgumentException("--width/--height must be even and within 16..8192, got " + width + "x" + height);
            }
            if (fps < 1 || fps > 240) throw new IllegalArgumentException("--fps must be within 1..240, got " + fps);
            if (bitrateKbps < 50 || bitrateKbps > 200_000) {
                throw new IllegalArgumentException("--bitrate-kbps must be within 50..200000, got " + bitrateKbps);
            }
            if (frames < 1) throw new IllegalArgumentException("--frames must be >= 1, got " + frames);
            if (!"scene".equals(source) && !PATTERNS.contains(source)) {
                throw new IllegalArgumentException("--source must be 'scene' or one of " + PATTERNS + ", got '" + source + "'");
            }
        }
    }

    private SyntheticClip() {}

    /** Path of the ground-truth file written beside a scene clip. */
    public static Path boxesPath(Path clip) {
        return clip.resolveSibling(clip.getFileName() + ".boxes.jsonl");
    }

    /** Encodes the clip described by {@code spec}; blocks until the file is complete. */
    public static void make(Spec spec) {
        try {
            Path parent = spec.out().toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of " + spec.out(), e);
        }
        String encode = String.format(Locale.ROOT,
                "x264enc speed-preset=ultrafast tune=zerolatency bitrate=%d key-int-max=%d ! "
                        + "video/x-h264,profile=constrained-baseline ! h264parse ! "
                        + "video/x-h264,stream-format=byte-stream,alignment=au ! filesink location=\"%s\"",
                spec.bitrateKbps(), spec.fps() * 2, spec.out().toAbsolutePath());
        String raw = String.format(Locale.ROOT, "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                + "pixel-aspect-ratio=1/1", spec.width(), spec.height(), spec.fps());
        Duration timeout = Duration.ofSeconds(60 + spec.frames() / 5L);
        if (!"scene".equals(spec.source())) {
            PipelineRunner.runToEos("synth", "videotestsrc pattern=" + spec.source() + " num-buffers=" + spec.frames()
                    + " ! " + raw + " ! " + encode, timeout);
            return;
        }
        SceneRenderer scene = new SceneRenderer(spec.width(), spec.height(), spec.seed());
        Path gt = boxesPath(spec.out());
        try (BufferedWriter w = Files.newBufferedWriter(gt, StandardCharsets.UTF_8)) {
            PipelineRunner.runToEos("synth", "appsrc name=src format=time block=true max-bytes=" + 4 * scene.frameSize()
                    + " caps=\"" + raw + "\" ! " + encode, timeout, "src", appsrc -> feed(appsrc, scene, spec, w));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + gt, e);
        }
    }

    /**
     * A new system-memory GstBuffer holding a copy of {@code frame} (the caller owns the reference).
     *
     * @param map scratch of {@link GstNative#SIZEOF_GST_MAP_INFO} bytes, reused between calls
     */
    public static long newBuffer(byte[] frame, Memory map) {
        long buf = GstNative.gst_buffer_new_allocate(0, frame.length, 0);
        if (GstNative.gst_buffer_map(buf, Pointer.nativeValue(map), 2 /* GST_MAP_WRITE */) == 0) {
            GstNative.gst_mini_object_unref(buf);
            throw new IllegalStateException("cannot map a new buffer for writing");
        }
        new Pointer(map.getLong(GstNative.MAP_INFO_DATA)).write(0, frame, 0, frame.length);
        GstNative.gst_buffer_unmap(buf, Pointer.nativeValue(map));
        return buf;
    }

    private static void feed(long appsrc, SceneRenderer scene, Spec spec, BufferedWriter gt) {
        byte[] frame = new byte[scene.frameSize()];
        Memory map = new Memory(GstNative.SIZEOF_GST_MAP_INFO);
        long frameNs = 1_000_000_000L / spec.fps();
        try {
            for (int i = 0; i < spec.frames(); i++) {
                List<SceneRenderer.Box> boxes = scene.render(frame);
                long buf = newBuffer(frame, map);
                long pts = i * 1_000_000_000L / spec.fps();
                new Pointer(buf).setLong(GstNative.BUFFER_PTS, pts);
                new Pointer(buf).setLong(GstNative.BUFFER_DURATION, frameNs);
                int flow = GstAppNative.gst_app_src_push_buffer(appsrc, buf);
                if (flow != 0) {
                    break; // the pipeline failed; its ERROR is reported by the runner
                }
                gt.write(boxesJson(i, pts, boxes));
                gt.newLine();
            }
            GstAppNative.gst_app_src_end_of_stream(appsrc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final JsonFactory JSON = new JsonFactory();

    /** One ground-truth line: {@code {"frame":i,"pts":ns,"boxes":[[cls,x1,y1,x2,y2],...]}}. */
    public static String boxesJson(int frame, long pts, List<SceneRenderer.Box> boxes) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("frame", frame);
            g.writeNumberField("pts", pts);
            g.writeArrayFieldStart("boxes");
            for (SceneRenderer.Box b : boxes) {
                g.writeStartArray();
                g.writeNumber(b.cls());
                g.writeNumber(b.x1());
                g.writeNumber(b.y1());
                g.writeNumber(b.x2());
                g.writeNumber(b.y2());
                g.writeEndArray();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Parses command-line arguments; throws IllegalArgumentException naming a bad value. */
    public static Spec parseArgs(String[] args) {
        Path out = null;
        int width = 1280, height = 720, fps = 30, kbps = 4000, frames = 300;
        String source = "scene";
        long seed = 1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                throw new HelpRequested();
            }
            if (i + 1 >= args.length) throw new IllegalArgumentException("missing value after " + a);
            String v = args[++i];
            switch (a) {
                case "--out" -> out = Path.of(v);
                case "--width" -> width = intArg(a, v);
                case "--height" -> height = intArg(a, v);
                case "--fps" -> fps = intArg(a, v);
                case "--bitrate-kbps" -> kbps = intArg(a, v);
                case "--frames" -> frames = intArg(a, v);
                case "--source" -> source = v;
                case "--seed" -> seed = intArg(a, v);
                default -> throw new IllegalArgumentException("unknown option " + a + " (see --help)");
            }
        }
        return new Spec(out, width, height, fps, kbps, frames, source, seed);
    }

    private static int intArg(String name, String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs an integer, got '" + v + "'");
        }
    }

    /** Thrown by {@link #parseArgs} for --help. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super(null, null, false, false);
        }
    }

    static final String USAGE = """
            usage: SyntheticClip --out FILE.h264 [--width 1280] [--height 720] [--fps 30]
                                 [--bitrate-kbps 4000] [--frames 300] [--source scene|PATTERN] [--seed 1]
              --source scene   moving shapes with ground truth in FILE.h264.boxes.jsonl (default)
              --source PATTERN a videotestsrc pattern: %s
            """;

    public static void main(String[] args) {
        Spec spec;
        try {
            spec = parseArgs(args);
        } catch (HelpRequested h) {
            System.out.printf(USAGE, PATTERNS);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("SyntheticClip: " + e.getMessage());
            System.exit(2);
            return;
        }
        long t0 = System.nanoTime();
        make(spec);
        System.out.printf(Locale.ROOT, "wrote %s (%d frames %dx%d@%d, %d kbit/s) in %.1f s%n", spec.out(), spec.frames(),
                spec.width(), spec.height(), spec.fps(), spec.bitrateKbps(), (System.nanoTime() - t0) / 1e9);
        System.exit(0);
    }
}
