package dev.vahost.nvmm;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.vahost.gst.Await;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.StreamState;
import dev.vahost.nvmm.nvbuf.NvBufSurfaceLayout;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the GPU path refuses is refused before any CUDA call, so it is testable without a GPU:
 * a system-memory frame where CUDA memory was asked fails its stream alone, the frame is released.
 * (Mapping real CUDA frames is DeviceFrameGpuTest.)
 */
class DeviceFrameCpuTest {
    @Test
    void systemMemoryFrameWhereCudaWasAskedFailsThatStreamOnly() throws Exception {
        AtomicLong good = new AtomicLong();
        try (StreamPipeline wrong = StreamPipeline.fromLaunch("cpu-cam",
                "videotestsrc num-buffers=100 ! video/x-raw,format=NV12,width=64,height=48 ! appsink");
             StreamPipeline other = StreamPipeline.fromLaunch("other",
                     "videotestsrc num-buffers=200 ! video/x-raw,width=64,height=48 ! appsink")) {
            String[] message = new String[1];
            other.start(f -> {
                f.close();
                good.incrementAndGet();
            });
            wrong.start(f -> {
                try {
                    DeviceFrame.fromCuda(f).close();
                } catch (UnsupportedFrameException e) {
                    message[0] = e.getMessage();
                    wrong.failWith("nvmm", e.getMessage());
                }
            });
            Await.until("the wrong stream to fail", Duration.ofSeconds(30), () -> wrong.state() == StreamState.FAILED);
            assertTrue(other.awaitEnd(20, TimeUnit.SECONDS));
            assertEquals(StreamState.EOS, other.state());
            assertTrue(message[0].contains("stream cpu-cam"), message[0]);
            assertTrue(message[0].contains("memory:SystemMemory but CUDA memory was asked"), message[0]);
            assertTrue(wrong.lastError().message().contains("CUDA memory was asked"));
            assertTrue(wrong.awaitEnd(30, TimeUnit.SECONDS));
        }
        assertEquals(200, good.get());
        assertEquals(0, StreamPipeline.liveSamples(), "refused frames must be released");
    }

    @Test
    void nvmmAskedOfASystemFrameIsRefusedAndReleased() throws Exception {
        try (StreamPipeline p = StreamPipeline.fromLaunch("c", "videotestsrc num-buffers=3 ! video/x-raw,width=32,height=32 ! appsink")) {
            AtomicLong refused = new AtomicLong();
            p.start(f -> {
                try {
                    DeviceFrame.fromNvmm(f, NvBufSurfaceLayout.DEEPSTREAM_6);
                } catch (UnsupportedFrameException e) {
                    refused.incrementAndGet();
                }
            });
            assertTrue(p.awaitEnd(30, TimeUnit.SECONDS));
            assertEquals(3, refused.get());
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }
}
