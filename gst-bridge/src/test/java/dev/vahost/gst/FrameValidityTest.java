package dev.vahost.gst;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A frame whose buffer does not hold a frame of its caps never reaches a consumer. Seen with
 * libde265dec at a resolution change: after the new caps it pushes the last frames of the old size,
 * which a consumer reading by the caps would read past the end of. Such frames are dropped and
 * counted ({@link StreamStats#framesInvalid()}); every delivered frame fits its caps. The stream is
 * two x265 clips of different sizes back to back (a camera changing resolution).
 */
class FrameValidityTest {
    static byte[] clip(Path dir, String name, int w, int h) throws Exception {
        Path out = dir.resolve(name);
        PipelineRunner.runToEos(name, "videotestsrc pattern=ball num-buffers=30 ! video/x-raw,format=I420,width=" + w + ",height=" + h
                + ",framerate=30/1 ! x265enc speed-preset=ultrafast key-int-max=15 ! h265parse ! video/x-h265,stream-format=byte-stream"
                + " ! filesink location=\"" + out + "\"", Duration.ofSeconds(60));
        return Files.readAllBytes(out);
    }

    @Test
    void framesOfTheOldSizeUnderNewCapsAreDroppedAndCounted(@TempDir Path dir) throws Exception {
        byte[] a = clip(dir, "a.h265", 320, 240), b = clip(dir, "b.h265", 480, 272);
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        Path file = dir.resolve("switch.h265");
        Files.write(file, both);
        List<String> bad = new CopyOnWriteArrayList<>();
        List<Integer> widths = new CopyOnWriteArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("switch", "filesrc location=\"" + file
                + "\" ! h265parse ! libde265dec ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink")) {
            p.start(f -> {
                try (f) {
                    long need = f.info().size();
                    if (f.map().remaining() < need) bad.add(f + " holds " + f.map().remaining() + " bytes, needs " + need);
                    widths.add(f.info().width());
                }
            });
            assertTrue(p.awaitEnd(30, TimeUnit.SECONDS));
            assertEquals(StreamState.EOS, p.state(), String.valueOf(p.lastError()));
            StreamStats st = p.stats();
            System.out.println("resolution change through libde265dec: " + st);
            assertEquals(List.of(), bad, "frames that do not fit their caps were delivered");
            assertTrue(st.framesInvalid() >= 1, "libde265dec no longer pushes old-size frames under new caps? " + st);
            assertEquals(60, widths.size() + st.framesInvalid());
            assertEquals(30, widths.stream().filter(w -> w == 480).count());
            assertEquals(2, st.capsChanges());
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }
}
