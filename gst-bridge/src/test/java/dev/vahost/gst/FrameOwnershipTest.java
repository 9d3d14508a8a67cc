package dev.vahost.gst;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Who closes a frame when a frame listener throws: the stream, unless the listener had already
 * handed the frame on ({@link VideoFrame#claim()}). A frame handed on and then closed by the
 * stream would be freed under its new owner (on the GPU path a DeviceFrame whose kernels still
 * read it). Not covered here: the GPU path's DeviceFrame itself (it claims in fromCuda/fromNvmm).
 */
class FrameOwnershipTest {
    @Test
    void aFrameHandedOnBeforeTheListenerThrowsStaysWithItsNewOwner() throws Exception {
        List<VideoFrame> owner = new CopyOnWriteArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("handoff",
                "videotestsrc num-buffers=6 ! video/x-raw,width=32,height=32 ! appsink",
                PipelineOptions.defaults().withMaxFramesInFlight(8))) {
            p.start(f -> {
                owner.add(f.claim()); // e.g. queued in a batcher
                throw new IllegalStateException("listener fails after the hand-off, on purpose");
            });
            assertTrue(p.awaitEnd(10, TimeUnit.SECONDS));
            assertEquals(6, p.stats().listenerErrors());
            assertEquals(6, owner.size());
            for (VideoFrame f : owner) {
                assertFalse(f.isClosed(), "the stream closed a frame that its new owner holds: " + f);
                assertEquals(32, f.info().width()); // still usable by the owner
            }
            assertEquals(6, p.stats().framesInFlight());
            owner.forEach(VideoFrame::close);
            assertEquals(0, p.stats().framesInFlight());
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }

    @Test
    void aFrameNotHandedOnIsClosedForTheThrowingListener() throws Exception {
        List<VideoFrame> seen = new CopyOnWriteArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("nohandoff",
                "videotestsrc num-buffers=4 ! video/x-raw,width=32,height=32 ! appsink")) {
            p.start(f -> {
                seen.add(f);
                throw new IllegalStateException("listener fails before any hand-off, on purpose");
            });
            assertTrue(p.awaitEnd(10, TimeUnit.SECONDS));
            assertEquals(4, seen.size());
            assertTrue(seen.stream().allMatch(VideoFrame::isClosed));
            assertEquals(0, p.stats().framesInFlight());
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }

    @Test
    void aClosedFrameCannotBeClaimed() throws Exception {
        VideoFrame[] last = new VideoFrame[1];
        try (StreamPipeline p = StreamPipeline.fromLaunch("claimclosed",
                "videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! appsink")) {
            p.start(f -> {
                f.close();
                last[0] = f;
            });
            assertTrue(p.awaitEnd(10, TimeUnit.SECONDS));
        }
        assertThrows(IllegalStateException.class, () -> last[0].claim());
    }
}
