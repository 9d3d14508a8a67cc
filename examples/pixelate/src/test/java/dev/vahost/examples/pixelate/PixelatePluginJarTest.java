package dev.vahost.examples.pixelate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.pipelines.PluginJars;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The plugin jar in a service of its own JVM, on the CPU path (CI has no GPU): it is found, its
 * config is checked, and it refuses the CPU path with a reason. (On the GPU: PixelateGpuTest.)
 */
class PixelatePluginJarTest {
    static final Path CLASSES = Path.of("target/classes"), TEST_CLASSES = Path.of("target/test-classes");

    @Test
    void theJarLoadsAndSaysWhatItNeeds(@TempDir Path dir) throws Exception {
        Path jar = PluginJars.jar(CLASSES, dir.resolve("pixelate.jar"));
        String cp = PluginJars.classPathWithout(CLASSES, TEST_CLASSES);
        PluginJars.Result listed = PluginJars.runMain(cp, Duration.ofSeconds(60), "--list-stages", "--plugin", dir.toString());
        assertEquals(0, listed.exit(), listed.output());
        assertTrue(listed.output().contains("pixelate         pixelates detected boxes"), listed.output());
        boolean kernelBuilt = Files.exists(CLASSES.resolve("dev/vahost/kernels/example-pixelate/pixelate.fatbin"));
        assertEquals(kernelBuilt, !Files.exists(CLASSES.resolve("dev/vahost/kernels/example-pixelate/NOT_BUILT")),
                "the build either made the fatbin or said why not");

        PluginJars.Result cpu = PluginJars.runMain(cp, Duration.ofSeconds(60), "--gpu", "off", "--model", "none", "--synthetic", "1",
                "--plugin", jar.toString(), "--stage", "pixelate:faces={\"classes\": [0]}", "--duration-s", "5");
        assertEquals(2, cpu.exit(), cpu.output());
        assertTrue(cpu.output().contains("vahost: stage 'faces' (pixelate): pixelate changes frames in GPU memory: it needs the GPU "
                + "path"), cpu.output());

        PluginJars.Result odd = PluginJars.runMain(cp, Duration.ofSeconds(60), "--gpu", "off", "--model", "none", "--synthetic", "1",
                "--plugin", jar.toString(), "--stage", "pixelate={\"cell\": 7}", "--duration-s", "5");
        assertEquals(2, odd.exit(), odd.output());
        assertTrue(odd.output().contains("vahost: stage 'pixelate' (pixelate): cell: expected an even number within 2..256, got 7"),
                odd.output());
    }
}
