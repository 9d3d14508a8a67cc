package dev.vahost.inference.internal.ops;

import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.internal.Act;
import dev.vahost.inference.internal.Tensor;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Conv#spaceToDepthConv}: a strided convolution on few channels rewritten as a stride-1 convolution on
 * space-to-depth blocks (the GPU engine's fp16 channels-last stems, kernel space_to_depth_nhwc_f16, whose channel
 * order GlueKernelHostTest checks). Both are computed here by the definition of a convolution (NCHW, zero padding),
 * the rewritten one on the blocks in that channel order: they must agree to float rounding.
 */
class SpaceToDepthTest {
    /** y[o][oy][ox] = sum over ci, ky, kx of w[o][ci][ky][kx] · x[ci][oy·s - p + ky][ox·s - p + kx] (zero outside), one image. */
    private static double[] conv(float[] x, int c, int h, int w, float[] wt, int k, int kh, int kw, int s, int p, int oh, int ow) {
        double[] y = new double[k * oh * ow];
        for (int o = 0; o < k; o++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    double acc = 0;
                    for (int ci = 0; ci < c; ci++) {
                        for (int ky = 0; ky < kh; ky++) {
                            for (int kx = 0; kx < kw; kx++) {
                                int iy = oy * s - p + ky, ix = ox * s - p + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                acc += (double) wt[((o * c + ci) * kh + ky) * kw + kx] * x[(ci * h + iy) * w + ix];
                            }
                        }
                    }
                    y[(o * oh + oy) * ow + ox] = acc;
                }
            }
        }
        return y;
    }

    @Test
    void theRewrittenConvolutionComputesTheSameSums() {
        Random r = new Random(11);
        // {c, k, kernel, stride, pad, h, w}: YOLOv5's stem (6x6/2, pad 2) on a small image, a 4x4/2 one, a 3x3 stride-3 one
        for (int[] t : new int[][] {{3, 8, 6, 2, 2, 12, 10}, {3, 16, 4, 2, 0, 8, 8}, {1, 8, 3, 3, 0, 9, 6}, {2, 8, 6, 2, 2, 8, 12}}) {
            int c = t[0], k = t[1], kk = t[2], s = t[3], p = t[4], h = t[5], w = t[6];
            int oh = (h + 2 * p - kk) / s + 1, ow = (w + 2 * p - kk) / s + 1;
            float[] x = new float[c * h * w], wt = new float[k * c * kk * kk];
            for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() * 2 - 1;
            for (int i = 0; i < wt.length; i++) wt[i] = r.nextFloat() * 2 - 1;
            Conv conv = new Conv("stem", 0, 1, 1, c, h, w, k, oh, ow, kk, kk, s, s, p, p, 1, 1, 1, Tensor.ofFloats(wt, k, c, kk, kk), null,
                    Act.NONE, 0f, 0f, -1, Act.NONE, 0f, 0f);
            assertEquals(s, conv.spaceToDepth(), "eligible: " + conv);
            Conv d = conv.spaceToDepthConv(s);
            assertEquals(8 * ((c * s * s + 7) / 8), d.c());
            assertEquals(1, d.sh());
            // the blocks in the kernel's channel order, NCHW here: channel (dy·s + dx)·c + ci, the rest zero
            int h2 = h / s, w2 = w / s;
            float[] x2 = new float[d.c() * h2 * w2];
            for (int yy = 0; yy < h2; yy++) {
                for (int xx = 0; xx < w2; xx++) {
                    for (int dy = 0; dy < s; dy++) {
                        for (int dx = 0; dx < s; dx++) {
                            for (int ci = 0; ci < c; ci++) {
                                x2[(((dy * s + dx) * c + ci) * h2 + yy) * w2 + xx] = x[(ci * h + yy * s + dy) * w + xx * s + dx];
                            }
                        }
                    }
                }
            }
            double[] want = conv(x, c, h, w, wt, k, kk, kk, s, p, oh, ow);
            double[] got = conv(x2, d.c(), h2, w2, d.weight().floats(), k, d.kh(), d.kw(), 1, d.pt(), d.oh(), d.ow());
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-9, "case " + java.util.Arrays.toString(t) + " output " + i);
        }
        // not eligible: kernel not a multiple of the stride (YOLOv8's 3x3/2 stem), too many channels per block
        Conv v8 = new Conv("v8", 0, 1, 1, 3, 8, 8, 16, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, Tensor.ofFloats(new float[16 * 3 * 9], 16, 3, 3, 3),
                null, Act.NONE, 0f, 0f, -1, Act.NONE, 0f, 0f);
        assertEquals(1, v8.spaceToDepth());
        Conv wide = new Conv("wide", 0, 1, 1, 5, 8, 8, 8, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 1, Tensor.ofFloats(new float[8 * 5 * 4], 8, 5, 2, 2),
                null, Act.NONE, 0f, 0f, -1, Act.NONE, 0f, 0f);
        assertEquals(1, wide.spaceToDepth());
    }
}
