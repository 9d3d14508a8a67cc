package dev.vahost.pipelines.view;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.stage.StageSpec;

import static org.junit.jupiter.api.Assertions.*;

/** When the service adds the view stage, with what configuration, and the options that conflict with a listed one. */
class ViewOptionsTest {
    static List<String> stages(String... args) {
        return CliOptions.parse(args).serviceStages(false).stream().map(StageSpec::argument).toList();
    }

    @Test
    void addedLastWhenServedOrSnapshotting() {
        assertEquals(List.of("tracker:tracker"), stages("--stage", "tracker"), "no HTTP server, no snapshots: no view");
        assertEquals(List.of("tracker:tracker", "view:view={\"fps\":2.0}"), stages("--stage", "tracker", "--metrics-port", "0"));
        assertEquals(List.of(), stages("--metrics-port", "0", "--view", "false"));
        assertEquals(List.of("view:view={\"fps\":4.0,\"snapshot_dir\":\"snaps\",\"snapshot_rate\":0.5,\"snapshot_keep\":9}"),
                stages("--view-fps", "4", "--snapshot-dir", "snaps", "--snapshot-rate", "0.5", "--snapshot-keep", "9"));
        assertEquals(List.of("view:v={\"fps\":9}", "tracker:tracker"), stages("--stage", "view:v={\"fps\": 9}", "--stage", "tracker",
                "--metrics-port", "0"), "one listed: it stays where it is, none added");
    }

    @Test
    void onTheGpuPathAsOnTheCpuPath() {
        assertEquals(List.of("view:view={\"fps\":2.0}"), CliOptions.parse(new String[] {"--metrics-port", "0"})
                .serviceStages(true).stream().map(StageSpec::argument).toList());
        assertEquals(List.of(), CliOptions.parse(new String[] {"--metrics-port", "0", "--view", "false"}).serviceStages(true));
        assertEquals(1, CliOptions.parse(new String[] {"--snapshot-dir", "s"}).serviceStages(true).size(), "snapshots asked for by name");
    }

    @Test
    void optionsForAListedViewAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CliOptions.parse(new String[] {"--stage", "view", "--view-fps", "3"}));
        assertEquals("Invalid value for option '--view-fps': a 'view' stage is listed among the stages; configure it there (fps, "
                + "snapshot_dir, snapshot_rate, snapshot_keep)", e.getMessage());
    }
}
