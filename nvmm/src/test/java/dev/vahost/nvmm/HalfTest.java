package dev.vahost.nvmm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.*;

/** binary16 conversion against bit patterns worked out from the IEEE 754 format by hand. */
class HalfTest {
    @ParameterizedTest(name = "{0} -> 0x{1}")
    @CsvSource({
            "1.0, 3c00",
            "-2.0, c000",
            "0.0, 0000",
            "-0.0, 8000",
            "65504.0, 7bff",           // largest finite half
            "65519.99, 7bff",          // just below the halfway point to 65536
            "65520.0, 7c00",           // halfway between 65504 and 65536: ties to even = infinity
            "0.1, 2e66",               // 0.1 = 1.6 x 2^-4: mantissa 0.6 x 1024 = 614.4 -> 614 = 0x266
            "0.33333334, 3555",        // 1/3 = 1.333 x 2^-2: 0.333 x 1024 = 341.33 -> 341 = 0x155
            "1.00048828125, 3c00",     // 1 + 2^-11: halfway between 1 and 1 + 2^-10, even is 1
            "1.00146484375, 3c02",     // 1 + 3 x 2^-11: halfway between 1+2^-10 (odd) and 1+2^-9 -> even
            "5.9604645E-8, 0001",      // 2^-24, smallest subnormal
            "2.9802322E-8, 0000",      // 2^-25: halfway to the smallest subnormal, ties to even = 0
            "4.4703484E-8, 0001",      // 1.5 x 2^-25 rounds up
            "6.097555E-5, 03ff",       // largest subnormal 1023 x 2^-24
            "6.1035156E-5, 0400",      // 2^-14, smallest normal
            "114.0, 5720",             // 1.78125 x 2^6: exp 21 = 0x15, mantissa 0.78125 x 1024 = 800 = 0x320
            "0.447059, 3727",          // 114/255 as fp16 (what a letterbox pad of 114 becomes at scale 255)
    })
    void knownBitPatterns(float value, String hex) {
        assertEquals(Integer.parseInt(hex, 16), Half.fromFloat(value) & 0xffff, "bits of " + value);
    }

    @Test
    void infinityAndNan() {
        assertEquals(0x7c00, Half.fromFloat(Float.POSITIVE_INFINITY) & 0xffff);
        assertEquals(0xfc00, Half.fromFloat(Float.NEGATIVE_INFINITY) & 0xffff);
        assertEquals(0xfc00, Half.fromFloat(-1e6f) & 0xffff);
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
    }

    @Test
    void toFloatOfKnownPatterns() {
        assertEquals(1.0f, Half.toFloat((short) 0x3c00));
        assertEquals(65504f, Half.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Half.toFloat((short) 0x0001));
        assertEquals(0.333251953125f, Half.toFloat((short) 0x3555));
        assertEquals(-0.0f, Half.toFloat((short) 0x8000));
        assertEquals(Float.POSITIVE_INFINITY, Half.toFloat((short) 0x7c00));
    }

    /** Every finite half value converts to float and back to the same bits. */
    @Test
    void everyFiniteHalfRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            if ((h & 0x7c00) == 0x7c00) {
                continue; // inf / NaN
            }
            assertEquals(h, Half.fromFloat(Half.toFloat((short) h)) & 0xffff, "0x" + Integer.toHexString(h));
        }
    }

    /** Rounding is to the nearest representable half: the error is at most half an ulp. */
    @Test
    void roundingErrorIsWithinHalfAnUlp() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            float f = (float) (rnd.nextDouble(-300, 300));
            float r = Half.round(f);
            assertTrue(Math.abs(r - f) <= Half.ulp(f) / 2, f + " rounded to " + r);
        }
        assertEquals(0.125f, Half.ulp(200f));
        assertEquals(0x1p-10f, Half.ulp(1.5f));
    }
}
