package dev.vahost.gst;

import java.time.Duration;

/**
 * How a stream's appsink is driven.
 *
 * @param appsinkName       name of the appsink in the launch string; when absent, the only appsink
 *                          in the pipeline is used
 * @param maxBuffers        appsink queue bound ({@code max-buffers}); appsink never drops silently
 *                          ({@code drop=false}): the pull thread drains it and drops, counted, when
 *                          consumers hold too many frames
 * @param maxFramesInFlight how many pulled frames consumers may hold unclosed per stream; this also
 *                          bounds the GPU memory a decoder's (unbounded) pool can grow to
 * @param pullTimeout       how long one pull waits before checking for stop and EOS
 */
public record PipelineOptions(String appsinkName, int maxBuffers, int maxFramesInFlight, Duration pullTimeout) {
    public static final String DEFAULT_APPSINK = "sink";

    public PipelineOptions {
        if (appsinkName == null || appsinkName.isBlank()) {
            throw new IllegalArgumentException("appsinkName must not be blank");
        }
        if (maxBuffers < 1) {
            throw new IllegalArgumentException("maxBuffers must be >= 1, got " + maxBuffers);
        }
        if (maxFramesInFlight < 1) {
            throw new IllegalArgumentException("maxFramesInFlight must be >= 1, got " + maxFramesInFlight);
        }
        if (pullTimeout == null || pullTimeout.isNegative() || pullTimeout.isZero()) {
            throw new IllegalArgumentException("pullTimeout must be positive, got " + pullTimeout);
        }
    }

    public static PipelineOptions defaults() {
        return new PipelineOptions(DEFAULT_APPSINK, 4, 8, Duration.ofMillis(100));
    }

    public PipelineOptions withMaxFramesInFlight(int n) {
        return new PipelineOptions(appsinkName, maxBuffers, n, pullTimeout);
    }

    public PipelineOptions withMaxBuffers(int n) {
        return new PipelineOptions(appsinkName, n, maxFramesInFlight, pullTimeout);
    }

    public PipelineOptions withAppsinkName(String name) {
        return new PipelineOptions(name, maxBuffers, maxFramesInFlight, pullTimeout);
    }
}
