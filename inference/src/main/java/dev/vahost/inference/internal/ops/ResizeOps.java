package dev.vahost.inference.internal.ops;

import java.util.Arrays;
import java.util.Map;

import dev.vahost.inference.internal.CpuRun;
import dev.vahost.inference.internal.ElemType;
import dev.vahost.inference.internal.GpuLowering;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Resize / Upsample of the two spatial axes of a rank-4 tensor, as onnxruntime computes it (1.23,
 * {@code upsamplebase.h} / {@code upsample.cc}), with every per-axis table computed at plan time in
 * the same float arithmetic: source coordinates per coordinate_transformation_mode (every mode but
 * tf_crop_and_resize), output sizes (sizes, or (int64)(scale * in) in float), and a scale of exactly
 * 1 on an axis meaning the identity there; an output the size of the input is a copy.
 * Nearest: source row and column per output index (every nearest_mode). Linear (bilinear) and
 * cubic (cubic_coeff_a, exclude_outside): per output row and column the source indices and weights,
 * clamped at the borders as onnxruntime does; antialias=1 is refused. Scales or sizes must be known
 * at load time (they usually come from shapes).
 */
public final class ResizeOps {
    private ResizeOps() {}

    static void register(Map<String, Operator> ops) {
        Operators.put(ops, "Resize", ResizeOps::resize);
        Operators.put(ops, "Upsample", ResizeOps::resize);
    }

    /** What a Resize node asks for: output shape, per-axis scales, modes. */
    record Spec(long[] in, long[] out, float[] scales, String mode, String ctm, String nearest, float cubicA,
                boolean excludeOutside) {}

    static Spec spec(Planner p, Node n, long[] xs) {
        String mode = n.s("mode", "nearest");
        String ctm, nearest;
        float[] scales = null;
        long[] sizes = null;
        if (n.op.equals("Upsample")) {
            ctm = "asymmetric"; // onnxruntime: before Resize-11 every mode maps asymmetrically
            nearest = "simple";
            scales = p.has(n, 1) ? p.knownInput(n, 1, "scales").asFloats() : n.floats("scales", null);
        } else {
            ctm = n.s("coordinate_transformation_mode", p.opset() >= 11 ? "half_pixel" : "asymmetric");
            nearest = p.opset() >= 11 ? n.s("nearest_mode", "round_prefer_floor") : "simple";
            if (p.opset() < 11) {
                scales = p.knownInput(n, 1, "scales").asFloats();
            } else {
                if (p.has(n, 3)) {
                    sizes = p.knownInput(n, 3, "sizes").asLongs();
                } else if (p.has(n, 2)) {
                    Tensor s = p.knownInput(n, 2, "scales");
                    if (s.size() > 0) scales = s.asFloats();
                }
            }
            if (n.has("axes")) throw n.unsupported("the axes attribute");
            if (!"stretch".equals(n.s("keep_aspect_ratio_policy", "stretch"))) throw n.unsupported("keep_aspect_ratio_policy");
            if (p.opset() >= 18 && n.i("antialias", 0) != 0) {
                throw n.unsupported("antialias=1 (the anti-aliased " + mode + " filter that widens with the downscale factor) is not"
                        + " supported; export with antialias=0 (e.g. F.interpolate(..., antialias=False))");
            }
        }
        if (n.i("exclude_outside", 0) != 0 && !mode.equals("cubic")) throw n.invalid("exclude_outside=1 is defined for mode cubic only");
        if (ctm.equals("tf_crop_and_resize")) throw n.unsupported("coordinate_transformation_mode tf_crop_and_resize");
        if (scales == null && sizes == null) throw n.invalid("neither scales nor sizes given");
        int r = xs.length;
        long[] out = new long[r];
        float[] sc = new float[r];
        for (int d = 0; d < r; d++) {
            if (sizes != null) {
                if (sizes.length != r) throw n.invalid("sizes must have " + r + " values");
                out[d] = sizes[d];
                sc[d] = (float) sizes[d] / (float) xs[d];
            } else {
                if (scales.length != r) throw n.invalid("scales must have " + r + " values");
                sc[d] = scales[d];
                if (!(scales[d] > 0)) throw n.invalid("scales must be positive, got " + Arrays.toString(scales));
                out[d] = (long) (scales[d] * (float) xs[d]); // onnxruntime: float product, truncated
            }
            if (out[d] <= 0) throw n.invalid("output dimension " + d + " would be " + out[d]);
        }
        return new Spec(xs, out, sc, mode, ctm, nearest, n.f("cubic_coeff_a", -0.75f), n.i("exclude_outside", 0) != 0);
    }

