package dev.vahost.examples.pixelate;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The CPU reference on cases small enough to work out by hand, and the box alignment rule. */
class PixelateReferenceTest {
    @Test
    void boxesWidenToEvenPixelsAndClipToTheFrame() {
        assertArrayEquals(new int[] {10, 20, 32, 42}, PixelBoxes.align(10.5f, 21f, 31.2f, 41f, 640, 480));
        assertArrayEquals(new int[] {0, 0, 8, 6}, PixelBoxes.align(-5f, -3f, 7.9f, 5.5f, 640, 480), "clipped at 0");
        assertArrayEquals(new int[] {630, 470, 640, 480}, PixelBoxes.align(631f, 471f, 700f, 500f, 640, 480), "clipped at the edge");
        assertArrayEquals(new int[] {0, 0, 8, 8}, PixelBoxes.align(0, 0, 100, 100, 9, 9), "odd frame sizes clip to the even part");
        assertNull(PixelBoxes.align(650, 10, 700, 20, 640, 480), "outside the frame");
        assertNull(PixelBoxes.align(10, 10, 10, 20, 640, 480), "empty");
    }

    @Test
    void squaresGetTheirRoundedMeanInLumaAndInEachChromaChannel() {
        // An 8x4 frame (pitch 10), one box over x 0..6, y 0..4, cell 4: squares [0,4)x[0,4) and [4,6)x[0,4).
        int pitch = 10;
        byte[] y = new byte[pitch * 4], uv = new byte[pitch * 2];
        for (int i = 0; i < y.length; i++) y[i] = (byte) i;           // row r, col c = 10 r + c
        for (int i = 0; i < uv.length; i++) uv[i] = (byte) (100 + i);
        byte[] y0 = y.clone(), uv0 = uv.clone();
        PixelateReference.apply(y, pitch, uv, pitch, List.of(new int[] {0, 0, 6, 4}), 4);
        // Square 1: mean of 10 r + c over r, c in 0..3 = 15 + 1.5 = 16.5 -> 17 (half up).
        // Square 2: c in 4..5: 15 + 4.5 = 19.5 -> 20.
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 8; c++) {
                int want = c < 4 ? 17 : c < 6 ? 20 : y0[r * pitch + c];
                assertEquals(want, y[r * pitch + c] & 0xff, "luma " + r + "," + c);
            }
        }
        // Chroma of square 1: samples x 0..1, rows 0..1; U at bytes 0, 2 and 10, 12: 100, 102, 110, 112 -> 106;
        // V at 1, 3, 11, 13 -> 107. Square 2: sample x 2, U at 4, 14 -> 109, V at 5, 15 -> 110. Sample x 3 untouched.
        assertArrayEquals(new int[] {106, 107, 106, 107, 109, 110, uv0[6] & 0xff, uv0[7] & 0xff}, firstBytes(uv, 0, 8));
        assertArrayEquals(new int[] {106, 107, 106, 107, 109, 110, uv0[16] & 0xff, uv0[17] & 0xff}, firstBytes(uv, 10, 8));
    }

    @Test
    void overlappingBoxesApplyInOrder() {
        int pitch = 4;
        byte[] y = new byte[16], uv = new byte[8];
        for (int i = 0; i < 16; i++) y[i] = (byte) (i * 10);
        // Box 1 = rows 0..1 (one 4x2 square), then box 2 = columns 2..3 (one 2x4 square), cell 4.
        PixelateReference.apply(y, pitch, uv, pitch, List.of(new int[] {0, 0, 4, 2}, new int[] {2, 0, 4, 4}), 4);
        // Box 1: 0..70 -> 280 / 8 = 35. Box 2 then sees 35, 35, 35, 35, 100, 110, 140, 150 -> 640 / 8 = 80.
        // (The other order would give 85 and then 55: order matters and is the list's.)
        int[] want = {35, 35, 80, 80, 35, 35, 80, 80, 80, 90, 80, 80, 120, 130, 80, 80};
        for (int i = 0; i < 16; i++) assertEquals(want[i], y[i] & 0xff, "pixel " + i);
    }

    private static int[] firstBytes(byte[] b, int from, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = b[from + i] & 0xff;
        return out;
    }
}
