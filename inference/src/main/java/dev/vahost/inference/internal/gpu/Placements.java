package dev.vahost.inference.internal.gpu;

import java.util.Arrays;

import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.nvmm.DType;

/**
 * Concat inputs the GPU engine never copies: a convolution whose output's only use is to be one
 * part of a channel Concat writes its output straight into that part's channel slice of the Concat's
 * output (channels-last storage: pixel rows of the Concat's channel count, the slice at a channel
 * offset), and the Concat's copy of that part is dropped. YOLO's C2f/C3 blocks and detection heads
 * concatenate convolution outputs along channels; their copies were ~30 % of the fused engine's time.
 *
 * <p>A value {@code v} is placed when: it is the output of a {@link Conv} step whose input and
 * output are NHWC; it is one part of a {@link DataMovement.CopyGroup} writing a rank-4 NHWC value
 * {@code o} along channels (the part's output offset a whole number of channel planes, its shape
 * {@code o}'s outside the channel axis); nothing else reads {@code v} or shares its storage; {@code v}
 * is not a model input or output; the engine stores fp16 and the channel count and offset are
 * multiples of 8 (16-byte rows for the vector kernels and cuDNN). Decided once, on the max-batch
 * plan: offsets are channel counts, the same at every batch size.
 */
final class Placements {
    /** Per value: the value whose storage holds it (the Concat output), or -1. */
    final int[] into;
    /** Per value: its first channel in {@code into}'s storage. */
    final long[] channel;

    private Placements(int[] into, long[] channel) {
        this.into = into;
        this.channel = channel;
    }

    static Placements none(int values) {
        int[] into = new int[values];
        Arrays.fill(into, -1);
        return new Placements(into, new long[values]);
    }

    static Placements plan(Plan p, Layouts l, DType dtype) {
        int n = p.names.length;
        Placements r = none(n);
        if (dtype != DType.F16) return r;
        int[] reads = new int[n];
        int[] producer = new int[n];
        Arrays.fill(producer, -1);
        for (int si = 0; si < p.steps.size(); si++) {
            Step st = p.steps.get(si);
            for (int v : st.reads()) reads[p.root(v)]++;
            for (int v : st.writes()) producer[p.root(v)] = si;
        }
        boolean[] shared = new boolean[n], boundary = new boolean[n];
        for (int v = 0; v < n; v++) if (p.aliasOf[v] >= 0) shared[p.root(v)] = true;
        for (int v : p.inputs) boundary[p.root(v)] = true;
        for (int v : p.outputs) boundary[p.root(v)] = true;
        for (Step st : p.steps) {
            if (!(st instanceof DataMovement.CopyGroup g)) continue;
            for (DataMovement.Copy c : g.parts()) {
                int v = c.in(), o = c.out();
                if (p.root(v) != v || p.root(o) != o || shared[v] || boundary[v] || reads[v] != 1 || p.constants[v] != null) continue;
                if (producer[v] < 0 || !(p.steps.get(producer[v]) instanceof Conv cv) || cv.out() != v) continue;
                if (!l.nhwc(v) || !l.nhwc(o) || !l.nhwc(p.root(cv.in()))) continue;
                long ch = channelOffset(p, c, v, o);
                if (ch < 0) continue;
                r.into[v] = o;
                r.channel[v] = ch;
            }
        }
        return r;
    }

    /**
     * The first channel of part {@code c} (value {@code v}) in {@code o} when the part is a channel
     * slice of {@code o} with channel count and offset multiples of 8, else -1.
     */
    private static long channelOffset(Plan p, DataMovement.Copy c, int v, int o) {
        long[] vs = p.shapes[v], os = p.shapes[o];
        if (vs.length != 4 || os.length != 4 || !Arrays.equals(c.shape(), vs)) return -1;
        if (vs[0] != os[0] || vs[2] != os[2] || vs[3] != os[3]) return -1;
        long plane = os[2] * os[3];
        if (c.inOffset() != 0 || !Arrays.equals(c.inStrides(), rowMajor(vs)) || !Arrays.equals(c.outStrides(), rowMajor(os))) return -1;
        if (plane == 0 || c.outOffset() % plane != 0) return -1;
        long ch = c.outOffset() / plane;
        if (ch % 8 != 0 || vs[1] % 8 != 0 || os[1] % 8 != 0 || ch + vs[1] > os[1]) return -1;
        return ch;
    }

    private static long[] rowMajor(long[] s) {
        long[] r = new long[s.length];
        long m = 1;
        for (int d = s.length - 1; d >= 0; d--) {
            r[d] = m;
            m *= s[d];
        }
        return r;
    }

    /** The value whose storage holds {@code root}'s: itself, or the Concat output it is placed in. */
    int storage(int root) {
        return into[root] >= 0 ? into[root] : root;
    }

    int count() {
        return (int) Arrays.stream(into).filter(i -> i >= 0).count();
    }
}
