package dev.vahost.pipelines.view;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.ops.HostImage;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.StageRunner;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The view on the GPU path, on NVDEC frames: watched frames drawn by the overlay kernel and encoded
 * by nvJPEG; the pictures against the CPU path's drawing of the same frames (Osd on RgbImage), the
 * unwatched stream untouched, and nothing but JPEG bytes copied to the host.
 */
@Tag("gpu")
class ViewStageGpuTest {
    @BeforeAll
    static void gpu() {
        GpuTests.require("ops/overlay");
    }

    static DeviceFrame frame(Path clip, String stream, long n) throws Exception {
        return dev.vahost.nvmm.NvdecFrames.frame(clip, stream, n);
    }

    static HostImage download(DeviceImage im) {
        int w = im.width(), h = im.height();
        byte[] y = new byte[w * h], uv = new byte[w * ((h + 1) / 2)];
        Transfers.toHost2D(y, im.plane(0), im.pitch(0), w, h);
        Transfers.toHost2D(uv, im.plane(1), im.pitch(1), w, (h + 1) / 2);
        byte[] all = new byte[y.length + uv.length];
        System.arraycopy(y, 0, all, 0, y.length);
        System.arraycopy(uv, 0, all, y.length, uv.length);
        return new HostImage(PixelFormat.NV12, w, h, ByteBuffer.wrap(all), new int[] {0, y.length}, new int[] {w, w}, im.color());
    }

    @Test
    void watchedFramesAreDrawnOnTheGpuAndOnlyJpegBytesCrossToTheHost() throws Exception {
        DeviceFrame a = frame(TestClips.scene(1920, 1080, 12, 51), "cam-a", 5), b = frame(TestClips.scene(640, 360, 12, 52), "cam-b", 7),
                c = frame(TestClips.scene(640, 360, 12, 53), "cam-c", 3);
        List<List<FrameResult.Detection>> dets = List.of(
                List.of(new FrameResult.Detection(0, "person", 0.91f, 100.4f, 200.6f, 400f, 700f),
                        new FrameResult.Detection(2, "car", 0.5f, 1700f, 900f, 2000f, 1200f),   // partly outside
                        new FrameResult.Detection(1, null, 0.33f, 0f, 0f, 60f, 40f)),          // label inside the box
                List.of(new FrameResult.Detection(5, "bus", 0.77f, 20f, 30f, 300f, 250f)),
                List.of(new FrameResult.Detection(0, "person", 0.9f, 10f, 10f, 100f, 100f)));
        List<DeviceFrame> frames = List.of(a, b, c);
        List<FrameResult> results = new ArrayList<>();
        List<HostImage> before = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            DeviceImage im = frames.get(i).image();
            before.add(download(im));
            results.add(new FrameResult(frames.get(i).streamId(), frames.get(i).sequence(), 0, im.width(), im.height(), dets.get(i)));
        }
        ViewStage v = new ViewStage("view", 2, 5_000_000_000L, Set.of("cam-a", "cam-b"), 90, null);
        try (StageRunner r = StageRunner.of(List.of(new StageRunner.Named("view", "view", v))); CudaStream stream = CudaStream.create()) {
            long toHost = Transfers.bytesToHost();
            r.run(results, frames, stream);
            assertEquals(0, Transfers.bytesToHost() - toHost, "the batch thread copies nothing to the host");
            stream.synchronize();
            assertTrue(v.awaitRendered(30_000));
            assertEquals(0, r.stats().get(0).failures());
            assertNull(v.picture("cam-c"), "nobody watches cam-c");
            assertEquals(new ViewStage.Counts(0, 0, 0, 0, 0, 0), v.counts("cam-c"));
            for (int i = 0; i < 2; i++) {
                String id = frames.get(i).streamId();
                ViewStage.Picture p = v.picture(id);
                assertNotNull(p, id);
                ViewStage.Counts counts = v.counts(id);
                assertEquals(1, counts.pictures());
                assertEquals(p.jpeg().length, counts.bytesToHost(), id + ": the JPEG is all that crossed to the host");
                BufferedImage got = ImageIO.read(new ByteArrayInputStream(p.jpeg()));
                RgbImage want = RgbImage.of(before.get(i));
                Osd.draw(want, dets.get(i), List.of());
                assertEquals(want.width(), got.getWidth());
                assertEquals(want.height(), got.getHeight());
                double se = 0;
                for (int y = 0; y < want.height(); y++) {
                    for (int x = 0; x < want.width(); x++) {
                        int q = got.getRGB(x, y), w = want.get(x, y);
                        for (int k = 0; k < 3; k++) {
                            double d = (q >> (8 * k) & 255) - (w >> (8 * k) & 255);
                            se += d * d;
                        }
                    }
                }
                double psnr = 10 * Math.log10(255.0 * 255.0 / (se / (3.0 * want.width() * want.height())));
                // the box's left outline, below the label: the class colour (person: green, bus: #0080FF)
                int[] at = i == 0 ? new int[] {100, 400} : new int[] {20, 200};
                int px = got.getRGB(at[0], at[1]) & 0xFFFFFF, expect = Osd.classColour(dets.get(i).get(0).classId());
                System.out.printf(Locale.ROOT, "view GPU %s %dx%d: JPEG %d bytes, PSNR %.1f dB against the CPU path's drawing; outline pixel #%06X (class colour #%06X)%n",
                        id, got.getWidth(), got.getHeight(), p.jpeg().length, psnr, px, expect);
                assertTrue(psnr >= 35, id + ": PSNR " + psnr);
                for (int k = 0; k < 3; k++) {
                    assertTrue(Math.abs((px >> (8 * k) & 255) - (expect >> (8 * k) & 255)) <= 40, String.format("#%06X vs #%06X", px, expect));
                }
                String out = System.getenv("OUT");
                if (out != null) Files.write(Path.of(out, "view-gpu-" + id + ".jpg"), p.jpeg());
            }
        } finally {
            v.close();
            for (DeviceFrame f : frames) f.close();
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }
}
