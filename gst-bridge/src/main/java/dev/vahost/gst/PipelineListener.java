package dev.vahost.gst;

/**
 * Receives what happens to a stream's pipeline, tagged with its stream id. Errors, warnings and
 * state changes arrive on the GStreamer executor thread; end-of-stream arrives on the stream's pull
 * thread after its last frame. Implementations must be quick; anything they throw is caught and
 * logged with the stream id, never propagated into native code.
 */
public interface PipelineListener {
    default void onStateChanged(String streamId, StreamState oldState, StreamState newState) {}

    /** A GStreamer ERROR message: the stream is now {@link StreamState#FAILED}. */
    default void onError(String streamId, PipelineError error) {}

    default void onWarning(String streamId, String source, String message) {}

    /** Every frame has been delivered and no more will come. */
    default void onEos(String streamId) {}
}
