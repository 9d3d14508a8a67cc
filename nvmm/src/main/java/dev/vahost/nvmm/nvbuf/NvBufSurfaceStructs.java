package dev.vahost.nvmm.nvbuf;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * JNA mirrors of DeepStream's nvbufsurface.h (x86-64), field for field, for the two ABIs. Names are
 * the C names. The layout tests check every offset against the header; {@link NvBufSurfaces} reads
 * through these.
 */
public final class NvBufSurfaceStructs {
    private NvBufSurfaceStructs() {}

    public static final int NVBUF_MAX_PLANES = 4;
    public static final int STRUCTURE_PADDING = 4;

    /** NvBufSurfaceMemType. */
    public static final int NVBUF_MEM_DEFAULT = 0, NVBUF_MEM_CUDA_PINNED = 1, NVBUF_MEM_CUDA_DEVICE = 2,
            NVBUF_MEM_CUDA_UNIFIED = 3, NVBUF_MEM_SURFACE_ARRAY = 4, NVBUF_MEM_HANDLE = 5, NVBUF_MEM_SYSTEM = 6;

    /** NvBufSurfaceColorFormat values this project maps (others are refused). */
    public static final int NVBUF_COLOR_FORMAT_YUV420 = 2, NVBUF_COLOR_FORMAT_YUV420_ER = 4,
            NVBUF_COLOR_FORMAT_NV12 = 6, NVBUF_COLOR_FORMAT_NV12_ER = 7, NVBUF_COLOR_FORMAT_RGBA = 19,
            NVBUF_COLOR_FORMAT_BGRA = 20, NVBUF_COLOR_FORMAT_RGBx = 23, NVBUF_COLOR_FORMAT_BGRx = 24,
            NVBUF_COLOR_FORMAT_RGB = 27, NVBUF_COLOR_FORMAT_BGR = 28;

    /** NvBufSurfaceLayout: NVBUF_LAYOUT_PITCH = 0, NVBUF_LAYOUT_BLOCK_LINEAR = 1. */
    public static final int NVBUF_LAYOUT_PITCH = 0;

    /** Exposes field offsets for the layout tests. */
    public abstract static class Mirror extends Structure {
        protected Mirror() {}

        protected Mirror(Pointer p) {
            super(p);
        }

        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** typedef struct NvBufSurfacePlaneParams { ... } — 232 bytes. */
    @Structure.FieldOrder({"num_planes", "width", "height", "pitch", "offset", "psize", "bytesPerPix", "_reserved"})
    public static class NvBufSurfacePlaneParams extends Mirror {
        public int num_planes;
        public int[] width = new int[NVBUF_MAX_PLANES];
        public int[] height = new int[NVBUF_MAX_PLANES];
        public int[] pitch = new int[NVBUF_MAX_PLANES];
        public int[] offset = new int[NVBUF_MAX_PLANES];
        public int[] psize = new int[NVBUF_MAX_PLANES];
        public int[] bytesPerPix = new int[NVBUF_MAX_PLANES];
        public Pointer[] _reserved = new Pointer[STRUCTURE_PADDING * NVBUF_MAX_PLANES];
    }

    /** typedef struct NvBufSurfaceMappedAddr { void* addr[4]; void* eglImage; void* _reserved[4]; } — 72 bytes. */
    @Structure.FieldOrder({"addr", "eglImage", "_reserved"})
    public static class NvBufSurfaceMappedAddr extends Mirror {
        public Pointer[] addr = new Pointer[NVBUF_MAX_PLANES];
        public Pointer eglImage;
        public Pointer[] _reserved = new Pointer[STRUCTURE_PADDING];
    }

    /** typedef struct NvBufSurfaceParams (DeepStream 4–7): 384 bytes. */
    @Structure.FieldOrder({"width", "height", "pitch", "colorFormat", "layout", "bufferDesc", "dataSize", "dataPtr",
            "planeParams", "mappedAddr", "paramex", "_reserved"})
    public static class NvBufSurfaceParams extends Mirror {
        public int width;
        public int height;
        public int pitch;
        public int colorFormat;
        public int layout;
        public long bufferDesc;
        public int dataSize;
        public Pointer dataPtr;
        public NvBufSurfacePlaneParams planeParams;
        public NvBufSurfaceMappedAddr mappedAddr;
        public Pointer paramex;
        public Pointer[] _reserved = new Pointer[STRUCTURE_PADDING - 1];

        public NvBufSurfaceParams() {}

        public NvBufSurfaceParams(Pointer p) {
            super(p);
            read();
        }
    }

    /**
     * DeepStream 8's NvBufSurfaceParams: 416 bytes. The fields read here (up to mappedAddr) are at the
     * same offsets as in 6.x; the 32 bytes DeepStream 8 adds after them are kept opaque.
     */
    @Structure.FieldOrder({"width", "height", "pitch", "colorFormat", "layout", "bufferDesc", "dataSize", "dataPtr",
            "planeParams", "mappedAddr", "paramex", "_reserved"})
    public static class NvBufSurfaceParamsV8 extends Mirror {
        public int width;
        public int height;
        public int pitch;
        public int colorFormat;
        public int layout;
        public long bufferDesc;
        public int dataSize;
        public Pointer dataPtr;
        public NvBufSurfacePlaneParams planeParams;
        public NvBufSurfaceMappedAddr mappedAddr;
        public Pointer paramex;
        public Pointer[] _reserved = new Pointer[STRUCTURE_PADDING - 1 + 4];

        public NvBufSurfaceParamsV8() {}

        public NvBufSurfaceParamsV8(Pointer p) {
            super(p);
            read();
        }
    }

    /** typedef struct NvBufSurface { gpuId, batchSize, numFilled, isContiguous, memType, surfaceList, _reserved[4] }. */
    @Structure.FieldOrder({"gpuId", "batchSize", "numFilled", "isContiguous", "memType", "surfaceList", "_reserved"})
    public static class NvBufSurface extends Mirror {
        public int gpuId;
        public int batchSize;
        public int numFilled;
        public byte isContiguous; // C bool
        public int memType;
        public Pointer surfaceList;
        public Pointer[] _reserved = new Pointer[STRUCTURE_PADDING];

        public NvBufSurface() {}

        public NvBufSurface(Pointer p) {
            super(p);
            read();
        }
    }
}
