package dev.vahost.pipelines.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The per-GPU launcher: how cameras and ports are split, what it refuses, and two real workers on the
 * CPU path (each ends after a few seconds and names its own cameras in its final figures); and
 * --gpu-id's mapping onto CUDA_VISIBLE_DEVICES.
 */
class WorkersTest {
    @Test
    void sourcesAreSplitRoundRobinWithAPortAndAGpuEach() {
        List<Workers.Plan> p = Workers.plan(List.of(2, 5), 9100, List.of("--gpu", "off", "--source", "a=synthetic", "--source=b=synthetic",
                "--source", "c=synthetic", "--batch-size", "8"));
        assertEquals(List.of("--gpu", "off", "--batch-size", "8", "--source", "a=synthetic", "--source", "c=synthetic", "--metrics-port",
                "9100", "--gpu-id", "2"), p.get(0).args());
        assertEquals(List.of("--gpu", "off", "--batch-size", "8", "--source", "b=synthetic", "--metrics-port", "9101", "--gpu-id", "5"),
                p.get(1).args());
    }

    @Test
    void clusterModeSplitsNothingAndNamesEachWorker() {
        List<Workers.Plan> p = Workers.plan(List.of(0, 1), -1, List.of("--cluster", "k:9092", "--source", "a=synthetic"));
        for (int w = 0; w < 2; w++) {
            List<String> a = p.get(w).args();
            assertTrue(a.containsAll(List.of("--cluster", "k:9092", "--source", "a=synthetic")), a.toString());
            assertEquals(Workers.host() + "-gpu" + w, a.get(a.indexOf("--worker-id") + 1));
        }
    }

    @Test
    void badLaunchesAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workers.plan(List.of(), -1, List.of())).getMessage().contains("--gpus"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workers.plan(List.of(0, 0), -1, List.of())).getMessage()
                .contains("repeated"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workers.plan(List.of(0), -1, List.of("--gpu-id", "1"))).getMessage()
                .contains("--gpu-id"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workers.plan(List.of(0, 1), 9100, List.of("--metrics-port", "1")))
                .getMessage().contains("--metrics-port-base"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workers.plan(List.of(0, 1), -1, List.of("--source", "a=synthetic")))
                .getMessage().contains("would get none"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Workers.plan(List.of(0, 1), -1, List.of("--cluster", "k:1",
                "--worker-id", "w"))).getMessage().contains("--worker-id"));
        assertEquals("'x' (expected an integer within 0..63)", assertThrows(IllegalArgumentException.class,
                () -> Workers.parse("--gpus", "x", 0, 63)).getMessage().replace("--gpus: ", ""));
    }

    @Test
    void gpuIdPicksAmongTheVisibleDevices() {
        assertEquals("1", GpuSelection.visibleDevices(1, null));
        assertEquals("7", GpuSelection.visibleDevices(1, "3,7"));
        assertEquals("GPU-abc", GpuSelection.visibleDevices(0, "GPU-abc"));
        String m = assertThrows(IllegalArgumentException.class, () -> GpuSelection.visibleDevices(2, "3,7")).getMessage();
        assertTrue(m.contains("CUDA_VISIBLE_DEVICES=3,7") && m.contains("0..1"), m);
    }

    @Test
    void twoWorkersRunTheirOwnCameras() throws Exception {
        List<Workers.Plan> p = Workers.plan(List.of(0, 1), -1, List.of("--gpu", "off", "--model", "none", "--duration-s", "3",
                "--source", "a=synthetic:160x120@10", "--source", "b=synthetic:160x120@10", "--source", "c=synthetic:160x120@10",
                "--clip-cache", "target/test-clips"));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code = Workers.run(p, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("[gpu0] vahost: --gpu-id 0: CUDA_VISIBLE_DEVICES="), out);
        for (String[] want : new String[][] {{"gpu0", "a"}, {"gpu0", "c"}, {"gpu1", "b"}}) {
            assertTrue(out.lines().anyMatch(l -> l.startsWith("[" + want[0] + "]   " + want[1] + " ") && l.contains("processed")),
                    want[1] + " in " + want[0] + "'s final figures:\n" + out);
        }
        assertFalse(out.lines().anyMatch(l -> l.startsWith("[gpu1]   a ")), "a ran on gpu1 too:\n" + out);
    }
}
