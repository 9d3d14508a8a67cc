package dev.vahost.ops.overlay;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.ops.internal.ColorCoefficients;
import dev.vahost.ops.internal.Formats;
import dev.vahost.ops.internal.UploadRing;

/**
 * The OSD on the GPU: frames of a batch (any format the colour conversion reads: NV12, I420, RGB...)
 * converted to packed 8-bit RGB, each with its {@link Overlay} drawn over it, in one launch of
 * {@code overlay_rgb_u8} (overlay.cu) for the whole batch. Same pixels as converting with
 * {@link dev.vahost.ops.cpu.ColorConvertCpu} and drawing with {@link OverlayCpu}. The frames, figures
 * and glyphs travel in one table per launch (one host-to-device copy, a few KB). Not thread-safe:
 * one batch thread submits.
 */
public final class OverlayGpu implements AutoCloseable {
    /** Bytes of one frame's record (struct OverlayFrame in overlay.cu). */
    public static final int FRAME_BYTES = 96;
    /** The largest table of one launch (frames, figures, glyphs). */
    public static final int TABLE_BYTES = 1 << 20;
    private static final int BLOCK_X = 32, BLOCK_Y = 8;

    /** One frame to draw: its picture, where the RGB goes (packed, {@code rgbPitch} bytes a row), what to draw. */
    public record Target(DeviceImage source, long rgb, int rgbPitch, Overlay overlay) {
        public Target {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(overlay, "overlay");
            if (rgb == 0) throw new IllegalArgumentException("no RGB output address");
            if (rgbPitch < 3 * source.width()) {
                throw new IllegalArgumentException("RGB pitch " + rgbPitch + " < 3 x width " + source.width());
            }
            Formats.code(source.format());
            Formats.checkPitches("overlay input", source.format(), source.width(), source.pitches());
        }
    }

    private final Kernel kernel;
    private final DeviceBuffer font;
    private final UploadRing tables;
    private final byte[] table = new byte[TABLE_BYTES];
    private long launches;

    private OverlayGpu(Kernel kernel, DeviceBuffer font, UploadRing tables) {
        this.kernel = kernel;
        this.font = font;
        this.tables = tables;
    }

    /** Loads the kernel and uploads the font (needs a GPU and the built kernels); buffers come from {@code pool}. */
    public static OverlayGpu create(DevicePool pool) {
        Kernel k = KernelModule.load("ops", "overlay").kernel("overlay_rgb_u8");
        byte[] glyphs = BitmapFont.table();
        DeviceBuffer font = pool.allocate(glyphs.length, "overlay font");
        try {
            Transfers.toDevice(font.address(), glyphs);
            return new OverlayGpu(k, font, new UploadRing(pool, TABLE_BYTES, 3, "overlay tables"));
        } catch (RuntimeException e) {
            font.close();
            throw e;
        }
    }

    /** Where the parts of an encoded table start: figures and glyphs, after the frames. */
    public record Layout(int figures, int glyphs, int bytes) {}

    /**
     * Encodes the launch's table into {@code out} (little endian): the frames' records, then every
     * figure's ints, then every glyph index.
     *
     * @throws IllegalArgumentException when it does not fit {@code out}
     */
    public static Layout encode(List<Target> targets, byte[] out) {
        int figures = 0, glyphs = 0;
        for (Target t : targets) {
            figures += t.overlay().count();
            glyphs += t.overlay().glyphCount();
        }
        int figAt = targets.size() * FRAME_BYTES, glyphAt = figAt + figures * Overlay.INTS * 4, end = glyphAt + glyphs;
        if (end > out.length) {
            throw new IllegalArgumentException("overlay of " + targets.size() + " frames with " + figures + " figures and " + glyphs
                    + " characters needs " + end + " bytes, more than the " + out.length + " of one launch");
        }
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int first = 0, glyphBase = 0;
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            DeviceImage img = t.source();
            int at = i * FRAME_BYTES, planes = img.format().planes();
            long p0 = img.plane(0);
            b.putLong(at, p0);
            b.putLong(at + 8, planes > 1 ? img.plane(1) : p0);
            b.putLong(at + 16, planes > 2 ? img.plane(2) : p0);
            int q0 = img.pitch(0);
            b.putInt(at + 24, q0);
            b.putInt(at + 28, planes > 1 ? img.pitch(1) : q0);
            b.putInt(at + 32, planes > 2 ? img.pitch(2) : q0);
            b.putInt(at + 36, Formats.code(img.format()));
            b.putInt(at + 40, img.width());
            b.putInt(at + 44, img.height());
            ColorCoefficients c = ColorCoefficients.of(img.color());
            b.putInt(at + 48, c.yOffset()).putInt(at + 52, c.cy()).putInt(at + 56, c.cvr()).putInt(at + 60, c.cvg())
                    .putInt(at + 64, c.cug()).putInt(at + 68, c.cub());
            b.putLong(at + 72, t.rgb());
            Overlay o = t.overlay();
            b.putInt(at + 80, t.rgbPitch()).putInt(at + 84, first).putInt(at + 88, o.count()).putInt(at + 92, glyphBase);
            int[] f = o.figures();
            for (int k = 0; k < o.count() * Overlay.INTS; k++) {
                // label text offsets are per overlay; glyphBase makes them per launch
                b.putInt(figAt + (first * Overlay.INTS + k) * 4, f[k]);
            }
            System.arraycopy(o.glyphs(), 0, out, glyphAt + glyphBase, o.glyphCount());
            first += o.count();
            glyphBase += o.glyphCount();
        }
        return new Layout(figAt, glyphAt, Math.max(end, 1));
    }

    /** Enqueues the conversion and drawing of every target on {@code stream}; nothing when {@code targets} is empty. */
    public void submit(CudaStream stream, List<Target> targets) {
        if (targets.isEmpty()) return;
        if (targets.size() > 65535) throw new IllegalArgumentException("at most 65535 frames per launch, got " + targets.size());
        Layout l = encode(targets, table);
        long base = tables.publish(stream, table, l.bytes());
        int maxW = 0, maxH = 0;
        for (Target t : targets) {
            maxW = Math.max(maxW, t.source().width());
            maxH = Math.max(maxH, t.source().height());
        }
        try {
            kernel.launch(stream, Kernel.blocks(maxW, BLOCK_X), Kernel.blocks(maxH, BLOCK_Y), targets.size(), BLOCK_X, BLOCK_Y, 1, 0,
                    base, base + l.figures(), base + l.glyphs(), font.address());
        } catch (CudaException e) {
            CudaException x = new CudaException("overlay_rgb_u8 of " + targets.size() + " frames", e.code());
            x.initCause(e);
            throw x;
        }
        tables.markUsed(stream);
        launches++;
    }

    /** Launches so far. */
    public long launches() {
        return launches;
    }

    /** Frees the tables (after the work reading them) and the font. */
    @Override
    public void close() {
        tables.close();
        font.close();
    }
}
