package dev.vahost.gst;

/**
 * A GStreamer ERROR as the application sees it.
 *
 * @param streamId the stream whose pipeline posted it
 * @param source   name of the element that posted it (e.g. {@code filesrc0})
 * @param message  GStreamer's message (e.g. "Resource not found.")
 * @param code     the GError code
 * @param detail   GStreamer's debug text, usually naming the file, device or URL involved (may be empty)
 */
public record PipelineError(String streamId, String source, String message, int code, String detail) {
    /** "source: message (detail)". */
    public String describe() {
        return source + ": " + message + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")");
    }

    @Override
    public String toString() {
        return "stream " + streamId + ": " + describe();
    }
}
