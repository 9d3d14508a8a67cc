package dev.vahost.nvmm.nvbuf;

import java.util.ArrayList;
import java.util.List;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.UnsupportedFrameException;

import static dev.vahost.nvmm.nvbuf.NvBufSurfaceStructs.*;

/** Reads a (batched) NvBufSurface into one {@link DeviceImage} per filled entry. */
public final class NvBufSurfaces {
    private NvBufSurfaces() {}

    /**
     * Images of the filled entries of the NvBufSurface at {@code surface}.
     *
     * @param color colour spec for NV12/I420 entries whose colour format does not say the range
     * @throws UnsupportedFrameException for host memory types, block-linear layout, unknown formats
     *                                   or inconsistent counts
     */
    public static List<DeviceImage> images(String streamId, Pointer surface, NvBufSurfaceLayout layout, ColorSpec color) {
        if (surface == null || Pointer.nativeValue(surface) == 0) {
            throw new UnsupportedFrameException(streamId, "NVMM buffer maps to a null NvBufSurface");
        }
        NvBufSurface s = new NvBufSurface(surface);
        if (s.memType != NVBUF_MEM_DEFAULT && s.memType != NVBUF_MEM_CUDA_DEVICE && s.memType != NVBUF_MEM_CUDA_UNIFIED) {
            throw new UnsupportedFrameException(streamId, "NvBufSurface memType " + memTypeName(s.memType)
                    + " is not device-accessible memory; supported: NVBUF_MEM_DEFAULT (dGPU), NVBUF_MEM_CUDA_DEVICE,"
                    + " NVBUF_MEM_CUDA_UNIFIED");
        }
        if (s.numFilled < 0 || s.numFilled > s.batchSize) {
            throw new UnsupportedFrameException(streamId, "NvBufSurface numFilled " + s.numFilled + " exceeds batchSize "
                    + s.batchSize);
        }
        if (s.numFilled > 0 && (s.surfaceList == null || Pointer.nativeValue(s.surfaceList) == 0)) {
            throw new UnsupportedFrameException(streamId, "NvBufSurface has " + s.numFilled + " filled entries but no surfaceList");
        }
        List<DeviceImage> out = new ArrayList<>(s.numFilled);
        for (int i = 0; i < s.numFilled; i++) {
            Pointer p = s.surfaceList.share((long) i * layout.paramsSize());
            Structure params = layout == NvBufSurfaceLayout.DEEPSTREAM_8 ? new NvBufSurfaceParamsV8(p) : new NvBufSurfaceParams(p);
            out.add(image(streamId, i, params, color));
        }
        return out;
    }

    private static DeviceImage image(String streamId, int index, Structure st, ColorSpec defaultColor) {
        int width = (Integer) st.readField("width");
        int height = (Integer) st.readField("height");
        int colorFormat = (Integer) st.readField("colorFormat");
        int layout = (Integer) st.readField("layout");
        Pointer dataPtr = (Pointer) st.readField("dataPtr");
        NvBufSurfacePlaneParams pp = (NvBufSurfacePlaneParams) st.readField("planeParams");
        String where = "surface " + index + " (" + width + "x" + height + ")";
        if (layout != NVBUF_LAYOUT_PITCH) {
            throw new UnsupportedFrameException(streamId, where + ": block-linear layout is Jetson-only; pitch-linear required");
        }
        if (dataPtr == null || Pointer.nativeValue(dataPtr) == 0) {
            throw new UnsupportedFrameException(streamId, where + ": null dataPtr");
        }
        PixelFormat format;
        ColorSpec color = defaultColor;
        switch (colorFormat) {
            case NVBUF_COLOR_FORMAT_NV12 -> { format = PixelFormat.NV12; color = new ColorSpec(defaultColor.matrix(), ColorSpec.Range.LIMITED); }
            case NVBUF_COLOR_FORMAT_NV12_ER -> { format = PixelFormat.NV12; color = new ColorSpec(defaultColor.matrix(), ColorSpec.Range.FULL); }
            case NVBUF_COLOR_FORMAT_YUV420 -> { format = PixelFormat.I420; color = new ColorSpec(defaultColor.matrix(), ColorSpec.Range.LIMITED); }
            case NVBUF_COLOR_FORMAT_YUV420_ER -> { format = PixelFormat.I420; color = new ColorSpec(defaultColor.matrix(), ColorSpec.Range.FULL); }
            case NVBUF_COLOR_FORMAT_RGBA -> format = PixelFormat.RGBA;
            case NVBUF_COLOR_FORMAT_BGRA -> format = PixelFormat.BGRA;
            case NVBUF_COLOR_FORMAT_RGBx -> format = PixelFormat.RGBX;
            case NVBUF_COLOR_FORMAT_BGRx -> format = PixelFormat.BGRX;
            case NVBUF_COLOR_FORMAT_RGB -> format = PixelFormat.RGB;
            case NVBUF_COLOR_FORMAT_BGR -> format = PixelFormat.BGR;
            default -> throw new UnsupportedFrameException(streamId, where + ": NvBufSurfaceColorFormat " + colorFormat
                    + " is not supported (NV12, NV12_ER, YUV420(_ER), RGBA, BGRA, RGBx, BGRx, RGB, BGR are)");
        }
        if (pp.num_planes != format.planes()) {
            throw new UnsupportedFrameException(streamId, where + ": " + format + " needs " + format.planes()
                    + " planes, planeParams says " + pp.num_planes);
        }
        long base = Pointer.nativeValue(dataPtr);
        long[] planes = new long[format.planes()];
        int[] pitches = new int[format.planes()];
        for (int p = 0; p < planes.length; p++) {
            planes[p] = base + Integer.toUnsignedLong(pp.offset[p]);
            pitches[p] = pp.pitch[p];
        }
        try {
            return new DeviceImage(format, width, height, planes, pitches, color);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedFrameException(streamId, where + ": " + e.getMessage());
        }
    }

    static String memTypeName(int t) {
        String[] names = {"NVBUF_MEM_DEFAULT", "NVBUF_MEM_CUDA_PINNED", "NVBUF_MEM_CUDA_DEVICE", "NVBUF_MEM_CUDA_UNIFIED",
                "NVBUF_MEM_SURFACE_ARRAY", "NVBUF_MEM_HANDLE", "NVBUF_MEM_SYSTEM"};
        return t >= 0 && t < names.length ? names[t] + " (" + t + ")" : "unknown (" + t + ")";
    }
}
