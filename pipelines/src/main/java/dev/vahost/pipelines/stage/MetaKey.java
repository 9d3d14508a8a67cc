package dev.vahost.pipelines.stage;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The name and type of one kind of per-frame metadata (the role of DeepStream's NvDsUserMeta):
 * stages attach values with {@link Metadata#put} and read earlier stages' with {@link Metadata#get}.
 * Keys are equal when their names are; a name is bound to one type for the life of the process.
 *
 * @param published whether outputs show it: the JSON lines write it under {@code "meta"} (Jackson
 *                  serialises the value: records, maps, lists, numbers, strings)
 */
public record MetaKey<T>(String name, Class<T> type, boolean published) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");
    private static final java.util.concurrent.ConcurrentHashMap<String, Class<?>> TYPES = new java.util.concurrent.ConcurrentHashMap<>();

    public MetaKey {
        Objects.requireNonNull(type, "type");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metadata key name '" + name + "': expected lower case letters, digits, "
                    + "'_', '.' or '-', starting with a letter, at most 64 characters");
        }
        Class<?> bound = TYPES.putIfAbsent(name, type);
        if (bound != null && bound != type) {
            throw new IllegalArgumentException("metadata key '" + name + "' is already bound to " + bound.getName()
                    + ", not " + type.getName());
        }
    }

    /** A key whose values the outputs show. */
    public static <T> MetaKey<T> published(String name, Class<T> type) {
        return new MetaKey<>(name, type, true);
    }

    /** A key only stages read. */
    public static <T> MetaKey<T> internal(String name, Class<T> type) {
        return new MetaKey<>(name, type, false);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetaKey<?> k && k.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }
}
