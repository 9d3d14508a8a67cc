package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The benchmark model's architecture (tools/detector/bench_model.py: YOLOv8n-class, BatchNorm folded into
 * the convolutions' bias, SiLU exported as x * Sigmoid(x), DFL head with decoded boxes) built in Java with
 * random weights, for CPU-side checks of what the GPU engine plans for it (launches, copies, views) without
 * PyTorch. Same graph shape as the ONNX file bench_model.py exports at opset 17 (the exporter's node names
 * differ); the weights are not the benchmark's.
 */
public final class BenchModel {
    private final OnnxBuilder b;
    private final Random r;
    private int id;

    private BenchModel(int opset, long seed) {
        b = new OnnxBuilder(opset);
        r = new Random(seed);
    }

    /** The model for {@code imgsz}×{@code imgsz} inputs ("images" [N, 3, imgsz, imgsz]) and {@code nc} classes ("output0"). */
    public static byte[] yolov8n(int imgsz, int nc, long seed) {
        BenchModel m = new BenchModel(17, seed);
        m.b.input("images", "N", 3, imgsz, imgsz);
        int c1 = 16, c2 = 32, c3 = 64, c4 = 128, c5 = 256;
        String x = m.conv("images", 3, c1, 3, 2);
        x = m.conv(x, c1, c2, 3, 2);
        x = m.c2f(x, c2, c2, 1, true);
        String p3 = m.c2f(m.conv(x, c2, c3, 3, 2), c3, c3, 2, true);
        String p4 = m.c2f(m.conv(p3, c3, c4, 3, 2), c4, c4, 2, true);
        String p5 = m.sppf(m.c2f(m.conv(p4, c4, c5, 3, 2), c5, c5, 1, true), c5, c5);
        String h12 = m.c2f(m.concat(m.upsample(p5), p4), c5 + c4, c4, 1, false);
        String h15 = m.c2f(m.concat(m.upsample(h12), p3), c4 + c3, c3, 1, false);
        String h18 = m.c2f(m.concat(m.conv(h15, c3, c3, 3, 2), h12), c3 + c4, c4, 1, false);
        String h21 = m.c2f(m.concat(m.conv(h18, c4, c4, 3, 2), p5), c4 + c5, c5, 1, false);
        m.detect(new String[] {h15, h18, h21}, new int[] {c3, c4, c5}, imgsz, nc);
        return m.b.output("output0").build();
    }

    private String name(String what) {
        return what + "_" + (id++);
    }

    private float[] random(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (r.nextFloat() * 2 - 1) * scale;
        return v;
    }

    /** Conv (k x k, stride s, pad k/2, bias: the folded BatchNorm) then SiLU as x * Sigmoid(x). */
    private String conv(String in, int cin, int cout, int k, int s) {
        String y = plainConv(in, cin, cout, k, s);
        String sg = name("sig"), out = name("silu");
        b.node("Sigmoid", y, sg).node("Mul", new String[] {y, sg}, new String[] {out});
        return out;
    }

    private String plainConv(String in, int cin, int cout, int k, int s) {
        String w = name("w"), bias = name("b"), y = name("conv");
        b.floats(w, random(cout * cin * k * k, (float) (1.0 / Math.sqrt(cin * k * k))), cout, cin, k, k)
                .floats(bias, random(cout, 0.1f), cout);
        b.node("Conv", new String[] {in, w, bias}, new String[] {y}, "kernel_shape", new long[] {k, k}, "strides", new long[] {s, s},
                "pads", new long[] {k / 2, k / 2, k / 2, k / 2});
        return y;
    }

    private String concat(String... parts) {
        String y = name("cat");
        b.node("Concat", parts, new String[] {y}, "axis", 1L);
        return y;
    }

    private String upsample(String in) {
        String sc = name("scales"), y = name("up");
        b.floats(sc, new float[] {1, 1, 2, 2}, 4);
        b.node("Resize", new String[] {in, "", sc}, new String[] {y}, "mode", "nearest");
        return y;
    }

    private String[] split(String in, long[] sizes, long axis) {
        String sz = name("split");
        b.longs(sz, sizes, sizes.length);
        String[] outs = new String[sizes.length];
        for (int i = 0; i < outs.length; i++) outs[i] = name("part");
        b.node("Split", new String[] {in, sz}, outs, "axis", axis);
        return outs;
    }

    private String reshape(String in, long... shape) {
        String s = name("shape"), y = name("reshape");
        b.longs(s, shape, shape.length);
        b.node("Reshape", new String[] {in, s}, new String[] {y});
        return y;
    }

