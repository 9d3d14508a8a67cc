package dev.vahost.pipelines;

import java.nio.file.Path;
import java.time.Duration;

import dev.vahost.pipelines.batch.Batcher;

/** Shared settings for service tests: small batches, a clip cache inside target/. */
final class ServiceTestSupport {
    private ServiceTestSupport() {}

    static Path clipCache() {
        return Path.of(System.getProperty("vahost.testClips", "target/test-clips"));
    }

    static AnalyticsService.Options options(boolean live, boolean loop, Duration reconnect, int attempts) {
        return new AnalyticsService.Options(new Batcher.Config(4, Duration.ofMillis(20), 4, 0), live, loop, reconnect, attempts,
                clipCache(), 4);
    }

    static void await(String what, Duration timeout, java.util.function.BooleanSupplier c) {
        dev.vahost.gst.Await.until(what, timeout, c);
    }
}
