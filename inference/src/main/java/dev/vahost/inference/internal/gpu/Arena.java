package dev.vahost.inference.internal.gpu;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.vahost.inference.internal.Layouts;
import dev.vahost.inference.internal.Plan;
import dev.vahost.inference.internal.Step;
import dev.vahost.nvmm.DType;

/**
 * Offsets in one activation buffer for every run-time value of the max-batch plan, assigned by
 * lifetimes (values never alive together share bytes), plus each step's scratch, alive during that
 * step only. Every batch size uses the same offsets: its values are never larger than at the max
 * batch (checked when a batch size is prepared). 256-byte aligned.
 */
public final class Arena {
    private final long[] offsets;        // per value id (roots only), -1 for known values
    private final long[] scratchOffsets; // per step index, -1 for none
    private final long[] scratchBytes;
    final long bytes;
    long base;

    private Arena(long[] offsets, long[] scratchOffsets, long[] scratchBytes, long bytes) {
        this.offsets = offsets;
        this.scratchOffsets = scratchOffsets;
        this.scratchBytes = scratchBytes;
        this.bytes = bytes;
    }

    static long align(long b) {
        return (b + 255) & ~255L;
    }

    /** Element bytes of value {@code v} in an engine of {@code dtype}: INT values are int32. */
    static int elementBytes(Plan p, int v, DType dtype) {
        return p.isInt(v) ? 4 : dtype.bytes();
    }

    static Arena plan(Plan p, Layouts layouts, DType dtype) {
        return plan(p, layouts, dtype, Placements.none(p.names.length));
    }

    /**
     * As {@link #plan(Plan, Layouts, DType)}, with the values {@code inPlace} puts in a Concat output's
     * storage given none of their own: their reads and writes extend that output's lifetime.
     */
    static Arena plan(Plan p, Layouts layouts, DType dtype, Placements inPlace) {
        int n = p.names.length, steps = p.steps.size();
        int[] first = new int[n], last = new int[n];
        Arrays.fill(first, Integer.MAX_VALUE);
        Arrays.fill(last, -1);
        for (int in : p.inputs) { first[p.root(in)] = -1; last[p.root(in)] = Math.max(last[p.root(in)], -1); }
        for (int si = 0; si < steps; si++) {
            Step st = p.steps.get(si);
            for (int v : st.reads()) {
                int r = inPlace.storage(p.root(v));
                last[r] = Math.max(last[r], si);
                first[r] = Math.min(first[r], si);
            }
            for (int v : st.writes()) {
                int r = inPlace.storage(p.root(v));
                first[r] = Math.min(first[r], si);
                last[r] = Math.max(last[r], si);
            }
        }
        for (int o : p.outputs) last[inPlace.storage(p.root(o))] = Integer.MAX_VALUE;
        long[] offsets = new long[n], scratchOffsets = new long[steps], scratchBytes = new long[steps];
        Arrays.fill(offsets, -1);
        Arrays.fill(scratchOffsets, -1);
        List<long[]> placed = new ArrayList<>(); // {offset, size, first, last}
        long top = 0;
        for (int v = 0; v < n + steps; v++) {
            long size;
            int from, to;
            if (v < n) {
                if (p.aliasOf[v] >= 0 || inPlace.into[v] >= 0 || p.constants[v] != null || first[v] == Integer.MAX_VALUE) continue;
                size = align(p.numel(v) * elementBytes(p, v, dtype));
                from = first[v];
                to = last[v];
            } else {
                int si = v - n;
                long need = p.steps.get(si).scratchBytes(p, layouts, dtype.bytes());
                if (need <= 0) continue;
                scratchBytes[si] = need;
                size = align(need);
                from = si;
                to = si;
            }
            long off = 0;
            boolean moved = true;
            while (moved) {
                moved = false;
                for (long[] b : placed) {
                    boolean liveTogether = !(b[3] < from || to < b[2]);
                    boolean overlap = off < b[0] + b[1] && b[0] < off + size;
                    if (liveTogether && overlap) {
                        off = b[0] + b[1];
                        moved = true;
                    }
                }
            }
            if (v < n) offsets[v] = off; else scratchOffsets[v - n] = off;
            placed.add(new long[] {off, size, from, to});
            top = Math.max(top, off + size);
        }
        return new Arena(offsets, scratchOffsets, scratchBytes, Math.max(top, 256));
    }

    /** Offset of run-time value {@code root} (a storage root), or -1 when it has no arena storage. */
    long offset(int root) {
        return offsets[root];
    }

    long scratchOffset(int step) {
        return scratchOffsets[step];
    }

    long scratchBytes(int step) {
        return scratchBytes[step];
    }

    public long bytes() {
        return bytes;
    }
}