    private String c2f(String in, int cin, int cout, int n, boolean shortcut) {
        int c = cout / 2;
        String[] ab = split(conv(in, cin, 2 * c, 1, 1), new long[] {c, c}, 1);
        List<String> ys = new ArrayList<>(List.of(ab));
        for (int i = 0; i < n; i++) {
            String last = ys.get(ys.size() - 1);
            String y = conv(conv(last, c, c, 3, 1), c, c, 3, 1);
            if (shortcut) {
                String sum = name("add");
                b.node("Add", new String[] {last, y}, new String[] {sum});
                y = sum;
            }
            ys.add(y);
        }
        return conv(concat(ys.toArray(String[]::new)), (2 + n) * c, cout, 1, 1);
    }

    private String sppf(String in, int cin, int cout) {
        int c = cin / 2;
        String x = conv(in, cin, c, 1, 1);
        String[] ys = {x, null, null, null};
        for (int i = 1; i < 4; i++) {
            ys[i] = name("pool");
            b.node("MaxPool", new String[] {ys[i - 1]}, new String[] {ys[i]}, "kernel_shape", new long[] {5, 5}, "strides",
                    new long[] {1, 1}, "pads", new long[] {2, 2, 2, 2});
        }
        return conv(concat(ys), 4 * c, cout, 1, 1);
    }

    private void detect(String[] xs, int[] ch, int imgsz, int nc) {
        int reg = 16, no = nc + 4 * reg, c2 = Math.max(16, Math.max(ch[0] / 4, reg * 4)), c3 = Math.max(ch[0], Math.min(nc, 100));
        int[] strides = {8, 16, 32};
        String[] levels = new String[3];
        int a = 0;
        for (int i = 0; i < 3; i++) {
            int g = imgsz / strides[i];
            String box = plainConv(conv(conv(xs[i], ch[i], c2, 3, 1), c2, c2, 3, 1), c2, 4 * reg, 1, 1);
            String cls = plainConv(conv(conv(xs[i], ch[i], c3, 3, 1), c3, c3, 3, 1), c3, nc, 1, 1);
            levels[i] = reshape(concat(box, cls), -1, no, (long) g * g);
            a += g * g;
        }
        String all = name("levels");
        b.node("Concat", levels, new String[] {all}, "axis", 2L);
        String[] boxCls = split(all, new long[] {4 * reg, nc}, 1);
        String t = name("t");
        b.node("Transpose", reshape(boxCls[0], -1, 4, reg, a), t, "perm", new long[] {0, 2, 1, 3});
        String sm = name("softmax");
        b.node("Softmax", t, sm, "axis", 1L);
        float[] bins = new float[reg];
        for (int i = 0; i < reg; i++) bins[i] = i;
        String dw = name("dfl_w"), dfl = name("dfl");
        b.floats(dw, bins, 1, reg, 1, 1);
        b.node("Conv", new String[] {sm, dw}, new String[] {dfl}, "kernel_shape", new long[] {1, 1});
        String[] ltrb = split(reshape(dfl, -1, 4, a), new long[] {2, 2}, 1);
        float[] anchors = new float[2 * a], stride = new float[a];
        int k = 0;
        for (int s : strides) {
            int g = imgsz / s;
            for (int yy = 0; yy < g; yy++) {
                for (int xx = 0; xx < g; xx++, k++) {
                    anchors[k] = xx + 0.5f;
                    anchors[a + k] = yy + 0.5f;
                    stride[k] = s;
                }
            }
        }
        b.floats("anchors", anchors, 1, 2, a).floats("strides", stride, 1, 1, a).floats("half", new float[] {0.5f}, 1);
        b.node("Sub", new String[] {"anchors", ltrb[0]}, new String[] {"x1y1"})
                .node("Add", new String[] {"anchors", ltrb[1]}, new String[] {"x2y2"})
                .node("Add", new String[] {"x1y1", "x2y2"}, new String[] {"cxy2"})
                .node("Mul", new String[] {"cxy2", "half"}, new String[] {"cxy"})
                .node("Sub", new String[] {"x2y2", "x1y1"}, new String[] {"wh"})
                .node("Concat", new String[] {"cxy", "wh"}, new String[] {"dbox0"}, "axis", 1L)
                .node("Mul", new String[] {"dbox0", "strides"}, new String[] {"dbox"})
                .node("Sigmoid", boxCls[1], "scores")
                .node("Concat", new String[] {"dbox", "scores"}, new String[] {"output0"}, "axis", 1L);
    }
}
