package dev.vahost.pipelines;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.synth.SyntheticClip;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.detect.CpuDetector;
import dev.vahost.pipelines.detect.ModelSpec;
import dev.vahost.pipelines.faults.Bitstream;
import dev.vahost.pipelines.faults.TestMedia;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.StreamSource;

import static dev.vahost.gst.Await.until;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Media users bring, made here from the synthetic scene (exact ground truth) and run through the
 * service's CPU path with the test detector: H.264 High with B-frames in MP4, H.264 Main in MPEG-TS,
 * H.265 in MKV at an odd size (1278x718), variable frame rate in MP4: every frame decoded, at its
 * size, in presentation order with its timestamp, detections matching the ground truth. 10-bit
 * H.265 (MKV and elementary) is refused by name: libde265dec, the CPU path's H.265 decoder,
 * crashes on it (the GPU path refuses its P010 frames too). Not covered: the GPU path (NVDEC),
 * interlaced video, 4:2:2/4:4:4 H.264 (openh264dec has no such profiles).
 */
class MediaCoverageTest {
    record Case(String id, Path file, int width, int height, int frames, long[] pts) {}

    static final List<Case> CASES = new ArrayList<>();
    static final Map<String, Path> REFUSED = new java.util.LinkedHashMap<>();
    static byte[] highEs, mainEs;

    @TempDir
    static Path dir;

    /** Writes the elementary stream to {@code es} and, through a tee, the container to {@code container}; ground truth beside both. */
    static Path make(Path es, Path container, int w, int h, int frames, long seed, String rawAndEncode, String parse, String mux,
                     long[] pts) throws Exception {
        String chain = rawAndEncode + " ! tee name=t t. ! queue ! " + parse + " ! " + mux + " ! filesink location=\""
                + container.toAbsolutePath() + "\" t. ! queue";
        TestMedia.scene(es, w, h, 30, frames, seed, chain, pts);
        Files.copy(SyntheticClip.boxesPath(es), SyntheticClip.boxesPath(container), StandardCopyOption.REPLACE_EXISTING);
        return container;
    }

    @BeforeAll
    static void makeMedia() throws Exception {
        String high = "x264enc speed-preset=veryfast bframes=2 b-adapt=false key-int-max=30 ! video/x-h264,profile=high,"
                + "stream-format=byte-stream";
        CASES.add(new Case("high-bframes-mp4", make(dir.resolve("high.h264"), dir.resolve("high.mp4"), 320, 240, 40, 21, high,
                "h264parse", "mp4mux", null), 320, 240, 40, null));
        highEs = Files.readAllBytes(dir.resolve("high.h264"));
        String main = "x264enc speed-preset=faster key-int-max=30 ! video/x-h264,profile=main,stream-format=byte-stream";
        CASES.add(new Case("main-ts", make(dir.resolve("main.h264"), dir.resolve("main.ts"), 320, 240, 40, 22, main,
                "h264parse", "mpegtsmux", null), 320, 240, 40, null));
        mainEs = Files.readAllBytes(dir.resolve("main.h264"));
        String odd = "videocrop right=2 bottom=2 ! x265enc speed-preset=ultrafast key-int-max=15 ! video/x-h265,stream-format=byte-stream";
        CASES.add(new Case("h265-1278x718-mkv", make(dir.resolve("odd.h265"), dir.resolve("odd.mkv"), 1280, 720, 20, 23, odd,
                "h265parse", "matroskamux", null), 1278, 718, 20, null));
        long[] vfr = new long[30];
        long[] steps = {20_000_000L, 50_000_000L, 100_000_000L, 33_000_000L, 10_000_000L};
        for (int i = 1; i < vfr.length; i++) vfr[i] = vfr[i - 1] + steps[i % steps.length];
        String vfrEnc = "x264enc speed-preset=ultrafast key-int-max=10 ! video/x-h264,stream-format=byte-stream";
        CASES.add(new Case("vfr-mp4", make(dir.resolve("vfr.h264"), dir.resolve("vfr.mp4"), 320, 240, 30, 24, vfrEnc,
                "h264parse", "mp4mux", vfr), 320, 240, 30, vfr));
        String tenBit = "videoconvert ! video/x-raw,format=I420_10LE ! x265enc speed-preset=ultrafast key-int-max=15"
                + " ! video/x-h265,stream-format=byte-stream";
        make(dir.resolve("ten.h265"), dir.resolve("ten.mkv"), 320, 240, 20, 25, tenBit, "h265parse", "matroskamux", null);
        REFUSED.put("ten-bit-mkv", dir.resolve("ten.mkv"));
        REFUSED.put("ten-bit-h265", dir.resolve("ten.h265"));
    }

    @Test
    void theMediaWasMadeAsAsked() {
        // B-frames and profiles, read from the elementary streams the containers were muxed from.
        assertEquals(100, sps(highEs) & 0xff, "profile_idc of the High clip");
        assertEquals(77, sps(mainEs) & 0xff, "profile_idc of the Main clip");
        long b = sliceTypes(highEs).stream().filter(t -> t % 5 == 1).count();
        assertTrue(b >= 10, "B slices in the High clip: " + b);
    }

