package dev.vahost.pipelines;

/**
 * One stream as reported by {@code /streams}, {@code /metrics} and the perf lines.
 *
 * @param framesDecoded   frames pulled from the decoder
 * @param framesProcessed frames that went through the detector
 * @param dropped         frames dropped anywhere (decoder side when consumers held too many, batch
 *                        queue full, frame-rate cap)
 * @param latencyP50Ms    median time from the decoder to results delivered, in ms (NaN before the first result)
 * @param framesInvalid   frames the decoder delivered that were dropped as unusable (corrupt input)
 * @param backoffS        while reconnecting, the wait before the next attempt in seconds; NaN otherwise
 */
public record StreamStatus(String id, String source, String state, double fps, double avgFps, long framesDecoded,
                           long framesProcessed, long dropped, long reconnects, String lastError, double latencyP50Ms,
                           double latencyP95Ms, double latencyP99Ms, long framesInvalid, double backoffS) {
    /** Without latency, invalid-frame and back-off figures. */
    public StreamStatus(String id, String source, String state, double fps, double avgFps, long framesDecoded,
                        long framesProcessed, long dropped, long reconnects, String lastError) {
        this(id, source, state, fps, avgFps, framesDecoded, framesProcessed, dropped, reconnects, lastError, Double.NaN,
                Double.NaN, Double.NaN, 0, Double.NaN);
    }

    /** Without invalid-frame and back-off figures. */
    public StreamStatus(String id, String source, String state, double fps, double avgFps, long framesDecoded,
                        long framesProcessed, long dropped, long reconnects, String lastError, double latencyP50Ms,
                        double latencyP95Ms, double latencyP99Ms) {
        this(id, source, state, fps, avgFps, framesDecoded, framesProcessed, dropped, reconnects, lastError, latencyP50Ms,
                latencyP95Ms, latencyP99Ms, 0, Double.NaN);
    }
}
