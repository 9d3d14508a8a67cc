package dev.vahost.ops;

import java.util.Locale;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.Half;

import static org.junit.jupiter.api.Assertions.*;

/** GPU-against-reference comparisons with the tolerances of issue 4, printing what they found. */
public final class Compare {
    private Compare() {}

    /** 8-bit images: same size and format, every byte within {@code tolerance}. */
    public static void u8(HostImage want, HostImage got, int tolerance, String what) {
        assertEquals(want.format(), got.format(), what);
        assertEquals(want.width(), got.width(), what);
        assertEquals(want.height(), got.height(), what);
        int max = 0;
        long differ = 0;
        long total = 0;
        int worst = -1;
        for (int p = 0; p < want.planes(); p++) {
            byte[] a = want.planeBytes(p);
            byte[] b = got.planeBytes(p);
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
                if (d > 0) differ++;
                if (d > max) {
                    max = d;
                    worst = i;
                }
            }
            total += a.length;
        }
        System.out.printf(Locale.ROOT, "%-70s u8: max |gpu-cpu| = %d, %d of %d bytes differ%n", what, max, differ, total);
        assertTrue(max <= tolerance, what + ": max difference " + max + " at byte " + worst + " exceeds " + tolerance);
    }

    /**
     * Tensor values: F32 within {@code 1e-3}; F16 within one fp16 ulp of the reference (which the CPU
     * reference has already rounded to fp16: both round the same float, so one ulp allows for a tie
     * broken the other way). No NaN: every element must have been written.
     */
    public static void tensor(float[] want, float[] got, DType dtype, String what) {
        assertEquals(want.length, got.length, what);
        double max = 0;
        long differ = 0;
        int worst = -1;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(got[i])) {
                fail(what + ": element " + i + " is NaN (not written by the kernel)");
            }
            double d = Math.abs((double) want[i] - got[i]);
            if (d > 0) differ++;
            double tol = dtype == DType.F16 ? Half.ulp(want[i]) : 1e-3;
            if (d > tol) {
                fail(String.format(Locale.ROOT, "%s: element %d is %s, reference %s (|d| = %.3g > %.3g)", what, i, got[i],
                        want[i], d, tol));
            }
            if (d > max) {
                max = d;
                worst = i;
            }
        }
        System.out.printf(Locale.ROOT, "%-70s %s: max |gpu-cpu| = %.3g (element %d), %d of %d differ%n", what, dtype, max,
                worst, differ, want.length);
    }
}
