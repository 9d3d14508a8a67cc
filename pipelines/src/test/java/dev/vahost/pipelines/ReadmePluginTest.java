package dev.vahost.pipelines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The README's "Writing a plugin" walk-through, done as a reader would: its Java example compiled
 * against this build, declared in META-INF/services, packed into a jar and run by the service in a
 * JVM of its own with {@code --plugin} and {@code --stage} (CPU path, synthetic camera).
 */
class ReadmePluginTest {
    @Test
    void theReadmesPluginCompilesLoadsAndChangesTheOutput(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        int section = readme.indexOf("## Writing a plugin");
        assertTrue(section >= 0, "README.md has a 'Writing a plugin' section");
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String java = readme.substring(start, readme.indexOf("```", start));
        assertTrue(java.contains("class BigBoxesFactory"), java);

        Path src = dir.resolve("src/com/example/bigboxes/BigBoxesFactory.java"), classes = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.writeString(src, java);
        Files.createDirectories(classes.resolve("META-INF/services"));
        String services = "dev.vahost.pipelines.stage.StageFactory";
        assertTrue(readme.contains("META-INF/services/" + services) && readme.contains("`com.example.bigboxes.BigBoxesFactory`"));
        Files.writeString(classes.resolve("META-INF/services/" + services), "com.example.bigboxes.BigBoxesFactory\n");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests run on a JDK");
        int rc = javac.run(null, null, null, "--release", "17", "-cp", System.getProperty("java.class.path"), "-d",
                classes.toString(), src.toString());
        assertEquals(0, rc, "the README's example compiles");
        Path jar = PluginJars.jar(classes, dir.resolve("big-boxes.jar"));

        Path out = dir.resolve("out.jsonl");
        PluginJars.Result r = PluginJars.runMain(System.getProperty("java.class.path"), Duration.ofSeconds(120), "--gpu", "off",
                "--model", "builtin", "--source", "a=synthetic:320x240@30", "--clip-cache",
                System.getProperty("vahost.testClips", "target/test-clips"), "--all-frames", "--batch-size", "4",
                "--plugin", jar.toString(), "--stage", "big-boxes:big={\"min_area\": 1500}", "--output", out.toString(),
                "--duration-s", "6");
        assertEquals(0, r.exit(), r.output());
        int frames = 0, kept = 0, dropped = 0;
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(out)) {
            JsonNode n = json.readTree(line);
            if (!"detections".equals(n.get("type").asText())) continue;
            frames++;
            assertTrue(n.at("/meta/small_boxes").isInt(), line);
            dropped += n.at("/meta/small_boxes").asInt();
            for (JsonNode d : n.get("detections")) {
                List<Double> b = List.of(d.get("box").get(0).asDouble(), d.get("box").get(1).asDouble(), d.get("box").get(2).asDouble(),
                        d.get("box").get(3).asDouble());
                assertTrue((b.get(2) - b.get(0)) * (b.get(3) - b.get(1)) >= 1500 - 1, "a box under min_area survived: " + line);
                kept++;
            }
        }
        assertTrue(frames >= 5, frames + " frames\n" + r.output());
        assertTrue(kept > 0 && dropped > 0, "the scene has boxes on both sides of min_area: kept " + kept + ", dropped " + dropped);
    }
}
