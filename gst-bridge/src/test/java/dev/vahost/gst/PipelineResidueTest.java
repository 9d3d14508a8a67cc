package dev.vahost.gst;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
        int n = 0;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).toString().startsWith("socket:")) n++;
                } catch (IOException ignored) {
                    // closed meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return n;
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
}
