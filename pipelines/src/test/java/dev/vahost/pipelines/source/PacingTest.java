package dev.vahost.pipelines.source;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.StreamState;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Live pacing of a file with B-frames (High profile, as cameras and x264's defaults make): frames
 * must leave the source one frame period apart, as from a camera. (Measured here with pacing before
 * openh264dec too: also 33 ms apart, the parser's timestamps being regular in decode order; the
 * pacing moved after the decoder so that no decoder's buffering or reordering shows.)
 */
class PacingTest {
    static Path bFrameClip(Path dir) {
        Path clip = dev.vahost.pipelines.faults.TestMedia.scene(dir.resolve("bframes.h264"), 320, 240, 30, 90, 5,
                "x264enc bframes=2 b-adapt=false key-int-max=30 speed-preset=veryfast ! video/x-h264,profile=high ! h264parse ! "
                        + "video/x-h264,stream-format=byte-stream", null);
        assertTrue(clip.toFile().length() > 1000);
        return clip;
    }

    @Test
    void aLoopedFileKeepsItsPaceAcrossTheLoopBoundaries(@TempDir Path dir) throws Exception {
        Path clip = dev.vahost.pipelines.faults.TestMedia.scene(dir.resolve("one-second.h264"), 320, 240, 30, 30, 6,
                "x264enc bframes=2 b-adapt=false key-int-max=30 speed-preset=veryfast ! video/x-h264,profile=high ! h264parse ! "
                        + "video/x-h264,stream-format=byte-stream", null);
        String launch = LaunchBuilder.build(SourceSpec.parse("l=" + clip, "l"), false, null, true, true);
        List<Long> arrivals = new ArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("l", launch)) {
            p.start(f -> {
                synchronized (arrivals) {
                    arrivals.add(System.nanoTime());
                }
                f.close();
            });
            dev.vahost.gst.Await.until("three loops", java.time.Duration.ofSeconds(30), () -> {
                synchronized (arrivals) {
                    return arrivals.size() >= 95;
                }
            });
        }
        List<Long> a;
        synchronized (arrivals) {
            a = new ArrayList<>(arrivals);
        }
        // 95 frames = 3 loops of 30 and 5 more: paced, they take 94 frame periods, boundaries included
        // (a loop that restarted its clock would come early; one that lost frames, late).
        double span = (a.get(94) - a.get(10)) / 1e6, want = 84 * 1000.0 / 30;
        StringBuilder gaps = new StringBuilder();
        int bursts = 0;
        for (int i = 11; i < 95; i++) {
            double gap = (a.get(i) - a.get(i - 1)) / 1e6;
            gaps.append(Math.round(gap)).append(i % 30 == 0 ? " | " : " ");
            if (gap < 10) bursts++;
        }
        System.out.println("PacingTest loop " + launch + "\n  gaps (ms), '|' at loop boundaries: " + gaps);
        assertTrue(Math.abs(span - want) < 0.1 * want, "frames 10..94 took " + span + " ms, paced " + want + " ms: " + gaps);
        assertTrue(bursts <= 8, bursts + " frames within 10 ms of the previous: " + gaps);
    }

    @Test
    void framesOfABFrameFileLeaveOneFramePeriodApart(@TempDir Path dir) throws Exception {
        Path clip = bFrameClip(dir);
        SourceSpec spec = SourceSpec.parse("b=" + clip, "b");
        String launch = LaunchBuilder.build(spec, false, null, false, true);
        List<Long> arrivals = new ArrayList<>();
        try (StreamPipeline p = StreamPipeline.fromLaunch("b", launch)) {
            p.start(f -> {
                synchronized (arrivals) {
                    arrivals.add(System.nanoTime());
                }
                f.close();
            });
            assertTrue(p.awaitEnd(60, TimeUnit.SECONDS));
            assertEquals(StreamState.EOS, p.state(), launch + ": " + p.lastError());
        }
        assertEquals(90, arrivals.size(), "every frame decoded: " + launch);
        // Gaps after the first frames (start-up), in ms: a camera's are ~33 each.
        int bursts = 0, n = 0;
        double maxGap = 0;
        StringBuilder gaps = new StringBuilder();
        for (int i = 11; i < arrivals.size(); i++) {
            double gap = (arrivals.get(i) - arrivals.get(i - 1)) / 1e6;
            gaps.append(Math.round(gap)).append(' ');
            if (gap < 10) bursts++;
            maxGap = Math.max(maxGap, gap);
            n++;
        }
        System.out.println("PacingTest " + launch + "\n  gaps (ms) after frame 10: " + gaps);
        // A loaded CI machine may delay a frame now and then (it is then followed by a short gap):
        // allow a few, never the every-third-frame pattern of pacing in decode order.
        assertTrue(bursts <= n / 10, bursts + " of " + n + " frames came within 10 ms of the previous one: " + gaps);
        assertTrue(maxGap < 150, "a gap of " + maxGap + " ms: " + gaps);
    }
}
