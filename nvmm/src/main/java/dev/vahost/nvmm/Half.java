package dev.vahost.nvmm;

/**
 * IEEE 754 binary16 conversions (Java 17 has none), round to nearest even like CUDA's
 * {@code __float2half_rn}: the one implementation the modules share for fp16 tensors and their
 * tolerances.
 */
public final class Half {
    private Half() {}

    /** The binary16 bits nearest to {@code f} (ties to even; overflow to infinity; NaN stays NaN). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half of the smallest subnormal (2^-25): rounds to zero
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int h = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (h & 1) != 0)) {
                h++;
            }
            return (short) (sign | h);
        }
        int h = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) {
            h++; // a carry into the exponent is right, up to infinity (0x7c00)
        }
        return (short) (sign | h);
    }

    /** The value of binary16 bits {@code h}. */
    public static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero): mant x 2^-24, exact in float
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** {@code f} rounded to the nearest binary16 value. */
    public static float round(float f) {
        return toFloat(fromFloat(f));
    }

    /** The spacing of binary16 values at magnitude {@code |f|} (one ulp), for tolerances. */
    public static float ulp(float f) {
        float a = Math.abs(round(f));
        if (a < 0x1p-14f) {
            return 0x1p-24f;
        }
        int exp = Math.getExponent(a);
        return (float) Math.scalb(1.0, exp - 10);
    }

    public static float[] toFloats(short[] bits) {
        float[] f = new float[bits.length];
        for (int i = 0; i < bits.length; i++) f[i] = toFloat(bits[i]);
        return f;
    }

    public static short[] fromFloats(float[] f) {
        short[] s = new short[f.length];
        for (int i = 0; i < f.length; i++) s[i] = fromFloat(f[i]);
        return s;
    }
}
