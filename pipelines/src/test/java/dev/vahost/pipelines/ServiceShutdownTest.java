package dev.vahost.pipelines;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.source.SourceSpec;

import static dev.vahost.pipelines.ServiceTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Shutting the service down while a batch is stuck in the detector (a hung model or device) for
 * longer than the shutdown grace: the detector must not be freed under that batch. Before the fix,
 * close() closed the detector right after the batcher's join timed out; on the GPU path that frees
 * device memory and CUDA handles a running batch still uses.
 */
class ServiceShutdownTest {
    @Test
    void theDetectorIsClosedOnlyAfterAStuckBatchReturns() throws Exception {
        CountDownLatch inDetect = new CountDownLatch(1);
        CountDownLatch unblock = new CountDownLatch(1);
        AtomicBoolean detecting = new AtomicBoolean();
        AtomicBoolean closed = new AtomicBoolean();
        AtomicBoolean closedUnderABatch = new AtomicBoolean();
        FrameDetector<VideoFrame> stuck = new FrameDetector<>() {
            public boolean gpu() { return false; }
            public VideoFrame adopt(VideoFrame f) { return f; }
            public long ptsNanos(VideoFrame f) { return f.ptsNanos(); }
            public void release(VideoFrame f) { f.close(); }

            public List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch) {
                detecting.set(true);
                try {
                    inDetect.countDown();
                    if (!unblock.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("never unblocked");
                    if (closed.get()) closedUnderABatch.set(true); // what a freed engine would be used after
                    List<FrameResult> out = new ArrayList<>();
                    for (Batcher.Entry<VideoFrame> e : batch) {
                        out.add(new FrameResult(e.streamId(), e.frame().sequence(), -1, 0, 0, List.of()));
                    }
                    return out;
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                } finally {
                    batch.forEach(e -> e.frame().close());
                    detecting.set(false);
                }
            }

            public String describe() { return "stuck on purpose"; }

            public void close() {
                if (detecting.get()) closedUnderABatch.set(true);
                closed.set(true);
            }
        };
        AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0)
                .withShutdownGrace(Duration.ofMillis(200)), stuck);
        try {
            s.addSource(SourceSpec.parse("a=synthetic:160x120@30", "x"));
            assertTrue(inDetect.await(60, TimeUnit.SECONDS), "no batch reached the detector");
            s.close(); // returns after the grace, the batch still stuck
            assertTrue(detecting.get(), "the batch should still be running");
            assertFalse(closed.get(), "close() freed the detector under a running batch");
        } finally {
            unblock.countDown();
            s.close();
        }
        await("the detector to be closed once the batch returned", Duration.ofSeconds(30), closed::get);
        assertFalse(closedUnderABatch.get(), "the detector was closed while a batch used it");
        await("every frame released", Duration.ofSeconds(10), () -> StreamPipeline.liveSamples() == 0);
    }

    @Test
    void aServiceWhoseBatchesFinishClosesItsDetectorInClose() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        FrameDetector<VideoFrame> inner = dev.vahost.pipelines.detect.DecodeOnlyDetector.cpu();
        FrameDetector<VideoFrame> d = new FrameDetector<>() {
            public boolean gpu() { return false; }
            public VideoFrame adopt(VideoFrame f) { return f; }
            public long ptsNanos(VideoFrame f) { return f.ptsNanos(); }
            public void release(VideoFrame f) { f.close(); }
            public List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> b) { return inner.detect(b); }
            public String describe() { return "decode only"; }
            public void close() { closed.set(true); }
        };
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(options(true, true, Duration.ofSeconds(5), 0), d)) {
            s.addSource(SourceSpec.parse("a=synthetic:160x120@30", "x"));
            await("batches", Duration.ofSeconds(60), () -> s.batches() > 3);
        }
        assertTrue(closed.get(), "close() returned without closing the detector");
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }
}
