package dev.vahost.postprocess.internal;

/** IEEE 754 binary16 conversions (Java 17 has no Float.float16ToFloat). */
public final class Half {
    private Half() {}

    /** Exact conversion of half bits to float (mirrors half_to_float in postprocess.cuh). */
    public static float toFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int man = h & 0x3ff;
        if (exp == 0) {
            float f = man * 5.9604644775390625e-8f; // man * 2^-24, exact
            return sign != 0 ? -f : f;
        }
        if (exp == 31) return Float.intBitsToFloat(sign | 0x7f800000 | (man << 13));
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (man << 13));
    }

    /** Float to half bits, round to nearest even (for tests and test data). */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int exp = (x >>> 23) & 0xff;
        int man = x & 0x7fffff;
        if (exp == 0xff) return (short) (sign | 0x7c00 | (man != 0 ? 0x200 : 0));
        int e = exp - 127 + 15;
        if (e >= 31) return (short) (sign | 0x7c00);
        if (e <= 0) {
            if (e < -10) return (short) sign;
            man |= 0x800000;
            int shift = 14 - e;
            int half = man >> shift;
            int rem = man & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
            return (short) (sign | half);
        }
        int half = (e << 10) | (man >> 13);
        int rem = man & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) half++;
        return (short) (sign | half);
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
