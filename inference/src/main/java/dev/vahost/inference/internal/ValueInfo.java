package dev.vahost.inference.internal;

import java.util.Arrays;

/**
 * A graph input or output as declared: name and dimensions, -1 where the dimension is symbolic
 * ({@code dimParams[i]} names it) or unknown. {@code dims} is null when no shape is declared.
 */
public record ValueInfo(String name, long[] dims, String[] dimParams) {
    public String describe() {
        if (dims == null) return name + " (no shape)";
        StringBuilder b = new StringBuilder(name).append(" [");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) b.append(", ");
            b.append(dims[i] >= 0 ? Long.toString(dims[i]) : (dimParams[i] == null || dimParams[i].isEmpty() ? "?" : dimParams[i]));
        }
        return b.append(']').toString();
    }

    @Override
    public String toString() {
        return describe() + (dims == null ? "" : " " + Arrays.toString(dims));
    }
}
