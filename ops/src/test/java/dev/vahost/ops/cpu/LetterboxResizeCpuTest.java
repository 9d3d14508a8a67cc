package dev.vahost.ops.cpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.Crop;
import dev.vahost.ops.Fit;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.Normalize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.Rect;
import dev.vahost.ops.TensorLayout;
import dev.vahost.ops.TestImages;
import dev.vahost.ops.internal.ColorCoefficients;
import dev.vahost.nvmm.Half;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fused reference: hand-computed small cases (exact 2x halving, NV12 at identity size), batch
 * independence with mixed sizes and formats, layout/order/dtype relations, regions, and agreement
 * with the separate resize reference.
 */
class LetterboxResizeCpuTest {
    static final PreprocessConfig RAW = PreprocessConfig.letterbox(4, 4).withDType(DType.F32).withNormalize(Normalize.none());

    /** 8x4 -> 4x4 letterbox: r = 1/2, content 4x2 at y = 1; exact halving averages 2x2 blocks (taps 2d, 2d+1 at 1/2). */
    @Test
    void exactHalvingAveragesBlocksAndPadsAround() {
        int[][] rows = new int[4][24];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 8; x++) {
                rows[y][3 * x] = 10 * y + x;        // R
                rows[y][3 * x + 1] = 200 - x;       // G
                rows[y][3 * x + 2] = 7;             // B
            }
        }
        LetterboxResizeCpu.Result res = LetterboxResizeCpu.run(List.of(TestImages.rgb(rows)), null, RAW);
        assertEquals(new Letterbox(Rect.full(8, 4), 0, 1, 4, 2), res.letterboxes().get(0));
        float[] v = res.values();
        for (int x = 0; x < 4; x++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(114f, v[(c * 4) * 4 + x], "top pad");
                assertEquals(114f, v[(c * 4 + 3) * 4 + x], "bottom pad");
            }
            for (int cy = 0; cy < 2; cy++) {
                // R: mean of 10y + x over y in {2cy, 2cy+1}, x in {2x, 2x+1} = 10 (2cy + 0.5) + 2x + 0.5
                assertEquals(10 * (2 * cy + 0.5f) + 2 * x + 0.5f, v[(0 * 4 + 1 + cy) * 4 + x], 0f);
                assertEquals(200 - (2 * x + 0.5f), v[(1 * 4 + 1 + cy) * 4 + x], 0f);
                assertEquals(7f, v[(2 * 4 + 1 + cy) * 4 + x], 0f);
            }
        }
    }

    /** NV12 at its own size is a pure colour conversion; BGR, NHWC, fp16 and ImageNet normalisation on top. */
    @Test
    void nv12AtIdentitySizeIsTheConversionNormalised() {
        HostImage img = TestImages.random(PixelFormat.NV12, 4, 4, 3, ColorSpec.BT709_LIMITED, 9);
        Normalize norm = Normalize.of(255, new float[] {0.406f, 0.456f, 0.485f}, new float[] {0.225f, 0.224f, 0.229f});
        PreprocessConfig c = PreprocessConfig.letterbox(4, 4).withLayout(TensorLayout.NHWC).withOrder(ChannelOrder.BGR)
                .withNormalize(norm);
        float[] v = LetterboxResizeCpu.run(List.of(img), null, c).values();
        int[] rgb = new int[3];
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                ColorCoefficients.BT709_LIMITED.toRgb(img.get(0, x, y), img.get(1, 2 * (x / 2), y / 2),
                        img.get(1, 2 * (x / 2) + 1, y / 2), rgb);
                for (int c2 = 0; c2 < 3; c2++) {
                    float want = (rgb[2 - c2] / 255f - norm.mean(c2)) / norm.std(c2);
                    assertEquals(want, v[(y * 4 + x) * 3 + c2], Half.ulp(want), "pixel " + x + "," + y + " ch " + c2);
                    assertEquals(Half.round(v[(y * 4 + x) * 3 + c2]), v[(y * 4 + x) * 3 + c2], 0f, "fp16 value");
                }
            }
        }
    }

    static List<HostImage> mixedBatch() {
        return List.of(
                TestImages.random(PixelFormat.NV12, 37, 23, 5, ColorSpec.BT601_LIMITED, 1),   // odd, pitched
                TestImages.random(PixelFormat.I420, 64, 48, 0, ColorSpec.BT709_FULL, 2),
                TestImages.random(PixelFormat.BGRX, 17, 31, 4, ColorSpec.BT601_LIMITED, 3),   // portrait, upscale
                TestImages.random(PixelFormat.RGB, 1, 1, 0, ColorSpec.BT601_LIMITED, 4),      // 1x1
                TestImages.random(PixelFormat.RGBA, 120, 20, 0, ColorSpec.BT601_LIMITED, 5)); // very wide
    }

    @Test
    void mixedBatchFramesAreIndependentAndPlacedByTheirOwnSize() {
        PreprocessConfig c = PreprocessConfig.letterbox(32, 24).withDType(DType.F32);
        List<HostImage> frames = mixedBatch();
        LetterboxResizeCpu.Result batch = LetterboxResizeCpu.run(frames, null, c);
        int per = 3 * 32 * 24;
        assertEquals(per * frames.size(), batch.values().length);
        for (int n = 0; n < frames.size(); n++) {
            float[] alone = new float[per];
            Letterbox b = LetterboxResizeCpu.runOne(frames.get(n), Rect.full(frames.get(n).width(), frames.get(n).height()),
                    c, alone, 0);
            assertEquals(b, batch.letterboxes().get(n));
            assertArrayEquals(alone, Arrays.copyOfRange(batch.values(), n * per, (n + 1) * per), "frame " + n);
        }
        // hand-checked placements: 37x23 -> r = min(32/37, 24/23) = 0.8649: 32 x 19.89 -> 32x20 at (0, 2)
        assertEquals(new Letterbox(Rect.full(37, 23), 0, 2, 32, 20), batch.letterboxes().get(0));
        // 17x31 -> r = 24/31: 13.16 -> 13 x 24 at ((32-13)/2 = 9, 0)
        assertEquals(new Letterbox(Rect.full(17, 31), 9, 0, 13, 24), batch.letterboxes().get(2));
        // 1x1 -> r = 24: 24x24 at (4, 0), all one colour
        assertEquals(new Letterbox(Rect.full(1, 1), 4, 0, 24, 24), batch.letterboxes().get(3));
        // 120x20 -> r = 32/120: 32 x 5.33 -> 32x5 at (0, 9)
        assertEquals(new Letterbox(Rect.full(120, 20), 0, 9, 32, 5), batch.letterboxes().get(4));
    }

    @Test
    void padRegionHoldsTheNormalisedPadValue() {
        PreprocessConfig c = PreprocessConfig.letterbox(32, 24).withDType(DType.F32).withPadValue(0);
        float[] v = LetterboxResizeCpu.run(List.of(mixedBatch().get(4)), null, c).values();
        // content rows 9..13; rows 0..8 and 14..23 are padding = 0 / 255
        for (int ch = 0; ch < 3; ch++) {
            for (int y = 0; y < 24; y++) {
                for (int x = 0; x < 32; x++) {
                    float val = v[(ch * 24 + y) * 32 + x];
                    if (y < 9 || y >= 14) {
                        assertEquals(0f, val, "pad at " + x + "," + y);
                    } else {
                        assertTrue(val >= 0f && val <= 1f);
                    }
                }
            }
        }
    }

    @Test
    void layoutsOrdersAndDtypesAreTheSameValuesRearranged() {
        List<HostImage> frames = mixedBatch();
        PreprocessConfig base = PreprocessConfig.letterbox(19, 13).withDType(DType.F32).withNormalize(Normalize.imagenetRgb());
        float[] nchw = LetterboxResizeCpu.run(frames, null, base).values();
        float[] nhwc = LetterboxResizeCpu.run(frames, null, base.withLayout(TensorLayout.NHWC)).values();
        float[] bgr = LetterboxResizeCpu.run(frames, null, base.withOrder(ChannelOrder.BGR)
                .withNormalize(Normalize.of(255, new float[] {0, 0, 0}, new float[] {1, 1, 1}))).values();
        float[] rgbUnit = LetterboxResizeCpu.run(frames, null, base.withNormalize(Normalize.scale(255))).values();
        float[] f16 = LetterboxResizeCpu.run(frames, null, base.withDType(DType.F16)).values();
        int hw = 19 * 13;
        for (int n = 0; n < frames.size(); n++) {
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < hw; i++) {
                    int a = n * 3 * hw + c * hw + i;
                    assertEquals(nchw[a], nhwc[n * 3 * hw + i * 3 + c], 0f);
                    assertEquals(rgbUnit[a], bgr[n * 3 * hw + (2 - c) * hw + i], 0f);
                    assertEquals(Half.round(nchw[a]), f16[a], 0f);
                }
            }
        }
    }

    /** A region of a packed image equals the compacted crop; of an NV12 image at an odd origin, the cropped conversion. */
    @Test
    void regionsAreCropsOfTheConvertedFrame() {
        PreprocessConfig c = PreprocessConfig.letterbox(16, 16).withDType(DType.F32);
        HostImage rgb = TestImages.random(PixelFormat.RGB, 40, 30, 2, ColorSpec.BT601_LIMITED, 12);
        Rect r = new Rect(5, 7, 21, 9);
        assertArrayEquals(LetterboxResizeCpu.run(List.of(Crop.of(rgb, r).compact()), null, c).values(),
                LetterboxResizeCpu.run(List.of(rgb), List.of(r), c).values());

        HostImage nv12 = TestImages.random(PixelFormat.NV12, 40, 30, 2, ColorSpec.BT601_LIMITED, 13);
        Rect odd = new Rect(3, 5, 11, 13);
        List<Rect> regions = new ArrayList<>();
        regions.add(odd);
        LetterboxResizeCpu.Result viaRegion = LetterboxResizeCpu.run(List.of(nv12), regions, c);
        assertArrayEquals(LetterboxResizeCpu.run(List.of(ColorConvertCpu.convert(nv12, odd, ChannelOrder.RGB)), null, c).values(),
                viaRegion.values());
        assertEquals(odd, viaRegion.letterboxes().get(0).source());
    }

    /** Stretch without normalisation, rounded, equals the separate 8-bit resize of the converted image. */
    @Test
    void stretchAgreesWithConvertThenResize() {
        PreprocessConfig c = new PreprocessConfig(23, 41, DType.F32, TensorLayout.NHWC, ChannelOrder.RGB,
                Interpolation.LINEAR, Fit.STRETCH, 0, Normalize.none());
        for (HostImage f : mixedBatch()) {
            float[] v = LetterboxResizeCpu.run(List.of(f), null, c).values();
            HostImage want = ResizeCpu.resize(ColorConvertCpu.convert(f, ChannelOrder.RGB), 23, 41, Interpolation.LINEAR);
            byte[] px = want.planeBytes(0);
            for (int i = 0; i < v.length; i++) {
                assertEquals(px[i] & 0xff, (int) Math.rint(v[i]), f + " element " + i);
            }
        }
    }

    @Test
    void nearestCopiesSourcePixels() {
        PreprocessConfig c = PreprocessConfig.letterbox(10, 10).withDType(DType.F32).withNormalize(Normalize.none())
                .withInterpolation(Interpolation.NEAREST).withFit(Fit.STRETCH).withLayout(TensorLayout.NHWC);
        HostImage img = TestImages.random(PixelFormat.RGB, 4, 7, 0, ColorSpec.BT601_LIMITED, 21);
        float[] v = LetterboxResizeCpu.run(List.of(img), null, c).values();
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 10; x++) {
                // x step 0.4 -> floor(0.4 x), y step 0.7 -> floor(0.7 y)
                int sx = (int) Math.floor(x * 0.4), sy = (int) Math.floor(y * 0.7);
                for (int ch = 0; ch < 3; ch++) {
                    assertEquals(img.get(0, 3 * sx + ch, sy), v[(y * 10 + x) * 3 + ch], 0f, x + "," + y);
                }
            }
        }
    }

    @Test
    void badArguments() {
        List<HostImage> two = mixedBatch().subList(0, 2);
        assertThrows(IllegalArgumentException.class, () -> LetterboxResizeCpu.run(List.of(), null, RAW));
        assertThrows(IllegalArgumentException.class, () -> LetterboxResizeCpu.run(two, List.of(new Rect(0, 0, 2, 2)), RAW));
        assertThrows(IllegalArgumentException.class,
                () -> LetterboxResizeCpu.run(two.subList(0, 1), List.of(new Rect(30, 0, 8, 2)), RAW));
    }
}
