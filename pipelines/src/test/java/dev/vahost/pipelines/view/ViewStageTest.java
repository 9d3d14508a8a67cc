package dev.vahost.pipelines.view;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.prometheus.metrics.expositionformats.ExpositionFormats;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;
import dev.vahost.pipelines.output.JsonLinesWriter;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageRunner;
import dev.vahost.pipelines.stage.StageSpec;
import dev.vahost.pipelines.stage.Stages;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The view stage on real I420 frames with a clock of the test's own: which frames are copied and
 * drawn (counters, not timings), event snapshots with their rate and count limits, and the frames
 * and the render thread released. The GPU branch (device-to-host copy) is not covered: no GPU here.
 */
class ViewStageTest {
    static final long MS = 1_000_000L;
    static final List<FrameResult.Detection> BOX = List.of(new FrameResult.Detection(0, "ball", 0.9f, 8, 8, 40, 40));

    @Test
    void onlyWatchedStreamsAreCopiedAndDrawnAtTheViewRate() throws Exception {
        AtomicLong clock = new AtomicLong(1000 * MS);
        ViewStage v = new ViewStage("view", 2, 5000 * MS, Set.of(), 85, null, clock::get);
        try (TestFrames tf = new TestFrames(); StageRunner runner = StageRunner.of(List.of(new StageRunner.Named("view", "view", v)))) {
            assertTrue(runner.needsFrames(), "the view reads pixels");
            List<VideoFrame> w = tf.frames("w", 12, 64, 48), u = tf.frames("u", 12, 64, 48);
            v.touch("w");
            for (int i = 0; i < 12; i++) {
                // Frames 0..9 every 100 ms from t = 1 s; frames 10, 11 at 7.1 s, when w's 5 s of watching (from 1 s) are over.
                clock.set(i < 10 ? (1000 + 100 * i) * MS : 7100 * MS);
                runner.run(List.of(TestFrames.result(w.get(i), BOX), TestFrames.result(u.get(i), BOX)), List.of(w.get(i), u.get(i)), null);
            }
            assertTrue(v.awaitRendered(20_000));
            // w: due at 1.0 s (frame 0) and 1.5 s (frame 5); not after 6 s without anyone asking.
            assertEquals(new ViewStage.Counts(2, 2, 0, 0, 0, 0), v.counts("w"));
            assertEquals(5, v.picture("w").frameNumber());
            assertFalse(v.watched("w"));
            // u: nobody asked: nothing copied, nothing drawn.
            assertEquals(new ViewStage.Counts(0, 0, 0, 0, 0, 0), v.counts("u"));
            assertNull(v.picture("u"));
            assertEquals(0, runner.stats().get(0).failures());

            BufferedImage pic = ImageIO.read(new ByteArrayInputStream(v.picture("w").jpeg()));
            assertEquals(64, pic.getWidth());
            assertEquals(48, pic.getHeight());
            int left = pic.getRGB(8, 30) & 0xFFFFFF; // on the box's left outline (columns 8, 9), below its label
            assertTrue((left >> 8 & 255) > 180 && (left >> 16 & 255) < 100 && (left & 255) < 100, String.format("#%06X", left));

            String metrics = text(v);
            assertTrue(metrics.contains("vahost_view_frames_copied_total{stream=\"u\"} 0.0"), metrics);
            assertTrue(metrics.contains("vahost_view_frames_copied_total{stream=\"w\"} 2.0"), metrics);
            assertTrue(metrics.contains("vahost_view_pictures_total{stream=\"w\"} 2.0"), metrics);
            assertTrue(metrics.contains("vahost_view_watched{stream=\"w\"} 0.0"), metrics);
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("view-render-view") && t.isAlive()),
                "the render thread ends with the stage");
    }

    @Test
    void configuredStreamsAreWatchedWithoutAsking() throws Exception {
        try (TestFrames tf = new TestFrames();
             StageRunner runner = Stages.create(List.of(StageSpec.parse("view:v={\"watch\": [\"a\"], \"fps\": 30}")), List.of(), false, 4)) {
            ViewStage v = ViewStage.find(runner);
            List<VideoFrame> a = tf.frames("a", 1, 64, 48), b = tf.frames("b", 1, 64, 48);
            runner.run(List.of(TestFrames.result(a.get(0), BOX), TestFrames.result(b.get(0), BOX)), List.of(a.get(0), b.get(0)), null);
            assertTrue(v.awaitRendered(20_000));
            assertEquals(1, v.counts("a").pictures());
            assertEquals(0, v.counts("b").framesCopied());
        }
    }

    @Test
    void configErrorsNameTheKey() {
        assertEquals("stage 'view' (view): fps: expected a number within 0.1..30, got 0.0", assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("view={\"fps\": 0}")), List.of(), false, 4)).getMessage());
        assertEquals("stage 'view' (view): snapshot_rate, snapshot_keep: they apply to snapshot_dir, which is not given",
                assertThrows(IllegalArgumentException.class,
                        () -> Stages.create(List.of(StageSpec.parse("view={\"snapshot_keep\": 3}")), List.of(), false, 4)).getMessage());
        assertEquals("stage 'view' (view): jpeg_quality: expected 1..100, got 101", assertThrows(IllegalArgumentException.class,
                () -> Stages.create(List.of(StageSpec.parse("view={\"jpeg_quality\": 101}")), List.of(), false, 4)).getMessage());
    }

    /** zone_entered frames of an unwatched stream: drawn and written within 1 a second, at most 2 files kept, oldest deleted first. */
    @Test
    void eventSnapshotsAreBoundedAndNamedInTheEvents(@TempDir Path dir) throws Exception {
        Path old = dir.resolve("s-20200101-000000.000-f1.jpg"), notes = dir.resolve("notes.txt");
        Files.write(old, new byte[] {1});
        Files.setLastModifiedTime(old, FileTime.fromMillis(0));
        Files.writeString(notes, "not a snapshot: never deleted");
        AtomicLong clock = new AtomicLong(0);
        Snapshots snaps = new Snapshots(dir, 1, 2);
        assertEquals(1, snaps.count(), "the earlier run's snapshot counts");
        ViewStage v = new ViewStage("view", 2, 5000 * MS, Set.of(), 85, snaps, clock::get);
        Set<Integer> eventFrames = Set.of(0, 1, 3, 6);
        Stage events = batch -> {
            for (var f : batch.frames()) {
                if (!eventFrames.contains((int) f.frameNumber())) continue;
                f.meta().put(AnalyticsFactory.EVENTS, List.of(
                        new AnalyticsFactory.Event("zone_entered", f.streamId(), f.frameNumber(), f.ptsNanos(), "z", null, 4L, 0, "ball",
                                24.0, 40.0, null, null),
                        new AnalyticsFactory.Event("line_crossed", f.streamId(), f.frameNumber(), f.ptsNanos(), "l", "in", 4L, 0, "ball",
                                24.0, 40.0, null, null)));
            }
        };
        List<FrameResult> out = new ArrayList<>();
        try (TestFrames tf = new TestFrames();
             StageRunner runner = StageRunner.of(List.of(new StageRunner.Named("ev", "test", events), new StageRunner.Named("view", "view", v)))) {
            List<VideoFrame> s = tf.frames("s", 8, 64, 48);
            long[] at = {0, 100, 200, 1500, 1600, 1700, 3000, 3100}; // ms: frame 1 comes 0.1 s after frame 0 (over the rate)
            for (int i = 0; i < 8; i++) {
                clock.set(at[i] * MS);
                out.addAll(runner.run(List.of(TestFrames.result(s.get(i), BOX)), List.of(s.get(i)), null));
            }
            assertTrue(v.awaitRendered(20_000));
        }
        // Frames 0, 3 and 6 were copied for snapshots (the stream was never watched: no picture for the view).
        assertEquals(new ViewStage.Counts(3, 0, 0, 3, 0, 0), v.counts("s"));
        assertNull(v.picture("s"));
        List<String> paths = new ArrayList<>();
        for (FrameResult r : out) {
            @SuppressWarnings("unchecked")
            List<AnalyticsFactory.Event> ev = (List<AnalyticsFactory.Event>) r.meta().get("events");
            if (ev == null) continue;
            String line = JsonLinesWriter.detectionsLine(r);
            String snap = ev.get(0).snapshot();
            assertNull(ev.get(1).snapshot(), "only zone_entered events point to the snapshot");
            if (r.frameNumber() == 1) {
                assertNull(snap, "frame 1 came 0.1 s after frame 0's snapshot: over the rate of 1 a second");
                assertFalse(line.contains("\"snapshot\""), line);
            } else {
                assertNotNull(snap, "frame " + r.frameNumber());
                assertTrue(snap.endsWith("-f" + r.frameNumber() + ".jpg") && Path.of(snap).getParent().equals(dir.toAbsolutePath()), snap);
                assertTrue(line.contains("\"snapshot\":\"" + snap + "\""), line);
                paths.add(snap);
            }
        }
        assertEquals(3, paths.size());
        // The camera page's list of recent events shows the same paths.
        assertEquals(List.of(paths.get(0), "none", paths.get(1), paths.get(2)), v.recentEvents("s").stream()
                .filter(e -> e.type().equals("zone_entered")).map(e -> e.snapshot() == null ? "none" : e.snapshot()).toList());
        assertEquals(8, v.recentEvents("s").size());
        // At most 2 kept: the earlier run's file and frame 0's went first (oldest first); the text file stays.
        List<Path> left;
        try (Stream<Path> st = Files.list(dir)) {
            left = st.sorted().toList();
        }
        assertEquals(List.of(Path.of(paths.get(1)), Path.of(paths.get(2)), notes).stream().map(p -> p.getFileName().toString()).sorted().toList(),
                left.stream().map(p -> p.getFileName().toString()).toList());
        BufferedImage snap = ImageIO.read(Path.of(paths.get(2)).toFile());
        assertEquals(64, snap.getWidth());
        assertEquals(2, snaps.deleted());
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }

    static String text(ViewStage v) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        ExpositionFormats.init().getPrometheusTextFormatWriter().write(b, v.metrics().collect());
        return b.toString();
    }
}
