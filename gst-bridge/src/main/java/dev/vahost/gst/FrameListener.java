package dev.vahost.gst;

/**
 * Receives every frame a stream's pull thread takes from its appsink. The listener owns the frame
 * and must {@link VideoFrame#close()} it (now or later, on any thread). A stream holds at most
 * {@link PipelineOptions#maxFramesInFlight()} unclosed frames; beyond that, new frames are dropped
 * and counted. Runs on the stream's pull thread; exceptions are caught, counted and logged, and the
 * frame is closed for the listener unless it was {@link VideoFrame#claim() claimed} (handed on)
 * before the exception.
 */
@FunctionalInterface
public interface FrameListener {
    void onFrame(VideoFrame frame);
}
