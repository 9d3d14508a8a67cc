package dev.vahost.ops.gpu;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.synth.TestClips;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.GpuTests;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.nvmm.gst.GstCudaContextSharing;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.Compare;
import dev.vahost.ops.DecodedFrames;
import dev.vahost.ops.Fit;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.LetterboxResize;
import dev.vahost.ops.Normalize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.Rect;
import dev.vahost.ops.TensorLayout;
import dev.vahost.ops.TestImages;
import dev.vahost.ops.cpu.LetterboxResizeCpu;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fused kernels against LetterboxResizeCpu (fp32 within 1e-3, fp16 within one fp16 ulp) on a
 * batch of real decoded frames of different sizes, pitches and formats in one launch, in every
 * dtype/layout/order/interpolation/fit, with crops; every output element written; the parameter
 * table uploaded only on change, and correct when many versions are in flight on two streams;
 * NVDEC frames mapped in place (DeviceFrame) as the pipeline feeds them.
 * Not covered here: timing (LetterboxResizeBench), cv2 itself (ops_cv2_check.py).
 */
@Tag("gpu")
class LetterboxResizeGpuTest {
    static List<HostImage> frames;
    static final int[] EXTRA_PITCH = {128, 64, 0, 5, 0, 3};

    @BeforeAll
    static void gpu() {
        GpuTests.require("ops/letterbox");
        HostImage hd = DecodedFrames.decode(TestClips.scene(1920, 1080, 1, 7), PixelFormat.NV12, 1,
                ColorSpec.BT709_LIMITED).get(0);
        HostImage sd = DecodedFrames.decode(TestClips.scene(1280, 720, 2, 8), PixelFormat.I420, 2,
                ColorSpec.BT601_LIMITED).get(1);
        HostImage vga = DecodedFrames.decode(TestClips.scene(640, 480, 1, 9), PixelFormat.BGRX, 1,
                ColorSpec.BT601_LIMITED).get(0);
        frames = List.of(hd, sd, vga,
                TestImages.random(PixelFormat.NV12, 333, 187, 0, ColorSpec.BT601_FULL, 1),  // odd size
                TestImages.random(PixelFormat.RGB, 1, 1, 0, ColorSpec.BT601_LIMITED, 2),     // 1x1
                TestImages.random(PixelFormat.I420, 17, 9, 0, ColorSpec.BT709_FULL, 3));     // odd, tiny
    }

    static List<DeviceImage> upload(GpuImages g, List<HostImage> host) {
        List<DeviceImage> d = new ArrayList<>();
        for (int i = 0; i < host.size(); i++) {
            d.add(g.upload(host.get(i), EXTRA_PITCH[i % EXTRA_PITCH.length]));
        }
        return d;
    }

    static void runAndCompare(GpuImages g, CudaStream s, List<DeviceImage> dev, List<Rect> regions, PreprocessConfig c,
                              String what) {
        try (LetterboxResize op = LetterboxResize.create(c, 8, g.pool())) {
            DeviceTensor out = g.tensor(s, c.dtype(), c.shape(dev.size()));
            Letterbox[] placed = new Letterbox[dev.size()];
            op.submit(s, dev, regions, out, placed);
            s.synchronize();
            LetterboxResizeCpu.Result want = LetterboxResizeCpu.run(frames.subList(0, dev.size()), regions, c);
            assertEquals(want.letterboxes(), Arrays.asList(placed), what + ": placements");
            Compare.tensor(want.values(), GpuImages.download(out), c.dtype(), what);
        }
    }

