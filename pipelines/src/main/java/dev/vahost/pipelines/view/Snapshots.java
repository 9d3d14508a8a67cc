package dev.vahost.pipelines.view;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The snapshot directory ({@code --snapshot-dir}): annotated JPEGs of event frames, bounded two ways.
 * A stream gets at most {@code perSecond} snapshots a second (one every 1/perSecond s; more are
 * refused when reserved, so the event then carries no path), and the directory holds at most
 * {@code keep} of them: writing one more deletes the oldest. Files already there from an earlier run
 * count (oldest by modification time first); only files named as this class names them
 * ({@code STREAM-yyyyMMdd-HHmmss.SSS-fFRAME.jpg}) are ever deleted. Thread-safe.
 */
final class Snapshots {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Snapshots.class);
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+-\\d{8}-\\d{6}\\.\\d{3}-f\\d+\\.jpg");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Path dir;
    private final long intervalNanos;
    private final int keep;
    private final ArrayDeque<Path> files = new ArrayDeque<>();
    private final Map<String, Long> last = new HashMap<>();
    private long deleted;

    /**
     * @throws IllegalArgumentException when the directory cannot be made or read (naming it)
     */
    Snapshots(Path dir, double perSecond, int keep) {
        if (!(perSecond > 0) || perSecond > 1000) throw new IllegalArgumentException("snapshot_rate: expected 0 < rate <= 1000, got " + perSecond);
        if (keep < 1) throw new IllegalArgumentException("snapshot_keep: expected >= 1, got " + keep);
        this.dir = dir.toAbsolutePath().normalize();
        this.intervalNanos = (long) (1e9 / perSecond);
        this.keep = keep;
        try {
            Files.createDirectories(this.dir);
            try (Stream<Path> s = Files.list(this.dir)) {
                List<Path> old = s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))
                        .sorted(Comparator.comparing(Snapshots::mtime).thenComparing(Path::toString)).toList();
                files.addAll(old);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("snapshot_dir " + this.dir + ": cannot create or list it (" + e + ")", e);
        }
        trim();
    }

    private static FileTime mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * The path for a snapshot of {@code stream}'s frame, or null when the stream had one less than
     * 1/rate ago. The file is written later ({@link #write}).
     */
    synchronized Path reserve(String stream, long frame, long nowNanos, long wallMillis) {
        Long before = last.get(stream);
        if (before != null && nowNanos - before < intervalNanos) return null;
        last.put(stream, nowNanos);
        return dir.resolve(stream + "-" + TIME.format(Instant.ofEpochMilli(wallMillis)) + "-f" + frame + ".jpg");
    }

    /** Writes {@code jpeg} to {@code path} (whole or not at all), then deletes the oldest beyond the cap. */
    void write(Path path, byte[] jpeg) {
        Path tmp = path.resolveSibling(path.getFileName() + ".part");
        try {
            Files.write(tmp, jpeg);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new UncheckedIOException("snapshot " + path + " cannot be written", e);
        }
        synchronized (this) {
            files.remove(path); // the same name again (same stream, millisecond and frame) replaced it
            files.addLast(path);
            trim();
        }
    }

    private synchronized void trim() {
        while (files.size() > keep) {
            Path p = files.removeFirst();
            try {
                Files.deleteIfExists(p);
                deleted++;
            } catch (IOException e) {
                LOG.warn("snapshot {} cannot be deleted: {}", p, e.toString());
            }
        }
    }

    synchronized int count() {
        return files.size();
    }

    synchronized long deleted() {
        return deleted;
    }

    synchronized void streamEnded(String stream) {
        last.remove(stream);
    }
}
