package dev.vahost.ops.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.Crop;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Rect;
import dev.vahost.ops.TestImages;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The resize reference against values worked out by hand from OpenCV's INTER_LINEAR / INTER_NEAREST
 * definitions (the comments show the source coordinates), plus invariants: identity, constant
 * images, 1x1, crop, 4 channels. Comparison with cv2 itself: the GPU machine's ops_cv2_check.py.
 */
class ResizeCpuTest {
    static int[] row(HostImage img, int y) {
        int[] v = new int[img.width()];
        for (int x = 0; x < v.length; x++) {
            v[x] = img.get(0, 3 * x, y);
        }
        return v;
    }

    @Test
    void upscaleTwoToFour() {
        // scale 0.5: fx = (d+0.5)/2 - 0.5 = -0.25 (left edge: 0), 0.25, 0.75, 1.25 (right edge: 100)
        HostImage out = ResizeCpu.resize(TestImages.grey(new int[][] {{0, 100}}), 4, 1, Interpolation.LINEAR);
        assertArrayEquals(new int[] {0, 25, 75, 100}, row(out, 0));
    }

    @Test
    void downscaleFourToTwoAveragesPairs() {
        // scale 2: fx = 2d + 0.5 -> taps (0,1) and (2,3) with weight 1/2
        HostImage out = ResizeCpu.resize(TestImages.grey(new int[][] {{0, 100, 200, 250}}), 2, 1, Interpolation.LINEAR);
        assertArrayEquals(new int[] {50, 225}, row(out, 0));
    }

    @Test
    void downscaleThreeToTwo() {
        // scale 1.5: fx = 0.25 -> 10 x 0.75 + 40 x 0.25 = 17.5 -> 18 (ties to even);
        //            fx = 1.75 -> 40 x 0.25 + 90 x 0.75 = 77.5 -> 78 (ties to even)
        HostImage out = ResizeCpu.resize(TestImages.grey(new int[][] {{10, 40, 90}}), 2, 1, Interpolation.LINEAR);
        assertArrayEquals(new int[] {18, 78}, row(out, 0));
    }

    @Test
    void verticalUpscaleClipsRowsAndKeepsWeights() {
        // 1 column, 2 rows -> 3 rows: scale 2/3: fy = 0.5 x 2/3 - 0.5 = -1/6 (rows 0,0), 0.5 (rows 0,1), 7/6 (rows 1,1)
        HostImage out = ResizeCpu.resize(TestImages.grey(new int[][] {{30}, {90}}), 1, 3, Interpolation.LINEAR);
        assertEquals(30, out.get(0, 0, 0));
        assertEquals(60, out.get(0, 0, 1));
        assertEquals(90, out.get(0, 0, 2));
    }

    @Test
    void twoDimensionalBilinear() {
        // 2x2 -> 3x3, scale 2/3 both ways: the centre samples (0.5, 0.5): mean of the four = (0+60+120+200)/4 = 95;
        // the top middle samples (0.5, row 0) = 30; the left middle (col 0, 0.5) = 60
        HostImage out = ResizeCpu.resize(TestImages.grey(new int[][] {{0, 60}, {120, 200}}), 3, 3, Interpolation.LINEAR);
        assertArrayEquals(new int[] {0, 30, 60}, row(out, 0));
        assertArrayEquals(new int[] {60, 95, 130}, row(out, 1));
        assertArrayEquals(new int[] {120, 160, 200}, row(out, 2));
    }

    @Test
    void nearestIsOpenCvsFloorNotCentred() {
        // 2 -> 4: floor(d x 0.5) = 0,0,1,1. 3 -> 2: floor(d x 1.5) = 0, 1 (centred sampling would pick 0 and 2)
        assertArrayEquals(new int[] {5, 5, 9, 9},
                row(ResizeCpu.resize(TestImages.grey(new int[][] {{5, 9}}), 4, 1, Interpolation.NEAREST), 0));
        assertArrayEquals(new int[] {1, 2},
                row(ResizeCpu.resize(TestImages.grey(new int[][] {{1, 2, 3}}), 2, 1, Interpolation.NEAREST), 0));
    }

    @Test
    void sameSizeIsIdentity() {
        HostImage img = TestImages.random(PixelFormat.RGB, 13, 7, 4, ColorSpec.BT601_LIMITED, 2);
        for (Interpolation i : Interpolation.values()) {
            assertArrayEquals(img.planeBytes(0), ResizeCpu.resize(img, 13, 7, i).planeBytes(0), i.toString());
        }
    }

