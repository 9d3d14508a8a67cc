package dev.vahost.ops.gpu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.ColorConvert;
import dev.vahost.ops.Compare;
import dev.vahost.ops.DecodedFrames;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.LetterboxResize;
import dev.vahost.ops.Normalize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.Resize;
import dev.vahost.ops.cpu.ColorConvertCpu;
import dev.vahost.ops.cpu.LetterboxResizeCpu;
import dev.vahost.ops.cpu.ResizeCpu;
import dev.vahost.ops.internal.Half;

/**
 * Writes what the GPU ops make of real decoded frames for the independent check with OpenCV in
 * Python (tools/gpu/ops_cv2_check.py, run on the GPU machine where cv2 exists and Java does not):
 * the NV12 frames, the GPU colour conversion (BT.601 limited, i.e. cv2.COLOR_YUV2RGB_NV12), GPU
 * resizes of that RGB, and one fused letterbox batch in fp32 and fp16 without normalisation.
 * Directory: system property {@code vahost.goldenOut}, else env {@code VAHOST_GOLDEN_OUT}, else
 * target/ops-golden; raw files plus index.json. Each output is also checked against the Java
 * reference here, so a failure shows on the Java side too.
 */
@Tag("gpu")
class OpenCvGoldenGpuTest {
    static Path dir() {
        String d = System.getProperty("vahost.goldenOut", System.getenv().getOrDefault("VAHOST_GOLDEN_OUT", "target/ops-golden"));
        return Path.of(d);
    }

