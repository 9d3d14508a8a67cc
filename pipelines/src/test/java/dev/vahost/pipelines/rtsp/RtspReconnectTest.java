package dev.vahost.pipelines.rtsp;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.StreamStatus;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.pipelines.detect.DecodeOnlyDetector;
import dev.vahost.pipelines.source.SourceSpec;

import static dev.vahost.gst.Await.until;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A live RTSP camera (GStreamer's RTSP server in its own process, on loopback) is killed mid-run
 * and restarted: only that stream is reset, after the configured interval, and it comes back;
 * a second camera runs throughout. A camera that never comes back is given up after the
 * configured attempts.
 */
class RtspReconnectTest {
    static Map<String, StreamStatus> byId(AnalyticsService<?> s) {
        return s.status().stream().collect(Collectors.toMap(StreamStatus::id, x -> x));
    }

    static AnalyticsService.Options opts(int attempts) {
        return new AnalyticsService.Options(new Batcher.Config(4, Duration.ofMillis(20), 4, 0), true, true, Duration.ofMillis(1500),
                attempts, java.nio.file.Path.of("target/test-clips"), 4);
    }

    @Test
    void killedCameraIsResetAloneAndComesBack() throws Exception {
        RtspTestServer.Handle server = RtspTestServer.Handle.start(0);
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(opts(-1), DecodeOnlyDetector.cpu())) {
            s.addSource(SourceSpec.parse("door=" + server.url, "x"));
            s.addSource(SourceSpec.parse("yard=synthetic:160x120@30", "x"));
            until("RTSP frames", Duration.ofSeconds(30), () -> byId(s).get("door").framesProcessed() > 30);
            server.kill();
            until("the dead camera to be reset", Duration.ofSeconds(20), () -> byId(s).get("door").state().equals("RECONNECTING"));
            long yardAtKill = byId(s).get("yard").framesProcessed();
            long doorAtKill = byId(s).get("door").framesDecoded();
            long attemptsAtKill = byId(s).get("door").reconnects();
            until("a reconnect attempt while the server is down", Duration.ofSeconds(30),
                    () -> byId(s).get("door").reconnects() > attemptsAtKill);
            until("the other camera to go on meanwhile", Duration.ofSeconds(30),
                    () -> byId(s).get("yard").framesProcessed() > yardAtKill + 20);
            assertNotEquals("RUNNING", byId(s).get("door").state(), "the door camera runs with its server down");
            server = RtspTestServer.Handle.start(server.port);
            until("the camera to come back", Duration.ofSeconds(40), () -> byId(s).get("door").state().equals("RUNNING")
                    && byId(s).get("door").framesDecoded() > doorAtKill + 30);
            StreamStatus door = byId(s).get("door");
            assertTrue(door.reconnects() >= 1, door.toString());
            assertNotNull(door.lastError());
            assertEquals("RUNNING", byId(s).get("yard").state());
            assertEquals(0, byId(s).get("yard").reconnects());

            // A hung camera: the TCP connection stays up but no frame arrives; the watchdog resets it.
            long reconnects = door.reconnects();
            server.freeze(true);
            until("the hung camera to be reset", Duration.ofSeconds(20), () -> byId(s).get("door").state().equals("RECONNECTING"));
            server.freeze(false);
            until("the camera to recover", Duration.ofSeconds(40), () -> byId(s).get("door").state().equals("RUNNING")
                    && byId(s).get("door").reconnects() > reconnects);
            assertEquals(0, byId(s).get("yard").reconnects());
        } finally {
            server.kill();
        }
        assertEquals(0, StreamPipeline.liveSamples(), "frames leaked");
    }

    @Test
    void cameraThatNeverComesBackIsGivenUpAfterTheConfiguredAttempts() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        try (AnalyticsService<VideoFrame> s = new AnalyticsService<>(opts(2), DecodeOnlyDetector.cpu())) {
            s.addSource(SourceSpec.parse("gone=rtsp://127.0.0.1:" + port + "/cam", "x"));
            until("giving up", Duration.ofSeconds(40), () -> byId(s).get("gone").state().equals("FAILED"));
            assertEquals(2, byId(s).get("gone").reconnects());
            assertNotNull(byId(s).get("gone").lastError());
        }
    }
}
