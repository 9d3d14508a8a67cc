package dev.vahost.pipelines.faults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.faults.Bitstream.Picture;
import dev.vahost.pipelines.faults.TestMedia.Container;
import dev.vahost.pipelines.source.SourceSpec;
import dev.vahost.pipelines.source.StreamSource;

import static dev.vahost.gst.Await.until;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Fuzzing the CPU path: small H.264 and H.265 clips (elementary streams and MP4, MKV, MPEG-TS, all
 * carrying the same NAL units) with bit flips, truncations and spliced garbage, each variant a file
 * source of the service (openh264dec / libde265dec, decodebin for containers, decode-only) while a
 * healthy live source runs beside them.
 *
 * <p>Every variant must end (EOS) or fail with a named error within a bounded wait (a hang fails
 * the test); the healthy source keeps delivering; no frame, thread or busy thread is left behind.
 * Where the corruption lies inside one picture's slice data and the container's framing is intact
 * (elementary streams, MPEG-TS, and bit flips in MP4/MKV), a stream that ends must have recovered:
 * every picture before the damaged one and every picture from the next keyframe on decoded, told
 * apart by their timestamps (decoders may show more, concealed; openh264dec outputs one picture
 * fewer after an error, the keyframe or the last one, which is allowed). Corruption of container
 * structure, parameter sets or of
 * the framing of MP4/MKV (spliced bytes shift every length field after them) may lose more: those
 * variants must only end or fail by name, and are counted apart.
 *
 * <p>Not covered: the GPU path (NVDEC), RTSP, H.264 with B-frames under corruption, looping.
 * A JVM crash in a decoder ends the test run itself (the forked JVM dies): "0 crashes" is the run
 * completing.
 */
class FaultFuzzTest {
    static final int SEEDS = 24;
    static final int FRAMES = 60, GOP = 15, W = 160, H = 120;
    static final int CONCURRENT = 6;
    static final Duration STREAM_BOUND = Duration.ofSeconds(60);

    enum Kind { FLIP, TRUNCATE, SPLICE }

    enum Outcome { RECOVERED, FAILED_NAMED, ENDED_OTHER, STALLED_FAILED, NOT_RECOVERED, UNNAMED_FAILURE }

    record Clip(String codec, Container container, byte[] bytes, List<Picture> pictures) {
        boolean contiguous() {
            return container != Container.TS;
        }

        /** Whether the container's framing survives bytes inserted into a picture (length fields do not). */
        boolean framingSurvivesSplice() {
            return container == Container.ES || container == Container.TS;
        }
    }

    /**
     * A corrupt copy of a clip. {@code required}: the pictures that must be decoded if the stream
     * ends, null where there is no oracle (structure, framing); of them, at most one of
     * {@code lagging} may be missing (see {@link #mutate}).
     */
    record Variant(String id, Clip clip, Kind kind, Path file, String where, int picture, java.util.SortedSet<Integer> required,
                   java.util.Set<Integer> lagging) {}

