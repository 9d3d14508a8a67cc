package dev.vahost.pipelines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.synth.TestClips;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.source.SourceSpec;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The service on the CPU path without a model (decode → batch → release): bad sources fail alone,
 * sources come and go while running, nothing leaks. The model path is tested in ServiceEndToEndTest.
 */
class ServiceRobustnessTest {
    static Map<String, StreamStatus> byId(AnalyticsService<?> s) {
        return s.status().stream().collect(Collectors.toMap(StreamStatus::id, x -> x));
    }

    @Test
    void corruptTruncatedAndBrokenSourcesFailAloneWhileGoodOnesRun(@TempDir Path dir) throws Exception {
        Path good = TestClips.scene(160, 120, 60, 5);
        Path corrupt = dir.resolve("corrupt.h264");
        byte[] junk = new byte[200_000];
        new Random(3).nextBytes(junk);
        Files.write(corrupt, junk);
        Path truncated = dir.resolve("truncated.h264");
        byte[] whole = Files.readAllBytes(good);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 3));
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(false, false, Duration.ofSeconds(5), 0),
                DecodeOnlyDetector.cpu())) {
            s.addSource(SourceSpec.parse("cam=synthetic:160x120@30", "x"));
            s.addSource(SourceSpec.parse("junk=" + corrupt, "x"));
            s.addSource(SourceSpec.parse("cut=" + truncated, "x"));
            s.addSource(SourceSpec.parse("broken=launch:videotestsrc ! nosuch_element_xyz", "x"));
            s.addSource(SourceSpec.parse("file=" + good, "x"));
            await("the truncated and broken sources to end", Duration.ofSeconds(30), () -> {
                Map<String, StreamStatus> m = byId(s);
                return !m.get("cut").state().equals("RUNNING") && !m.get("cut").state().equals("STARTING")
                        && m.get("broken").state().equals("FAILED") && m.get("file").state().equals("ENDED");
            });
            long camBefore = byId(s).get("cam").framesProcessed();
            await("the synthetic camera to go on", Duration.ofSeconds(30),
                    () -> byId(s).get("cam").framesProcessed() > camBefore + 10);
            Map<String, StreamStatus> m = byId(s);
            assertEquals("RUNNING", m.get("cam").state());
            assertEquals("FAILED", m.get("broken").state());
            assertTrue(m.get("broken").lastError().contains("nosuch_element_xyz"), m.get("broken").lastError());
            // Not paced, the file decodes faster than the batch thread takes frames: the oldest are
            // dropped, and every frame is either processed or counted as dropped.
            await("the file's frames to be accounted for", Duration.ofSeconds(30),
                    () -> byId(s).get("file").framesProcessed() + byId(s).get("file").dropped() == 60);
            assertEquals(60, byId(s).get("file").framesDecoded(), "the healthy file lost frames in decoding");
            assertTrue(m.get("cut").framesDecoded() < 60, "truncated file decoded " + m.get("cut").framesDecoded());
            assertTrue(m.get("junk").framesProcessed() == 0, "junk produced frames: " + m.get("junk"));
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }

    @Test
    void aFailingBatchIsCountedAndTheServiceGoesOn() throws Exception {
        FrameDetector<VideoFrame> inner = DecodeOnlyDetector.cpu();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        FrameDetector<VideoFrame> flaky = new FrameDetector<>() {
            public boolean gpu() { return false; }
            public VideoFrame adopt(VideoFrame f) { return inner.adopt(f); }
            public long ptsNanos(VideoFrame f) { return f.ptsNanos(); }
            public void release(VideoFrame f) { f.close(); }
            public java.util.List<FrameResult> detect(java.util.List<dev.vahost.pipelines.batch.Batcher.Entry<VideoFrame>> b) {
                if (calls.incrementAndGet() % 3 == 0) {
                    b.forEach(e -> e.frame().close()); // the contract: a failing detector still releases its frames
                    throw new IllegalStateException("model failed on purpose");
                }
                return inner.detect(b);
            }
            public String describe() { return "flaky"; }
            public void close() {}
        };
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0), flaky)) {
            s.addSource(SourceSpec.parse("a=synthetic:160x120@30", "x"));
            await("batches to fail and others to succeed", Duration.ofSeconds(30),
                    () -> s.failedBatches() >= 3 && byId(s).get("a").framesProcessed() > 20);
            assertEquals("RUNNING", byId(s).get("a").state());
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames of failed batches leaked");
    }

    @Test
    void sourcesAddedAndRemovedWhileRunning() throws Exception {
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0),
                DecodeOnlyDetector.cpu())) {
            s.addSource(SourceSpec.parse("a=synthetic:160x120@30", "x"));
            await("a to run", Duration.ofSeconds(30), () -> byId(s).get("a").framesProcessed() > 10);
            s.addSource(SourceSpec.parse("b=synthetic:160x120@30", "x"));
            await("b to run", Duration.ofSeconds(30), () -> byId(s).get("b").framesProcessed() > 10);
            s.removeSource("a");
            assertFalse(byId(s).containsKey("a"));
            long b0 = byId(s).get("b").framesProcessed();
            await("b to go on", Duration.ofSeconds(30), () -> byId(s).get("b").framesProcessed() > b0 + 10);
            assertThrows(IllegalArgumentException.class, () -> s.addSource(SourceSpec.parse("b=synthetic:160x120@30", "x")));
            assertThrows(IllegalArgumentException.class, () -> s.removeSource("nope"));
            // Live pacing: a 30 fps camera decodes no more than 30 frames per second of wall time (the
            // source's pacer releases no frame before its time and holds the decoder back; unpaced, this
            // clip decodes at hundreds of fps). A slow machine only decodes fewer, so this cannot fail for
            // being slow. The allowance of 45 frames covers the frames queued between the decoder and the
            // pacer (appsink's buffers) and a camera up to a few intervals late at t0.
            long t0 = System.nanoTime();
            long d0 = byId(s).get("b").framesDecoded();
            await("b to decode 90 more frames", Duration.ofSeconds(60), () -> byId(s).get("b").framesDecoded() >= d0 + 90);
            long d1 = byId(s).get("b").framesDecoded();
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(d1 - d0 <= 30 * seconds + 45, "paced 30 fps camera decoded " + (d1 - d0) + " frames in "
                    + String.format("%.2f", seconds) + " s");
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }
}
