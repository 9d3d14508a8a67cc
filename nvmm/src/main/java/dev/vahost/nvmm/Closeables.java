package dev.vahost.nvmm;

import java.util.List;

/** Closing several owners of native resources together, as the project's {@code close()} methods do. */
public final class Closeables {
    private Closeables() {}

    /**
     * Closes each part in order, each in its own try (nulls skipped): every part is attempted, and the
     * first failure is thrown afterwards with the later ones added as suppressed.
     */
    public static void closeAll(List<? extends AutoCloseable> parts) {
        RuntimeException first = null;
        for (AutoCloseable c : parts) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (first == null) first = r; else first.addSuppressed(r);
            }
        }
        if (first != null) throw first;
    }
}