    record Result(Variant v, String state, long frames, String error, Outcome outcome, String missing) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-22s %-15s frames %2d %s: %s%s", v.id(), outcome, frames, v.where(), error,
                    missing.isEmpty() ? "" : " missing pictures " + missing);
        }
    }

    @Test
    void corruptVariantsRecoverOrFailAloneByName(@TempDir Path dir) throws Exception {
        fuzz(dir, false, List.of("h264", "h265"), List.of(Container.values()), SEEDS);
    }

    /**
     * The fuzz loop and its checks, on the CPU path (openh264dec, libde265dec) or the GPU path
     * (NVDEC: nvh264dec, nvh265dec), over the codecs and containers given.
     */
    static void fuzz(Path dir, boolean gpu, List<String> codecs, List<Container> containers, int seeds) throws Exception {
        List<Clip> clips = new ArrayList<>();
        for (String codec : codecs) {
            TestMedia.containers(dir, "clip", codec, W, H, FRAMES, 11,
                    codec.equals("h264") ? TestMedia.h264Baseline(GOP) : TestMedia.h265Main(GOP), containers);
            byte[] es = Files.readAllBytes(dir.resolve(Container.ES.file("clip", codec)));
            List<Picture> pics = Bitstream.pictures(es, codec.equals("h265"));
            assertEquals(FRAMES, pics.size(), codec + ": pictures in the elementary stream (" + es.length + " bytes; encoder '"
                    + (codec.equals("h264") ? TestMedia.h264Baseline(GOP) : TestMedia.h265Main(GOP)) + "'; first NAL types "
                    + Bitstream.nalTypes(es, codec.equals("h265"), 24) + ")");
            assertTrue(pics.stream().filter(Picture::key).count() >= FRAMES / GOP, codec + ": keyframes " + pics);
            for (Container c : containers) {
                if (c != Container.ES && !containers.contains(Container.ES)) throw new IllegalArgumentException("ES is always made");
                byte[] bytes = Files.readAllBytes(dir.resolve(c.file("clip", codec)));
                List<Picture> located = c == Container.ES ? pics : Bitstream.locate(pics, es, bytes);
                long found = located.stream().filter(p -> p.offset() >= 0).count();
                assertTrue(found >= FRAMES * 3 / 4, codec + " in " + c + ": only " + found + " pictures located");
                clips.add(new Clip(codec, c, bytes, located));
            }
        }
        List<Variant> variants = new ArrayList<>();
        for (Clip clip : clips) {
            for (Kind kind : Kind.values()) {
                for (int seed = 0; seed < seeds; seed++) {
                    variants.add(mutate(dir, clip, kind, seed));
                }
            }
        }

        int threadsBefore = ProcessProbe.threads();
        List<Result> results = new ArrayList<>();
        // Queues longer than a clip: every decoded frame reaches the listener, none is dropped.
        AnalyticsService.Options opts = new AnalyticsService.Options(new Batcher.Config(4, Duration.ofMillis(20), 2 * FRAMES, 0),
                false, false, Duration.ofSeconds(5), 0, dir, 4);
        Map<String, List<Long>> pts = new java.util.concurrent.ConcurrentHashMap<>();
        Map<String, Long> firstPts = new TreeMap<>();
        dev.vahost.pipelines.FrameDetector<?> detector = gpu ? DecodeOnlyDetector.gpu() : DecodeOnlyDetector.cpu();
        try (AnalyticsService<?> s = service(opts, detector)) {
            s.addListener(r -> pts.computeIfAbsent(r.streamId(), x -> new java.util.concurrent.CopyOnWriteArrayList<>()).add(r.ptsNanos()));
            // The healthy neighbour: a live 30 fps source for the whole run.
            s.addSource(SourceSpec.parse("healthy=launch:videotestsrc is-live=true pattern=ball ! "
                    + (gpu ? "video/x-raw,format=NV12,width=160,height=120,framerate=30/1 ! cudaupload ! video/x-raw(memory:CUDAMemory)"
                    : "video/x-raw,format=I420,width=160,height=120,framerate=30/1"), "x"));
            until("the healthy source to run", Duration.ofSeconds(30), () -> s.source("healthy").frames() > 10);
            // The clean clips first: every picture decodes, and where their timestamps start.
            for (Clip c : clips) {
                String id = "clean-" + c.codec() + "-" + c.container().name().toLowerCase(Locale.ROOT);
                s.addSource(SourceSpec.parse(id + "=" + dir.resolve(c.container().file("clip", c.codec())), "x"));
                StreamSource src = s.source(id);
                until("clean clip " + id + " to end", STREAM_BOUND, () -> src.state() == StreamSource.State.ENDED
                        || src.state() == StreamSource.State.FAILED);
                awaitResults(s, id, pts);
                assertEquals(StreamSource.State.ENDED, src.state(), id + ": " + src.lastError());
                List<Long> p = pts.getOrDefault(id, List.of());
                assertEquals(FRAMES, p.size(), id + ": frames of the clean clip");
                long first = p.stream().mapToLong(Long::longValue).min().orElseThrow();
                firstPts.put(c.codec() + c.container(), first);
                assertEquals(indices(p, first), range(0, FRAMES), id + ": pictures of the clean clip");
                s.removeSource(id);
            }
            for (int g = 0; g < variants.size(); g += CONCURRENT) {
                List<Variant> group = variants.subList(g, Math.min(variants.size(), g + CONCURRENT));
                long healthyBefore = s.source("healthy").frames();
                for (Variant v : group) s.addSource(SourceSpec.parse(v.id() + "=" + v.file(), "x"));
                for (Variant v : group) {
                    StreamSource src = s.source(v.id());
                    until("variant " + v.id() + " (" + v.where() + ") to end or fail: a hang", STREAM_BOUND,
                            () -> src.state() == StreamSource.State.ENDED || src.state() == StreamSource.State.FAILED);
                    awaitResults(s, v.id(), pts);
                    results.add(judge(v, src, indices(pts.getOrDefault(v.id(), List.of()),
                            firstPts.get(v.clip().codec() + v.clip().container()))));
                }
                until("the healthy source to keep delivering next to group " + g / CONCURRENT, Duration.ofSeconds(10),
                        () -> s.source("healthy").frames() > healthyBefore);
                assertEquals(StreamSource.State.RUNNING, s.source("healthy").state());
                for (Variant v : group) s.removeSource(v.id());
            }
        }
        until("every frame released", Duration.ofSeconds(10), () -> StreamPipeline.liveSamples() == 0);
        ProcessProbe.Busiest idle = ProcessProbe.busiestOver(2000);
        int threadsAfter = ProcessProbe.threads();

        report(results, threadsBefore, threadsAfter, idle, gpu, seeds, clips.size());
        List<Result> bad = results.stream().filter(r -> r.outcome() == Outcome.NOT_RECOVERED
                || r.outcome() == Outcome.UNNAMED_FAILURE).toList();
        assertTrue(bad.isEmpty(), bad.size() + " variants neither recovered nor failed by name:\n" + String.join("\n",
                bad.stream().map(Result::toString).toList()));
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
        // GStreamer keeps a few idle pool threads; a leak grows with the variants (hundreds of pipelines).
        assertTrue(threadsAfter <= threadsBefore + 16, "threads before " + threadsBefore + ", after " + threadsAfter);
        assertTrue(idle.coreShare() < 0.5, "a thread is busy after every stream ended: " + idle);
    }

    private static <F> AnalyticsService<F> service(AnalyticsService.Options opts, dev.vahost.pipelines.FrameDetector<F> det) {
        return new AnalyticsService<>(opts, det);
    }

    /** Waits until every frame the stream decoded has come out of the detector; checks none was dropped. */
    static void awaitResults(AnalyticsService<?> s, String id, Map<String, List<Long>> pts) {
        until("the results of " + id, Duration.ofSeconds(30), () -> {
            Batcher.StreamCounts c = s.batcher().counts(id);
            return c.queued() == 0 && pts.getOrDefault(id, List.of()).size() == c.batched()
                    && c.offered() == s.source(id).frames();
        });
        Batcher.StreamCounts c = s.batcher().counts(id);
        assertEquals(0, c.droppedQueueFull() + c.droppedRateCap(), id + ": frames dropped before the detector");
    }

    /** Picture numbers from timestamps: (pts - first) at 30 fps, rounded. */
    static java.util.SortedSet<Integer> indices(List<Long> pts, long first) {
        java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
        for (long p : pts) out.add((int) Math.round((p - first) * 30 / 1e9));
        return out;
    }

    static java.util.SortedSet<Integer> range(int from, int to) {
        java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
        for (int i = from; i < to; i++) out.add(i);
        return out;
    }

    static Variant mutate(Path dir, Clip clip, Kind kind, int seed) throws Exception {
        Random r = new Random(seed * 1_000_003L + clip.codec().hashCode() * 31L + clip.container().ordinal() * 7L + kind.ordinal());
        byte[] in = clip.bytes();
        byte[] out;
        int from, to;
        String where;
        switch (kind) {
            case FLIP -> {
                int w = 1 + r.nextInt(32);
                from = r.nextInt(in.length - w);
                to = from + w;
                out = in.clone();
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    int at = from + r.nextInt(w);
                    out[at] ^= (byte) (1 << r.nextInt(8));
                }
                where = flips + " bit flips in [" + from + "," + to + ")";
            }
            case TRUNCATE -> {
                from = 1 + r.nextInt(in.length - 1);
                to = from;
                out = Arrays.copyOf(in, from);
                where = "cut at " + from + " of " + in.length;
            }
            default -> {
                from = 1 + r.nextInt(in.length - 1);
                to = from + 1;
                int n = 1 + r.nextInt(2048);
                byte[] junk = new byte[n];
                r.nextBytes(junk);
                out = new byte[in.length + n];
                System.arraycopy(in, 0, out, 0, from);
                System.arraycopy(junk, 0, out, from, n);
                System.arraycopy(in, from, out, from + n, in.length - from);
                where = n + " random bytes spliced in at " + from;
            }
        }
        String id = clip.codec() + "-" + clip.container().name().toLowerCase(Locale.ROOT) + "-" + kind.name().toLowerCase(Locale.ROOT)
                + "-" + seed;
        Path file = dir.resolve(clip.container().file(id, clip.codec()));
        Files.write(file, out);

        List<Picture> pics = clip.pictures();
        int k;
        java.util.SortedSet<Integer> required = null;
        if (kind == Kind.TRUNCATE) {
            k = Bitstream.pictureHolding(pics, from - 1, from, clip.contiguous());
            // Every whole picture before the cut; not for MP4, whose index (moov) mp4mux writes at the end.
            if (k >= 0 && clip.container() != Container.MP4) required = range(0, k);
        } else {
            // A splice right at a NAL's first byte belongs to the NAL before it: ask for one byte into the NAL.
            k = Bitstream.pictureHolding(pics, kind == Kind.SPLICE ? from - 1 : from, to, clip.contiguous());
            if (k >= 0 && kind == Kind.SPLICE && from <= pics.get(k).offset()) k = -1;
            boolean framing = kind == Kind.FLIP || clip.framingSurvivesSplice();
            if (k >= 0 && framing) {
                // Everything before the damaged picture, and everything from the next keyframe on.
                required = range(0, k);
                required.addAll(range(Bitstream.nextKey(pics, k), pics.size()));
            }
        }
        // After a decode error openh264dec outputs one picture fewer than it decodes: the keyframe
        // that follows (AVC from a container: the pictures after it reference it, so it was
        // decoded) or, from a byte-stream, the last picture at end of stream. Seen with gst-launch
        // too: h264parse passes 60 pictures, openh264dec outputs 58 for one damaged picture.
        java.util.Set<Integer> lagging = new java.util.HashSet<>();
        if (required != null && !required.isEmpty() && clip.codec().equals("h264")) { // libde265dec does not lag
            lagging.add(required.last());
            if (kind != Kind.TRUNCATE) lagging.add(Bitstream.nextKey(pics, k));
        }
        return new Variant(id, clip, kind, file, where + (k >= 0 ? " (picture " + k + ")" : " (structure)"), k, required, lagging);
    }

    static Result judge(Variant v, StreamSource s, java.util.SortedSet<Integer> decoded) {
        String state = s.state().name();
        long frames = s.frames();
        String error = s.lastError();
        String missing = "";
        Outcome o;
        if (s.state() == StreamSource.State.FAILED) {
            if (error == null || error.isBlank()) {
                o = Outcome.UNNAMED_FAILURE;
            } else if (error.startsWith("no frame for")) {
                o = Outcome.STALLED_FAILED;
            } else {
                o = Outcome.FAILED_NAMED;
            }
        } else if (v.required() == null) {
            o = Outcome.ENDED_OTHER;
        } else {
            java.util.SortedSet<Integer> lost = new java.util.TreeSet<>(v.required());
            lost.removeAll(decoded);
            boolean oneLagging = lost.size() == 1 && v.lagging().contains(lost.first());
            o = lost.isEmpty() || oneLagging ? Outcome.RECOVERED : Outcome.NOT_RECOVERED;
            missing = lost.isEmpty() ? "" : lost.toString();
        }
        return new Result(v, state, frames, error, o, missing);
    }

    static void report(List<Result> results, int threadsBefore, int threadsAfter, ProcessProbe.Busiest idle, boolean gpu, int seeds,
                       int clips) {
        Map<String, Map<Outcome, Integer>> table = new TreeMap<>();
        Map<Outcome, Integer> total = new EnumMap<>(Outcome.class);
        for (Result r : results) {
            String key = String.format(Locale.ROOT, "%s %-3s %-8s", r.v().clip().codec(), r.v().clip().container(), r.v().kind());
            table.computeIfAbsent(key, x -> new EnumMap<>(Outcome.class)).merge(r.outcome(), 1, Integer::sum);
            total.merge(r.outcome(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "fault fuzz (%s): %d variants (%d seeds x 3 kinds x %d clips)%n",
                gpu ? "GPU path, NVDEC" : "CPU path", results.size(), seeds, clips));
        table.forEach((k, m) -> sb.append("  ").append(k).append(' ').append(m).append('\n'));
        sb.append("  total ").append(total).append('\n');
        Map<String, Long> lagged = new TreeMap<>();
        results.stream().filter(r -> r.outcome() == Outcome.RECOVERED && !r.missing().isEmpty())
                .forEach(r -> lagged.merge(r.v().clip().codec(), 1L, Long::sum));
        sb.append("  of the recovered, lost the one picture after the damage that the decoder does not output: ").append(lagged).append('\n');
        sb.append(String.format(Locale.ROOT, "  0 crashes (the JVM survived), %d frames held after the run, threads %d before / %d after,"
                + " busiest thread when idle: %s%n", StreamPipeline.liveSamples(), threadsBefore, threadsAfter, idle));
        List<Result> others = results.stream().filter(r -> r.outcome() != Outcome.RECOVERED).toList();
        others.stream().limit(40).forEach(r -> sb.append("  ").append(r).append('\n'));
        if (others.size() > 40) sb.append("  ... and ").append(others.size() - 40).append(" more that failed by name or ended after structure damage\n");
        System.out.print(sb);
    }
}
