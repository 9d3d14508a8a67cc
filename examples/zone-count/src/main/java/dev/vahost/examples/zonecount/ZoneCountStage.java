package dev.vahost.examples.zonecount;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.MetaKey;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageBatch;
import dev.vahost.pipelines.stage.StageFrame;

/** The zone-count stage: pure Java on the host, on the detections only (no pixels). */
final class ZoneCountStage implements Stage {
    /**
     * Published per frame: zone name → objects counted in it (zones of the frame's stream only), the
     * zones of every zone-count stage together.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static final MetaKey<Map<String, Integer>> COUNTS = (MetaKey) MetaKey.published("zone_counts", Map.class);

    enum Anchor { BOTTOM_CENTRE, CENTRE }

    private final List<Zone> zones;
    private final Anchor anchor;
    private final float minScore;
    private final boolean keepOnlyInside;

    ZoneCountStage(List<Zone> zones, Anchor anchor, float minScore, boolean keepOnlyInside) {
        this.zones = List.copyOf(zones);
        this.anchor = anchor;
        this.minScore = minScore;
        this.keepOnlyInside = keepOnlyInside;
    }

    @Override
    public void process(StageBatch batch) {
        for (StageFrame f : batch.frames()) {
            Map<String, Integer> counts = new LinkedHashMap<>();
            boolean any = false;
            for (Zone z : zones) {
                if (z.appliesTo(f.streamId())) {
                    counts.put(z.name(), 0);
                    any = true;
                }
            }
            if (!any) continue; // no zone on this stream: leave its frames alone
            for (Iterator<FrameResult.Detection> it = f.detections().iterator(); it.hasNext(); ) {
                FrameResult.Detection d = it.next();
                double x = (d.x1() + d.x2()) / 2;
                double y = anchor == Anchor.CENTRE ? (d.y1() + d.y2()) / 2 : d.y2();
                boolean inAny = false;
                for (Zone z : zones) {
                    if (!z.appliesTo(f.streamId()) || !z.contains(x, y, f.width(), f.height())) continue;
                    inAny = true;
                    if (d.score() >= minScore && z.counts(d.classId())) counts.merge(z.name(), 1, Integer::sum);
                }
                if (keepOnlyInside && !inAny) it.remove();
            }
            // Several zone-count stages share the key: merge with what an earlier one counted.
            Map<String, Integer> earlier = f.meta().get(COUNTS);
            if (earlier != null) {
                Map<String, Integer> merged = new LinkedHashMap<>(earlier);
                merged.putAll(counts);
                counts = merged;
            }
            f.meta().put(COUNTS, counts);
        }
    }
}
