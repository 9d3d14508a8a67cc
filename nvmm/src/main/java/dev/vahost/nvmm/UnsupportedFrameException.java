package dev.vahost.nvmm;

/**
 * A frame the GPU path cannot use: system memory where CUDA memory was asked, several memories in
 * one buffer, an unsupported pixel format or NvBufSurface memory type. The message names the
 * stream and the rule; the stream should be failed, other streams go on.
 */
public class UnsupportedFrameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String streamId;

    public UnsupportedFrameException(String streamId, String message) {
        super("stream " + streamId + ": " + message);
        this.streamId = streamId;
    }

    public String streamId() {
        return streamId;
    }
}
