package dev.vahost.pipelines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class CliOptionsTest {
    static String err(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> CliOptions.parse(args)).getMessage();
    }

    @Test
    void defaultsAreFourSyntheticCameras() {
        CliOptions o = CliOptions.parse(new String[0]);
        assertEquals(4, o.synthetic());
        assertEquals("builtin", o.model());
        assertEquals(16, o.batchSize());
        assertEquals(-1, o.metricsPort());
        assertTrue(o.live());
    }

    @Test
    void badValuesNameOptionAndValue() {
        assertEquals("bad value for --batch-size: 'many' (expected an integer within 1..256)", err("--batch-size", "many"));
        assertEquals("bad value for --batch-size: 0 (expected 1..256)", err("--batch-size", "0"));
        assertTrue(err("--score-threshold", "1.5").contains("'1.5'"));
        assertTrue(err("--gpu", "maybe").contains("one of auto, on, off"));
        assertTrue(err("--input-size", "320").contains("WxH"));
        assertTrue(err("--live", "sometimes").contains("'sometimes'"));
        assertTrue(err("--nope", "1").contains("unknown option --nope"));
        assertTrue(err("--source").contains("missing value after --source"));
        assertTrue(err("stray").contains("unexpected argument 'stray'"));
        assertTrue(err("--metrics-port", "70000").contains("70000"));
        assertTrue(err("--config", "/nonexistent/x.conf").contains("/nonexistent/x.conf"));
    }

    @Test
    void configFileAddsOptions(@TempDir Path dir) throws Exception {
        Path c = dir.resolve("svc.conf");
        Files.writeString(c, "# cameras\n--source cam1=synthetic:640x360@15\n\n--batch-size 8\n--all-frames\n");
        CliOptions o = CliOptions.parse(new String[] {"--config", c.toString(), "--iou-threshold", "0.6"});
        assertEquals(List.of("cam1=synthetic:640x360@15"), o.sources());
        assertEquals(0, o.synthetic());
        assertEquals(8, o.batchSize());
        assertTrue(o.framesWithoutDetections());
        assertEquals(0.6f, o.iouThreshold(), 1e-6);
    }
}