    @ParameterizedTest(name = "1x1 -> {0}x{1}")
    @CsvSource({"1, 1", "5, 3", "640, 2"})
    void onePixelGrowsToAConstant(int w, int h) {
        HostImage px = TestImages.rgb(new int[][] {{7, 8, 9}});
        HostImage out = ResizeCpu.resize(px, w, h, Interpolation.LINEAR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                assertEquals(7, out.get(0, 3 * x, y));
                assertEquals(8, out.get(0, 3 * x + 1, y));
                assertEquals(9, out.get(0, 3 * x + 2, y));
            }
        }
    }

    /** Bilinear weights sum to one: a constant image stays constant at any size, up or down. */
    @ParameterizedTest(name = "17x11 -> {0}x{1}")
    @CsvSource({"3, 2", "16, 16", "33, 23", "101, 7"})
    void constantStaysConstant(int w, int h) {
        HostImage img = HostImage.allocate(PixelFormat.BGRX, 17, 11, new int[] {70}, ColorSpec.BT601_LIMITED);
        for (int y = 0; y < 11; y++) {
            for (int x = 0; x < 17; x++) {
                img.set(0, 4 * x, y, 201);
                img.set(0, 4 * x + 1, y, 3);
                img.set(0, 4 * x + 2, y, 77);
                img.set(0, 4 * x + 3, y, 255);
            }
        }
        HostImage out = ResizeCpu.resize(img, w, h, Interpolation.LINEAR);
        assertEquals(PixelFormat.BGRX, out.format());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                assertEquals(201, out.get(0, 4 * x, y));
                assertEquals(3, out.get(0, 4 * x + 1, y));
                assertEquals(77, out.get(0, 4 * x + 2, y));
                assertEquals(255, out.get(0, 4 * x + 3, y));
            }
        }
    }

    /** Crop-and-resize equals resizing a compact copy of the region: borders clamp at the region's edge. */
    @Test
    void regionClampsAtItsOwnEdges() {
        HostImage img = TestImages.random(PixelFormat.RGB, 20, 15, 3, ColorSpec.BT601_LIMITED, 4);
        Rect r = new Rect(3, 2, 9, 7);
        HostImage viaRegion = ResizeCpu.resize(img, r, 14, 5, Interpolation.LINEAR);
        HostImage viaCopy = ResizeCpu.resize(Crop.of(img, r).compact(), 14, 5, Interpolation.LINEAR);
        assertArrayEquals(viaCopy.planeBytes(0), viaRegion.planeBytes(0));
    }

    /** Every output lies between the min and max of its 2x2 neighbourhood (no overshoot), odd up and down sizes. */
    @Test
    void linearNeverOvershoots() {
        HostImage img = TestImages.random(PixelFormat.RGB, 31, 17, 0, ColorSpec.BT601_LIMITED, 6);
        for (int[] size : new int[][] {{13, 29}, {64, 5}, {31, 17}, {3, 51}}) {
            HostImage out = ResizeCpu.resize(img, size[0], size[1], Interpolation.LINEAR);
            ResizeCpu.Taps tx = ResizeCpu.linear(size[0], 31, ResizeCpu.step(31, size[0]), true);
            ResizeCpu.Taps ty = ResizeCpu.linear(size[1], 17, ResizeCpu.step(17, size[1]), false);
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    int lo = 255, hi = 0;
                    for (int yy : new int[] {ty.i0()[y], ty.i1()[y]}) {
                        for (int xx : new int[] {tx.i0()[x], tx.i1()[x]}) {
                            lo = Math.min(lo, img.get(0, 3 * xx, yy));
                            hi = Math.max(hi, img.get(0, 3 * xx, yy));
                        }
                    }
                    int v = out.get(0, 3 * x, y);
                    assertTrue(v >= lo && v <= hi, "pixel " + x + "," + y + " = " + v + " outside " + lo + ".." + hi);
                }
            }
        }
    }

    @Test
    void badArguments() {
        HostImage rgb = TestImages.random(PixelFormat.RGB, 4, 4, 0, ColorSpec.BT601_LIMITED, 1);
        assertThrows(IllegalArgumentException.class, () -> ResizeCpu.resize(rgb, -1, 4, Interpolation.LINEAR));
        assertThrows(IllegalArgumentException.class, () -> ResizeCpu.resize(rgb, 4, 0, Interpolation.LINEAR));
        assertThrows(IllegalArgumentException.class, () -> ResizeCpu.resize(rgb, new Rect(2, 2, 3, 2), 4, 4, Interpolation.LINEAR));
        HostImage nv12 = TestImages.random(PixelFormat.NV12, 4, 4, 0, ColorSpec.BT601_LIMITED, 1);
        assertThrows(UnsupportedOperationException.class, () -> ResizeCpu.resize(nv12, 2, 2, Interpolation.LINEAR));
    }
}
