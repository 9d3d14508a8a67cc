package dev.vahost.examples.pixelate;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.StageSpec;
import dev.vahost.pipelines.stage.Stages;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The plugin's kernel on NVDEC frames in GPU memory, made by the service's loader from its config:
 * a batch of frames of two sizes with overlapping, odd-coordinate and partly outside boxes, boxes
 * filtered out by class and score; the frames' planes afterwards equal the CPU reference applied to
 * copies taken before (byte for byte), and the stage itself copied no byte to the host.
 */
@Tag("gpu")
class PixelateGpuTest {
    @BeforeAll
    static void gpu() {
        GpuTests.require();
        assertTrue(dev.vahost.nvmm.cuda.KernelModule.isBuilt(PixelateFactory.class, PixelateFactory.KERNELS, "pixelate"),
                "the plugin's kernel was not built");
    }

    /** Frame {@code n} of an NVDEC decode of {@code clip}, kept after the pipeline is gone. */
    static DeviceFrame frame(Path clip, long n) throws Exception {
        return dev.vahost.nvmm.NvdecFrames.frame(clip, "cam" + clip.getFileName().hashCode(), n);
    }

    record Planes(byte[] y, byte[] uv) {}

    static Planes copy(DeviceImage im) {
        byte[] y = new byte[im.width() * im.height()], uv = new byte[im.width() * im.height() / 2];
        Transfers.toHost2D(y, im.plane(0), im.pitch(0), im.width(), im.height());
        Transfers.toHost2D(uv, im.plane(1), im.pitch(1), im.width(), im.height() / 2);
        return new Planes(y, uv);
    }

    static FrameResult.Detection det(int cls, float score, float x1, float y1, float x2, float y2) {
        return new FrameResult.Detection(cls, "c" + cls, score, x1, y1, x2, y2);
    }

    @Test
    void boxesArePixelatedInPlaceExactlyAsTheCpuReferenceSays() throws Exception {
        DeviceFrame a = frame(TestClips.scene(1280, 720, 30, 31), 10), b = frame(TestClips.scene(640, 360, 30, 32), 20);
        List<List<FrameResult.Detection>> dets = List.of(
                List.of(det(0, 0.9f, 100.5f, 50.2f, 301.7f, 400f),     // person, odd coordinates
                        det(2, 0.8f, 250f, 300f, 500f, 520.5f),        // car overlapping it (drawn after it)
                        det(1, 0.9f, 600f, 100f, 700f, 200f),          // class 1: not in classes
                        det(0, 0.2f, 800f, 100f, 900f, 200f),          // below min_score
                        det(0, 0.7f, 1200f, 650f, 1400f, 800f)),       // partly outside the frame
                List.of(det(0, 0.95f, 10f, 10f, 90f, 170f), det(2, 0.5f, -20f, 300f, 33f, 400f)));
        List<DeviceFrame> frames = List.of(a, b);
        List<Planes> before = new ArrayList<>();
        List<FrameResult> results = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            DeviceImage im = frames.get(i).image();
            before.add(copy(im));
            results.add(new FrameResult("cam" + i, frames.get(i).sequence(), 0, im.width(), im.height(), dets.get(i)));
        }
        try (StageRunner r = Stages.create(List.of(StageSpec.parse("pixelate:p={\"classes\":[0,2],\"min_score\":0.3,\"cell\":8}")),
                List.of(), true, 4); CudaStream stream = CudaStream.create()) {
            long toHost = Transfers.bytesToHost(), toDevice = Transfers.bytesToDevice();
            List<FrameResult> out = r.run(results, frames, stream);
            assertEquals(0, Transfers.bytesToHost() - toHost, "the stage copies nothing to the host");
            long table = Transfers.bytesToDevice() - toDevice;
            assertTrue(table > 0 && table <= 4 * 32 + 6 * 16, "one small table up: " + table + " bytes");
            stream.synchronize();
            assertEquals(0, r.stats().get(0).failures());
            assertEquals(3, out.get(0).meta().get("pixelated"));
            assertEquals(2, out.get(1).meta().get("pixelated"));
            for (int i = 0; i < 2; i++) {
                DeviceImage im = frames.get(i).image();
                List<int[]> boxes = new ArrayList<>();
                for (FrameResult.Detection d : dets.get(i)) {
                    if (d.score() < 0.3f || d.classId() == 1) continue;
                    int[] bx = PixelBoxes.align(d.x1(), d.y1(), d.x2(), d.y2(), im.width(), im.height());
                    if (bx != null) boxes.add(bx);
                }
                Planes want = new Planes(before.get(i).y().clone(), before.get(i).uv().clone());
                PixelateReference.apply(want.y(), im.width(), want.uv(), im.width(), boxes, 8);
                Planes got = copy(im);
                int changed = 0;
                for (int k = 0; k < want.y().length; k++) if (want.y()[k] != before.get(i).y()[k]) changed++;
                assertTrue(changed > 1000, "frame " + i + ": the reference changed " + changed + " luma pixels");
                assertArrayEquals(want.y(), got.y(), "frame " + i + " luma");
                assertArrayEquals(want.uv(), got.uv(), "frame " + i + " chroma");
            }
        } finally {
            a.close();
            b.close();
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }
}
