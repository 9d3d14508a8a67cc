package dev.vahost.pipelines;

/**
 * One stream as reported by {@code /streams}, {@code /metrics} and the perf lines.
 *
 * @param framesDecoded   frames pulled from the decoder
 * @param framesProcessed frames that went through the detector
 * @param dropped         frames dropped anywhere (decoder side when consumers held too many, batch
 *                        queue full, frame-rate cap)
 * @param latencyP50Ms    median time from the decoder to results delivered, in ms (NaN before the first result)
 */
public record StreamStatus(String id, String source, String state, double fps, double avgFps, long framesDecoded,
                           long framesProcessed, long dropped, long reconnects, String lastError, double latencyP50Ms,
                           double latencyP95Ms, double latencyP99Ms) {
    /** Without latency figures. */
    public StreamStatus(String id, String source, String state, double fps, double avgFps, long framesDecoded,
                        long framesProcessed, long dropped, long reconnects, String lastError) {
        this(id, source, state, fps, avgFps, framesDecoded, framesProcessed, dropped, reconnects, lastError, Double.NaN,
                Double.NaN, Double.NaN);
    }
}
