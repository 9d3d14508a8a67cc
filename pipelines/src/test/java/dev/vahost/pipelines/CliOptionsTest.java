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
    void modelTypeAndPreprocessingOptions() {
        CliOptions d = CliOptions.parse(new String[0]);
        assertEquals("auto", d.modelCli().modelType());
        assertEquals("default", d.modelCli().resize());
        CliOptions o = CliOptions.parse(new String[] {"--model-type", "YOLOX", "--yolox-strides", "8,16,32,64", "--resize", "stretch",
                "--normalize", "0.5,0.5,0.5/0.25,0.25,0.25", "--channel-order", "bgr", "--priors", "p.pb", "--priors-format", "xyxy",
                "--priors-normalized", "--ssd-variances", "1,1", "--ssd-scores", "sigmoid", "--ssd-background", "-1"});
        CliOptions.ModelCli m = o.modelCli();
        assertEquals("yolox", m.modelType());
        assertArrayEquals(new int[] {8, 16, 32, 64}, m.yoloxStrides());
        assertEquals("stretch", m.resize());
        assertEquals("bgr", m.channelOrder());
        assertEquals("xyxy", m.priorsFormat());
        assertTrue(m.priorsNormalized());
        assertArrayEquals(new float[] {1, 1}, m.ssdVariances());
        assertEquals(-1, m.ssdBackground());
        assertTrue(err("--model-type", "yolo9000").contains("one of auto, yolov8"));
        assertTrue(err("--normalize", "0.5,0.5/1,1,1").contains("expected 3 comma-separated numbers"));
        assertTrue(err("--normalize", "0,0,0/1,0,1").contains("every std must be > 0"));
        assertTrue(err("--ssd-variances", "0.1").contains("expected 2"));
        assertTrue(err("--resize", "crop").contains("one of default, letterbox"));
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