    @Test
    void mixedBatchInEveryOutputVariant() {
        PreprocessConfig base = PreprocessConfig.letterbox(640, 640);
        List<PreprocessConfig> configs = List.of(
                base,
                base.withDType(DType.F32).withNormalize(Normalize.imagenetRgb()),
                base.withDType(DType.F32).withLayout(TensorLayout.NHWC).withOrder(ChannelOrder.BGR)
                        .withFit(Fit.LETTERBOX_TOP_LEFT).withPadValue(0).withNormalize(Normalize.none()),
                base.withLayout(TensorLayout.NHWC).withInterpolation(Interpolation.NEAREST).withFit(Fit.STRETCH),
                new PreprocessConfig(301, 173, DType.F16, TensorLayout.NCHW, ChannelOrder.BGR, Interpolation.LINEAR,
                        Fit.LETTERBOX_CENTER, 7, Normalize.of(1f, new float[] {100, 110, 120}, new float[] {50, 60, 70})));
        try (GpuImages g = new GpuImages("ops-letterbox", 1L << 30); CudaStream s = CudaStream.create()) {
            List<DeviceImage> dev = upload(g, frames);
            for (PreprocessConfig c : configs) {
                runAndCompare(g, s, dev, null, c, c.width() + "x" + c.height() + " " + c.dtype() + " " + c.layout() + " "
                        + c.order() + " " + c.interpolation() + " " + c.fit() + " batch " + dev.size());
            }
        }
    }

    /** Crops for a second-stage model: regions at odd origins, one per frame, plus a whole frame. */
    @Test
    void regionsAtOddOrigins() {
        List<Rect> regions = Arrays.asList(new Rect(1001, 333, 257, 411), new Rect(3, 5, 640, 360), null,
                new Rect(1, 1, 331, 185), new Rect(0, 0, 1, 1), new Rect(15, 7, 2, 2));
        PreprocessConfig c = PreprocessConfig.letterbox(224, 224).withDType(DType.F32);
        try (GpuImages g = new GpuImages("ops-letterbox-crops", 256L << 20); CudaStream s = CudaStream.create()) {
            runAndCompare(g, s, upload(g, frames), regions, c, "crops -> 224x224 F32");
            runAndCompare(g, s, upload(g, frames), regions, c.withInterpolation(Interpolation.NEAREST).withDType(DType.F16),
                    "crops -> 224x224 F16 nearest");
        }
    }

    /** The table goes to the device once per change: a repeated batch copies nothing, a new frame list copies once. */
    @Test
    void tableIsUploadedOnlyWhenItChanges() {
        PreprocessConfig c = PreprocessConfig.letterbox(64, 64);
        try (GpuImages g = new GpuImages("ops-letterbox-table", 256L << 20); CudaStream s = CudaStream.create();
             CudaStream other = CudaStream.create();
             LetterboxResize op = LetterboxResize.create(c, 8, g.pool())) {
            List<DeviceImage> a = upload(g, frames);
            List<DeviceImage> b = upload(g, frames);
            DeviceTensor out = g.tensor(s, c.dtype(), c.shape(a.size()));
            op.submit(s, a, out);
            assertEquals(1, op.tableUploads());
            Transfers.Counts before = Transfers.counts();
            for (int i = 0; i < 10; i++) {
                op.submit(s, a, out);
            }
            assertEquals(0, Transfers.counts().minus(before).copiesToDevice(), "repeated batches upload nothing");
            assertEquals(0, Transfers.counts().minus(before).copiesToHost(), "and download nothing");
            assertEquals(1, op.tableUploads());
            op.submit(s, b, out);           // other plane addresses
            assertEquals(2, op.tableUploads());
            op.submit(s, b.subList(0, 3), out.narrow(0, 3)); // a shorter batch is a different table
            assertEquals(3, op.tableUploads());
            op.submit(other, b.subList(0, 3), out.narrow(0, 3)); // another stream gets its own copy
            assertEquals(4, op.tableUploads());
            assertEquals(3, Transfers.counts().minus(before).copiesToDevice(), "one small copy per change");
            s.synchronize();
            other.synchronize();
            assertEquals(0, op.tableWaits());
        }
    }

