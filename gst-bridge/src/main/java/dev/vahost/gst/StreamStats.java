package dev.vahost.gst;

/**
 * Counters of one stream since it was built.
 *
 * @param framesPulled    samples taken from the appsink
 * @param framesDropped   samples released unseen because consumers held
 *                        {@link PipelineOptions#maxFramesInFlight()} frames
 * @param framesInFlight  frames delivered and not yet closed
 * @param listenerErrors  exceptions thrown by the frame listener (caught and logged)
 * @param capsChanges     how many times the caps changed (first caps included)
 * @param framesInvalid   samples released unseen because their buffer does not hold a frame of
 *                        their caps (libde265dec pushes the last frames of the old size under the new
 *                        caps after a resolution change)
 */
public record StreamStats(long framesPulled, long framesDropped, long framesInFlight, long listenerErrors,
                          long capsChanges, long framesInvalid) {
}
