package dev.vahost.gst.synth;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** Clips made once per build with {@link SyntheticClip} and cached under target/test-clips. */
public final class TestClips {
    private TestClips() {}

    public static Path dir() {
        String d = System.getProperty("vahost.testClips", System.getenv().getOrDefault("VAHOST_TEST_CLIPS", "target/test-clips"));
        return Path.of(d);
    }

    /** A scene clip (with ground truth) of the given size and length, made if missing. */
    public static synchronized Path scene(int width, int height, int frames, long seed) {
        return make(new SyntheticClip.Spec(dir().resolve(String.format(Locale.ROOT, "scene-%dx%d-%d-s%d.h264", width, height,
                frames, seed)), width, height, 30, Math.max(500, width * height / 300), frames, "scene", seed));
    }

    /** A videotestsrc-pattern clip, made if missing. */
    public static synchronized Path pattern(String pattern, int width, int height, int frames) {
        return make(new SyntheticClip.Spec(dir().resolve(String.format(Locale.ROOT, "%s-%dx%d-%d.h264", pattern, width, height,
                frames)), width, height, 30, Math.max(500, width * height / 300), frames, pattern, 0));
    }

    private static Path make(SyntheticClip.Spec spec) {
        if (!Files.isRegularFile(spec.out()) || ("scene".equals(spec.source())
                && !Files.isRegularFile(SyntheticClip.boxesPath(spec.out())))) {
            SyntheticClip.make(spec);
        }
        return spec.out();
    }
}