    /** The byte after the SPS NAL header: profile_idc. */
    static int sps(byte[] es) {
        for (int i = 0; i + 4 < es.length; i++) {
            if (es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1 && (es[i + 3] & 0x1f) == 7) return es[i + 4];
        }
        throw new AssertionError("no SPS");
    }

    /** slice_type of every picture (ue(v) after first_mb_in_slice). */
    static List<Integer> sliceTypes(byte[] es) {
        List<Integer> out = new ArrayList<>();
        for (Bitstream.Picture p : Bitstream.pictures(es, false)) {
            int[] bit = {(p.offset() + 1) * 8};
            ue(es, bit); // first_mb_in_slice
            out.add(ue(es, bit));
        }
        return out;
    }

    static int ue(byte[] b, int[] bit) {
        int zeros = 0;
        while (((b[bit[0] / 8] >> (7 - bit[0] % 8)) & 1) == 0) {
            zeros++;
            bit[0]++;
        }
        bit[0]++;
        int v = 0;
        for (int i = 0; i < zeros; i++, bit[0]++) v = (v << 1) | ((b[bit[0] / 8] >> (7 - bit[0] % 8)) & 1);
        return (1 << zeros) - 1 + v;
    }

    @Test
    void everyClipDecodesAtItsSizeInOrderAndIsDetected() throws Exception {
        Map<String, List<FrameResult>> results = new ConcurrentHashMap<>();
        Map<String, GroundTruth> truth = new ConcurrentHashMap<>();
        AnalyticsService.Options opts = new AnalyticsService.Options(new Batcher.Config(4, Duration.ofMillis(20), 128, 0),
                false, false, Duration.ofSeconds(30), -1, dir, 4);
        CpuDetector detector = CpuDetector.create(ModelSpec.of(CliOptions.parse(new String[] {"--gpu", "off"})), 4);
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(opts, detector)) {
            s.addListener(r -> {
                results.computeIfAbsent(r.streamId(), x -> new CopyOnWriteArrayList<>()).add(r);
                truth.get(r.streamId()).score(r);
            });
            for (Case c : CASES) {
                truth.put(c.id(), new GroundTruth(c.file()));
                s.addSource(SourceSpec.parse(c.id() + "=" + c.file(), "x"));
            }
            for (Map.Entry<String, Path> e : REFUSED.entrySet()) s.addSource(SourceSpec.parse(e.getKey() + "=" + e.getValue(), "x"));
            for (Case c : CASES) {
                StreamSource src = s.source(c.id());
                until(c.id() + " to end", Duration.ofSeconds(60),
                        () -> src.state() == StreamSource.State.ENDED || src.state() == StreamSource.State.FAILED);
                assertEquals(StreamSource.State.ENDED, src.state(), c.id() + ": " + src.lastError());
            }
            for (String id : REFUSED.keySet()) {
                StreamSource src = s.source(id);
                until(id + " to be refused", Duration.ofSeconds(60), () -> src.state() == StreamSource.State.FAILED);
                System.out.println("media " + id + ": " + src.state() + ": " + src.lastError());
                assertTrue(src.lastError().contains("H.265 main-10, 10-bit 4:2:0, is not supported on the CPU path"), src.lastError());
                assertTrue(src.lastError().startsWith("libde265dec"), src.lastError());
                assertEquals(0, src.frames());
            }
            assertTrue(s.batcher().awaitDrained(Duration.ofSeconds(180)), "detection did not finish");
            assertEquals(0, s.failedBatches());
        }
        for (Case c : CASES) {
            List<FrameResult> rs = results.getOrDefault(c.id(), List.of()).stream()
                    .sorted(Comparator.comparingLong(FrameResult::frameNumber)).toList();
            GroundTruth g = truth.get(c.id());
            System.out.println("media " + c.id() + ": " + rs.size() + " frames " + c.width() + "x" + c.height() + ", " + g);
            assertEquals(c.frames(), rs.size(), c.id() + ": frames");
            long lastPts = Long.MIN_VALUE;
            for (int i = 0; i < rs.size(); i++) {
                FrameResult r = rs.get(i);
                assertEquals(i, r.frameNumber());
                assertEquals(c.width(), r.width(), c.id() + " frame " + i);
                assertEquals(c.height(), r.height(), c.id() + " frame " + i);
                assertTrue(r.ptsNanos() > lastPts, c.id() + ": frame " + i + " out of presentation order");
                lastPts = r.ptsNanos();
                if (c.pts() != null) {
                    long want = c.pts()[i] - c.pts()[0] + rs.get(0).ptsNanos();
                    assertEquals(want, r.ptsNanos(), 1_000_000, c.id() + ": timestamp of frame " + i);
                }
            }
            assertTrue(g.recall() >= 0.9 && g.precision() >= 0.9, c.id() + ": " + g);
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }
}
