package dev.vahost.pipelines.source;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.*;

class SourceSpecTest {
    @Test
    void kindsAndNames(@TempDir Path dir) throws Exception {
        Path h264 = Files.createFile(dir.resolve("a.h264"));
        Path mp4 = Files.createFile(dir.resolve("b.MP4"));
        assertEquals(new SourceSpec("cam0", SourceSpec.Kind.SYNTHETIC, "synthetic", 1280, 720, 30), SourceSpec.parse("synthetic", "cam0"));
        SourceSpec s = SourceSpec.parse("front=synthetic:1920x1080@25", "x");
        assertEquals("front", s.name());
        assertEquals(1920, s.width());
        assertEquals(25, s.fps());
        SourceSpec r = SourceSpec.parse("door=rtsp://10.0.0.5:554/stream?a=b&c=d", "x");
        assertEquals("door", r.name());
        assertEquals(SourceSpec.Kind.RTSP, r.kind());
        assertEquals("rtsp://10.0.0.5:554/stream?a=b&c=d", r.value());
        assertTrue(r.isLive());
        SourceSpec bare = SourceSpec.parse("rtsp://h/x?user=a", "c9");
        assertEquals("c9", bare.name(), "an '=' inside the URL is not a name");
        assertEquals(SourceSpec.Kind.URI, SourceSpec.parse("http://h/v.mp4", "c").kind());
        assertEquals(SourceSpec.Kind.H264_FILE, SourceSpec.parse(h264.toString(), "c").kind());
        assertEquals(SourceSpec.Kind.CONTAINER_FILE, SourceSpec.parse(mp4.toString(), "c").kind());
        SourceSpec l = SourceSpec.parse("l=launch:videotestsrc ! video/x-raw,width=64,height=48", "c");
        assertEquals(SourceSpec.Kind.LAUNCH, l.kind());
        assertEquals("videotestsrc ! video/x-raw,width=64,height=48", l.value());
    }

    @Test
    void badSourcesNameTheValue(@TempDir Path dir) throws Exception {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("/no/such/clip.h264", "c"))
                .getMessage().contains("no such file /no/such/clip.h264"));
        Path txt = Files.createFile(dir.resolve("notes.txt"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse(txt.toString(), "c"))
                .getMessage().contains("unknown file type '.txt'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("synthetic:100x100", "c"))
                .getMessage().contains("multiple of 8"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("synthetic:big", "c"))
                .getMessage().contains("synthetic[:WIDTHxHEIGHT][@FPS]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("bad name!=synthetic", "c"))
                .getMessage().contains("stream name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("launch:videotestsrc ! appsink", "c"))
                .getMessage().contains("without an appsink"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("rtsp://bad host/x", "c"))
                .getMessage().contains("malformed URI"));
        assertThrows(IllegalArgumentException.class, () -> SourceSpec.parse("  ", "c"));
    }

    @Test
    void launchStringsForBothPaths(@TempDir Path dir) throws Exception {
        Path h265 = Files.createFile(dir.resolve("c.h265"));
        SourceSpec s = SourceSpec.parse(h265.toString(), "c");
        assertEquals("multifilesrc location=\"" + h265 + "\" loop=true ! h265parse ! nvh265dec"
                + " ! video/x-raw(memory:CUDAMemory),format=NV12 ! appsink name=sink", LaunchBuilder.build(s, true, null, true));
        // No pacing element: files played live are paced by their StreamSource (PacingTest).
        assertEquals("filesrc location=\"" + h265 + "\" ! h265parse ! libde265dec ! videoconvert"
                + " ! video/x-raw,format=I420 ! appsink name=sink", LaunchBuilder.build(s, false, null, false));
    }
}
