package dev.vahost.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.vahost.inference.internal.Act;
import dev.vahost.nvmm.Half;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kernels of glue.cu and convlike.cu compiled for the host (src/test/cuda/glue_host_check.cu with
 * inference_host_emu.h in place of cuda_fp16.h) and run on random cases against plain Java: the 2-D
 * strided copy (copy2d_b2/4/8/16, negative strides included), the tiled transposing copy (transpose_b2), the fp16 binary operation over rows
 * with row-vector and per-row operands (binary_rows8_f16), the bias + activation on rows spaced
 * wider than their channels (bias_act_rows8_f16: a convolution's slice of a Concat), the channel
 * widening of RGB stems (widen_channels8_nhwc_f16), and max pooling and nearest resizing 8 channels at a
 * time with pixels of x and y spaced wider than their channels (maxpool_nhwc8_f16,
 * resize_nearest_nhwc8_f16: SPPF and upsampling reading and writing channel slices), the 8-wide
 * stand-alone activation (unary_flat8_f16), the few-output-channel 1x1 convolution (conv1x1_fewk_f16:
 * YOLOv8's DFL) and the direct convolution on few input channels (conv_fewc_nhwc8_f16: a network's first
 * convolution, on RGB, from NHWC or NCHW input into a channel slice). Copies and widening must be byte-exact, and so
 * must arithmetic without an exponential; SiLU within one fp16 unit (the host's expf and Java's
 * Math.exp round differently). Indexing is what this checks; launch geometry is the GPU tests'.
 * Built with $CXX, else g++ or c++ (what CI has); skipped, saying so, when there is none.
 */
class GlueKernelHostTest {
    private static Path exe;

    @BeforeAll
    static void build() throws Exception {
        String cxx = System.getenv("CXX");
        if (cxx == null || cxx.isBlank()) cxx = onPath("g++") ? "g++" : onPath("c++") ? "c++" : null;
        if (cxx == null) {
            System.out.println("SKIPPED inference GlueKernelHostTest: no C++ compiler (CXX, g++, c++): glue.cu's copy2d,"
                    + " binary_rows8, bias_act_rows8 and convlike.cu's widen kernels were not checked on the host");
            return;
        }
        exe = Path.of("target/glue-host-check");
        Files.createDirectories(exe.getParent());
        // -fno-strict-aliasing: the kernels reinterpret uint4 registers as __half2 (fine under nvcc; g++ -O2 would
        // drop the stores through the other type and the results read as zeros)
        List<String> cmd = List.of(cxx, "-std=c++17", "-O2", "-fno-strict-aliasing", "-ffp-contract=off", "-DVAHOST_INFERENCE_HOST_EMU",
                "-I", "src/main/cuda",
                "-I", "src/test/cuda", "-I", "../nvmm/src/test/cuda", "-x", "c++", "-o", exe.toString(), "src/test/cuda/glue_host_check.cu");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "compiler timed out");
        assertEquals(0, p.exitValue(), "compiling the kernels for the host failed (" + String.join(" ", cmd) + "):\n" + log);
    }

    private static boolean onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, name))) return true;
        }
        return false;
    }

    /** Runs one kernel on {@code input}; returns the output buffer of {@code outBytes}. */
    private static byte[] run(String kernel, byte[] input, long outBytes, long... args) throws Exception {
        Assumptions.assumeTrue(exe != null, "no C++ compiler");
        Path in = Files.createTempFile("glue-in", ".bin"), out = Files.createTempFile("glue-out", ".bin");
        try {
            Files.write(in, input);
            List<String> cmd = new ArrayList<>(List.of(exe.toAbsolutePath().toString(), kernel, in.toString(), out.toString(),
                    Long.toString(outBytes)));
            for (long a : args) cmd.add(Long.toString(a));
            return exec(cmd, out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    private static byte[] exec(List<String> cmd, Path out) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + log);
        return Files.readAllBytes(out);
    }

    @Test
    void copy2dMovesEveryUnitWhereTheStridesSay() throws Exception {
        Random r = new Random(1);
        for (int t = 0; t < 40; t++) {
            int width = new int[] {2, 4, 8, 16}[t % 4];
            long rows = 1 + r.nextInt(6), cols = 1 + r.nextInt(8), xc = 1 + r.nextInt(2), yc = 1 + r.nextInt(3);
            long xs = cols * xc + r.nextInt(4), ys = cols * yc + r.nextInt(5);
            long xo = r.nextInt(5), yo = r.nextInt(5);
            if (t % 5 == 4) { // walk x backwards over its rows
                xo += (rows - 1) * xs;
                xs = -xs;
            }
            long xUnits = Math.max(xo + (rows - 1) * Math.max(xs, 0) + (cols - 1) * xc, xo) + 1;
            long yUnits = yo + (rows - 1) * ys + (cols - 1) * yc + 1 + r.nextInt(3);
            byte[] x = new byte[(int) (xUnits * width)];
            r.nextBytes(x);
            byte[] want = new byte[(int) (yUnits * width)];
            java.util.Arrays.fill(want, (byte) 0xA5);
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j++) {
                    System.arraycopy(x, (int) ((xo + i * xs + j * xc) * width), want, (int) ((yo + i * ys + j * yc) * width), width);
                }
            }
            long span = Math.max(xUnits, yUnits);
            byte[] got = run("copy2d", x, want.length, width, rows, cols, xs, ys, xc, yc, xo, yo, span);
            assertArrayEquals(want, got, "case " + t + ": width " + width + " rows " + rows + " cols " + cols + " xs " + xs + " ys " + ys);
        }
    }

    @Test
    void copy4dMovesEveryUnitWhereTheStridesSay() throws Exception {
        Random r = new Random(7);
        for (int t = 0; t < 40; t++) {
            int width = new int[] {2, 4, 8, 16}[t % 4];
            long[] n = {1 + r.nextInt(3), 1 + r.nextInt(3), 1 + r.nextInt(4), 1 + r.nextInt(6)}; // na nb rows cols
            // y dense in (a, b, r, c) order with gaps; x permuted: its strides a shuffle of dense ones
            long[] ys = new long[4], xs = new long[4];
            long acc = 1;
            for (int d = 3; d >= 0; d--) {
                ys[d] = acc;
                acc = acc * n[d] + (t % 3 == 0 ? r.nextInt(3) : 0);
            }
            long yUnits = acc + 1;
            int[] order = {0, 1, 2, 3};
            for (int i = 3; i > 0; i--) {
                int j = r.nextInt(i + 1), tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
            acc = 1;
            for (int d = 3; d >= 0; d--) {
                xs[order[d]] = acc;
                acc *= n[order[d]];
            }
            long xo = r.nextInt(4), yo = r.nextInt(4), xUnits = xo + acc;
            byte[] x = new byte[(int) (xUnits * width)];
            r.nextBytes(x);
            byte[] want = new byte[(int) ((yo + yUnits) * width)];
            java.util.Arrays.fill(want, (byte) 0xA5);
            for (long a = 0; a < n[0]; a++) {
                for (long b = 0; b < n[1]; b++) {
                    for (long i = 0; i < n[2]; i++) {
                        for (long j = 0; j < n[3]; j++) {
                            long from = xo + a * xs[0] + b * xs[1] + i * xs[2] + j * xs[3], to = yo + a * ys[0] + b * ys[1] + i * ys[2] + j * ys[3];
                            System.arraycopy(x, (int) (from * width), want, (int) (to * width), width);
                        }
                    }
                }
            }
            long span = Math.max(xUnits, yo + yUnits);
            byte[] got = run("copy4d", x, want.length, width, n[0], n[1], n[2], n[3], xs[0], xs[1], xs[2], xs[3], ys[0], ys[1], ys[2], ys[3],
                    xo, yo, span);
            assertArrayEquals(want, got, "case " + t + ": width " + width + " shape " + java.util.Arrays.toString(n) + " x strides "
                    + java.util.Arrays.toString(xs));
        }
    }

    private static final int[] OPS = {0, 1, 2, 3, 6}; // Add, Sub, Mul, Div, Max (BinaryOps.Op ordinals)

    private static float binop(int op, float a, float b) {
        return switch (op) {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> a * b;
            case 3 -> a / b;
            default -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
        };
    }

    @Test
    void binaryRows8BroadcastsRowVectorsAndPerRowValues() throws Exception {
        Random r = new Random(2);
        Act[] acts = {Act.NONE, Act.RELU, Act.SILU};
        for (int t = 0; t < 90; t++) {
            long rows = 1 + r.nextInt(5), cols8 = 1 + r.nextInt(3), cols = cols8 * 8;
            int op = OPS[t % OPS.length];
            Act act = acts[(t / OPS.length) % acts.length];
            // operand modes: 0 full rows, 1 one row for all (a bias), 2 one value per row, 3 one value for all
            int am = t % 4, bm = (t / 4) % 4;
            if (am != 0 && bm != 0) am = 0;
            // from case 60 on, full-row operands and y are channel slices of wider rows (read or written in place)
            long pad = t >= 60 ? 8L * (1 + r.nextInt(2)) : 0, yRow = cols + (t >= 60 ? 8L * r.nextInt(3) : 0);
            long[] as = stride(am, cols, pad), bs = stride(bm, cols, pad);
            short[] a = randomHalves(r, elements(am, rows, cols, pad)), b = randomHalves(r, elements(bm, rows, cols, pad));
            if (op == 3) for (int i = 0; i < b.length; i++) if (Math.abs(Half.toFloat(b[i])) < 0.25f) b[i] = Half.fromFloat(0.5f);
            float[] want = new float[(int) (rows * cols)];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    float fa = Half.toFloat(a[(int) (i * as[0] + (as[1] == 1 ? 0 : j))]);
                    float fb = Half.toFloat(b[(int) (i * bs[0] + (bs[1] == 1 ? 0 : j))]);
                    want[(int) (i * cols + j)] = act.apply(binop(op, fa, fb), 0.01f, 0f);
                }
            }
            ByteBuffer in = ByteBuffer.allocate(2 * (a.length + b.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (short s : a) in.putShort(s);
            for (short s : b) in.putShort(s);
            long yElements = (rows - 1) * yRow + cols;
            long span = yElements + Math.max(a.length, b.length);
            byte[] got = run("binary_rows8", in.array(), 2L * yElements, 2L * a.length, op, rows, cols8, as[0], bs[0], yRow, as[1],
                    bs[1], act.code, 0, 0, span);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows; i++) {
                for (long e = i * yRow; e < Math.min(yElements, (i + 1) * yRow); e++) {
                    long j = e - i * yRow;
                    String what = "case " + t + " op " + op + " " + act + " modes " + am + "/" + bm + " rows " + yRow + " apart, element "
                            + i + "," + j;
                    if (j >= cols) {
                        assertEquals((short) 0xA5A5, g.getShort((int) (2 * e)), what + ": outside the slice, untouched");
                        continue;
                    }
                    float gv = Half.toFloat(g.getShort((int) (2 * e))), wv = Half.round(want[(int) (i * cols + j)]);
                    if (act == Act.SILU) assertEquals(wv, gv, Half.ulp(wv), what);
                    else assertEquals(wv, gv, 0f, what);
                }
            }
        }
    }

    @Test
    void binaryRows8x2BroadcastsOverAMiddleDimension() throws Exception {
        Random r = new Random(8);
        Act[] acts = {Act.NONE, Act.SILU};
        for (int t = 0; t < 40; t++) {
            long outer = 2 + r.nextInt(3), inner = 2 + r.nextInt(4), cols8 = 1 + r.nextInt(2), cols = cols8 * 8;
            int op = OPS[t % OPS.length];
            Act act = acts[(t / OPS.length) % acts.length];
            // b: 0 full [outer, inner, cols]; 1 [1, inner, 1] (one value per inner row: RT-DETR's valid mask); 2 [outer, 1, cols]
            // (attention weights over levels); 3 [1, inner, cols]
            int bm = t % 4;
            long[] bsd = switch (bm) {
                case 0 -> new long[] {inner * cols, cols, 0};
                case 1 -> new long[] {0, 1, 1};
                case 2 -> new long[] {cols, 0, 0};
                default -> new long[] {0, cols, 0};
            };
            long bElements = switch (bm) {
                case 0 -> outer * inner * cols;
                case 1 -> inner;
                case 2 -> outer * cols;
                default -> inner * cols;
            };
            long yRow = cols + (t >= 20 ? 8 : 0), yOuter = inner * yRow + (t >= 30 ? 8 : 0); // rows wider apart from case 20 on
            short[] a = randomHalves(r, (int) (outer * inner * cols)), b = randomHalves(r, (int) bElements);
            if (op == 3) for (int i = 0; i < b.length; i++) if (Math.abs(Half.toFloat(b[i])) < 0.25f) b[i] = Half.fromFloat(0.5f);
            ByteBuffer in = ByteBuffer.allocate(2 * (a.length + b.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : a) in.putShort(v);
            for (short v : b) in.putShort(v);
            long yElements = outer * yOuter, span = yElements + a.length;
            byte[] got = run("binary_rows8x2", in.array(), 2L * yElements, 2L * a.length, op, outer, inner, cols8, inner * cols, bsd[0], yOuter,
                    cols, bsd[1], yRow, 0, bsd[2], act.code, 0, 0, span);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) {
                    for (int j = 0; j < cols; j++) {
                        float fa = Half.toFloat(a[(int) ((o * inner + i) * cols + j)]);
                        float fb = Half.toFloat(b[(int) (o * bsd[0] + i * bsd[1] + (bsd[2] == 1 ? 0 : j))]);
                        float wv = Half.round(act.apply(binop(op, fa, fb), 0.01f, 0f));
                        float gv = Half.toFloat(g.getShort((int) (2 * (o * yOuter + i * yRow + j))));
                        String what = "case " + t + " op " + op + " " + act + " mode " + bm + " element " + o + "," + i + "," + j;
                        assertEquals(wv, gv, act == Act.SILU ? Half.ulp(wv) : 0f, what);
                    }
                }
            }
        }
    }

    /** {row stride, 1 for one value per row} of operand mode m (see the test); full rows {@code pad} elements wider. */
    private static long[] stride(int m, long cols, long pad) {
        return switch (m) {
            case 0 -> new long[] {cols + pad, 0};
            case 1 -> new long[] {0, 0};
            case 2 -> new long[] {1, 1};
            default -> new long[] {0, 1};
        };
    }

    private static int elements(int m, long rows, long cols, long pad) {
        return (int) switch (m) {
            case 0 -> rows * (cols + pad);
            case 1 -> cols;
            case 2 -> rows;
            default -> 1;
        };
    }

    private static short[] randomHalves(Random r, int n) {
        short[] h = new short[n];
        for (int i = 0; i < n; i++) h[i] = Half.fromFloat((r.nextFloat() * 2 - 1) * 4);
        return h;
    }

    @Test
    void biasActRows8TouchesOnlyEachRowsChannels() throws Exception {
        Random r = new Random(3);
        Act[] acts = {Act.NONE, Act.RELU, Act.SILU};
        for (int t = 0; t < 18; t++) {
            int channels = 8 * (1 + r.nextInt(3));
            long rows = 1 + r.nextInt(6), stride = channels + 8L * r.nextInt(3);
            Act act = acts[t % acts.length];
            short[] y = randomHalves(r, (int) (rows * stride));
            float[] bias = new float[channels];
            for (int c = 0; c < channels; c++) bias[c] = r.nextFloat() * 2 - 1;
            ByteBuffer in = ByteBuffer.allocate(2 * y.length + 4 * channels).order(ByteOrder.LITTLE_ENDIAN);
            for (short s : y) in.putShort(s);
            for (float f : bias) in.putFloat(f);
            byte[] got = run("bias_act_rows8", in.array(), 2L * y.length, 2L * y.length, channels, rows, stride, act.code, 0, 0);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < y.length; i++) {
                int c = (int) (i % stride);
                short gv = g.getShort(2 * i);
                String what = "case " + t + " " + act + " channels " + channels + " stride " + stride + " element " + i;
                if (c >= channels) {
                    assertEquals(y[i], gv, what + ": outside the channels, untouched");
                    continue;
                }
                float wv = Half.round(act.apply(Half.toFloat(y[i]) + bias[c], 0.01f, 0f));
                assertEquals(wv, Half.toFloat(gv), act == Act.SILU ? Half.ulp(wv) : 0f, what);
            }
        }
    }

    @Test
    void biasActNhwc8WrapsChannelsThatAreNotAMultipleOf8() throws Exception {
        Random r = new Random(6);
        Act[] acts = {Act.NONE, Act.SIGMOID, Act.SILU};
        int[] channelCounts = {8, 16, 13, 51, 255, 9};
        for (int t = 0; t < channelCounts.length * acts.length; t++) {
            int channels = channelCounts[t / acts.length];
            Act act = acts[t % acts.length];
            int pixels = 8 * (1 + r.nextInt(5)); // elements a multiple of 8 whatever the channel count
            short[] y = randomHalves(r, pixels * channels);
            float[] bias = new float[channels];
            for (int c = 0; c < channels; c++) bias[c] = r.nextFloat() * 2 - 1;
            ByteBuffer in = ByteBuffer.allocate(2 * y.length + 4 * channels).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : y) in.putShort(v);
            for (float f : bias) in.putFloat(f);
            byte[] got = run("bias_act_nhwc8", in.array(), 2L * y.length, 2L * y.length, channels, y.length / 8, act.code, 0, 0);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < y.length; i++) {
                int c = i % channels;
                float wv = Half.round(act.apply(Half.toFloat(y[i]) + bias[c], 0.01f, 0f));
                float gv = Half.toFloat(g.getShort(2 * i));
                assertEquals(wv, gv, act == Act.NONE ? 0f : Half.ulp(wv), act + " channels " + channels + " element " + i);
            }
        }
    }

    @Test
    void widenCopiesTheChannelsAndZeroesTheRest() throws Exception {
        Random r = new Random(4);
        for (int c = 1; c < 8; c++) {
            long rows = 1 + r.nextInt(9);
            short[] x = randomHalves(r, (int) (rows * c));
            ByteBuffer in = ByteBuffer.allocate(2 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            for (short s : x) in.putShort(s);
            byte[] got = run("widen", in.array(), 16L * rows, rows, c);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < 8; j++) {
                    short want = j < c ? x[i * c + j] : 0;
                    assertEquals(want, g.getShort(2 * (i * 8 + j)), c + " channels, row " + i + " channel " + j);
                }
            }
        }
    }

    @Test
    void spaceToDepthMovesEachBlockIntoChannelsAndZeroesTheRest() throws Exception {
        Random r = new Random(5);
        for (int[] t : new int[][] {{2, 3, 16}, {2, 1, 8}, {3, 3, 32}, {2, 4, 16}, {4, 3, 48}}) {
            int s = t[0], c = t[1], c2 = t[2], n = 1 + r.nextInt(2), h2 = 1 + r.nextInt(4), w2 = 1 + r.nextInt(4);
            int h = h2 * s, w = w2 * s;
            short[] x = randomHalves(r, n * h * w * c);
            ByteBuffer in = ByteBuffer.allocate(2 * x.length).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : x) in.putShort(v);
            long pixels = (long) n * h2 * w2;
            byte[] got = run("s2d", in.array(), 2L * pixels * c2, pixels, h2, w2, s, c, c2);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int b = 0; b < n; b++) {
                for (int yy = 0; yy < h2; yy++) {
                    for (int xx = 0; xx < w2; xx++) {
                        for (int j = 0; j < c2; j++) {
                            int blk = j / c, ci = j % c, dy = blk / s, dx = blk % s;
                            short want = blk < s * s ? x[((b * h + yy * s + dy) * w + xx * s + dx) * c + ci] : 0;
                            int at = ((b * h2 + yy) * w2 + xx) * c2 + j;
                            assertEquals(want, g.getShort(2 * at), "s " + s + " c " + c + " pixel " + b + "," + yy + "," + xx + " channel " + j);
                        }
                    }
                }
            }
        }
    }

    /** A [batch, h, w] grid of pixels {@code stride} halves apart, each with {@code c} random channels then padding. */
    private static short[] pixels(Random r, int batch, int h, int w, int c, int stride) {
        short[] x = new short[batch * h * w * stride];
        for (int i = 0; i < x.length; i++) x[i] = i % stride < c ? Half.fromFloat((r.nextFloat() * 2 - 1) * 4) : (short) 0x7e01; // pad: NaN
        return x;
    }

    private static byte[] bytes(short[] halves, int[]... ints) {
        int n = 2 * halves.length;
        for (int[] a : ints) n += 4 * a.length;
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        for (short s : halves) b.putShort(s);
        for (int[] a : ints) for (int v : a) b.putInt(v);
        return b.array();
    }

    /** y's pixels {@code ys} apart: the first c halves of each are {@code want}'s, the rest untouched (0xA5A5). */
    private static void assertPixels(short[] want, byte[] got, int pixels, int c, int ys, String what) {
        ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
        for (int px = 0; px < pixels; px++) {
            for (int j = 0; j < ys; j++) {
                short gv = g.getShort(2 * (px * ys + j));
                if (j >= c) assertEquals((short) 0xA5A5, gv, what + ": pixel " + px + " half " + j + " outside the slice, untouched");
                else assertEquals(want[px * c + j], gv, what + ": pixel " + px + " channel " + j);
            }
        }
    }

    @Test
    void maxpool8TakesEachWindowsMaximumReadingAndWritingSlices() throws Exception {
        Random r = new Random(5);
        for (int t = 0; t < 24; t++) {
            int batch = 1 + r.nextInt(2), c = 8 * (1 + r.nextInt(2)), h = 3 + r.nextInt(5), w = 3 + r.nextInt(5);
            int xs = c + 8 * r.nextInt(3), ys = c + 8 * r.nextInt(3);
            int k = t % 3 == 0 ? 5 : 2 + r.nextInt(2), s = t % 3 == 0 ? 1 : 1 + r.nextInt(2), pad = t % 3 == 0 ? 2 : r.nextInt(k / 2 + 1);
            int d = t % 4 == 3 ? 2 : 1;
            int oh = (h + 2 * pad - d * (k - 1) - 1) / s + 1, ow = (w + 2 * pad - d * (k - 1) - 1) / s + 1;
            if (oh < 1 || ow < 1) continue;
            short[] x = pixels(r, batch, h, w, c, xs);
            if (t % 5 == 2) x[r.nextInt(batch * h * w) * xs + r.nextInt(c)] = (short) 0x7e00; // a NaN inside: it wins its windows
            short[] want = new short[batch * oh * ow * c];
            for (int b = 0; b < batch; b++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int ch = 0; ch < c; ch++) {
                            float best = Float.NEGATIVE_INFINITY;
                            for (int a = 0; a < k; a++) {
                                int iy = oy * s - pad + a * d;
                                if (iy < 0 || iy >= h) continue;
                                for (int q = 0; q < k; q++) {
                                    int ix = ox * s - pad + q * d;
                                    if (ix < 0 || ix >= w) continue;
                                    float v = Half.toFloat(x[((b * h + iy) * w + ix) * xs + ch]);
                                    if (v > best || Float.isNaN(v)) best = v;
                                }
                            }
                            want[((b * oh + oy) * ow + ox) * c + ch] = Float.isNaN(best) ? (short) 0x7e00 : Half.fromFloat(best);
                        }
                    }
                }
            }
            int pixels = batch * oh * ow;
            byte[] got = run("maxpool8", bytes(x), 2L * pixels * ys, batch, c / 8, h, w, oh, ow, k, k, s, s, pad, pad, d, d, xs, ys);
            String what = "case " + t + ": " + batch + "x" + h + "x" + w + "x" + c + " k" + k + " s" + s + " p" + pad + " d" + d + ", pixels "
                    + xs + " / " + ys + " apart";
            assertPixels(want, canonicalNaN(got), pixels, c, ys, what);
        }
    }

    /** fp16 NaNs as 0x7e00 (the kernel keeps the input's NaN, the reference writes the canonical one). */
    private static byte[] canonicalNaN(byte[] got) {
        ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 1 < got.length; i += 2) {
            short v = g.getShort(i);
            if (v != (short) 0xA5A5 && Float.isNaN(Half.toFloat(v))) g.putShort(i, (short) 0x7e00);
        }
        return got;
    }

    @Test
    void resize8CopiesTheIndexedPixelReadingAndWritingSlices() throws Exception {
        Random r = new Random(6);
        for (int t = 0; t < 16; t++) {
            int batch = 1 + r.nextInt(2), c = 8 * (1 + r.nextInt(3)), h = 1 + r.nextInt(5), w = 1 + r.nextInt(5);
            int oh = t % 2 == 0 ? 2 * h : 1 + r.nextInt(9), ow = t % 2 == 0 ? 2 * w : 1 + r.nextInt(9);
            int xs = c + 8 * r.nextInt(3), ys = c + 8 * r.nextInt(3);
            int[] rows = new int[oh], cols = new int[ow];
            for (int i = 0; i < oh; i++) rows[i] = t % 2 == 0 ? i / 2 : r.nextInt(h);
            for (int i = 0; i < ow; i++) cols[i] = t % 2 == 0 ? i / 2 : r.nextInt(w);
            short[] x = pixels(r, batch, h, w, c, xs);
            short[] want = new short[batch * oh * ow * c];
            for (int b = 0; b < batch; b++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        for (int ch = 0; ch < c; ch++) want[((b * oh + oy) * ow + ox) * c + ch] = x[((b * h + rows[oy]) * w + cols[ox]) * xs + ch];
                    }
                }
            }
            int pixels = batch * oh * ow;
            byte[] got = run("resize8", bytes(x, rows, cols), 2L * pixels * ys, 2L * x.length, batch, c / 8, h, w, oh, ow, xs, ys);
            assertPixels(want, got, pixels, c, ys, "case " + t + ": " + batch + "x" + h + "x" + w + "x" + c + " -> " + oh + "x" + ow
                    + ", pixels " + xs + " / " + ys + " apart");
        }
    }

    @Test
    void unary8AppliesTheActivationToEveryValue() throws Exception {
        Random r = new Random(7);
        Act[] acts = {Act.NONE, Act.RELU, Act.SIGMOID, Act.SILU, Act.TANH, Act.HARDSIGMOID, Act.NEG, Act.CLIP};
        for (Act act : acts) {
            int n8 = 1 + r.nextInt(20);
            short[] x = randomHalves(r, 8 * n8);
            x[0] = (short) 0x8000; // -0
            float alpha = act == Act.CLIP ? -1f : 0.2f, beta = act == Act.CLIP ? 1.5f : 0.5f;
            byte[] got = runF("unary8", bytes(x), 2L * x.length, n8, act.code, alpha, beta);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < x.length; i++) {
                short want = Half.fromFloat(act.apply(Half.toFloat(x[i]), alpha, beta)), gv = g.getShort(2 * i);
                String what = act + " of " + Half.toFloat(x[i]) + " (element " + i + ")";
                if (act == Act.SIGMOID || act == Act.SILU || act == Act.TANH) {
                    assertEquals(Half.toFloat(want), Half.toFloat(gv), Half.ulp(Half.toFloat(want)), what);
                } else {
                    assertEquals(want, gv, what + ": bit for bit (the sign of zero too)");
                }
            }
        }
    }

    /** {@link #run} with float arguments after the integer ones (printed in full precision). */
    private static byte[] runF(String kernel, byte[] input, long outBytes, long n8, int code, float alpha, float beta) throws Exception {
        Assumptions.assumeTrue(exe != null, "no C++ compiler");
        Path in = Files.createTempFile("glue-in", ".bin"), out = Files.createTempFile("glue-out", ".bin");
        try {
            Files.write(in, input);
            return exec(List.of(exe.toAbsolutePath().toString(), kernel, in.toString(), out.toString(), Long.toString(outBytes),
                    Long.toString(n8), Integer.toString(code), Float.toString(alpha), Float.toString(beta)), out);
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    @Test
    void conv1x1FewKSumsTheChannelsOfEachPixel() throws Exception {
        Random r = new Random(8);
        Act[] acts = {Act.NONE, Act.RELU, Act.SILU};
        for (int t = 0; t < 18; t++) {
            int batch = 1 + r.nextInt(3), hw = 1 + r.nextInt(40), c = 1 + r.nextInt(24), k = 1 + r.nextInt(8);
            if (t == 0) { // the DFL: 16 -> 1 over [N, 16, 4, A]
                c = 16;
                k = 1;
                hw = 4 * 21;
            }
            boolean hasBias = t % 2 == 1;
            Act act = acts[t % acts.length];
            short[] x = randomHalves(r, batch * c * hw);
            float[] w = new float[k * c], bias = new float[hasBias ? k : 0];
            for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < bias.length; i++) bias[i] = r.nextFloat() - 0.5f;
            ByteBuffer in = ByteBuffer.allocate(2 * x.length + 4 * (w.length + bias.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : x) in.putShort(v);
            for (float v : w) in.putFloat(v);
            for (float v : bias) in.putFloat(v);
            byte[] got = run("conv1x1_fewk", in.array(), 2L * batch * k * hw, 2L * x.length, w.length, batch, hw, c, k, hasBias ? 1 : 0,
                    act.code, 0, 0);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            for (int n = 0; n < batch; n++) {
                for (int j = 0; j < k; j++) {
                    for (int p = 0; p < hw; p++) {
                        float acc = hasBias ? bias[j] : 0f;
                        for (int ch = 0; ch < c; ch++) acc += w[j * c + ch] * Half.toFloat(x[(n * c + ch) * hw + p]);
                        float want = Half.round(act.apply(acc, 0f, 0f)), gv = Half.toFloat(g.getShort(2 * ((n * k + j) * hw + p)));
                        assertEquals(want, gv, act == Act.SILU ? Half.ulp(want) : 0f, "case " + t + ": " + batch + "x" + c + "x" + hw
                                + " -> " + k + " " + act + (hasBias ? " bias" : "") + ", image " + n + " output " + j + " pixel " + p);
                    }
                }
            }
        }
    }

    /**
     * conv_fewc_nhwc8_f16 against the convolution's definition (ONNX Conv, weights [K, C, kh, kw]): random
     * geometry (padding on each side, stride, dilation), input NHWC with pixels wider apart than its channels
     * or NCHW planes, output pixels ys apart with the bytes between them left alone. The weights are handed
     * over in the kernel's [K/8][kh][kw][C][8] order; sums run in the kernel's order (row, column, channel,
     * bias first) in float, so only SiLU may differ (by one fp16 unit).
     */
    @Test
    void directConvolutionOnFewChannelsMatchesTheDefinition() throws Exception {
        Random r = new Random(16);
        Act[] acts = {Act.NONE, Act.RELU, Act.SILU};
        for (int t = 0; t < 24; t++) {
            int batch = 1 + r.nextInt(2), c = 1 + r.nextInt(7), k = 8 * (1 + r.nextInt(3)), kh = 1 + r.nextInt(7), kw = 1 + r.nextInt(7);
            if (t == 0) { // bench640's stem: 3x3 stride 2, pad 1, 3 -> 16
                c = 3;
                k = 16;
                kh = kw = 3;
            }
            int sh = 1 + r.nextInt(2), sw = 1 + r.nextInt(2), dh = 1 + r.nextInt(2), dw = 1 + r.nextInt(2);
            // within the kernel's shared memory, as Conv.fewChannels asks: k·kh·kw·c <= 4096 weights, kh·span·c <= 12288 halves
            while (k * kh * kw * c > 4096 || kh * (127 * sw + (kw - 1) * dw + 1) * c > 12288) {
                if (kw > 1) kw--;
                else kh--;
            }
            int pt = r.nextInt(kh), pb = r.nextInt(kh), pl = r.nextInt(kw), pr = r.nextInt(kw);
            // every fourth case wider than one tile (128 output pixels per block), the last tile partial
            int h = dh * (kh - 1) + 1 + r.nextInt(9), w = dw * (kw - 1) + 1 + (t % 4 == 1 ? 130 * sw + r.nextInt(200) : r.nextInt(9));
            if (t == 0) {
                sh = sw = 2;
                dh = dw = 1;
                pt = pb = pl = pr = 1;
                h = 10;
                w = 12;
            }
            int oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
            boolean nchw = t % 3 == 2, hasBias = t % 2 == 0;
            int xs = c + (nchw ? 0 : r.nextInt(3)), ys = k + 8 * r.nextInt(2);
            long xsn, xsc, xsy, xsx;
            if (nchw) {
                xsn = (long) c * h * w;
                xsc = (long) h * w;
                xsy = w;
                xsx = 1;
            } else {
                xsn = (long) h * w * xs;
                xsc = 1;
                xsy = (long) w * xs;
                xsx = xs;
            }
            Act act = acts[t % acts.length];
            short[] x = randomHalves(r, (int) (batch * xsn));
            float[] wt = new float[k * c * kh * kw], bias = new float[hasBias ? k : 0];
            for (int i = 0; i < wt.length; i++) wt[i] = r.nextFloat() - 0.5f;
            for (int i = 0; i < bias.length; i++) bias[i] = r.nextFloat() - 0.5f;
            ByteBuffer in = ByteBuffer.allocate(2 * x.length + 4 * (wt.length + bias.length)).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : x) in.putShort(v);
            for (int g8 = 0; g8 < k / 8; g8++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        for (int ci = 0; ci < c; ci++) {
                            for (int j = 0; j < 8; j++) in.putFloat(wt[(((g8 * 8 + j) * c + ci) * kh + ky) * kw + kx]);
                        }
                    }
                }
            }
            for (float v : bias) in.putFloat(v);
            long pixels = (long) batch * oh * ow;
            byte[] got = run("conv_fewc", in.array(), 2L * pixels * ys, 2L * x.length, wt.length, hasBias ? 1 : 0, batch, c, h, w, k, oh, ow,
                    kh, kw, sh, sw, pt, pl, dh, dw, xsn, xsc, xsy, xsx, ys, act.code, 0, 0);
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            String where = "case " + t + ": " + batch + "x" + c + "x" + h + "x" + w + (nchw ? " NCHW" : " NHWC pixels " + xs + " apart")
                    + " -> " + k + "x" + oh + "x" + ow + " k" + kh + "x" + kw + " s" + sh + "," + sw + " d" + dh + "," + dw + " pads " + pt + ","
                    + pl + " " + act + (hasBias ? " bias" : "") + ", output pixels " + ys + " apart";
            for (int n = 0; n < batch; n++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        long pix = ((long) n * oh + oy) * ow + ox;
                        for (int o = 0; o < ys; o++) {
                            short gv = g.getShort((int) (2 * (pix * ys + o)));
                            if (o >= k) {
                                assertEquals((short) 0xA5A5, gv, where + ": wrote channel " + o + " of pixel " + pix + " outside its slice");
                                continue;
                            }
                            float acc = hasBias ? bias[o] : 0f;
                            for (int ky = 0; ky < kh; ky++) {
                                int iy = oy * sh - pt + ky * dh;
                                if (iy < 0 || iy >= h) continue;
                                for (int kx = 0; kx < kw; kx++) {
                                    int ix = ox * sw - pl + kx * dw;
                                    if (ix < 0 || ix >= w) continue;
                                    for (int ci = 0; ci < c; ci++) {
                                        float v = Half.toFloat(x[(int) (n * xsn + ci * xsc + iy * xsy + ix * xsx)]);
                                        acc += v * wt[((o * c + ci) * kh + ky) * kw + kx];
                                    }
                                }
                            }
                            float want = Half.round(act.apply(acc, 0f, 0f)), have = Half.toFloat(gv);
                            assertEquals(want, have, act == Act.SILU ? Half.ulp(want) : 0f, where + ", pixel " + pix + " channel " + o);
                        }
                    }
                }
            }
        }
    }

    /**
     * transpose_b2 against the copy's definition: y[yo + b1·yb1 + b2·yb2 + r·yr + s] = x[xo + b1·xb1 + b2·xb2 + r + s·xs]
     * over random sizes (tiles cut at both edges, one or two batch dimensions, sizes below and above 32), as a
     * detection head's channels-last output copied into channel-major rows; every element written exactly, and
     * no other byte of y touched.
     */
    @Test
    void transposingCopyMovesEveryElementAndNothingElse() throws Exception {
        Random r = new Random(32);
        for (int t = 0; t < 20; t++) {
            long b1n = 1 + r.nextInt(3), b2n = 1 + r.nextInt(3), rn = 8 + r.nextInt(70), sn = 8 + r.nextInt(90);
            long xs = rn + r.nextInt(20), xb2 = xs * sn + r.nextInt(5), xb1 = xb2 * b2n + r.nextInt(5);  // x: [b1][b2][s][r...]
            long yr = sn + r.nextInt(9), yb2 = yr * rn + r.nextInt(5), yb1 = yb2 * b2n + r.nextInt(5);   // y: [b1][b2][r][s...]
            long xo = r.nextInt(7), yo = r.nextInt(7);
            int xLen = (int) (xo + xb1 * b1n), yLen = (int) (yo + yb1 * b1n);
            short[] x = new short[xLen];
            for (int i = 0; i < xLen; i++) x[i] = (short) r.nextInt();
            ByteBuffer in = ByteBuffer.allocate(2 * xLen).order(ByteOrder.LITTLE_ENDIAN);
            for (short v : x) in.putShort(v);
            byte[] got = run("transpose", in.array(), 2L * yLen, b1n, b2n, rn, sn, xb1, xb2, 1, xs, yb1, yb2, yr, 1, xo, yo,
                    Math.max(xLen, yLen));
            ByteBuffer g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN);
            short[] want = new short[yLen];
            java.util.Arrays.fill(want, (short) 0xA5A5);
            for (long b1 = 0; b1 < b1n; b1++) {
                for (long b2 = 0; b2 < b2n; b2++) {
                    for (long i = 0; i < rn; i++) {
                        for (long j = 0; j < sn; j++) {
                            want[(int) (yo + b1 * yb1 + b2 * yb2 + i * yr + j)] = x[(int) (xo + b1 * xb1 + b2 * xb2 + i + j * xs)];
                        }
                    }
                }
            }
            for (int i = 0; i < yLen; i++) {
                assertEquals(want[i], g.getShort(2 * i), "case " + t + ": " + b1n + "x" + b2n + " batches of " + rn + "x" + sn
                        + " (x rows " + xs + " apart, y rows " + yr + " apart), y element " + i);
            }
        }
    }
}
