package dev.vahost.gst;

/** A pipeline could not be built, started or run; the message names the stream and the cause. */
public class PipelineException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String streamId;

    public PipelineException(String streamId, String message) {
        super("stream " + streamId + ": " + message);
        this.streamId = streamId;
    }

    public PipelineException(String streamId, String message, Throwable cause) {
        super("stream " + streamId + ": " + message, cause);
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
