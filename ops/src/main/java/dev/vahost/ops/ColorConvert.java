package dev.vahost.ops;

import java.util.Objects;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.ops.internal.ColorCoefficients;
import dev.vahost.ops.internal.Formats;

/**
 * GPU colour conversion of one image to packed 8-bit RGB or BGR (kernel {@code cvt_color_to_rgb_u8}
 * in cvt_color.cu; CPU reference {@link dev.vahost.ops.cpu.ColorConvertCpu}). The output image's
 * format (RGB or BGR) picks the channel order; YUV inputs convert by their {@link
 * dev.vahost.nvmm.ColorSpec}. Stateless and thread-safe; {@link #submit} only enqueues.
 */
public final class ColorConvert {
    private static final int BLOCK_X = 32;
    private static final int BLOCK_Y = 8;

    private final Kernel kernel;

    private ColorConvert(Kernel kernel) {
        this.kernel = kernel;
    }

    /** Loads the kernel (needs a GPU and the built kernels). */
    public static ColorConvert create() {
        return new ColorConvert(KernelModule.load("ops", "cvt_color").kernel("cvt_color_to_rgb_u8"));
    }

    /** Validates a conversion without a GPU: the checks {@link #submit} makes. */
    public static void check(DeviceImage in, DeviceImage out) {
        Objects.requireNonNull(in, "input image");
        Objects.requireNonNull(out, "output image");
        Formats.code(in.format());
        Formats.checkPitches("colour conversion input", in.format(), in.width(), in.pitches());
        if (out.format() != PixelFormat.RGB && out.format() != PixelFormat.BGR) {
            throw new UnsupportedOperationException("colour conversion writes RGB or BGR, not " + out.format());
        }
        if (out.width() != in.width() || out.height() != in.height()) {
            throw new IllegalArgumentException("colour conversion keeps the size: input " + in.width() + "x"
                    + in.height() + ", output " + out.width() + "x" + out.height());
        }
    }

    /** Enqueues the conversion of {@code in} into {@code out} on {@code stream}. */
    public void submit(CudaStream stream, DeviceImage in, DeviceImage out) {
        check(in, out);
        ColorCoefficients c = ColorCoefficients.of(in.color());
        int planes = in.format().planes();
        long p0 = in.plane(0);
        try {
            // grid: one thread per pixel in 32x8 blocks (see cvt_color.cu)
            kernel.launch(stream, Kernel.blocks(in.width(), BLOCK_X), Kernel.blocks(in.height(), BLOCK_Y), 1,
                    BLOCK_X, BLOCK_Y, 1, 0,
                    p0, planes > 1 ? in.plane(1) : p0, planes > 2 ? in.plane(2) : p0,
                    in.pitch(0), planes > 1 ? in.pitch(1) : in.pitch(0), planes > 2 ? in.pitch(2) : in.pitch(0),
                    Formats.code(in.format()), c.yOffset(), c.cy(), c.cvr(), c.cvg(), c.cug(), c.cub(),
                    in.width(), in.height(), out.plane(0), out.pitch(0), out.format() == PixelFormat.BGR ? 1 : 0);
        } catch (CudaException e) {
            throw rethrow(e, "cvt_color_to_rgb_u8 " + in + " -> " + out);
        }
    }

    static CudaException rethrow(CudaException e, String what) {
        CudaException x = new CudaException(what, e.code());
        x.initCause(e);
        return x;
    }
}
