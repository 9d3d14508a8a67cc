package dev.vahost.inference.internal.gpu;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.TestDetector;
import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.inference.internal.ops.BinaryOps;
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.inference.internal.ops.PoolOps;
import dev.vahost.inference.internal.ops.ResizeOps;
import dev.vahost.inference.zoo.Zoo;
import dev.vahost.nvmm.DType;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Channel views (Placements) on the plans of the test detector, two op cases and the tiny zoo, fp16
 * channels-last, checked without a GPU: every placed value is a rank-4 NHWC channel slice (offset and
 * count multiples of 8) of a storage that is itself not placed; it is either written by a convolution
 * or same-shape addition that can write slices, or is a Split output at its channel in the Split's
 * input's storage; every reader addresses it at any pixel stride (convolution input, binary, copy);
 * a Concat part placed in its Concat's output sits at the part's offset; two values placed in one
 * storage with overlapping channels are a Split input and its output. And the arena, planned with
 * the placements, never gives two storages alive at the same step overlapping bytes (lifetimes
 * recomputed here from the steps). fp32 engines place nothing.
 */
class PlacementsCpuTest {
    static Map<String, OnnxModel> models() throws URISyntaxException {
        Map<String, OnnxModel> m = new LinkedHashMap<>();
        m.put("test detector", TestDetector.model());
        dev.vahost.inference.ops.OpCase c = dev.vahost.inference.ops.OpCases.all().stream()
                .filter(x -> x.name().equals("concat_of_convs_in_place")).findFirst().orElseThrow();
        m.put(c.name(), OnnxModel.parse(c.model(), c.name()));
        dev.vahost.inference.ops.OpCase c2f = dev.vahost.inference.ops.OpCases.all().stream()
                .filter(x -> x.name().equals("c2f_split_concat_in_place")).findFirst().orElseThrow();
        m.put(c2f.name(), OnnxModel.parse(c2f.model(), c2f.name()));
        for (String name : List.of("sppf_concat_in_place", "upsample_concat_in_place")) {
            dev.vahost.inference.ops.OpCase c3 = dev.vahost.inference.ops.OpCases.all().stream().filter(x -> x.name().equals(name))
                    .findFirst().orElseThrow();
            m.put(name, OnnxModel.parse(c3.model(), name));
        }
        Zoo zoo = Zoo.at(Path.of(PlacementsCpuTest.class.getResource("/zoo/zoo.json").toURI()).getParent());
        for (Zoo.Model z : zoo.models) if (z.loadable() && z.exporter().equals("torchscript")) m.put(z.name() + "-" + z.variant(), zoo.load(z));
        return m;
    }

