package dev.vahost.pipelines.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.vahost.pipelines.AnalyticsService;
import dev.vahost.pipelines.CliOptions;
import dev.vahost.pipelines.source.Backoff;

/** The command line's values reach the service's options (not only CliOptions). */
class ServiceOptionsTest {
    @Test
    void commandLineReachesTheServiceOptions() {
        AnalyticsService.Options o = Detectors.serviceOptions(CliOptions.parse(new String[] {
                "--batch-size", "8", "--batch-timeout-ms", "15", "--queue", "6", "--max-fps", "12",
                "--live", "false", "--loop", "false", "--reconnect-interval-s", "2.5", "--reconnect-attempts", "3",
                "--reconnect-backoff-s", "0.2", "--reconnect-backoff-max-s", "7", "--shutdown-grace-s", "1.5"}));
        assertEquals(8, o.batch().batchSize());
        assertEquals(Duration.ofMillis(15), o.batch().pushTimeout());
        assertEquals(6, o.batch().queueCapacity());
        assertEquals(12.0, o.batch().maxFps());
        assertEquals(false, o.live());
        assertEquals(false, o.loop());
        assertEquals(Duration.ofMillis(2500), o.reconnectInterval());
        assertEquals(3, o.reconnectAttempts());
        assertEquals(Duration.ofMillis(200), o.reconnectBackoff().initial());
        assertEquals(Duration.ofSeconds(7), o.reconnectBackoff().max());
        assertEquals(Duration.ofMillis(1500), o.shutdownGrace());
    }

    @Test
    void defaultsAreTheServiceDefaults() {
        AnalyticsService.Options o = Detectors.serviceOptions(CliOptions.parse(new String[0]));
        assertEquals(Backoff.defaults(), o.reconnectBackoff());
        assertEquals(Duration.ofSeconds(30), o.shutdownGrace());
        assertEquals(Duration.ofSeconds(10), o.reconnectInterval());
    }
}
