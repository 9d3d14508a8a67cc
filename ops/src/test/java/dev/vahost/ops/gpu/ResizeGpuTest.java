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
import dev.vahost.ops.Compare;
import dev.vahost.ops.DecodedFrames;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Rect;
import dev.vahost.ops.Resize;
import dev.vahost.ops.TestImages;
import dev.vahost.ops.cpu.ResizeCpu;

/**
 * resize_{linear,nearest}_u8_{c3,c4} against ResizeCpu (8-bit, within 1) on decoded frames: down,
 * up, odd sizes, identity, crop-and-resize at odd origins, 1x1 both ways, 3 and 4 channels.
 * Comparison with cv2.resize: OpenCvGoldenGpuTest + ops_cv2_check.py.
 */
@Tag("gpu")
class ResizeGpuTest {
    static Path clip;

    @BeforeAll
    static void gpu() {
        GpuTests.require("ops/resize");
        clip = TestClips.scene(1280, 720, 1, 43);
    }

    static void check(GpuImages g, CudaStream s, Resize op, HostImage in, Rect region, int w, int h, String what) {
        check(g, s, op, in, g.upload(in, 29), region, w, h, what);
    }

    static void check(GpuImages g, CudaStream s, Resize op, HostImage in, DeviceImage d, Rect region, int w, int h,
                      String what) {
        DeviceImage out = g.allocateImage(in.format(), w, h, 7, in.color());
        op.submit(s, d, region, out);
        s.synchronize();
        Compare.u8(ResizeCpu.resize(in, region, w, h, op.interpolation()), GpuImages.download(out), 1, what);
    }

    @Test
    void decodedFramesDownUpOddAndCropped() {
        try (GpuImages g = new GpuImages("ops-resize", 512L << 20); CudaStream s = CudaStream.create()) {
            for (Interpolation i : Interpolation.values()) {
                Resize op = Resize.create(i);
                for (PixelFormat f : List.of(PixelFormat.RGB, PixelFormat.BGRA)) {
                    HostImage img = DecodedFrames.decode(clip, f, 1, ColorSpec.BT601_LIMITED).get(0);
                    Rect all = Rect.full(img.width(), img.height());
                    DeviceImage d = g.upload(img, 29);
                    for (int[] wh : new int[][] {{640, 360}, {333, 187}, {1920, 1080}, {1280, 720}, {641, 1}, {1, 1}}) {
                        check(g, s, op, img, d, all, wh[0], wh[1], i + " " + f + " 1280x720 -> " + wh[0] + "x" + wh[1]);
                    }
                    check(g, s, op, img, d, new Rect(101, 33, 555, 321), 224, 224, i + " " + f + " crop 555x321+101+33 -> 224x224");
                    check(g, s, op, img, d, new Rect(1279, 719, 1, 1), 3, 2, i + " " + f + " crop of the last pixel -> 3x2");
                }
            }
        }
    }

    @Test
    void tinyRandomImages() {
        try (GpuImages g = new GpuImages("ops-resize-tiny", 16L << 20); CudaStream s = CudaStream.create()) {
            int seed = 100;
            for (Interpolation i : Interpolation.values()) {
                Resize op = Resize.create(i);
                for (int[] c : new int[][] {{1, 1, 5, 3}, {5, 3, 1, 1}, {7, 5, 7, 5}, {3, 9, 10, 2}}) {
                    HostImage img = TestImages.random(PixelFormat.BGR, c[0], c[1], 0, ColorSpec.BT601_LIMITED, seed++);
                    check(g, s, op, img, Rect.full(c[0], c[1]), c[2], c[3],
                            i + " random " + c[0] + "x" + c[1] + " -> " + c[2] + "x" + c[3]);
                }
            }
        }
    }
}
