package dev.vahost.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.Half;

/**
 * The files tools/gpu/ops_cv2_check.py reads: NV12 frames, their RGB conversion (BT.601 limited =
 * cv2.COLOR_YUV2RGB_NV12), resizes of that RGB, and a 640x640 letterbox batch (no normalisation),
 * as raw little-endian files plus index.json. Written by OpenCvGoldenGpuTest (GPU outputs) and by
 * CpuGoldenOutputs (the CPU references).
 */
public final class GoldenSet {
    /** Resize targets per frame: down, odd down / up. */
    public static final int[][][] SIZES = {
            {{640, 360}, {333, 187}},
            {{416, 234}, {1281, 721}},
            {{1001, 777}, {17, 13}}};

    private final Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArrayNode frames = JSON.createArrayNode();
    private final ArrayNode outputs = JSON.createArrayNode();

    public GoldenSet(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory: system property vahost.goldenOut, env VAHOST_GOLDEN_OUT, else {@code fallback}. */
    public static Path dir(String fallback) {
        return Path.of(System.getProperty("vahost.goldenOut", System.getenv().getOrDefault("VAHOST_GOLDEN_OUT", fallback)));
    }

    /** Three decoded frames (1920x1080, 1280x720, 480x270: letterboxed down, down, up), NV12 in system memory, BT.601 limited. */
    public static List<HostImage> decodeFrames() {
        ColorSpec bt601 = ColorSpec.BT601_LIMITED;
        return List.of(
                DecodedFrames.decode(TestClips.scene(1920, 1080, 1, 71), PixelFormat.NV12, 1, bt601).get(0),
                DecodedFrames.decode(TestClips.scene(1280, 720, 1, 72), PixelFormat.NV12, 1, bt601).get(0),
                DecodedFrames.decode(TestClips.scene(480, 270, 1, 73), PixelFormat.NV12, 1, bt601).get(0));
    }

    /** The 640x640 letterbox config of the golden set: fp32/fp16 NCHW RGB, bilinear, centred, pad 114, raw 0..255. */
    public static PreprocessConfig letterboxConfig(DType dtype) {
        return PreprocessConfig.letterbox(640, 640).withDType(dtype).withNormalize(Normalize.none());
    }

    public void frame(int id, HostImage nv12) {
        write("frame" + id + ".nv12", nv12.planeBytes(0), nv12.planeBytes(1));
        frames.addObject().put("id", id).put("file", "frame" + id + ".nv12").put("width", nv12.width())
                .put("height", nv12.height()).put("format", "NV12").put("matrix", "BT601").put("range", "LIMITED");
    }

    public void cvt(int frame, HostImage rgb) {
        write("cvt" + frame + ".rgb", rgb.planeBytes(0));
        outputs.addObject().put("kind", "cvtColor").put("frame", frame).put("file", "cvt" + frame + ".rgb")
                .put("width", rgb.width()).put("height", rgb.height());
    }

    public void resize(int frame, Interpolation interp, HostImage out) {
        String name = String.format(Locale.ROOT, "resize%d_%s_%dx%d.rgb", frame, interp.name().toLowerCase(Locale.ROOT),
                out.width(), out.height());
        write(name, out.planeBytes(0));
        outputs.addObject().put("kind", "resize").put("frame", frame).put("input", "cvt" + frame + ".rgb").put("file", name)
                .put("interpolation", interp.toString()).put("width", out.width()).put("height", out.height());
    }

    public void letterbox(PreprocessConfig c, float[] values, List<Letterbox> placed) {
        String name = "letterbox_" + c.dtype().name().toLowerCase(Locale.ROOT) + ".bin";
        ByteBuffer b = ByteBuffer.allocate(values.length * c.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : values) {
            if (c.dtype() == DType.F32) {
                b.putFloat(f);
            } else {
                b.putShort(Half.fromFloat(f)); // exact: the values are fp16 values
            }
        }
        write(name, b.array());
        ObjectNode o = outputs.addObject().put("kind", "letterbox").put("file", name)
                .put("dtype", c.dtype() == DType.F32 ? "float32" : "float16").put("layout", "NCHW").put("order", "RGB")
                .put("out_width", c.width()).put("out_height", c.height()).put("pad", c.padValue())
                .put("interpolation", "LINEAR").put("fit", "LETTERBOX_CENTER");
        ArrayNode fr = o.putArray("frames");
        for (int i = 0; i < placed.size(); i++) {
            Letterbox lb = placed.get(i);
            fr.addObject().put("frame", i).put("pad_x", lb.padX()).put("pad_y", lb.padY()).put("width", lb.width())
                    .put("height", lb.height());
        }
    }

    /** Writes index.json; returns the directory. */
    public Path finish(String producer) {
        ObjectNode index = JSON.createObjectNode().put("producer", producer);
        index.set("frames", frames);
        index.set("outputs", outputs);
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("index.json").toFile(), index);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("golden outputs (" + producer + ") for ops_cv2_check.py: " + dir.toAbsolutePath() + ", "
                + outputs.size() + " outputs");
        return dir;
    }

    private void write(String name, byte[]... parts) {
        int n = 0;
        for (byte[] b : parts) n += b.length;
        ByteBuffer all = ByteBuffer.allocate(n);
        for (byte[] b : parts) all.put(b);
        try {
            Files.write(dir.resolve(name), all.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
