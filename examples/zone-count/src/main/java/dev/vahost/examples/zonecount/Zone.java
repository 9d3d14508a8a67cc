package dev.vahost.examples.zonecount;

import java.util.List;
import java.util.Set;

import dev.vahost.pipelines.analytics.Polygon;

/** A polygon zone (the service's {@link Polygon}: even-odd rule) and the classes and streams it applies to (empty: all). */
record Zone(String name, Polygon polygon, Set<Integer> classes, Set<String> streams) {
    static Zone of(String where, String name, List<double[]> polygon, boolean normalized, List<Integer> classes, List<String> streams) {
        return new Zone(name, Polygon.of(where + ".polygon", polygon, normalized, 3), classes == null ? Set.of() : Set.copyOf(classes),
                streams == null ? Set.of() : Set.copyOf(streams));
    }

    boolean appliesTo(String stream) {
        return streams.isEmpty() || streams.contains(stream);
    }

    boolean counts(int classId) {
        return classes.isEmpty() || classes.contains(classId);
    }

    boolean contains(double x, double y, int width, int height) {
        return polygon.contains(x, y, width, height);
    }
}
