package dev.vahost.pipelines.stage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameResult;

/**
 * Stage types the pipelines tests load through the ServiceLoader (listed in this module's test
 * resources, META-INF/services): they change detections, publish metadata, read pixels, or throw.
 */
public final class TestStages {
    private TestStages() {}

    /** Published: what test-tag saw. */
    public record Tag(String label, int kept, int dropped) {}

    public static final MetaKey<Tag> TAG = MetaKey.published("test_tag", Tag.class);
    /** Internal: the mean of the frame's first luma row (test-pixels), read by test-tag when present. */
    public static final MetaKey<Double> LUMA = MetaKey.internal("test_luma", Double.class);
    public static final MetaKey<Double> LUMA_OUT = MetaKey.published("luma_row0", Double.class);

    /** test-tag: drops detections below min_score, publishes {label, kept, dropped}; copies test_luma when set. */
    public static final class TagFactory implements StageFactory<TagFactory.Config> {
        public record Config(String label, float minScore) {}

        @Override
        public String type() {
            return "test-tag";
        }

        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public Stage create(Config c, StageContext ctx) {
            if (c.minScore() < 0 || c.minScore() > 1) throw new IllegalArgumentException("minScore must be within 0..1, got " + c.minScore());
            String label = c.label() == null ? ctx.name() : c.label();
            return batch -> {
                for (StageFrame f : batch.frames()) {
                    int before = f.detections().size();
                    f.detections().removeIf(d -> d.score() < c.minScore());
                    f.meta().put(TAG, new Tag(label, f.detections().size(), before - f.detections().size()));
                    Double luma = f.meta().get(LUMA);
                    if (luma != null) f.meta().put(LUMA_OUT, luma);
                }
            };
        }

        @Override
        public String describe() {
            return "test: drops low scores, tags frames";
        }
    }

    /** test-throw: throws on every {@code every}-th batch (1 = always). */
    public static final class ThrowFactory implements StageFactory<ThrowFactory.Config> {
        public record Config(int every) {}

        @Override
        public String type() {
            return "test-throw";
        }

        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public Stage create(Config c, StageContext ctx) {
            int every = Math.max(1, c.every());
            AtomicInteger n = new AtomicInteger();
            return batch -> {
                // Half-done work before the throw: later stages and outputs see it.
                for (StageFrame f : batch.frames()) f.detections().add(new FrameResult.Detection(99, "thrower", 1f, 0, 0, 1, 1));
                if (n.incrementAndGet() % every == 0) throw new IllegalStateException("test-throw: batch " + n.get());
            };
        }
    }

    /** test-pixels: needs the frames; reads the first luma row of each (CPU path) into test_luma. */
    public static final class PixelsFactory implements StageFactory<PixelsFactory.Config> {
        /** streams: the streams whose pixels it reads (needsFrames(streamId)); null: all. */
        public record Config(List<String> streams) {}

        /** Every frame a test-pixels stage has seen, to check they were released afterwards. */
        public static final List<VideoFrame> SEEN = java.util.Collections.synchronizedList(new ArrayList<>());
        /** Frames the stage was handed without pixels (not kept: not among its streams), by stream. */
        public static final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> WITHOUT_PIXELS = new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        public String type() {
            return "test-pixels";
        }

        @Override
        public Class<Config> configType() {
            return Config.class;
        }

        @Override
        public Stage create(Config c, StageContext ctx) {
            if (ctx.gpu()) throw new IllegalArgumentException("test-pixels reads system-memory frames (CPU path) only");
            return new Stage() {
                @Override
                public void process(StageBatch batch) {
                    for (StageFrame f : batch.frames()) {
                        if (!f.hasFrame()) {
                            WITHOUT_PIXELS.computeIfAbsent(f.streamId(), k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                            continue;
                        }
                        VideoFrame v = f.videoFrame();
                        SEEN.add(v);
                        ByteBuffer data = v.map();
                        int off = (int) v.planeOffset(0);
                        long sum = 0;
                        for (int x = 0; x < f.width(); x++) sum += data.get(off + x) & 0xff;
                        f.meta().put(LUMA, sum / (double) f.width());
                    }
                }

                @Override
                public boolean needsFrames() {
                    return true;
                }

                @Override
                public boolean needsFrames(String streamId) {
                    return c.streams() == null || c.streams().contains(streamId);
                }
            };
        }
    }
}
