package dev.vahost.gst;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.internal.DecoderGuard;

import static org.junit.jupiter.api.Assertions.*;

/**
 * H.265 that libde265dec (the CPU path's decoder) crashes the process on — 10-bit, 4:4:4 — is
 * refused by name before the decoder sees it, both in a launch string and when decodebin plugs
 * the decoder. Without the guard these tests kill the test JVM (SIGSEGV in libde265dec). The clips
 * are made here with x265enc (gst-plugins-bad).
 */
class DecoderGuardTest {
    static final String CPU_H265 = " ! h265parse ! libde265dec ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink";

    static Path x265(Path dir, String name, String rawFormat, String mux) {
        Path out = dir.resolve(name);
        PipelineRunner.runToEos("make-" + name, "videotestsrc num-buffers=20 ! video/x-raw,format=I420,width=320,height=240,"
                + "framerate=30/1 ! videoconvert ! video/x-raw,format=" + rawFormat
                + " ! x265enc speed-preset=ultrafast key-int-max=10 ! h265parse ! " + mux + "filesink location=\"" + out + "\"",
                Duration.ofSeconds(60));
        return out;
    }

    static StreamPipeline run(String id, String launch, AtomicLong frames) throws InterruptedException {
        StreamPipeline p = StreamPipeline.fromLaunch(id, launch);
        p.start(f -> {
            frames.incrementAndGet();
            f.close();
        });
        assertTrue(p.awaitEnd(30, TimeUnit.SECONDS), "stream " + id + " did not end");
        return p;
    }

    @Test
    void refusesWhatLibde265decCannotDecode() {
        String base = "video/x-h265, width=(int)320, height=(int)240, stream-format=(string)hvc1, alignment=(string)au";
        assertNull(DecoderGuard.refusal("libde265dec", base + ", chroma-format=(string)4:2:0, bit-depth-luma=(uint)8, "
                + "bit-depth-chroma=(uint)8, profile=(string)main"));
        assertNull(DecoderGuard.refusal("libde265dec", base), "caps without the fields: nothing known to refuse");
        String ten = DecoderGuard.refusal("libde265dec", base + ", chroma-format=(string)4:2:0, bit-depth-luma=(uint)10, "
                + "bit-depth-chroma=(uint)10, profile=(string)main-10");
        assertNotNull(ten);
        assertTrue(ten.contains("main-10") && ten.contains("10-bit") && ten.contains("4:2:0"), ten);
        String yuv444 = DecoderGuard.refusal("libde265dec", base + ", chroma-format=(string)4:4:4, bit-depth-luma=(uint)8, "
                + "bit-depth-chroma=(uint)8, profile=(string)main-444");
        assertTrue(yuv444 != null && yuv444.contains("8-bit 4:4:4"), yuv444);
        assertNull(DecoderGuard.refusal("openh264dec", base + ", bit-depth-luma=(uint)10"), "only known crashes are refused");
        assertNull(DecoderGuard.refusal("libde265dec", "video/x-h264, bit-depth-luma=(uint)10"));
    }

    @Test
    void tenBitH265IsRefusedByNameAndThe8BitOneDecodes(@TempDir Path dir) throws Exception {
        Path ten = x265(dir, "ten.h265", "I420_10LE", "");
        Path eight = x265(dir, "eight.h265", "I420", "");
        AtomicLong frames = new AtomicLong();
        try (StreamPipeline p = run("ten", "filesrc location=\"" + ten + "\"" + CPU_H265, frames)) {
            assertEquals(StreamState.FAILED, p.state());
            PipelineError e = p.lastError();
            assertTrue(e.source().startsWith("libde265dec"), e.describe());
            assertTrue(e.message().contains("main-10") && e.message().contains("10-bit"), e.describe());
            assertEquals(0, frames.get());
        }
        frames.set(0);
        try (StreamPipeline p = run("eight", "filesrc location=\"" + eight + "\"" + CPU_H265, frames)) {
            assertEquals(StreamState.EOS, p.state(), String.valueOf(p.lastError()));
            assertEquals(20, frames.get());
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }

    @Test
    void refusedAlsoWhenDecodebinPlugsTheDecoder(@TempDir Path dir) throws Exception {
        Path mkv = x265(dir, "ten.mkv", "I420_10LE", "matroskamux ! ");
        Path yuv444 = x265(dir, "y444.mkv", "Y444", "matroskamux ! ");
        for (Path clip : new Path[] {mkv, yuv444}) {
            AtomicLong frames = new AtomicLong();
            try (StreamPipeline p = run("dec", "uridecodebin uri=\"" + clip.toUri() + "\" caps=\"video/x-raw(ANY)\""
                    + " ! videoconvert ! video/x-raw,format=I420 ! appsink name=sink", frames)) {
                assertEquals(StreamState.FAILED, p.state());
                assertTrue(p.lastError().source().startsWith("libde265dec"), p.lastError().describe());
                assertTrue(p.lastError().message().contains("not supported on the CPU path"), p.lastError().describe());
                assertEquals(0, frames.get());
            }
        }
        assertEquals(0, StreamPipeline.liveSamples());
    }
}
