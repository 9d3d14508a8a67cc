package dev.vahost.ops.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

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
import dev.vahost.ops.GoldenSet;
import dev.vahost.ops.GpuImages;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.LetterboxResize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.Resize;
import dev.vahost.ops.cpu.ColorConvertCpu;
import dev.vahost.ops.cpu.LetterboxResizeCpu;
import dev.vahost.ops.cpu.ResizeCpu;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Writes what the GPU ops make of real decoded frames (GoldenSet) for the independent check with
 * OpenCV in Python (tools/gpu/ops_cv2_check.py, on the GPU machine where cv2 exists and Java does
 * not): the GPU colour conversion (BT.601 limited, i.e. cv2.COLOR_YUV2RGB_NV12), GPU resizes of that
 * RGB, and one fused letterbox batch of the three frames in fp32 and fp16 without normalisation.
 * Directory: system property vahost.goldenOut, else env VAHOST_GOLDEN_OUT, else target/ops-golden.
 * Every output is also checked against the Java reference here, so a failure shows on the Java side.
 */
@Tag("gpu")
class OpenCvGoldenGpuTest {
    @Test
    void writeGoldenOutputs() {
        GpuTests.require("ops/cvt_color", "ops/resize", "ops/letterbox");
        GoldenSet golden = new GoldenSet(GoldenSet.dir("target/ops-golden"));
        List<HostImage> frames = GoldenSet.decodeFrames();
        try (GpuImages g = new GpuImages("ops-golden", 1L << 30); CudaStream s = CudaStream.create()) {
            ColorConvert cvt = ColorConvert.create();
            List<DeviceImage> dev = new ArrayList<>();
            for (int i = 0; i < frames.size(); i++) {
                HostImage f = frames.get(i);
                DeviceImage d = g.upload(f, i == 0 ? 128 : 0); // 1920 wide at pitch 2048, as NVDEC gives it
                dev.add(d);
                golden.frame(i, f);

                DeviceImage rgb = g.allocateImage(PixelFormat.RGB, f.width(), f.height(), 0, ColorSpec.BT601_LIMITED);
                cvt.submit(s, d, rgb);
                s.synchronize();
                HostImage rgbHost = GpuImages.download(rgb);
                Compare.u8(ColorConvertCpu.convert(f, ChannelOrder.RGB), rgbHost, 1, "golden cvt frame " + i);
                golden.cvt(i, rgbHost);

                for (Interpolation interp : Interpolation.values()) {
                    Resize rs = Resize.create(interp);
                    for (int[] wh : GoldenSet.SIZES[i]) {
                        DeviceImage out = g.allocateImage(PixelFormat.RGB, wh[0], wh[1], 0, ColorSpec.BT601_LIMITED);
                        rs.submit(s, rgb, out);
                        s.synchronize();
                        HostImage got = GpuImages.download(out);
                        Compare.u8(ResizeCpu.resize(rgbHost, wh[0], wh[1], interp), got, 1,
                                "golden resize " + interp + " frame " + i + " -> " + wh[0] + "x" + wh[1]);
                        golden.resize(i, interp, got);
                    }
                }
            }
            for (DType dtype : List.of(DType.F32, DType.F16)) {
                PreprocessConfig c = GoldenSet.letterboxConfig(dtype);
                try (LetterboxResize op = LetterboxResize.create(c, frames.size(), g.pool())) {
                    DeviceTensor out = g.tensor(s, dtype, c.shape(frames.size()));
                    Letterbox[] placed = new Letterbox[frames.size()];
                    op.submit(s, dev, null, out, placed);
                    s.synchronize();
                    float[] got = GpuImages.download(out);
                    LetterboxResizeCpu.Result want = LetterboxResizeCpu.run(frames, null, c);
                    assertEquals(want.letterboxes(), Arrays.asList(placed));
                    Compare.tensor(want.values(), got, dtype, "golden letterbox " + dtype);
                    golden.letterbox(c, got, Arrays.asList(placed));
                }
            }
        }
        golden.finish("GPU ops (dev.vahost.ops)");
    }
}
