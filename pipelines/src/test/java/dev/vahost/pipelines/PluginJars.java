package dev.vahost.pipelines;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * For plugin tests: a plugin jar made from a module's compiled classes, and the service ({@link Main})
 * run in a child JVM whose class path lacks the plugin, so that it can only come in through
 * {@code --plugin} as it would for a user.
 */
public final class PluginJars {
    private PluginJars() {}

    /** The child's exit code and its standard output and error, interleaved. */
    public record Result(int exit, String output) {}

    /** Writes every file under {@code classes} (classes, META-INF/services, fatbins) into {@code jar}. */
    public static Path jar(Path classes, Path jar) throws IOException {
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, j);
                j.closeEntry();
            }
        }
        return jar;
    }

    /** This JVM's class path without the entries under {@code excluded} (a module's own classes and test classes). */
    public static String classPathWithout(Path... excluded) {
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(e).toAbsolutePath().normalize();
            boolean drop = false;
            for (Path x : excluded) drop |= p.startsWith(x.toAbsolutePath().normalize());
            if (!drop) keep.add(e);
        }
        return String.join(File.pathSeparator, keep);
    }

    /** Runs {@code dev.vahost.pipelines.Main args} in a child JVM; kills it after {@code timeout}. */
    public static Result runMain(String classPath, Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classPath, Main.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("(reading the child's output failed: " + e + ")").getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            reader.join();
            throw new AssertionError("the service did not stop within " + timeout + ":\n" + new String(out[0], StandardCharsets.UTF_8));
        }
        reader.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }
}
