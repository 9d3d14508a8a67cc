package dev.vahost.examples.zonecount;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.StageSpec;
import dev.vahost.pipelines.stage.Stages;

import static org.junit.jupiter.api.Assertions.*;

/** The stage as the service makes it (ServiceLoader, typed config): counting rules, filters, and config errors. */
class ZoneCountStageTest {
    static FrameResult.Detection box(int cls, float score, float x1, float y1, float x2, float y2) {
        return new FrameResult.Detection(cls, "c" + cls, score, x1, y1, x2, y2);
    }

    static StageRunner stage(String json) {
        return Stages.create(List.of(StageSpec.parse("zone-count:z=" + json)), List.of(), false, 8);
    }

    static final String TWO_ZONES = """
            {"zones": [
              {"name": "left", "polygon": [[0,0],[160,0],[160,240],[0,240]]},
              {"name": "cars-right", "polygon": [[160,0],[320,0],[320,240],[160,240]], "classes": [2], "streams": ["a"]}],
             "min_score": 0.5}""";

    @Test
    void countsObjectsByTheirBottomCentreWithClassStreamAndScoreRules() {
        try (StageRunner r = stage(TWO_ZONES)) {
            List<FrameResult> out = r.run(List.of(
                    new FrameResult("a", 0, 0, 320, 240, List.of(
                            box(0, 0.9f, 10, 10, 50, 50),      // left
                            box(0, 0.4f, 10, 10, 50, 50),      // left, below min_score: not counted
                            box(2, 0.9f, 100, 10, 200, 100),   // bottom-centre x=150: left
                            box(2, 0.9f, 150, 10, 250, 100),   // x=200: right, class 2
                            box(0, 0.9f, 250, 10, 300, 100))), // right, class 0: not counted there
                    new FrameResult("b", 0, 0, 320, 240, List.of(box(2, 0.9f, 250, 10, 300, 100)))), null, null);
            assertEquals(Map.of("left", 2, "cars-right", 1), out.get(0).meta().get("zone_counts"));
            assertEquals(Map.of("left", 0), out.get(1).meta().get("zone_counts"), "cars-right applies to stream a only");
            assertEquals(5, out.get(0).detections().size(), "counting alone changes no detection");
            assertEquals(0, r.stats().get(0).failures());
        }
    }

    @Test
    void theAnchorRuleDecidesAndKeepOnlyInsideDropsTheRest() {
        String cfg = """
                {"anchor": "centre", "keep_only_inside": true,
                 "zones": [{"name": "top", "polygon": [[0,0],[1,0],[1,0.5],[0,0.5]], "normalized": true}]}""";
        try (StageRunner r = stage(cfg)) {
            // centre y = 100 (inside the top half of 240), bottom y = 150 (outside): the anchor decides.
            List<FrameResult> out = r.run(List.of(new FrameResult("a", 0, 0, 320, 240, List.of(
                    box(0, 0.9f, 10, 50, 40, 150), box(0, 0.9f, 10, 150, 40, 200)))), null, null);
            assertEquals(Map.of("top", 1), out.get(0).meta().get("zone_counts"));
            assertEquals(1, out.get(0).detections().size(), "the box whose centre is in no zone is dropped");
            assertEquals(50f, out.get(0).detections().get(0).y1());
        }
    }

    @Test
    void configErrorsNameTheKey() {
        assertEquals("stage 'z' (zone-count): zones: at least one zone is required",
                assertThrows(IllegalArgumentException.class, () -> stage("{}")).getMessage());
        assertEquals("stage 'z' (zone-count): anchor: expected bottom-centre or centre, got 'top'",
                assertThrows(IllegalArgumentException.class, () -> stage("{\"anchor\":\"top\",\"zones\":[{\"name\":\"a\","
                        + "\"polygon\":[[0,0],[1,0],[1,1]]}]}")).getMessage());
        assertEquals("stage 'z' (zone-count): zones[1].name: 'a' is used twice",
                assertThrows(IllegalArgumentException.class, () -> stage("{\"zones\":[{\"name\":\"a\",\"polygon\":[[0,0],[1,0],[1,1]]},"
                        + "{\"name\":\"a\",\"polygon\":[[0,0],[1,0],[1,1]]}]}")).getMessage());
        String unknown = assertThrows(IllegalArgumentException.class, () -> stage("{\"zones\":[{\"name\":\"a\",\"polgon\":[]}]}"))
                .getMessage();
        assertTrue(unknown.startsWith("stage 'z' (zone-count): unknown config key 'zones[0].polgon' (known: classes, name, normalized,"
                + " polygon, streams)"), unknown);
    }
}
