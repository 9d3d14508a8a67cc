package dev.vahost.inference;

import org.junit.jupiter.api.Test;

import dev.vahost.inference.internal.Layouts;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The GPU engine's host-side index arithmetic, without a GPU: dimension coalescing for the strided
 * copy and broadcast kernels. The kernels themselves are covered only by the @Tag("gpu") tests.
 */
class CudnnEngineCpuTest {
    @Test
    void contiguousDimensionsMergeAndUnitDimensionsDrop() {
        long[] shape = {2, 3, 4, 5};
        long[] rm = Layouts.rowMajor(shape);
        long[][] c = Layouts.coalesce(shape, new long[][] {rm, rm});
        assertArrayEquals(new long[] {120}, c[0]);
        assertArrayEquals(new long[] {1}, c[1]);
    }

    @Test
    void concatIntoChannelSliceKeepsTwoDimensions() {
        // [2, 3, 4, 5] written at channel offset of a [2, 8, 4, 5] output
        long[] shape = {2, 3, 4, 5};
        long[][] c = Layouts.coalesce(shape, new long[][] {Layouts.rowMajor(shape), {160, 20, 5, 1}});
        assertArrayEquals(new long[] {2, 60}, c[0]);
        assertArrayEquals(new long[] {60, 1}, c[1]);
        assertArrayEquals(new long[] {160, 1}, c[2]);
    }

    @Test
    void broadcastStridesStaySeparate() {
        // [2, 4, 5, 6] * per-channel [1, 4, 1, 1]
        long[] shape = {2, 4, 5, 6};
        long[][] c = Layouts.coalesce(shape, new long[][] {Layouts.rowMajor(shape), {0, 1, 0, 0}});
        assertArrayEquals(new long[] {2, 4, 30}, c[0]);
        assertArrayEquals(new long[] {120, 30, 1}, c[1]);
        assertArrayEquals(new long[] {0, 1, 0}, c[2]);
    }

    @Test
    void graphsAreOnByDefaultAndCanBeTurnedOff() {
        assertTrue(EngineConfig.fp16(8).graphs());
        assertTrue(new EngineConfig(8, dev.vahost.nvmm.DType.F32, 0, false, null).graphs());
        EngineConfig off = EngineConfig.fp16(8).withGraphs(false).withTuneBatches(1, 4).withTune(false);
        assertFalse(off.graphs());
        assertArrayEquals(new int[] {1, 4}, off.tuneBatches());
        assertFalse(off.tune());
    }

    @Test
    void channelsLastIsTheFp16DefaultAndSurvivesTheWithers() {
        assertTrue(EngineConfig.fp16(8).channelsLast());
        assertFalse(EngineConfig.fp32(8).channelsLast());
        assertTrue(new EngineConfig(8, dev.vahost.nvmm.DType.F16, 0, false, null).channelsLast());
        assertFalse(new EngineConfig(8, dev.vahost.nvmm.DType.F32, 0, false, null).channelsLast());
        EngineConfig c = EngineConfig.fp16(8).withChannelsLast(false).withGraphs(false).withTune(false).withTuneBatches(2);
        assertFalse(c.channelsLast());
        assertTrue(EngineConfig.fp32(8).withChannelsLast(true).withTuneBatches(1).channelsLast());
        assertEquals(EngineConfig.Pointwise.AUTO, EngineConfig.fp16(8).pointwise());
        EngineConfig g = EngineConfig.fp16(8).withPointwise(EngineConfig.Pointwise.GEMM).withGraphs(false).withChannelsLast(true);
        assertEquals(EngineConfig.Pointwise.GEMM, g.pointwise());
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.fp16(8).withPointwise(null));
    }

    @Test
    void fusionIsAutoByDefaultAndSurvivesTheWithers() {
        assertEquals(EngineConfig.Fusion.AUTO, EngineConfig.fp16(8).fusion());
        assertEquals(EngineConfig.Fusion.AUTO, new EngineConfig(8, dev.vahost.nvmm.DType.F16, 0, false, null).fusion());
        EngineConfig off = EngineConfig.fp16(8).withFusion(EngineConfig.Fusion.OFF).withGraphs(false).withTune(false)
                .withTuneBatches(2).withChannelsLast(true).withPointwise(EngineConfig.Pointwise.GEMM);
        assertEquals(EngineConfig.Fusion.OFF, off.fusion());
        assertEquals(EngineConfig.Fusion.ON, off.withFusion(EngineConfig.Fusion.ON).fusion());
        assertThrows(IllegalArgumentException.class, () -> EngineConfig.fp16(8).withFusion(null));
    }

    @Test
    void allUnitShapeBecomesOneElement() {
        long[][] c = Layouts.coalesce(new long[] {1, 1}, new long[][] {{1, 1}});
        assertArrayEquals(new long[] {1}, c[0]);
    }
}