    /**
     * More table versions than the ring holds, alternating frame lists, regions and two streams,
     * each into its own output: every output equals the reference for what was submitted.
     */
    @Test
    void manyTableVersionsInFlight() {
        PreprocessConfig c = PreprocessConfig.letterbox(48, 40).withDType(DType.F32);
        int rounds = 3 * LetterboxResize.TABLE_SLOTS;
        try (GpuImages g = new GpuImages("ops-letterbox-ring", 512L << 20); CudaStream s1 = CudaStream.create();
             CudaStream s2 = CudaStream.create(); LetterboxResize op = LetterboxResize.create(c, 8, g.pool())) {
            List<DeviceImage> dev = upload(g, frames);
            List<DeviceTensor> outs = new ArrayList<>();
            List<float[]> want = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                int n = 1 + r % frames.size();
                int first = r % (frames.size() - n + 1);
                List<Rect> regions = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    HostImage f = frames.get(first + i);
                    int x = (r * 7 + i) % f.width();
                    int y = (r * 3 + i) % f.height();
                    regions.add(new Rect(x, y, Math.max(1, (f.width() - x) / 2), Math.max(1, f.height() - y)));
                }
                CudaStream s = r % 3 == 0 ? s2 : s1;
                DeviceTensor out = g.tensor(s, c.dtype(), c.shape(n));
                op.submit(s, dev.subList(first, first + n), regions, out, null);
                outs.add(out);
                want.add(LetterboxResizeCpu.run(frames.subList(first, first + n), regions, c).values());
            }
            s1.synchronize();
            s2.synchronize();
            for (int r = 0; r < rounds; r++) {
                Compare.tensor(want.get(r), GpuImages.download(outs.get(r)), c.dtype(), "ring round " + r);
            }
            System.out.println("ring: " + op.tableUploads() + " uploads, " + op.tableWaits() + " waits");
            assertEquals(rounds, op.tableUploads());
        }
    }

    /**
     * The pipeline's path: NV12 frames decoded by nvh264dec into CUDA memory, mapped in place
     * (DeviceFrame, pitch from the decoder), batched straight into the kernel. The reference reads
     * the same frames copied to the host (test-only copies).
     */
    @Test
    void nvdecFramesInPlace() throws Exception {
        GpuTests.require("ops/letterbox");
        Path clip = TestClips.scene(1280, 720, 8, 21);
        PreprocessConfig c = PreprocessConfig.letterbox(640, 640);
        List<HostImage> host = new CopyOnWriteArrayList<>();
        List<float[]> gpu = new CopyOnWriteArrayList<>();
        List<String> layouts = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (GpuImages g = new GpuImages("ops-letterbox-nvdec", 256L << 20); CudaStream s = CudaStream.create();
             LetterboxResize op = LetterboxResize.create(c, 1, g.pool())) {
            DeviceTensor out = g.tensor(s, c.dtype(), c.shape(1));
            StreamPipeline p = StreamPipeline.fromLaunch("nvdec-ops", "filesrc location=\"" + clip.toAbsolutePath()
                    + "\" ! h264parse ! nvh264dec ! video/x-raw(memory:CUDAMemory),format=NV12 ! appsink name=sink");
            GstCudaContextSharing.share(p);
            try (p) {
                p.start(f -> {
                    try (DeviceFrame df = DeviceFrame.fromCuda(f)) {
                        if (host.size() >= 3) {
                            return;
                        }
                        DeviceImage im = df.image();
                        op.submit(s, List.of(im), out);
                        s.synchronize(); // test only: the frame must stay mapped until the kernel has read it
                        gpu.add(GpuImages.download(out));
                        host.add(GpuImages.download(im)); // the decoder's frame, for the reference
                        layouts.add(im.toString());
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                });
                assertTrue(p.awaitEnd(60, TimeUnit.SECONDS), "decode did not end");
            }
            if (failure.get() != null) {
                throw new AssertionError("GPU frame handling failed", failure.get());
            }
            assertEquals(3, host.size());
            System.out.println("NVDEC frames: " + layouts);
            for (int i = 0; i < 3; i++) {
                Compare.tensor(LetterboxResizeCpu.run(List.of(host.get(i)), null, c).values(), gpu.get(i), c.dtype(),
                        "NVDEC frame " + i + " " + layouts.get(i) + " -> 640x640 F16");
            }
        }
    }
}
