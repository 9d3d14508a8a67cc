package dev.vahost.pipelines.stage;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Finds stage types ({@link StageFactory}) on the class path and in plugin jars, binds each stage's
 * configuration section to its factory's type, and makes the stages. Every error names the stage,
 * its type and what is wrong.
 */
public final class Stages {
    /** Config keys are snake_case ({@code min_score} binds a record component {@code minScore}), as in the deployment file. */
    private static final ObjectMapper CONFIG = new ObjectMapper()
            .setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Stages() {}

    /**
     * A class loader over the plugin jars (each path a .jar or a directory whose .jar files are
     * taken), with the service's class loader as parent; the service's own loader when there are none.
     *
     * @throws IllegalArgumentException for a path that does not exist or is not a jar
     */
    public static ClassLoader pluginLoader(List<Path> plugins) {
        if (plugins.isEmpty()) return Stages.class.getClassLoader();
        List<URL> urls = new ArrayList<>();
        for (Path p : plugins) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    List<Path> jars = s.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted().toList();
                    if (jars.isEmpty()) throw new IllegalArgumentException("--plugin " + p + ": the directory holds no .jar file");
                    for (Path j : jars) urls.add(url(j));
                } catch (IOException e) {
                    throw new IllegalArgumentException("--plugin " + p + ": cannot list (" + e.getMessage() + ")", e);
                }
            } else if (Files.isRegularFile(p)) {
                if (!p.getFileName().toString().endsWith(".jar")) {
                    throw new IllegalArgumentException("--plugin " + p + ": expected a .jar file or a directory of them");
                }
                try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(p.toFile())) {
                    if (z.getEntry("META-INF/services/" + StageFactory.class.getName()) == null) {
                        throw new IllegalArgumentException("--plugin " + p + ": the jar declares no stage (no META-INF/services/"
                                + StageFactory.class.getName() + ")");
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException("--plugin " + p + ": not a readable jar (" + e.getMessage() + ")", e);
                }
                urls.add(url(p));
            } else {
                throw new IllegalArgumentException("--plugin " + p + ": no such file or directory");
            }
        }
        return new URLClassLoader("vahost-plugins", urls.toArray(URL[]::new), Stages.class.getClassLoader());
    }

    private static URL url(Path p) {
        try {
            return p.toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("--plugin " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every stage type the loader sees, by type.
     *
     * @throws IllegalArgumentException for a provider that cannot be loaded or two providers of one type
     */
    public static Map<String, StageFactory<?>> factories(ClassLoader loader) {
        Map<String, StageFactory<?>> out = new TreeMap<>();
        ServiceLoader<StageFactory> sl = ServiceLoader.load(StageFactory.class, loader);
        java.util.Iterator<StageFactory> it = sl.iterator();
        while (true) {
            StageFactory<?> f;
            try {
                if (!it.hasNext()) break;
                f = it.next();
            } catch (ServiceConfigurationError e) {
                throw new IllegalArgumentException("a stage plugin cannot be loaded: " + e.getMessage()
                        + (e.getCause() != null ? " (" + e.getCause() + ")" : ""), e);
            }
            StageFactory<?> before = out.putIfAbsent(f.type(), f);
            if (before != null && before.getClass() != f.getClass()) {
                throw new IllegalArgumentException("stage type '" + f.type() + "' is declared twice: by " + where(before)
                        + " and by " + where(f));
            }
        }
        return out;
    }

    private static String where(Object o) {
        var src = o.getClass().getProtectionDomain().getCodeSource();
        return o.getClass().getName() + (src == null ? "" : " in " + src.getLocation());
    }

    /**
     * Makes the stages in the order given; when one cannot be made, those made are closed.
     *
     * @throws IllegalArgumentException naming the stage: unknown type, duplicate name, bad config
     */
    public static StageRunner create(List<StageSpec> specs, List<Path> plugins, boolean gpu, int maxBatch) {
        if (specs.isEmpty()) return StageRunner.none();
        ClassLoader loader = pluginLoader(plugins);
        Map<String, StageFactory<?>> factories = factories(loader);
        Set<String> names = new HashSet<>();
        for (StageSpec s : specs) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("two stages are named '" + s.name() + "': give each its own name (--stage TYPE:NAME)");
            }
        }
        List<StageRunner.Named> made = new ArrayList<>();
        try {
            for (StageSpec s : specs) {
                StageFactory<?> f = factories.get(s.type());
                if (f == null) {
                    throw new IllegalArgumentException("stage '" + s.name() + "': no stage type '" + s.type() + "' (known: "
                            + (factories.isEmpty() ? "none" : String.join(", ", factories.keySet()))
                            + (plugins.isEmpty() ? "; plugin jars are given with --plugin" : "") + ")");
                }
                made.add(new StageRunner.Named(s.name(), s.type(), make(f, s, new StageContext(s.name(), gpu, maxBatch))));
            }
        } catch (RuntimeException e) {
            for (StageRunner.Named n : made) {
                try {
                    n.stage().close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new StageRunner(made);
    }

    private static <C> Stage make(StageFactory<C> f, StageSpec s, StageContext ctx) {
        String who = "stage '" + s.name() + "' (" + s.type() + ")";
        C config = bind(who, s.config(), f.configType());
        Stage stage;
        try {
            stage = f.create(config, ctx);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(who + ": " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException(who + " cannot start: " + e, e);
        }
        if (stage == null) throw new IllegalStateException(who + ": its factory " + f.getClass().getName() + " returned no stage");
        return stage;
    }

    /**
     * A configuration section bound to {@code type} (keys in snake_case; unknown keys, wrong types and
     * trailing tokens refused), for stages and anything else configured the same way (message sinks).
     *
     * @param who names the thing configured in the error ("stage 'door' (zone-count)")
     * @throws IllegalArgumentException naming {@code who}, the key and what is wrong (for an unknown key, the known ones)
     */
    public static <C> C bind(String who, JsonNode config, Class<C> type) {
        try {
            return CONFIG.treeToValue(config, type);
        } catch (UnrecognizedPropertyException e) {
            throw new IllegalArgumentException(who + ": unknown config key '" + path(e) + "' (known: "
                    + e.getKnownPropertyIds().stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")", e);
        } catch (JsonMappingException e) {
            String p = path(e);
            throw new IllegalArgumentException(who + ": config" + (p.isEmpty() ? "" : " key '" + p + "'") + ": "
                    + e.getOriginalMessage(), e);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(who + ": config: " + e.getOriginalMessage(), e);
        }
    }

    /** a.b[2].c from Jackson's reference path. */
    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) b.append(b.length() > 0 ? "." : "").append(r.getFieldName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }
}
