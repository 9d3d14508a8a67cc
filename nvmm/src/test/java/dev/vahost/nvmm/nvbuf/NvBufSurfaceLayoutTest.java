package dev.vahost.nvmm.nvbuf;

import com.sun.jna.Structure;

import org.junit.jupiter.api.Test;

import static dev.vahost.nvmm.nvbuf.NvBufSurfaceStructs.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The JNA mirrors against the offsets of DeepStream's nvbufsurface.h on x86-64 (as recorded in
 * ../shared/docs/FACTS.md from the header), field by field, for both ABIs.
 */
class NvBufSurfaceLayoutTest {
    private static void at(Mirror s, String field, int offset) {
        assertEquals(offset, s.offsetOf(field), s.getClass().getSimpleName() + "." + field);
    }

    @Test
    void nvBufSurface() {
        NvBufSurface s = new NvBufSurface();
        at(s, "gpuId", 0);
        at(s, "batchSize", 4);
        at(s, "numFilled", 8);
        at(s, "isContiguous", 12);
        at(s, "memType", 16);
        at(s, "surfaceList", 24);
        at(s, "_reserved", 32);
        assertEquals(64, s.size());
    }

    @Test
    void planeParams() {
        NvBufSurfacePlaneParams p = new NvBufSurfacePlaneParams();
        at(p, "num_planes", 0);
        at(p, "width", 4);
        at(p, "height", 20);
        at(p, "pitch", 36);
        at(p, "offset", 52);
        at(p, "psize", 68);
        at(p, "bytesPerPix", 84);
        at(p, "_reserved", 104);
        assertEquals(232, p.size());
        assertEquals(72, new NvBufSurfaceMappedAddr().size());
    }

    @Test
    void surfaceParamsDeepStream6And8() {
        for (Mirror p : new Mirror[] {new NvBufSurfaceParams(), new NvBufSurfaceParamsV8()}) {
            at(p, "width", 0);
            at(p, "height", 4);
            at(p, "pitch", 8);
            at(p, "colorFormat", 12);
            at(p, "layout", 16);
            at(p, "bufferDesc", 24);
            at(p, "dataSize", 32);
            at(p, "dataPtr", 40);
            at(p, "planeParams", 48);
            at(p, "mappedAddr", 280);
            at(p, "paramex", 352);
        }
        assertEquals(NvBufSurfaceLayout.DEEPSTREAM_6.paramsSize(), new NvBufSurfaceParams().size());
        assertEquals(384, new NvBufSurfaceParams().size());
        assertEquals(NvBufSurfaceLayout.DEEPSTREAM_8.paramsSize(), new NvBufSurfaceParamsV8().size());
        assertEquals(416, new NvBufSurfaceParamsV8().size());
    }

    @Test
    void layoutByVersion() {
        assertEquals(NvBufSurfaceLayout.DEEPSTREAM_6, NvBufSurfaceLayout.forMajorVersion(NvBufSurfaceLayout.majorOf("Version: 6.3", "f")));
        assertEquals(NvBufSurfaceLayout.DEEPSTREAM_6, NvBufSurfaceLayout.forMajorVersion(NvBufSurfaceLayout.majorOf("7.1.0", "f")));
        assertEquals(NvBufSurfaceLayout.DEEPSTREAM_8, NvBufSurfaceLayout.forMajorVersion(NvBufSurfaceLayout.majorOf("Version: 8.0", "f")));
        assertThrows(IllegalStateException.class, () -> NvBufSurfaceLayout.majorOf("unknown", "f"));
        assertThrows(IllegalArgumentException.class, () -> NvBufSurfaceLayout.forMajorVersion(3));
    }
}
