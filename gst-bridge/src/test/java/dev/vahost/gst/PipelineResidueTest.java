package dev.vahost.gst;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A closed stream lets go of its native objects at once, not when the JVM next collects garbage.
 * Each bus holds sockets (its GstPoll) for as long as its pipeline lives; bus messages wrapped for
 * Java hold their source, so wrappers left to the collector kept closed pipelines alive (on the GPU
 * path with their NVDEC decoders, GL displays and threads: 186 threads and 779 fds after the service
 * closed, against 47 and 118 before it started; they went away only at the next GC).
 */
class PipelineResidueTest {
    static int sockets() {
        return OpenSockets.count();
    }

    @Test
    void closedStreamsReleaseTheirBusesWithoutWaitingForTheGarbageCollector() throws Exception {
        GstRuntime.init();
        int before = sockets();
        List<StreamPipeline> ps = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) {
                StreamPipeline p = StreamPipeline.fromLaunch("r" + i,
                        "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! appsink name=sink");
                ps.add(p);
                p.start(VideoFrame::close);
            }
            Await.until("frames from every stream", java.time.Duration.ofSeconds(30),
                    () -> ps.stream().allMatch(p -> p.stats().framesPulled() > 3));
            assertTrue(sockets() >= before + 12, "each running pipeline's bus holds sockets: " + sockets() + " vs " + before);
        } finally {
            for (StreamPipeline p : ps) p.close();
        }
        // No System.gc() here: the point is that close() alone lets go.
        assertTrue(sockets() <= before + 2, "sockets after close " + sockets() + ", before the streams " + before);
    }

    /**
     * After close, nothing on the Java side still holds a stream's elements: not the decoder guard's
     * scan (it wrapped every element, so each decoder, and on the GPU path its GL display thread, lived
     * until a GC: 16 NVDEC streams left 16 "gldisplay-event" threads after close), nor the error
     * message's source. The test holds its own reference to each element and expects to be the last.
     */
    @Test
    void closedStreamsLeaveNoReferenceToTheirElements() throws Exception {
        GstRuntime.init();
        String[] launches = {
            "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! videoconvert ! appsink name=sink",
            "filesrc name=src location=/nonexistent/vahost-residue.h264 ! h264parse ! appsink name=sink", // fails: the error's source is filesrc
        };
        String[][] factories = {{"videotestsrc", "videoconvert"}, {"filesrc", "h264parse"}};
        for (int k = 0; k < launches.length; k++) {
            StreamPipeline p = StreamPipeline.fromLaunch("e" + k, launches[k]);
            List<Long> held = new ArrayList<>();
            try {
                for (String f : factories[k]) {
                    List<Long> es = dev.vahost.gst.internal.DecoderGuard.elementsOf(p.nativeHandle(), f);
                    assertEquals(1, es.size(), f + " in " + launches[k]);
                    held.add(dev.vahost.gst.lowlevel.GstNative.gst_object_ref(es.get(0)));
                }
                if (k == 0) {
                    p.start(VideoFrame::close);
                    Await.until("frames", java.time.Duration.ofSeconds(30), () -> p.stats().framesPulled() > 3);
                } else {
                    PipelineException e = assertThrows(PipelineException.class, () -> p.start(VideoFrame::close));
                    assertTrue(e.getMessage().contains("src: Resource not found"), "the error names its element: " + e.getMessage());
                }
            } finally {
                p.close();
            }
            for (int i = 0; i < held.size(); i++) {
                int refs = new com.sun.jna.Pointer(held.get(i)).getInt(dev.vahost.gst.lowlevel.GstNative.OBJECT_REFCOUNT);
                dev.vahost.gst.lowlevel.GstNative.gst_object_unref(held.get(i));
                assertEquals(1, refs, factories[k][i] + " still referenced after close (only the test's own reference may remain)");
            }
        }
    }
}
