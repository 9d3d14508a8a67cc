package dev.vahost.pipelines.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.Path;
import java.util.Locale;

import dev.vahost.gst.synth.SyntheticClip;

/**
 * The built-in cameras: each synthetic source plays its own H.264 clip of moving shapes (made once
 * by x264enc into the clip cache, with ground truth beside it), looped.
 */
public final class SyntheticCameras {
    /** Seconds of video per camera before it loops. */
    public static final int LOOP_SECONDS = 10;

    private SyntheticCameras() {}

    /** The scene's seed of camera number {@code index} (the order the sources were added in, from 0). */
    public static long seed(int index) {
        return 1000 + index;
    }

    /** The clip of camera number {@code index} (its seed) for {@code spec}, made if missing. */
    public static synchronized Path clip(SourceSpec spec, int index, Path cache) {
        int frames = spec.fps() * LOOP_SECONDS;
        long seed = seed(index);
        int kbps = (int) Math.max(500, Math.min(12_000, (long) spec.width() * spec.height() * spec.fps() / 8000));
        Path p = cache.resolve(String.format(Locale.ROOT, "cam-%dx%d@%d-%d-s%d.h264", spec.width(), spec.height(), spec.fps(),
                frames, seed));
        if (!Files.isRegularFile(p) || !Files.isRegularFile(SyntheticClip.boxesPath(p))) {
            // Made under a temporary name and moved into place, so an interrupted run leaves no half clip.
            Path tmp = p.resolveSibling(p.getFileName() + ".part-" + ProcessHandle.current().pid() + ".h264");
            SyntheticClip.make(new SyntheticClip.Spec(tmp, spec.width(), spec.height(), spec.fps(), kbps, frames, "scene", seed));
            try {
                Files.move(SyntheticClip.boxesPath(tmp), SyntheticClip.boxesPath(p), StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot move the synthetic clip into " + p, e);
            }
        }
        return p;
    }
}
