package dev.vahost.nvmm;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.StreamState;
import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.nvmm.gst.GstCudaContextSharing;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Frames decoded by NVDEC into CUDA memory, mapped without a host copy, in the shared context.
 * Not covered: DeepStream NVMM buffers (no DeepStream here; NvBufSurfacesTest covers the layouts),
 * multi-memory CUDA buffers (no element here produces them; the check is a count).
 */
@Tag("gpu")
class DeviceFrameGpuTest {
    static Path clip;

    @BeforeAll
    static void gpu() {
        GpuTests.require("nvmm/frame_probe");
        clip = TestClips.scene(1280, 720, 90, 21);
    }

    static StreamPipeline cudaDecoder(String id, Path clip) {
        StreamPipeline p = StreamPipeline.fromLaunch(id, "filesrc location=" + clip
                + " ! h264parse ! nvh264dec ! video/x-raw(memory:CUDAMemory),format=NV12 ! appsink name=sink");
        GstCudaContextSharing.share(p);
        return p;
    }

    record Planes(long pts, byte[] y, byte[] u, byte[] v) {}

    @Test
    void nvdecFramesEqualOpenh264FramesBitForBit() throws Exception {
        List<Planes> gpu = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (StreamPipeline p = cudaDecoder("nvdec", clip)) {
            p.start(f -> {
                try (DeviceFrame df = DeviceFrame.fromCuda(f)) {
                    DeviceImage im = df.image();
                    assertEquals(PixelFormat.NV12, im.format());
                    int w = im.width(), h = im.height();
                    byte[] y = new byte[w * h], uv = new byte[w * h / 2];
                    Transfers.toHost2D(y, im.plane(0), im.pitch(0), w, h); // test-only copy, for the comparison
                    Transfers.toHost2D(uv, im.plane(1), im.pitch(1), w, h / 2);
                    byte[] u = new byte[w * h / 4], v = new byte[w * h / 4];
                    for (int i = 0; i < u.length; i++) {
                        u[i] = uv[2 * i];
                        v[i] = uv[2 * i + 1];
                    }
                    gpu.add(new Planes(df.ptsNanos(), y, u, v));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            assertTrue(p.awaitEnd(60, TimeUnit.SECONDS));
            assertEquals(StreamState.EOS, p.state(), String.valueOf(p.lastError()));
        }
        if (failure.get() != null) throw new AssertionError("GPU frame handling failed", failure.get());
        List<Planes> cpu = new CopyOnWriteArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("openh264", "filesrc location=" + clip
                + " ! h264parse ! openh264dec ! video/x-raw,format=I420 ! appsink")) {
            p.start(f -> {
                try (f) {
                    ByteBuffer b = f.map();
                    int w = f.info().width(), h = f.info().height();
                    cpu.add(new Planes(f.ptsNanos(), plane(b, f.planeOffset(0), f.stride(0), w, h),
                            plane(b, f.planeOffset(1), f.stride(1), w / 2, h / 2),
                            plane(b, f.planeOffset(2), f.stride(2), w / 2, h / 2)));
                }
            });
            assertTrue(p.awaitEnd(60, TimeUnit.SECONDS));
        }
        assertEquals(90, cpu.size());
        assertEquals(90, gpu.size());
        for (int i = 0; i < 90; i++) {
            assertEquals(cpu.get(i).pts(), gpu.get(i).pts(), "pts of frame " + i);
            assertArrayEquals(cpu.get(i).y(), gpu.get(i).y(), "Y plane of frame " + i);
            assertArrayEquals(cpu.get(i).u(), gpu.get(i).u(), "U samples of frame " + i);
            assertArrayEquals(cpu.get(i).v(), gpu.get(i).v(), "V samples of frame " + i);
        }
        System.out.println("bit-exact: 90 frames 1280x720, nvh264dec (CUDA memory) == openh264dec (CPU), Y, U and V");
    }

    static byte[] plane(ByteBuffer b, long offset, int stride, int w, int h) {
        byte[] out = new byte[w * h];
        for (int r = 0; r < h; r++) {
            b.get((int) (offset + (long) r * stride), out, r * w, w);
        }
        return out;
    }

    @Test
    void framePathCopiesNothingToTheHostAndReleasesInStreamOrder() throws Exception {
        AtomicLong frames = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (DevicePool pool = DevicePool.create("test-frame-path", 64 << 20);
             CudaStream stream = CudaStream.create();
             DeviceBuffer out = pool.allocate(3L * 640 * 640 * 4, "rgb out")) {
            Kernel k = KernelModule.load("nvmm", "frame_probe").kernel("nv12_to_rgb_f32_nearest");
            Transfers.Counts before = Transfers.counts();
            try (StreamPipeline p = cudaDecoder("zero-copy", clip)) {
                p.start(f -> {
                    try {
                        DeviceFrame df = DeviceFrame.fromCuda(f);
                        DeviceImage im = df.image();
                        k.launch(stream, Kernel.blocks(640, 32), Kernel.blocks(640, 8), 1, 32, 8, 1, 0,
                                im.plane(0), im.plane(1), im.pitch(0), im.width(), im.height(), out.address(), 640, 640);
                        df.closeAfter(stream);
                        frames.incrementAndGet();
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                });
                assertTrue(p.awaitEnd(60, TimeUnit.SECONDS));
                stream.synchronize();
            }
            Transfers.Counts d = Transfers.counts().minus(before);
            if (failure.get() != null) throw new AssertionError(failure.get());
            assertEquals(90, frames.get());
            assertEquals(0, d.bytesToHost(), "bytes copied to the host on the frame path");
            assertEquals(0, d.bytesToDevice(), "bytes copied to the device on the frame path");
            assertEquals(0, StreamPipeline.liveSamples(), "frames not released after their GPU work");
            // The kernel really read the frames: the output is not the zero it was allocated... check a pixel range.
            float[] rgb = new float[3 * 640 * 640];
            Transfers.toHost(rgb, out.address());
            double mean = 0;
            for (float v : rgb) mean += v;
            mean /= rgb.length;
            assertTrue(mean > 10 && mean < 250, "mean of converted frame " + mean);
        }
    }

    @Test
    void rgbaFramesUploadedByCudauploadMapWithTheirPixels() throws Exception {
        List<int[]> px = new ArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("rgba", "videotestsrc num-buffers=5 pattern=solid-color "
                + "foreground-color=0xff204060 ! video/x-raw,format=RGBA,width=320,height=240 ! cudaupload ! "
                + "video/x-raw(memory:CUDAMemory) ! appsink")) {
            GstCudaContextSharing.share(p);
            p.start(f -> {
                try (DeviceFrame df = DeviceFrame.fromCuda(f)) {
                    DeviceImage im = df.image();
                    assertEquals(PixelFormat.RGBA, im.format());
                    byte[] row = new byte[320 * 4];
                    Transfers.toHost2D(row, im.plane(0) + 100L * im.pitch(0), im.pitch(0), 320 * 4, 1);
                    synchronized (px) {
                        px.add(new int[] {row[400] & 0xff, row[401] & 0xff, row[402] & 0xff, row[403] & 0xff});
                    }
                }
            });
            assertTrue(p.awaitEnd(20, TimeUnit.SECONDS));
            assertEquals(StreamState.EOS, p.state(), String.valueOf(p.lastError()));
        }
        assertEquals(5, px.size());
        for (int[] v : px) assertArrayEquals(new int[] {0x20, 0x40, 0x60, 0xff}, v);
    }

    @Test
    void aRetainedFrameOutlivesTheFrameItCameFromAndTheBufferGoesBackWithTheLast() throws Exception {
        List<DeviceFrame> kept = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (StreamPipeline p = cudaDecoder("retain", clip)) {
            p.start(f -> {
                try {
                    DeviceFrame df = DeviceFrame.fromCuda(f);
                    DeviceFrame other = df.retain();
                    df.close();
                    assertThrows(IllegalStateException.class, df::retain, "a closed frame cannot be retained");
                    assertThrows(IllegalStateException.class, df::image);
                    if (kept.size() < 3) kept.add(other); else other.close();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            assertTrue(p.awaitEnd(30, TimeUnit.SECONDS));
            assertNull(failure.get(), () -> "in the frame listener: " + failure.get());
            assertEquals(3, kept.size());
            assertEquals(3, StreamPipeline.liveSamples(), "the retained frames hold their buffers");
            byte[] row = new byte[16];
            for (DeviceFrame k : kept) {
                Transfers.toHost2D(row, k.image().plane(0), k.image().pitch(0), 16, 1); // still mapped and readable
                long live = StreamPipeline.liveSamples();
                DeviceFrame twice = k.retain();
                k.close();
                assertEquals(live, StreamPipeline.liveSamples(), "one reference left holds the buffer");
                twice.close();
                assertEquals(live - 1, StreamPipeline.liveSamples(), "the last reference gives it back");
            }
        }
        assertEquals(0, StreamPipeline.liveSamples(), "the last reference gives the buffer back");
    }

    @Test
    void contextMustBeSharedBeforeStart() throws Exception {
        try (StreamPipeline p = cudaDecoder("late", clip)) {
            p.start(VideoFrame::close);
            assertThrows(IllegalStateException.class, () -> GstCudaContextSharing.share(p));
        }
    }
}
