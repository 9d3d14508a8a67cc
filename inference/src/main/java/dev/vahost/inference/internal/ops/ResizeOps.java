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
import dev.vahost.nvmm.cuda.Kernel;

import static dev.vahost.inference.internal.GpuLowering.THREADS;
import static dev.vahost.inference.internal.GpuLowering.blocks;

/**
 * Resize / Upsample of the two spatial axes of a rank-4 tensor. Nearest: source row and column per
 * output index, computed at plan time in float exactly as onnxruntime does (every coordinate
 * transformation mode but tf_crop_and_resize, every nearest mode). Scales or sizes must be known at
 * load time (they usually come from shapes).
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
            ctm = mode.equals("nearest") ? "asymmetric" : "align_corners_upsample";
            nearest = "floor";
            scales = p.has(n, 1) ? p.knownInput(n, 1, "scales").asFloats() : n.floats("scales", null);
        } else {
            ctm = n.s("coordinate_transformation_mode", p.opset() >= 11 ? "half_pixel" : "asymmetric");
            nearest = p.opset() >= 11 ? n.s("nearest_mode", "round_prefer_floor") : "floor";
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
        }
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
                out[d] = (long) Math.floor(xs[d] * (double) scales[d]);
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
        if (s.mode().equals("nearest")) {
            int[] rows = nearestIndex(n, s.ctm(), s.nearest(), (int) xs[2], (int) out[2], s.scales()[2]);
            int[] cols = nearestIndex(n, s.ctm(), s.nearest(), (int) xs[3], (int) out[3], s.scales()[3]);
            int y = p.define(n, 0, out, ElemType.FLOAT);
            p.add(new Nearest(n.name, x, y, (int) xs[0], (int) xs[1], (int) xs[2], (int) xs[3], (int) out[2], (int) out[3], rows, cols));
            return;
        }
        throw n.unsupported("mode '" + s.mode() + "' (only nearest)");
    }

    /** Source index per output index, as onnxruntime's nearest Resize computes it (float arithmetic). */
    static int[] nearestIndex(Node n, String ctm, String nearest, int in, int out, float scale) {
        int[] idx = new int[out];
        for (int o = 0; o < out; o++) {
            float x = sourceCoordinate(n, ctm, o, in, out, scale);
            long r;
            switch (nearest) {
                case "round_prefer_floor":
                    r = (x == (long) x + 0.5f) ? (long) Math.floor(x) : Math.round((double) x); break;
                case "round_prefer_ceil":
                    r = (x == (long) x + 0.5f) ? (long) Math.ceil(x) : Math.round((double) x); break;
                case "floor": r = (long) Math.floor(x); break;
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
                float adj = out / (scale * in), center = in / 2f, offset = center * (1 - adj);
                return offset + (o + 0.5f) / scale - 0.5f;
            }
            default: throw n.unsupported("coordinate_transformation_mode '" + ctm + "'");
        }
    }

    /** Nearest resize of the last two axes by index tables (source row per output row, column per column). */
    public record Nearest(String node, int in, int out, int n, int c, int h, int w, int oh, int ow, int[] rowIndex,
                          int[] colIndex) implements Step {
        @Override
        public int[] reads() { return new int[] {in}; }

        @Override
        public int[] writes() { return new int[] {out}; }

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
            if (g.nhwc(in)) {
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
}