    /** OnnxModel.plan is package-private to the API package; this test sits beside the engine's parts. */
    static Plan plan(OnnxModel m, int batch) {
        try {
            java.lang.reflect.Method pm = OnnxModel.class.getDeclaredMethod("plan", int.class);
            pm.setAccessible(true);
            return (Plan) pm.invoke(m, batch);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void placedValuesAreConcatPartsAndTheArenaKeepsLiveStoragesApart() throws URISyntaxException {
        int total = 0;
        List<String> summary = new ArrayList<>();
        for (Map.Entry<String, OnnxModel> e : models().entrySet()) {
            Plan p = plan(e.getValue(), e.getValue().fixedBatch() > 0 ? e.getValue().fixedBatch() : 2);
            Layouts l = Layouts.channelsLast(p);
            Placements pl = Placements.plan(p, l, DType.F16);
            assertEquals(0, Placements.plan(p, l, DType.F32).count(), e.getKey() + ": fp32 places nothing");
            for (int v = 0; v < p.names.length; v++) {
                if (pl.into[v] < 0) continue;
                checkPlaced(p, l, pl, v, e.getKey());
            }
            Arena a = Arena.plan(p, l, DType.F16, pl);
            checkArena(p, pl, a, e.getKey());
            checkOverlaps(p, pl, e.getKey());
            if (e.getKey().equals("concat_of_convs_in_place")) {
                assertEquals(2, pl.count(), "the two convolutions, not the model input");
            }
            if (e.getKey().equals("c2f_split_concat_in_place")) {
                assertEquals(2, pl.views, "y0 and y1 read in place");
                assertEquals(3, pl.parts, "the Split's input and the two bottlenecks' last convolutions (their residual additions taken in)"
                        + " written into the Concat");
                int cat = p.steps.stream().filter(st -> st instanceof DataMovement.CopyGroup g && g.parts().length == 4)
                        .mapToInt(st -> ((DataMovement.CopyGroup) st).parts()[0].out()).findFirst().orElseThrow();
                for (int v = 0; v < p.names.length; v++) if (pl.into[v] >= 0) assertEquals(cat, pl.into[v], p.describe(v) + " in the Concat");
            }
            if (e.getKey().equals("sppf_concat_in_place") || e.getKey().equals("upsample_concat_in_place")) {
                int cat = p.steps.stream().filter(st -> st instanceof DataMovement.CopyGroup).mapToInt(st -> ((DataMovement.CopyGroup) st)
                        .parts()[0].out()).findFirst().orElseThrow();
                int parts = ((DataMovement.CopyGroup) p.steps.stream().filter(st -> st instanceof DataMovement.CopyGroup).findFirst()
                        .orElseThrow()).parts().length;
                assertEquals(parts, pl.parts, e.getKey() + ": every Concat part written in place (the pools and the upsampling too)");
                for (int v = 0; v < p.names.length; v++) if (pl.into[v] >= 0) assertEquals(cat, pl.into[v], p.describe(v) + " in the Concat");
            }
            total += pl.count();
            summary.add(e.getKey() + " " + pl.count() + " (" + pl.views + " views, " + pl.parts + " parts)");
        }
        System.out.println("PLACEMENTS " + String.join(", ", summary));
        assertTrue(total > 0, "nothing placed in any model: " + summary);
    }

    private static void checkPlaced(Plan p, Layouts l, Placements pl, int v, String model) {
        String what = model + " " + p.describe(v);
        int o = pl.into[v];
        assertEquals(-1, pl.into[o], what + ": resolved to a storage that is not placed itself");
        assertTrue(l.nhwc(v) && l.nhwc(o), what + ": NHWC");
        assertEquals(4, p.shapes[v].length, what);
        assertEquals(0, pl.channel[v] % 8, what);
        assertEquals(0, p.shapes[v][1] % 8, what);
        assertTrue(pl.channel[v] + p.shapes[v][1] <= p.shapes[o][1], what + ": inside " + p.describe(o));
        assertTrue(p.shapes[v][0] == p.shapes[o][0] && p.shapes[v][2] == p.shapes[o][2] && p.shapes[v][3] == p.shapes[o][3], what);
        assertFalse(Arrays.stream(p.inputs).anyMatch(i -> p.root(i) == v) || Arrays.stream(p.outputs).anyMatch(i -> p.root(i) == v),
                what + ": not a model input or output");
        int producers = 0;
        for (Step st : p.steps) {
            if (Arrays.stream(st.writes()).anyMatch(w -> p.root(w) == v)) {
                producers++;
                if (st instanceof DataMovement.CopyGroup g) {
                    // a Split output: at its channel in the Split input's storage
                    DataMovement.Copy part = Arrays.stream(g.parts()).filter(c -> c.out() == v).findFirst().orElseThrow();
                    int x = part.in();
                    long plane = p.shapes[x][2] * p.shapes[x][3];
                    assertEquals(o, pl.storage(x), what + ": viewed in its Split input's storage");
                    assertEquals((x == o ? 0 : pl.channel[x]) + part.inOffset() / plane, pl.channel[v], what + ": channel in the storage");
                } else {
                    assertTrue(st instanceof Conv c && c.out() == v && l.nhwc(p.root(c.in()))
                            || st instanceof BinaryOps.Binary b && b.out() == v && Arrays.equals(b.shape(), p.shapes[v])
                            || st instanceof PoolOps.MaxPool mp && mp.out() == v || st instanceof ResizeOps.Nearest nr && nr.out() == v,
                            what + ": written by " + st);
                }
            }
            if (Arrays.stream(st.reads()).anyMatch(r -> p.root(r) == v)) {
                assertTrue(st instanceof DataMovement.CopyGroup || st instanceof DataMovement.Copy || st instanceof BinaryOps.Binary
                        || st instanceof Conv c && (p.root(c.in()) == v || c.residual() >= 0 && p.root(c.residual()) == v)
                        || st instanceof PoolOps.MaxPool mp && p.root(mp.in()) == v
                        || st instanceof ResizeOps.Nearest nr && p.root(nr.in()) == v, what + ": read by " + st + ", which needs its operands contiguous");
                if (st instanceof DataMovement.CopyGroup g) {
                    for (DataMovement.Copy part : g.parts()) {
                        if (part.in() != v || part.out() != o) continue;
                        assertEquals(pl.channel[v] * p.shapes[o][2] * p.shapes[o][3], part.outOffset(), what + ": a part at its channel offset");
                    }
                }
            }
        }
        assertEquals(1, producers, what);
        for (int u = 0; u < p.names.length; u++) if (u != v) assertNotEquals(v, p.root(u), what + ": shares storage with " + p.describe(u));
    }

    /** Values in one storage with overlapping channels: one must be read from the other by a Split (directly or through Splits). */
    private static void checkOverlaps(Plan p, Placements pl, String model) {
        int n = p.names.length;
        int[] splitOf = new int[n];
        Arrays.fill(splitOf, -1);
        for (Step st : p.steps) {
            if (st instanceof DataMovement.CopyGroup g && Arrays.stream(g.parts()).allMatch(c -> c.in() == g.parts()[0].in())) {
                for (DataMovement.Copy c : g.parts()) splitOf[c.out()] = c.in();
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                if (pl.into[a] < 0 || pl.into[b] < 0 || pl.into[a] != pl.into[b]) continue;
                long a0 = pl.channel[a], b0 = pl.channel[b];
                if (!(a0 < b0 + p.shapes[b][1] && b0 < a0 + p.shapes[a][1])) continue;
                assertTrue(splitFrom(splitOf, a, b) || splitFrom(splitOf, b, a), model + ": " + p.describe(a) + " and " + p.describe(b)
                        + " share channels of " + p.describe(pl.storage(a)));
            }
        }
    }

    private static boolean splitFrom(int[] splitOf, int v, int from) {
        for (int u = splitOf[v]; u >= 0; u = splitOf[u]) if (u == from) return true;
        return false;
    }

    private static void checkArena(Plan p, Placements pl, Arena a, String model) {
        int n = p.names.length, steps = p.steps.size();
        int[] first = new int[n], last = new int[n];
        Arrays.fill(first, Integer.MAX_VALUE);
        Arrays.fill(last, -2);
        for (int in : p.inputs) { first[pl.storage(p.root(in))] = -1; last[pl.storage(p.root(in))] = Math.max(last[pl.storage(p.root(in))], -1); }
        for (int si = 0; si < steps; si++) {
            Step st = p.steps.get(si);
            for (int[] vs : new int[][] {st.reads(), st.writes()}) {
                for (int v : vs) {
                    int s = pl.storage(p.root(v));
                    first[s] = Math.min(first[s], si);
                    last[s] = Math.max(last[s], si);
                }
            }
        }
        for (int o : p.outputs) last[pl.storage(p.root(o))] = Integer.MAX_VALUE;
        List<long[]> live = new ArrayList<>(); // {offset, end, first, last, value}
        for (int v = 0; v < n; v++) {
            if (last[v] < -1 || p.constants[v] != null) continue;
            long off = a.offset(v);
            assertTrue(off >= 0, model + " " + p.describe(v) + ": storage expected");
            assertEquals(-1, pl.into[v], model + " " + p.describe(v) + ": placed values have no storage of their own");
            live.add(new long[] {off, off + p.numel(v) * 2, first[v], last[v], v});
        }
        for (int i = 0; i < live.size(); i++) {
            for (int j = i + 1; j < live.size(); j++) {
                long[] x = live.get(i), y = live.get(j);
                boolean together = !(x[3] < y[2] || y[3] < x[2]);
                boolean overlap = x[0] < y[1] && y[0] < x[1];
                assertFalse(together && overlap, model + ": " + p.describe((int) x[4]) + " and " + p.describe((int) y[4])
                        + " are alive together and share bytes");
            }
        }
    }
}
