package dev.vahost.postprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The index.json and raw files tools/gpu/nms_torchvision_check.py reads (keys as that script uses them). */
class GoldenWriterTest {
    @Test
    void indexListsEveryCaseWithTheFieldsTheCheckerReads(@TempDir Path dir) throws Exception {
        GoldenWriter w = new GoldenWriter(dir);
        TestData.Batch a = TestData.candidates(1, 2, 5, 3, 100, false, 0);
        Detection d = new Detection(1, 0.9f, 0, 0, 1, 1, 4);
        w.addCase("a", a, 0.45f, false, 0.05f,
                new BatchDetections(List.of(List.of(d), List.of()), new String[2], new int[] {5, 5}));
        w.addCase("b", a, 0.7f, true, 0f,
                new BatchDetections(List.of(List.of(d, d), List.of(d)), new String[2], new int[] {5, 5}));
        JsonNode index = new ObjectMapper().readTree(dir.resolve("index.json").toFile());
        assertEquals(2, index.size());
        JsonNode c = index.get(0);
        assertEquals("a", c.get("name").asText());
        assertEquals(2, c.get("images").asInt());
        assertEquals(5, c.get("candidates").asInt());
        assertEquals(3, c.get("classes").asInt());
        assertEquals(0.45, c.get("iou").asDouble(), 1e-7);
        assertEquals(false, c.get("class_agnostic").asBoolean());
        assertEquals(0.05, c.get("score_threshold").asDouble(), 1e-7);
        assertEquals("[1,0]", c.get("kept_counts").toString());
        assertEquals(true, index.get(1).get("class_agnostic").asBoolean());
        assertEquals("[2,1]", index.get(1).get("kept_counts").toString());
        ByteBuffer kept = ByteBuffer.wrap(Files.readAllBytes(dir.resolve("b.kept.i32"))).order(ByteOrder.LITTLE_ENDIAN);
        int[] k = new int[kept.remaining() / 4];
        kept.asIntBuffer().get(k);
        assertArrayEquals(new int[] {4, 4, 4}, k);
        assertEquals(2 * 5 * 4 * 4, Files.size(dir.resolve("a.boxes.f32")));
    }
}
