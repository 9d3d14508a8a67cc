package dev.vahost.ops.gpu;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.ColorConvert;
import dev.vahost.ops.Compare;
import dev.vahost.ops.DecodedFrames;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.TestImages;
import dev.vahost.ops.cpu.ColorConvertCpu;

/**
 * cvt_color_to_rgb_u8 against ColorConvertCpu (8-bit, within 1; the arithmetic is integer, so 0 is
 * expected) on frames decoded by openh264dec, in every input format, every colour spec, both
 * orders, with pitch > row. Comparison with cv2.cvtColor: OpenCvGoldenGpuTest + ops_cv2_check.py.
 */
@Tag("gpu")
class ColorConvertGpuTest {
    static final List<ColorSpec> SPECS = List.of(ColorSpec.BT601_LIMITED, ColorSpec.BT709_LIMITED, ColorSpec.BT601_FULL,
            ColorSpec.BT709_FULL);
    static Path clip;

    @BeforeAll
    static void gpu() {
        GpuTests.require("ops/cvt_color");
        clip = TestClips.scene(1280, 720, 2, 41);
    }

    static void check(GpuImages g, CudaStream s, ColorConvert op, HostImage in, int extraPitch, ChannelOrder order,
                      String what) {
        DeviceImage d = g.upload(in, extraPitch);
        DeviceImage out = g.allocateImage(order == ChannelOrder.RGB ? PixelFormat.RGB : PixelFormat.BGR, in.width(),
                in.height(), 13, in.color());
        op.submit(s, d, out);
        s.synchronize();
        Compare.u8(ColorConvertCpu.convert(in, order), GpuImages.download(out), 1, what);
    }

    @Test
    void decodedYuvFramesInEverySpecAndOrder() {
        HostImage nv12 = DecodedFrames.decode(clip, PixelFormat.NV12, 1, ColorSpec.BT601_LIMITED).get(0);
        HostImage i420 = DecodedFrames.decode(clip, PixelFormat.I420, 2, ColorSpec.BT601_LIMITED).get(1);
        try (GpuImages g = new GpuImages("ops-cvt-yuv", 512L << 20); CudaStream s = CudaStream.create()) {
            ColorConvert op = ColorConvert.create();
            for (ColorSpec spec : SPECS) {
                for (ChannelOrder order : ChannelOrder.values()) {
                    check(g, s, op, nv12.withColor(spec), 77, order, "NV12 1280x720 " + spec + " -> " + order);
                    check(g, s, op, i420.withColor(spec), 64, order, "I420 1280x720 " + spec + " -> " + order);
                }
            }
        }
    }

    @Test
    void decodedPackedFrames() {
        try (GpuImages g = new GpuImages("ops-cvt-packed", 256L << 20); CudaStream s = CudaStream.create()) {
            ColorConvert op = ColorConvert.create();
            for (PixelFormat f : List.of(PixelFormat.RGBA, PixelFormat.BGRX, PixelFormat.RGB, PixelFormat.BGR)) {
                HostImage img = DecodedFrames.decode(clip, f, 1, ColorSpec.BT601_LIMITED).get(0);
                check(g, s, op, img, 5, ChannelOrder.RGB, f + " 1280x720 -> RGB");
                check(g, s, op, img, 0, ChannelOrder.BGR, f + " 1280x720 -> BGR");
            }
        }
    }

    /** Odd sizes (chroma of the last column/row), 1x1, tiny pitches, random content. */
    @Test
    void oddSizesAndOnePixel() {
        try (GpuImages g = new GpuImages("ops-cvt-odd", 64L << 20); CudaStream s = CudaStream.create()) {
            ColorConvert op = ColorConvert.create();
            int seed = 1;
            for (PixelFormat f : List.of(PixelFormat.NV12, PixelFormat.I420, PixelFormat.BGRA, PixelFormat.RGBX)) {
                for (int[] wh : new int[][] {{333, 187}, {1, 1}, {5, 3}, {2, 7}}) {
                    HostImage img = TestImages.random(f, wh[0], wh[1], 0, ColorSpec.BT709_LIMITED, seed++);
                    check(g, s, op, img, 3, ChannelOrder.RGB, f + " " + wh[0] + "x" + wh[1] + " random");
                }
            }
        }
    }
}
