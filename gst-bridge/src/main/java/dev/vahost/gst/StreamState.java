package dev.vahost.gst;

/** Life of one stream's pipeline, as the application sees it. */
public enum StreamState {
    /** Built from its launch string; not started. Context may still be set on it. */
    CREATED,
    PLAYING,
    PAUSED,
    /** The appsink saw end-of-stream and every frame before it was delivered. */
    EOS,
    /** An error was posted (or the start failed); the pipeline was brought to NULL. */
    FAILED,
    STOPPED,
    CLOSED;

    /** True when no more frames will come. */
    public boolean isTerminal() {
        return this == EOS || this == FAILED || this == STOPPED || this == CLOSED;
    }
}
