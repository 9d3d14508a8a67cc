package dev.vahost.pipelines.rtsp;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.source.SourceSpec;

import static dev.vahost.gst.Await.until;
import static org.junit.jupiter.api.Assertions.*;

/**
 * RTSP cameras that send damaged video (GStreamer's breakmydata on the H.264 before the payloader:
 * 0.05 % and 30 % of the bytes changed) next to a healthy camera, through the service's CPU path: the
 * process stays up, the healthy camera keeps its pace, each damaged one decodes what it can or is
 * reset and named, and nothing leaks. (The GPU path with NVDEC is the GPU machine's to try.)
 */
class RtspGarbageTest {
    @Test
    void damagedCamerasNeverTakeDownTheHealthyOne() throws Exception {
        RtspTestServer.Handle light = RtspTestServer.Handle.start(0, RtspTestServer.Handle.camera(" ! breakmydata probability=0.0005 seed=3 skip=2000"));
        RtspTestServer.Handle heavy = RtspTestServer.Handle.start(0, RtspTestServer.Handle.camera(" ! breakmydata probability=0.3 seed=4"));
        Map<String, StreamStatus> end;
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(RtspReconnectTest.opts(-1), DecodeOnlyDetector.cpu())) {
            s.addSource(SourceSpec.parse("healthy=synthetic:160x120@30", "x"));
            s.addSource(SourceSpec.parse("light=" + light.url, "x"));
            s.addSource(SourceSpec.parse("heavy=" + heavy.url, "x"));
            until("the healthy camera to run", Duration.ofSeconds(30), () -> RtspReconnectTest.byId(s).get("healthy").framesProcessed() > 30);
            long h0 = RtspReconnectTest.byId(s).get("healthy").framesProcessed(), t0 = System.nanoTime();
            Thread.sleep(8000);
            end = RtspReconnectTest.byId(s);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long healthy = end.get("healthy").framesProcessed() - h0;
            // Paced at 30 fps: a loaded machine may be slower, never a stall of the healthy camera.
            assertTrue(healthy >= 10 * seconds, "the healthy camera processed " + healthy + " frames in " + seconds + " s: " + end);
            assertEquals("RUNNING", end.get("healthy").state(), end.toString());
            for (String id : new String[] {"light", "heavy"}) {
                StreamStatus st = end.get(id);
                System.out.println("damaged RTSP camera " + id + ": " + st);
                assertNotEquals("FAILED", st.state(), "retried without a limit: " + st);
                if (st.framesDecoded() == 0) {
                    assertTrue(st.reconnects() > 0 || st.lastError() != null, id + " delivered nothing and nobody said why: " + st);
                }
            }
            // (With 1 % of the bytes changed, openh264dec decoded nothing at all here: every SPS/PPS was hit.)
            assertTrue(end.get("light").framesDecoded() > 0, "0.05 % damage still decodes: " + end.get("light"));
        } finally {
            light.close();
            heavy.close();
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }
}
