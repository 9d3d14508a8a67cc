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
import dev.vahost.inference.internal.ops.Conv;
import dev.vahost.inference.internal.ops.DataMovement;
import dev.vahost.inference.zoo.Zoo;
import dev.vahost.nvmm.DType;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Concat in place (Placements) on the plans of the test detector and the tiny zoo, fp16
 * channels-last, checked without a GPU: every placed value is a convolution's NHWC output whose only
 * reader is one Concat part writing it at a channel offset (a multiple of 8) of that Concat's
 * output; and the arena, planned with the placements, never gives two storages alive at the same
 * step overlapping bytes (lifetimes recomputed here from the steps, each placed value counted as its
 * Concat output's storage). fp32 engines place nothing.
 */
class PlacementsCpuTest {
    static Map<String, OnnxModel> models() throws URISyntaxException {
        Map<String, OnnxModel> m = new LinkedHashMap<>();
        m.put("test detector", TestDetector.model());
        dev.vahost.inference.ops.OpCase c = dev.vahost.inference.ops.OpCases.all().stream()
                .filter(x -> x.name().equals("concat_of_convs_in_place")).findFirst().orElseThrow();
        m.put(c.name(), OnnxModel.parse(c.model(), c.name()));
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
            if (e.getKey().equals("concat_of_convs_in_place")) {
                assertEquals(2, pl.count(), "the two convolutions, not the model input");
            }
            total += pl.count();
            summary.add(e.getKey() + " " + pl.count());
        }
        System.out.println("PLACEMENTS " + String.join(", ", summary));
        assertTrue(total > 0, "nothing placed in any model: " + summary);
    }

    private static void checkPlaced(Plan p, Layouts l, Placements pl, int v, String model) {
        String what = model + " " + p.describe(v);
        int o = pl.into[v];
        assertTrue(l.nhwc(v) && l.nhwc(o), what + ": NHWC");
        assertEquals(0, pl.channel[v] % 8, what);
        assertEquals(0, p.shapes[v][1] % 8, what);
        assertTrue(pl.channel[v] + p.shapes[v][1] <= p.shapes[o][1], what + ": inside " + p.describe(o));
        int producers = 0, readers = 0;
        for (Step st : p.steps) {
            if (Arrays.stream(st.writes()).anyMatch(w -> p.root(w) == v)) {
                producers++;
                assertTrue(st instanceof Conv c && c.out() == v && l.nhwc(p.root(c.in())), what + ": written by " + st);
            }
            if (Arrays.stream(st.reads()).anyMatch(r -> p.root(r) == v)) {
                readers++;
                assertTrue(st instanceof DataMovement.CopyGroup, what + ": read by " + st);
                DataMovement.Copy part = Arrays.stream(((DataMovement.CopyGroup) st).parts()).filter(c -> c.in() == v).findFirst().orElseThrow();
                assertEquals(o, part.out(), what);
                assertEquals(pl.channel[v] * p.shapes[o][2] * p.shapes[o][3], part.outOffset(), what + ": channel offset");
            }
        }
        assertEquals(1, producers, what);
        assertEquals(1, readers, what);
        for (int u = 0; u < p.names.length; u++) if (u != v) assertNotEquals(v, p.root(u), what + ": shares storage with " + p.describe(u));
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
