package dev.vahost.pipelines;

/**
 * One stream as reported by {@code /streams}, {@code /metrics} and the perf lines.
 *
 * @param framesDecoded   frames pulled from the decoder
 * @param framesProcessed frames that went through the detector
 * @param dropped         frames dropped anywhere (decoder side when consumers held too many, batch
 *                        queue full, frame-rate cap)
 */
public record StreamStatus(String id, String source, String state, double fps, double avgFps, long framesDecoded,
                           long framesProcessed, long dropped, long reconnects, String lastError) {}
