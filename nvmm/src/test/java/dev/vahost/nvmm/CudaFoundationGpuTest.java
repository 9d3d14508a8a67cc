package dev.vahost.nvmm;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.vahost.gst.Await;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DeviceOutOfMemoryException;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.GpuUnavailableException;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.Transfers;

import static org.junit.jupiter.api.Assertions.*;

/** The CUDA foundation on a real GPU: pools and limits, counted transfers, kernels, stream-ordered release. */
@Tag("gpu")
class CudaFoundationGpuTest {
    @BeforeAll
    static void gpu() {
        GpuTests.require("nvmm/frame_probe");
        System.out.println("GPU: " + Cuda.describeDevice() + ", peak DRAM bandwidth " + Math.round(Cuda.peakBandwidth() / 1e9) + " GB/s");
    }

    @Test
    void poolsEnforceLimitsAndReportLeaks() {
        DevicePool pool = DevicePool.create("test-limits", 4 << 20);
        DeviceBuffer a = pool.allocate(3 << 20, "a");
        DeviceOutOfMemoryException oom = assertThrows(DeviceOutOfMemoryException.class, () -> pool.allocate(2 << 20, "b"));
        assertTrue(oom.getMessage().contains("pool test-limits"), oom.getMessage());
        assertTrue(oom.getMessage().contains("b needs 2097152 bytes"), oom.getMessage());
        assertEquals(3 << 20, pool.used());
        a.close();
        a.close();
        assertEquals(0, pool.used());
        pool.allocate(1024, "leaked on purpose");
        IllegalStateException leak = assertThrows(IllegalStateException.class, pool::close);
        assertTrue(leak.getMessage().contains("leaked on purpose"), leak.getMessage());
        assertEquals(0, pool.used());
        assertThrows(IllegalStateException.class, () -> a.address());
    }

    @Test
    void transfersRoundTripAndAreCounted() {
        try (DevicePool pool = DevicePool.create("test-transfers", 1 << 20)) {
            byte[] data = new byte[100_003];
            new Random(1).nextBytes(data);
            try (DeviceBuffer b = pool.allocate(data.length, "round trip")) {
                Transfers.Counts before = Transfers.counts();
                Transfers.toDevice(b.address(), data);
                byte[] back = new byte[data.length];
                Transfers.toHost(back, b.address());
                Transfers.Counts d = Transfers.counts().minus(before);
                assertArrayEquals(data, back);
                assertEquals(new Transfers.Counts(data.length, 1, data.length, 1), d);
            }
        }
    }

    @Test
    void kernelFromTheBuildsFatbinRunsOnPitchedMemory() {
        int w = 1921, h = 37, pitch = 2048;
        byte[] img = new byte[w * h];
        new Random(2).nextBytes(img);
        long expected = 0;
        for (byte v : img) expected += v & 0xff;
        try (DevicePool pool = DevicePool.create("test-kernel", 1 << 20);
             CudaStream stream = CudaStream.create();
             DeviceBuffer plane = pool.allocate((long) pitch * h, "plane");
             DeviceBuffer sum = pool.allocate(8, "sum")) {
            Transfers.toDevice2D(plane.address(), pitch, img, w, h);
            sum.fill(stream, (byte) 0);
            Kernel k = KernelModule.load("nvmm", "frame_probe").kernel("plane_sum_u8");
            k.launch(stream, 4, 16, 1, 256, 1, 1, 0, plane.address(), pitch, w, h, sum.address());
            stream.synchronize();
            long[] got = new long[1];
            Transfers.toHost(got, sum.address());
            assertEquals(expected, got[0]);
        }
    }

    @Test
    void resourcesAreReleasedAfterTheirGpuWorkWithoutASync() {
        try (CudaStream stream = CudaStream.create()) {
            AtomicBoolean released = new AtomicBoolean();
            stream.closeWhenDone(List.of(() -> released.set(true)));
            // No synchronize: the reaper sees the event complete and releases.
            Await.until("stream-ordered release", Duration.ofSeconds(5), released::get);
            assertEquals(0, stream.pendingReleases());
        }
    }

    @Test
    void missingKernelsSayTheyWereNotBuilt() {
        GpuUnavailableException e = assertThrows(GpuUnavailableException.class, () -> KernelModule.load("nvmm", "no_such_kernels"));
        assertTrue(e.getMessage().contains("were not built"), e.getMessage());
    }
}
