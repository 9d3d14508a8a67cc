package dev.vahost.examples.zonecount;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageContext;
import dev.vahost.pipelines.stage.StageFactory;

/**
 * {@code type: zone-count}: counts, per frame, the objects whose anchor point lies inside each
 * polygon zone, and publishes the counts as metadata {@code zone_counts} ({zone name: count}).
 *
 * <pre>
 * stages:
 *   - type: zone-count
 *     name: doors
 *     config:
 *       anchor: bottom-centre        # or centre: the point of a box that must be inside (the custom rule)
 *       min_score: 0.3               # boxes below it are not counted
 *       keep_only_inside: false      # true: drop detections inside no zone (of their stream)
 *       zones:
 *         - name: door
 *           polygon: [[0, 0], [640, 0], [640, 720], [0, 720]]   # source pixels, or fractions with normalized: true
 *           classes: [0]             # empty or absent: every class
 *           streams: [cam0]          # empty or absent: every stream
 * </pre>
 */
public final class ZoneCountFactory implements StageFactory<ZoneCountFactory.Config> {
    /** The stage's configuration section (keys in snake_case). */
    public record Config(List<ZoneConfig> zones, String anchor, float minScore, boolean keepOnlyInside) {}

    /** One zone as configured. */
    public record ZoneConfig(String name, List<double[]> polygon, boolean normalized, List<Integer> classes, List<String> streams) {}

    @Override
    public String type() {
        return "zone-count";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public String describe() {
        return "objects per polygon zone (anchor point inside), as meta zone_counts";
    }

    @Override
    public Stage create(Config c, StageContext context) {
        if (c.zones() == null || c.zones().isEmpty()) throw new IllegalArgumentException("zones: at least one zone is required");
        ZoneCountStage.Anchor anchor = switch (c.anchor() == null ? "bottom-centre" : c.anchor().toLowerCase(Locale.ROOT)) {
            case "bottom-centre", "bottom-center" -> ZoneCountStage.Anchor.BOTTOM_CENTRE;
            case "centre", "center" -> ZoneCountStage.Anchor.CENTRE;
            default -> throw new IllegalArgumentException("anchor: expected bottom-centre or centre, got '" + c.anchor() + "'");
        };
        if (!(c.minScore() >= 0 && c.minScore() <= 1)) throw new IllegalArgumentException("min_score: expected 0..1, got " + c.minScore());
        List<Zone> zones = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < c.zones().size(); i++) {
            ZoneConfig z = c.zones().get(i);
            String where = "zones[" + i + "]";
            if (z.name() == null || z.name().isBlank()) throw new IllegalArgumentException(where + ".name: required");
            if (!names.add(z.name())) throw new IllegalArgumentException(where + ".name: '" + z.name() + "' is used twice");
            zones.add(Zone.of(where, z.name(), z.polygon(), z.normalized(), z.classes(), z.streams()));
        }
        return new ZoneCountStage(zones, anchor, c.minScore(), c.keepOnlyInside());
    }
}
