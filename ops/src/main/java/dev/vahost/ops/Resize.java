package dev.vahost.ops;

import java.util.Objects;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.ops.cpu.ResizeCpu;
import dev.vahost.ops.internal.Formats;

/**
 * GPU resize of one packed 8-bit image (RGB, BGR, or a 4-byte format; all channels resampled alike)
 * with OpenCV semantics (kernels {@code resize_linear_u8_c3/_c4}, {@code resize_nearest_u8_c3/_c4}
 * in resize.cu; CPU reference {@link ResizeCpu}). An optional source region makes it crop-and-resize.
 * Configured by its {@link Interpolation}; thread-safe; {@link #submit} only enqueues.
 */
public final class Resize {
    private static final int BLOCK_X = 32;
    private static final int BLOCK_Y = 8;

    private final Interpolation interpolation;
    private final Kernel c3;
    private final Kernel c4;

    private Resize(Interpolation interpolation, Kernel c3, Kernel c4) {
        this.interpolation = interpolation;
        this.c3 = c3;
        this.c4 = c4;
    }

    /** Loads the kernels (needs a GPU and the built kernels). */
    public static Resize create(Interpolation interpolation) {
        Objects.requireNonNull(interpolation, "interpolation");
        KernelModule m = KernelModule.load("ops", "resize");
        String kind = interpolation == Interpolation.LINEAR ? "linear" : "nearest";
        return new Resize(interpolation, m.kernel("resize_" + kind + "_u8_c3"), m.kernel("resize_" + kind + "_u8_c4"));
    }

    public Interpolation interpolation() {
        return interpolation;
    }

    /** Validates a resize without a GPU: the checks {@link #submit} makes. */
    public static void check(DeviceImage in, Rect region, DeviceImage out) {
        Objects.requireNonNull(in, "input image");
        Objects.requireNonNull(out, "output image");
        Objects.requireNonNull(region, "region");
        if (!Formats.isPacked(in.format())) {
            throw new UnsupportedOperationException("resize reads packed RGB formats, not " + in.format()
                    + " (use ColorConvert first, or LetterboxResize)");
        }
        Formats.code(in.format());
        if (out.format() != in.format()) {
            throw new IllegalArgumentException("resize keeps the format: input " + in.format() + ", output " + out.format());
        }
        region.requireInside(in.width(), in.height(), "resize of " + in);
    }

    /** Enqueues the resize of all of {@code in} into {@code out} (its size is the target size). */
    public void submit(CudaStream stream, DeviceImage in, DeviceImage out) {
        submit(stream, in, Rect.full(in.width(), in.height()), out);
    }

    /** Enqueues the resize of {@code region} of {@code in} into {@code out}. */
    public void submit(CudaStream stream, DeviceImage in, Rect region, DeviceImage out) {
        check(in, region, out);
        DeviceImage src = Crop.of(in, region);
        Kernel k = in.format().bytesPerPixel() == 3 ? c3 : c4;
        try {
            // grid: one thread per output pixel in 32x8 blocks (see resize.cu)
            k.launch(stream, Kernel.blocks(out.width(), BLOCK_X), Kernel.blocks(out.height(), BLOCK_Y), 1,
                    BLOCK_X, BLOCK_Y, 1, 0,
                    src.plane(0), src.pitch(0), src.width(), src.height(),
                    ResizeCpu.step(src.width(), out.width()), ResizeCpu.step(src.height(), out.height()),
                    out.plane(0), out.pitch(0), out.width(), out.height());
        } catch (CudaException e) {
            throw ColorConvert.rethrow(e, k.name() + " " + src + " -> " + out);
        }
    }
}