    private static void resize(Planner p, Node n) {
        int x = p.in(n, 0);
        long[] xs = p.shape(x);
        if (xs.length != 4) throw n.unsupported("only rank-4 (NCHW) input, got " + Arrays.toString(xs));
        Spec s = spec(p, n, xs);
        long[] out = s.out();
        if (out[0] != xs[0] || out[1] != xs[1]) {
            throw n.unsupported("resizing the batch or channel axis (" + Arrays.toString(xs) + " -> " + Arrays.toString(out) + ")");
        }
        String mode = s.mode();
        if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("cubic")) {
            throw n.invalid("mode '" + mode + "' (ONNX defines nearest, linear and cubic)");
        }
        if (!mode.equals("nearest") && s.ctm().equals("tf_half_pixel_for_nearest")) {
            throw n.unsupported("coordinate_transformation_mode tf_half_pixel_for_nearest with mode " + mode
                    + " (it is defined for nearest only)");
        }
        if (Arrays.equals(out, xs)) {
            // onnxruntime copies the input when the output has its shape, whatever the mode and scales say
            int y = p.define(n, 0, out, p.type(x));
            long[] rm = DataMovement.rowMajor(xs);
            p.add(new DataMovement.Copy(n.name, x, y, xs, 0, rm, 0, rm));
            return;
        }
        int y = p.define(n, 0, out, ElemType.FLOAT);
        int h = (int) xs[2], w = (int) xs[3], oh = (int) out[2], ow = (int) out[3];
        float sh = s.scales()[2], sw = s.scales()[3];
        if (mode.equals("nearest")) {
            int[] rows = nearestIndex(n, s.ctm(), s.nearest(), h, oh, sh);
            int[] cols = nearestIndex(n, s.ctm(), s.nearest(), w, ow, sw);
            p.add(new Nearest(n.name, x, y, (int) xs[0], (int) xs[1], h, w, oh, ow, rows, cols));
            return;
        }
        if (p.isInt(x)) throw n.unsupported("mode " + mode + " on integer data");
        if (mode.equals("linear")) {
            Taps r = linearTaps(n, s.ctm(), h, oh, sh), c = linearTaps(n, s.ctm(), w, ow, sw);
            p.add(new Interpolate(n.name, x, y, (int) xs[0], (int) xs[1], h, w, oh, ow, 2, r.index(), c.index(), r.weight(), c.weight(),
                    null, null));
        } else {
            Taps r = cubicTaps(n, s.ctm(), h, oh, sh, s.cubicA(), s.excludeOutside());
            Taps c = cubicTaps(n, s.ctm(), w, ow, sw, s.cubicA(), s.excludeOutside());
            float[] cw = new float[c.weight().length];
            for (int i = 0; i < cw.length; i++) cw[i] = c.weight()[i] / c.sum()[i / 4];
            float[] rw = new float[r.weight().length];
            for (int i = 0; i < rw.length; i++) rw[i] = r.weight()[i] / r.sum()[i / 4];
            p.add(new Interpolate(n.name, x, y, (int) xs[0], (int) xs[1], h, w, oh, ow, 4, r.index(), c.index(), rw, cw,
                    r.weight(), r.sum()));
        }
    }

    /**
     * Per output index: {@code taps} source indices and weights (and for cubic the coefficient sum
     * of each output index, 1 unless exclude_outside dropped coefficients).
     */
    record Taps(int[] index, float[] weight, float[] sum) {}

    /** The source coordinate onnxruntime interpolates at: the identity where the axis' scale is 1. */
    private static float coordinate(Node n, String ctm, int o, int in, int out, float scale) {
        return scale == 1f ? o : sourceCoordinate(n, ctm, o, in, out, scale);
    }

    /**
     * Linear taps of one axis as onnxruntime's SetupUpsampleBilinear: the coordinate clamped to
     * [0, in − 1], i1 = its integer part, i2 = i1 + 1 (clamped); weight of i1 is |x − i2|, of i2 is
     * |x − i1|, both 0.5 where i1 = i2.
     */
    static Taps linearTaps(Node n, String ctm, int in, int out, float scale) {
        int[] idx = new int[2 * out];
        float[] wt = new float[2 * out];
        for (int o = 0; o < out; o++) {
            float x = coordinate(n, ctm, o, in, out, scale);
            x = Math.max(0f, Math.min(x, (float) (in - 1)));
            int i1 = Math.min((int) x, in - 1), i2 = Math.min(i1 + 1, in - 1);
            float d1 = Math.abs(x - i1), d2 = Math.abs(x - i2);
            if (i1 == i2) d1 = d2 = 0.5f;
            idx[2 * o] = i1;
            idx[2 * o + 1] = i2;
            wt[2 * o] = d2;
            wt[2 * o + 1] = d1;
        }
        return new Taps(idx, wt, null);
    }

    /**
     * Cubic taps of one axis as onnxruntime's ResizeBiCubic: x0 = floor(x), taps x0 − 1 .. x0 + 2
     * (indices clamped into the axis), Keys coefficients of s = x − x0; with exclude_outside the
     * coefficients of taps outside the axis are 0 and the sum renormalises.
     */
    static Taps cubicTaps(Node n, String ctm, int in, int out, float scale, float a, boolean exclude) {
        int[] idx = new int[4 * out];
        float[] wt = new float[4 * out], sum = new float[out];
        for (int o = 0; o < out; o++) {
            float x = coordinate(n, ctm, o, in, out, scale);
            float fl = (float) Math.floor(x);
            long x0 = (long) fl;
            float[] cf = cubicCoefficients(x - fl, a);
            float total = 1f;
            if (exclude) {
                total = 0f;
                for (int i = 0; i < 4; i++) {
                    long v = x0 - 1 + i;
                    if (v < 0 || v >= in) cf[i] = 0f;
                    total += cf[i];
                }
            }
            for (int i = 0; i < 4; i++) {
                idx[4 * o + i] = (int) Math.max(0, Math.min(in - 1, x0 - 1 + i));
                wt[4 * o + i] = cf[i];
            }
            sum[o] = total;
        }
        return new Taps(idx, wt, sum);
    }

    /** Keys' cubic convolution coefficients of the taps at distances s + 1, s, 1 − s, 2 − s (onnxruntime's float expressions). */
    static float[] cubicCoefficients(float s, float a) {
        float t = Math.abs(s);
        return new float[] {
            ((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
            ((a + 2) * t - (a + 3)) * t * t + 1,
            ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
            ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a,
        };
    }

    /** Source index per output index, as onnxruntime's nearest Resize computes it (float arithmetic). */
    static int[] nearestIndex(Node n, String ctm, String nearest, int in, int out, float scale) {
        int[] idx = new int[out];
        for (int o = 0; o < out; o++) {
            if (scale == 1f) { // onnxruntime maps an axis of scale 1 one to one, whatever the modes
                idx[o] = o;
                continue;
            }
            float x = sourceCoordinate(n, ctm, o, in, out, scale);
            long r;
            switch (nearest) {
                case "round_prefer_floor":
                    r = (x == (long) x + 0.5f) ? (long) Math.floor(x) : Math.round((double) x); break;
                case "round_prefer_ceil":
                    r = (x == (long) x + 0.5f) ? (long) Math.ceil(x) : Math.round((double) x); break;
                case "floor": r = (long) Math.floor(x); break;
                // before Resize-11 (onnxruntime's "SIMPLE"): truncate when upsampling, ceil when downsampling
                case "simple": r = scale < 1 ? (long) Math.ceil(x) : (long) x; break;
                case "ceil": r = (long) Math.ceil(x); break;
                default: throw n.unsupported("nearest_mode '" + nearest + "'");
            }
            idx[o] = (int) Math.max(0, Math.min(in - 1, r));
        }
        return idx;
    }

    /** The input coordinate of output index {@code o} (ONNX Resize coordinate_transformation_mode). */
    static float sourceCoordinate(Node n, String ctm, int o, int in, int out, float scale) {
        switch (ctm) {
            case "half_pixel": return (o + 0.5f) / scale - 0.5f;
            case "pytorch_half_pixel": return out > 1 ? (o + 0.5f) / scale - 0.5f : 0f;
            case "asymmetric": return o / scale;
            case "tf_half_pixel_for_nearest": return (o + 0.5f) / scale;
            case "align_corners": return out == 1 ? 0f : o * (float) (in - 1) / (float) (out - 1);
            case "half_pixel_symmetric": {
                // onnxruntime: float adjustment and offset, then the sum in double (its 0.5 literals)
                float adj = out / (scale * in), center = in / 2f, offset = center * (1 - adj);
                return (float) (offset + (o + 0.5) / scale - 0.5);
            }
            default: throw n.unsupported("coordinate_transformation_mode '" + ctm + "'");
        }
    }

    /** Nearest resize of the last two axes by index tables (source row per output row, column per column). */
    public record Nearest(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int[] rowIndex,
                          int[] colIndex) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            for (int pl = 0; pl < n * c; pl++) {
                int ib = pl * h * w, ob = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    int srow = ib + rowIndex[oy] * w, drow = ob + oy * ow;
                    for (int ox = 0; ox < ow; ox++) y[drow + ox] = x[srow + colIndex[ox]];
                }
            }
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out);
            long rows = g.uploadInts(rowIndex, rowIndex, "resize rows of " + node);
            long cols = g.uploadInts(colIndex, colIndex, "resize columns of " + node);
            if (g.nhwc(in) && g.precision() == DType.F16 && c % 8 == 0) {
                // 16 bytes per thread; pixels at the storages' strides (an upsampled value written into its Concat slice)
                long units = (long) n * oh * ow * (c / 8), batchN = n, xs = g.pixelStride(in), ys = g.pixelStride(out);
                Kernel k = g.kernel("resize_nearest_nhwc8_f16");
                g.add("resize", s -> k.launch(s, blocks(units), 1, 1, THREADS, 1, 1, 0, x, y, batchN, c / 8, h, w, oh, ow, rows, cols,
                        xs, ys));
            } else if (g.nhwc(in)) {
                g.requireOwnPixels(node, in, out);
                long count = (long) n * c * oh * ow, batchN = n;
                Kernel k = g.kernel("resize_nearest_nhwc" + g.suffix());
                g.add("resize", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, batchN, c, h, w, oh, ow, rows, cols));
            } else {
                long planes = (long) n * c, count = planes * oh * ow;
                Kernel k = g.kernel("resize_nearest" + g.suffix());
                g.add("resize", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, planes, h, w, oh, ow, rows, cols));
            }
        }
    }

    /**
     * Linear (taps = 2) or cubic (taps = 4) resize of the last two axes: y[p, oy, ox] = Σ_a wy[oy, a] ·
     * Σ_b wx[ox, b] · x[p, rows[oy, a], cols[ox, b]] on the GPU ({@code resize.cu}). The CPU reference
     * keeps onnxruntime's exact float expressions: linear sums (wx·wy)·x over the four taps in
     * onnxruntime's order; cubic sums each row with the normalised column weights, then the rows with
     * (row · coefficient) / coefficient sum ({@code cubicY}, {@code ySum}; null for linear).
     */
    public record Interpolate(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int taps, int[] rows,
                              int[] cols, float[] wy, float[] wx, float[] cubicY, float[] ySum) implements Step.OneToOne {
        @Override
        public boolean layouts(Layouts.Rules r) { return r.same(in, out); }

        @Override
        public void cpu(CpuRun r) {
            float[] x = r.f(in), y = r.outF(out);
            int t = taps;
            r.parallel(n * c, pl -> {
                int ib = pl * h * w, ob = pl * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        float acc = 0f;
                        for (int a = 0; a < t; a++) {
                            int row = ib + rows[oy * t + a] * w;
                            if (t == 2) {
                                for (int b = 0; b < 2; b++) acc += wx[ox * 2 + b] * wy[oy * 2 + a] * x[row + cols[ox * 2 + b]];
                            } else {
                                float xr = 0f;
                                for (int b = 0; b < t; b++) xr += wx[ox * t + b] * x[row + cols[ox * t + b]];
                                acc += xr * cubicY[oy * t + a] / ySum[oy];
                            }
                        }
                        y[ob + oy * ow + ox] = acc;
                    }
                }
            });
        }

        @Override
        public void gpu(GpuLowering g) {
            long x = g.addr(in), y = g.addr(out);
            long rt = g.uploadInts(rows, rows, "resize rows of " + node), ct = g.uploadInts(cols, cols, "resize columns of " + node);
            long wyt = g.uploadF32(wy, wy, "resize row weights of " + node), wxt = g.uploadF32(wx, wx, "resize column weights of " + node);
            String name = "resize_" + (taps == 2 ? "linear" : "cubic");
            if (g.nhwc(in)) {
                long count = (long) n * c * oh * ow, batch = n;
                Kernel k = g.kernel("resize", name + "_nhwc" + g.suffix());
                g.add("resize", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, batch, c, h, w, oh, ow, rt, ct, wyt, wxt));
            } else {
                long planes = (long) n * c, count = planes * oh * ow;
                Kernel k = g.kernel("resize", name + g.suffix());
                g.add("resize", s -> k.launch(s, blocks(count), 1, 1, THREADS, 1, 1, 0, x, y, planes, h, w, oh, ow, rt, ct, wyt, wxt));
            }
        }
    }
}
