package dev.vahost.ops.cpu;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Rect;
import dev.vahost.ops.TestImages;
import dev.vahost.ops.internal.ColorCoefficients;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Colour conversion reference: chroma siting of 4:2:0 formats (odd sizes too), byte order of packed
 * formats, padding never read, region conversion. Pixel arithmetic itself: ColorCoefficientsTest.
 */
class ColorConvertCpuTest {
    /** A 5x3 NV12 image (odd both ways: chroma 3x2) where every chroma sample is distinct. */
    @Test
    void nv12OddSizeTakesChromaOfTheTwoByTwoBlock() {
        HostImage img = HostImage.allocate(PixelFormat.NV12, 5, 3, new int[] {8, 7}, ColorSpec.BT601_LIMITED);
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                img.set(0, x, y, 100 + 10 * y + x);
            }
        }
        for (int cy = 0; cy < 2; cy++) {
            for (int cx = 0; cx < 3; cx++) {
                img.set(1, 2 * cx, cy, 60 + 20 * cx + 5 * cy);      // U
                img.set(1, 2 * cx + 1, cy, 200 - 30 * cx - 7 * cy); // V
            }
        }
        HostImage rgb = ColorConvertCpu.convert(img, ChannelOrder.RGB);
        int[] want = new int[3];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 5; x++) {
                int cx = x / 2, cy = y / 2;
                ColorCoefficients.BT601_LIMITED.toRgb(100 + 10 * y + x, 60 + 20 * cx + 5 * cy, 200 - 30 * cx - 7 * cy, want);
                for (int c = 0; c < 3; c++) {
                    assertEquals(want[c], rgb.get(0, 3 * x + c, y), "pixel " + x + "," + y + " channel " + c);
                }
            }
        }
    }

    /** The same YUV samples as NV12 and as I420 (pitch > width in both) convert identically. */
    @ParameterizedTest
    @EnumSource(names = {"BT601_LIMITED", "BT709_LIMITED", "BT601_FULL", "BT709_FULL"})
    void i420AndNv12Agree(ColorSpecs spec) {
        HostImage nv12 = TestImages.random(PixelFormat.NV12, 7, 5, 3, spec.spec, 11);
        HostImage i420 = HostImage.allocate(PixelFormat.I420, 7, 5, new int[] {9, 6, 5}, spec.spec);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 7; x++) {
                i420.set(0, x, y, nv12.get(0, x, y));
            }
        }
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                i420.set(1, x, y, nv12.get(1, 2 * x, y));
                i420.set(2, x, y, nv12.get(1, 2 * x + 1, y));
            }
        }
        assertPixelsEqual(ColorConvertCpu.convert(nv12, ChannelOrder.RGB), ColorConvertCpu.convert(i420, ChannelOrder.RGB));
    }

    enum ColorSpecs {
        BT601_LIMITED(ColorSpec.BT601_LIMITED), BT709_LIMITED(ColorSpec.BT709_LIMITED),
        BT601_FULL(ColorSpec.BT601_FULL), BT709_FULL(ColorSpec.BT709_FULL);

        final ColorSpec spec;

        ColorSpecs(ColorSpec s) {
            spec = s;
        }
    }

    @Test
    void packedFormatsPickTheirBytes() {
        // one pixel with bytes (10, 20, 30, 40) in memory order
        for (PixelFormat f : List.of(PixelFormat.RGBA, PixelFormat.RGBX, PixelFormat.BGRA, PixelFormat.BGRX,
                PixelFormat.RGB, PixelFormat.BGR)) {
            HostImage img = HostImage.allocate(f, 1, 1, ColorSpec.BT601_LIMITED);
            for (int i = 0; i < f.bytesPerPixel(); i++) {
                img.set(0, i, 0, 10 * (i + 1));
            }
            int[] rgb = new int[3];
            ColorConvertCpu.rgbAt(img, 0, 0, rgb);
            boolean bgrFirst = f.name().startsWith("BGR");
            assertArrayEquals(bgrFirst ? new int[] {30, 20, 10} : new int[] {10, 20, 30}, rgb, f.toString());
        }
    }

    @Test
    void bgrOutputSwapsRedAndBlue() {
        HostImage img = TestImages.random(PixelFormat.NV12, 6, 4, 0, ColorSpec.BT709_FULL, 5);
        HostImage rgb = ColorConvertCpu.convert(img, ChannelOrder.RGB);
        HostImage bgr = ColorConvertCpu.convert(img, ChannelOrder.BGR);
        assertEquals(PixelFormat.BGR, bgr.format());
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 6; x++) {
                assertEquals(rgb.get(0, 3 * x, y), bgr.get(0, 3 * x + 2, y));
                assertEquals(rgb.get(0, 3 * x + 1, y), bgr.get(0, 3 * x + 1, y));
                assertEquals(rgb.get(0, 3 * x + 2, y), bgr.get(0, 3 * x, y));
            }
        }
    }

    /** Padding bytes are 0xEE; an RGBx image whose pixels are all 0 must not produce a 0xEE anywhere. */
    @Test
    void rowPaddingIsNeverRead() {
        HostImage img = TestImages.random(PixelFormat.RGBX, 3, 4, 5, ColorSpec.BT601_LIMITED, 1);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 12; x++) {
                img.set(0, x, y, 0);
            }
        }
        HostImage rgb = ColorConvertCpu.convert(img, ChannelOrder.RGB);
        for (byte b : rgb.planeBytes(0)) {
            assertEquals(0, b);
        }
    }

    /** Converting a region at an odd origin equals converting everything and cropping (chroma stays sited). */
    @Test
    void regionEqualsCropOfTheWholeConversion() {
        HostImage img = TestImages.random(PixelFormat.NV12, 9, 7, 2, ColorSpec.BT601_LIMITED, 8);
        HostImage all = ColorConvertCpu.convert(img, ChannelOrder.RGB);
        Rect r = new Rect(3, 1, 5, 5);
        HostImage part = ColorConvertCpu.convert(img, r, ChannelOrder.RGB);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 15; x++) {
                assertEquals(all.get(0, 3 * 3 + x, y + 1), part.get(0, x, y));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ColorConvertCpu.convert(img, new Rect(5, 0, 5, 7), ChannelOrder.RGB));
    }

    @Test
    void p010IsRefused() {
        assertThrows(UnsupportedOperationException.class,
                () -> HostImage.allocate(PixelFormat.P010, 4, 4, ColorSpec.BT709_LIMITED));
    }

    static void assertPixelsEqual(HostImage a, HostImage b) {
        assertEquals(a.width(), b.width());
        assertEquals(a.height(), b.height());
        assertArrayEquals(a.planeBytes(0), b.planeBytes(0));
    }
}
