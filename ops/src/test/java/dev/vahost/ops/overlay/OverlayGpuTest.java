package dev.vahost.ops.overlay;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.ops.DecodedFrames;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.TestImages;
import dev.vahost.ops.jpeg.JpegEncoderGpu;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The OSD kernel and nvJPEG on the GPU: a batch of frames of several formats and sizes (a decoded
 * 1080p frame among them) with random overlays, in one launch, against ColorConvertCpu then
 * OverlayCpu; then the JPEG nvJPEG makes of a drawn 1080p picture, decoded by javax.imageio.
 */
@Tag("gpu")
class OverlayGpuTest {
    static Path clip;

    @BeforeAll
    static void gpu() {
        GpuTests.require("ops/overlay");
        clip = TestClips.scene(1920, 1080, 2, 43);
    }

    static List<HostImage> frames() {
        return List.of(
                DecodedFrames.decode(clip, PixelFormat.NV12, 1, ColorSpec.BT709_LIMITED).get(0),
                TestImages.random(PixelFormat.NV12, 333, 187, 3, ColorSpec.BT601_LIMITED, 1),
                TestImages.random(PixelFormat.I420, 64, 48, 0, ColorSpec.BT709_FULL, 2),
                TestImages.random(PixelFormat.RGBA, 121, 33, 8, ColorSpec.BT601_LIMITED, 3),
                TestImages.random(PixelFormat.NV12, 2, 2, 0, ColorSpec.BT601_LIMITED, 4));
    }

    /**
     * Figure pixels (those the reference overlay draws) must be equal; the others are the colour
     * conversion's, held to ColorConvertGpuTest's tolerance of 1.
     */
    static void compare(HostImage frame, Overlay o, HostImage got, String what) {
        byte[] want = OverlayCases.reference(frame, o);
        int w = frame.width(), h = frame.height();
        int[] mask = new int[w * h];
        java.util.Arrays.fill(mask, -1);
        OverlayCpu.draw(mask, w, h, o);
        int figurePixels = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean figure = mask[y * w + x] != -1;
                if (figure) figurePixels++;
                for (int c = 0; c < 3; c++) {
                    int a = want[3 * (y * w + x) + c] & 255, b = got.get(0, 3 * x + c, y);
                    if (figure ? a != b : Math.abs(a - b) > 1) {
                        fail(what + ": pixel (" + x + ", " + y + ") channel " + c + (figure ? " (figure)" : "") + ": kernel " + b
                                + ", reference " + a);
                    }
                }
            }
        }
        System.out.printf(Locale.ROOT, "overlay %s: %d figures, %d figure pixels equal, the rest within 1%n", what, o.count(), figurePixels);
    }

    @Test
    void oneLaunchDrawsABatchOfFramesAsTheCpuReferenceDoes() {
        List<HostImage> host = frames();
        try (GpuImages g = new GpuImages("overlay-test", 1L << 30); CudaStream s = CudaStream.create();
             OverlayGpu op = OverlayGpu.create(g.pool())) {
            for (int round = 0; round < 3; round++) {
                List<OverlayGpu.Target> targets = new ArrayList<>();
                List<DeviceImage> outs = new ArrayList<>();
                for (int i = 0; i < host.size(); i++) {
                    HostImage h = host.get(i);
                    Overlay o = OverlayCases.random(h.width(), h.height(), 100L * round + i);
                    if (i == 0 && round == 2) for (int k = 0; k < 40; k++) OverlayCases.appendTo(o, h.width(), h.height(), k); // ~1000 figures
                    DeviceImage out = g.allocateImage(PixelFormat.RGB, h.width(), h.height(), 5 * i, h.color());
                    outs.add(out);
                    targets.add(new OverlayGpu.Target(g.upload(h, 7), out.plane(0), out.pitch(0), o));
                }
                op.submit(s, targets);
                s.synchronize();
                for (int i = 0; i < host.size(); i++) {
                    HostImage h = host.get(i);
                    compare(h, targets.get(i).overlay(), GpuImages.download(outs.get(i)),
                            "round " + round + " " + h.format() + " " + h.width() + "x" + h.height());
                }
            }
            assertEquals(3, op.launches(), "one launch per batch");
        }
    }

    @Test
    void nvJpegEncodesTheDrawnPictureFaithfully() throws Exception {
        String why = JpegEncoderGpu.unavailable();
        assertNull(why, "nvJPEG must load on the GPU machine: " + why);
        HostImage frame = frames().get(0);
        Overlay o = OverlayCases.random(frame.width(), frame.height(), 7);
        int w = frame.width(), h = frame.height();
        try (GpuImages g = new GpuImages("jpeg-test", 1L << 30); OverlayGpu op = OverlayGpu.create(g.pool());
             JpegEncoderGpu jpeg = JpegEncoderGpu.create(90)) {
            DeviceImage out = g.allocateImage(PixelFormat.RGB, w, h, 64, frame.color());
            op.submit(jpeg.stream(), List.of(new OverlayGpu.Target(g.upload(frame, 0), out.plane(0), out.pitch(0), o)));
            long t0 = System.nanoTime();
            byte[] bytes = jpeg.encode(out.plane(0), out.pitch(0), w, h);
            double ms = (System.nanoTime() - t0) / 1e6;
            for (int k = 0; k < 5; k++) jpeg.encode(out.plane(0), out.pitch(0), w, h);
            long t1 = System.nanoTime();
            byte[] again = jpeg.encode(out.plane(0), out.pitch(0), w, h);
            double warm = (System.nanoTime() - t1) / 1e6;
            assertArrayEquals(bytes, again, "the same picture encodes to the same bytes");
            assertEquals(0xFFD8, (bytes[0] & 255) << 8 | bytes[1] & 255, "JPEG SOI");
            assertEquals(0xFFD9, (bytes[bytes.length - 2] & 255) << 8 | bytes[bytes.length - 1] & 255, "JPEG EOI");
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
            assertNotNull(img, "javax.imageio decodes nvJPEG's output");
            assertEquals(w, img.getWidth());
            assertEquals(h, img.getHeight());
            byte[] want = OverlayCases.reference(frame, o);
            double se = 0;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = img.getRGB(x, y);
                    for (int c = 0; c < 3; c++) {
                        double d = (p >> (16 - 8 * c) & 255) - (want[3 * (y * w + x) + c] & 255);
                        se += d * d;
                    }
                }
            }
            double psnr = 10 * Math.log10(255.0 * 255.0 / (se / (3.0 * w * h)));
            System.out.printf(Locale.ROOT, "nvJPEG %dx%d quality 90 (%s): %d bytes, PSNR %.1f dB against the drawn picture; first encode %.1f ms, warm %.2f ms%n",
                    w, h, dev.vahost.ops.jpeg.NvJpeg.library(), bytes.length, psnr, ms, warm);
            assertTrue(psnr >= 35, "PSNR " + psnr + " dB");
            String dir = System.getenv("OUT");
            if (dir != null) Files.write(Path.of(dir, "overlay-gpu-1080p.jpg"), bytes);
        }
    }
}