    @Test
    void writeGoldenOutputs() throws IOException {
        GpuTests.require("ops/cvt_color", "ops/resize", "ops/letterbox");
        Path dir = dir();
        Files.createDirectories(dir);
        ColorSpec bt601 = ColorSpec.BT601_LIMITED; // OpenCV's YUV2RGB_NV12
        List<HostImage> frames = List.of(
                DecodedFrames.decode(TestClips.scene(1920, 1080, 1, 71), PixelFormat.NV12, 1, bt601).get(0),
                DecodedFrames.decode(TestClips.scene(1280, 720, 1, 72), PixelFormat.NV12, 1, bt601).get(0),
                DecodedFrames.decode(TestClips.scene(640, 480, 1, 73), PixelFormat.NV12, 1, bt601).get(0));
        int[][][] sizes = { // resize targets per frame: down, odd down, up
                {{640, 360}, {333, 187}},
                {{416, 234}, {1281, 721}},
                {{1001, 777}, {17, 13}}};
        StringBuilder json = new StringBuilder("{\n  \"frames\": [\n");
        List<String> outputs = new ArrayList<>();
        try (GpuImages g = new GpuImages("ops-golden", 1L << 30); CudaStream s = CudaStream.create()) {
            ColorConvert cvt = ColorConvert.create();
            List<DeviceImage> dev = new ArrayList<>();
            for (int i = 0; i < frames.size(); i++) {
                HostImage f = frames.get(i);
                DeviceImage d = g.upload(f, i == 0 ? 128 : 0); // 1920 wide at pitch 2048, as NVDEC gives it
                dev.add(d);
                write(dir.resolve("frame" + i + ".nv12"), f.planeBytes(0), f.planeBytes(1));
                json.append(String.format(Locale.ROOT, "    {\"id\": %d, \"file\": \"frame%d.nv12\", \"width\": %d, "
                        + "\"height\": %d, \"format\": \"NV12\", \"matrix\": \"BT601\", \"range\": \"LIMITED\"}%s%n",
                        i, i, f.width(), f.height(), i + 1 < frames.size() ? "," : ""));

                DeviceImage rgb = g.allocateImage(PixelFormat.RGB, f.width(), f.height(), 0, bt601);
                cvt.submit(s, d, rgb);
                s.synchronize();
                HostImage rgbHost = GpuImages.download(rgb);
                Compare.u8(ColorConvertCpu.convert(f, ChannelOrder.RGB), rgbHost, 1, "golden cvt frame " + i);
                write(dir.resolve("cvt" + i + ".rgb"), rgbHost.planeBytes(0));
                outputs.add(String.format(Locale.ROOT, "{\"kind\": \"cvtColor\", \"frame\": %d, \"file\": \"cvt%d.rgb\", "
                        + "\"width\": %d, \"height\": %d}", i, i, f.width(), f.height()));

                for (Interpolation interp : Interpolation.values()) {
                    Resize rs = Resize.create(interp);
                    for (int[] wh : sizes[i]) {
                        DeviceImage out = g.allocateImage(PixelFormat.RGB, wh[0], wh[1], 0, bt601);
                        rs.submit(s, rgb, out);
                        s.synchronize();
                        HostImage got = GpuImages.download(out);
                        Compare.u8(ResizeCpu.resize(rgbHost, wh[0], wh[1], interp), got, 1,
                                "golden resize " + interp + " frame " + i + " -> " + wh[0] + "x" + wh[1]);
                        String name = String.format(Locale.ROOT, "resize%d_%s_%dx%d.rgb", i,
                                interp.name().toLowerCase(Locale.ROOT), wh[0], wh[1]);
                        write(dir.resolve(name), got.planeBytes(0));
                        outputs.add(String.format(Locale.ROOT, "{\"kind\": \"resize\", \"frame\": %d, \"input\": \"cvt%d.rgb\", "
                                + "\"file\": \"%s\", \"interpolation\": \"%s\", \"width\": %d, \"height\": %d}",
                                i, i, name, interp, wh[0], wh[1]));
                    }
                }
            }
            json.append("  ],\n");

            for (DType dtype : List.of(DType.F32, DType.F16)) {
                PreprocessConfig c = PreprocessConfig.letterbox(640, 640).withDType(dtype).withNormalize(Normalize.none());
                try (LetterboxResize op = LetterboxResize.create(c, frames.size(), g.pool())) {
                    DeviceTensor out = g.tensor(s, dtype, c.shape(frames.size()));
                    Letterbox[] placed = new Letterbox[frames.size()];
                    op.submit(s, dev, null, out, placed);
                    s.synchronize();
                    float[] got = GpuImages.download(out);
                    Compare.tensor(LetterboxResizeCpu.run(frames, null, c).values(), got, dtype, "golden letterbox " + dtype);
                    String name = "letterbox_" + dtype.name().toLowerCase(Locale.ROOT) + ".bin";
                    writeTensor(dir.resolve(name), got, dtype);
                    StringBuilder fr = new StringBuilder();
                    for (int i = 0; i < placed.length; i++) {
                        Letterbox b = placed[i];
                        fr.append(String.format(Locale.ROOT, "%s{\"frame\": %d, \"pad_x\": %d, \"pad_y\": %d, \"width\": %d, "
                                + "\"height\": %d}", i == 0 ? "" : ", ", i, b.padX(), b.padY(), b.width(), b.height()));
                    }
                    outputs.add(String.format(Locale.ROOT, "{\"kind\": \"letterbox\", \"file\": \"%s\", \"dtype\": \"%s\", "
                            + "\"layout\": \"NCHW\", \"order\": \"RGB\", \"out_width\": 640, \"out_height\": 640, \"pad\": %d, "
                            + "\"interpolation\": \"LINEAR\", \"fit\": \"LETTERBOX_CENTER\", \"frames\": [%s]}",
                            name, dtype == DType.F32 ? "float32" : "float16", c.padValue(), fr));
                }
            }
        }
        json.append("  \"outputs\": [\n    ").append(String.join(",\n    ", outputs)).append("\n  ]\n}\n");
        Files.writeString(dir.resolve("index.json"), json);
        System.out.println("golden outputs for ops_cv2_check.py: " + dir.toAbsolutePath() + " (" + outputs.size() + " outputs)");
    }

    private static void write(Path p, byte[]... parts) throws IOException {
        int n = 0;
        for (byte[] b : parts) n += b.length;
        ByteBuffer all = ByteBuffer.allocate(n);
        for (byte[] b : parts) all.put(b);
        Files.write(p, all.array());
    }

    /** Little-endian raw values: float32, or float16 re-encoded from the downloaded values (exact). */
    private static void writeTensor(Path p, float[] v, DType dtype) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(v.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            if (dtype == DType.F32) {
                b.putFloat(f);
            } else {
                b.putShort(Half.fromFloat(f));
            }
        }
        Files.write(p, b.array());
    }
}
