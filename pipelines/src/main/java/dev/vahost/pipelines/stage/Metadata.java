package dev.vahost.pipelines.stage;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** One frame's metadata: typed values by {@link MetaKey}, in the order they were first put. Not thread-safe. */
public final class Metadata {
    private final LinkedHashMap<MetaKey<?>, Object> values = new LinkedHashMap<>();

    /** Sets (or replaces) the value of {@code key}; null removes it. */
    public <T> void put(MetaKey<T> key, T value) {
        if (value == null) {
            values.remove(key);
            return;
        }
        values.put(key, key.type().cast(value));
    }

    /** The value of {@code key}, or null. */
    public <T> T get(MetaKey<T> key) {
        return key.type().cast(values.get(key));
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The published values by key name, in order (what the outputs show). */
    public Map<String, Object> published() {
        if (values.isEmpty()) return Map.of();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<MetaKey<?>, Object> e : values.entrySet()) {
            if (e.getKey().published()) out.put(e.getKey().name(), e.getValue());
        }
        return out.isEmpty() ? Map.of() : Collections.unmodifiableMap(out);
    }
}
