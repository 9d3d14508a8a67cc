package dev.vahost.pipelines.view;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageContext;
import dev.vahost.pipelines.stage.StageFactory;

/**
 * {@code type: view} (built in): annotated pictures of the cameras for the web view and event
 * snapshots (see {@link ViewStage}). The service adds it by itself, last, when its HTTP server runs
 * ({@code --metrics-port}) or {@code --snapshot-dir} is given, configured from {@code --view-fps} and
 * the {@code --snapshot-*} options; a deployment may list it among its stages instead (then those
 * options are refused).
 *
 * <pre>
 * fps: 2              pictures a second of each watched stream, 0.1..30
 * watch_seconds: 5    a stream stays watched this long after its page or picture was last asked for, 1..3600
 * watch: [door]       streams watched always (pictures made even with nobody looking)
 * jpeg_quality: 85    1..100
 * snapshot_dir: DIR   write the picture of every frame with a zone_entered event here (the event's "snapshot")
 * snapshot_rate: 1    at most this many snapshots a second per stream, 0.01..1000
 * snapshot_keep: 1000 at most this many files in snapshot_dir; the oldest go first, 1..10000000
 * </pre>
 */
public final class ViewFactory implements StageFactory<ViewFactory.Config> {
    public record Config(Double fps, Double watchSeconds, List<String> watch, Integer jpegQuality, String snapshotDir,
                         Double snapshotRate, Integer snapshotKeep) {}

    public static final String TYPE = "view";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public String describe() {
        return "annotated JPEGs (boxes, labels, zones) of watched streams for /view, and event snapshots (added by the service)";
    }

    @Override
    public Stage create(Config c, StageContext ctx) {
        double fps = c.fps() == null ? 2 : c.fps();
        if (!(fps >= 0.1 && fps <= 30)) throw new IllegalArgumentException("fps: expected a number within 0.1..30, got " + c.fps());
        double watch = c.watchSeconds() == null ? 5 : c.watchSeconds();
        if (!(watch >= 1 && watch <= 3600)) {
            throw new IllegalArgumentException("watch_seconds: expected a number within 1..3600, got " + c.watchSeconds());
        }
        int quality = c.jpegQuality() == null ? 85 : c.jpegQuality();
        if (quality < 1 || quality > 100) throw new IllegalArgumentException("jpeg_quality: expected 1..100, got " + quality);
        Snapshots snapshots = null;
        if (c.snapshotDir() != null) {
            double rate = c.snapshotRate() == null ? 1 : c.snapshotRate();
            if (!(rate >= 0.01 && rate <= 1000)) {
                throw new IllegalArgumentException("snapshot_rate: expected a number within 0.01..1000, got " + c.snapshotRate());
            }
            int keep = c.snapshotKeep() == null ? 1000 : c.snapshotKeep();
            if (keep < 1 || keep > 10_000_000) throw new IllegalArgumentException("snapshot_keep: expected 1..10000000, got " + keep);
            if (c.snapshotDir().isBlank()) throw new IllegalArgumentException("snapshot_dir: empty");
            snapshots = new Snapshots(Path.of(c.snapshotDir()), rate, keep);
        } else if (c.snapshotRate() != null || c.snapshotKeep() != null) {
            throw new IllegalArgumentException("snapshot_rate, snapshot_keep: they apply to snapshot_dir, which is not given");
        }
        Set<String> always = c.watch() == null ? Set.of() : Set.copyOf(c.watch());
        return new ViewStage(ctx.name(), fps, (long) (watch * 1e9), always, quality, snapshots);
    }
}
