package dev.vahost.pipelines.view;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;

import dev.vahost.ops.HostImage;
import dev.vahost.ops.cpu.ColorConvertCpu;

/**
 * An 8-bit RGB picture in host memory, one {@code int} per pixel ({@code 0xRRGGBB}), rows one after
 * another: what the OSD draws into and the JPEG encoder reads. It wraps a {@link BufferedImage} of
 * type {@code TYPE_INT_RGB} so that encoding needs no copy. Not thread-safe.
 */
public final class RgbImage {
    private final BufferedImage image;
    private final int[] px;
    private final int width, height;

    public RgbImage(int width, int height) {
        if (width <= 0 || height <= 0 || (long) width * height > 64L << 20) {
            throw new IllegalArgumentException("picture size must be positive and at most 64 Mpixel, got " + width + "x" + height);
        }
        this.width = width;
        this.height = height;
        this.image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        this.px = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
    }

    /**
     * The frame converted to RGB by the ops module's CPU reference ({@link ColorConvertCpu#rgbAt}: the
     * frame's matrix and range, chroma of {@code (x/2, y/2)} for 4:2:0), the conversion a GPU OSD
     * would start from too.
     */
    public static RgbImage of(HostImage frame) {
        RgbImage out = new RgbImage(frame.width(), frame.height());
        int[] rgb = new int[3];
        for (int y = 0; y < out.height; y++) {
            int row = y * out.width;
            for (int x = 0; x < out.width; x++) {
                ColorConvertCpu.rgbAt(frame, x, y, rgb);
                out.px[row + x] = rgb[0] << 16 | rgb[1] << 8 | rgb[2];
            }
        }
        return out;
    }

    /** A picture from packed RGB bytes (3 a pixel, rows one after another). */
    public static RgbImage ofPacked(byte[] rgb, int width, int height) {
        RgbImage out = new RgbImage(width, height);
        if (rgb.length < 3 * width * height) throw new IllegalArgumentException("packed RGB of " + rgb.length + " bytes for " + width + "x" + height);
        for (int i = 0; i < width * height; i++) out.px[i] = (rgb[3 * i] & 255) << 16 | (rgb[3 * i + 1] & 255) << 8 | rgb[3 * i + 2] & 255;
        return out;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** The pixel at (x, y) as 0xRRGGBB. */
    public int get(int x, int y) {
        check(x, y);
        return px[y * width + x];
    }

    /** Sets the pixel at (x, y) to 0xRRGGBB. */
    public void set(int x, int y, int rgb) {
        check(x, y);
        px[y * width + x] = rgb & 0xFFFFFF;
    }

    /** Sets the pixel when (x, y) lies inside the picture; drawing clips with this. */
    void plot(int x, int y, int rgb) {
        if (x >= 0 && y >= 0 && x < width && y < height) px[y * width + x] = rgb;
    }

    /** Fills the rectangle [x0, x1) x [y0, y1), clipped to the picture. */
    void fill(int x0, int y0, int x1, int y1, int rgb) {
        x0 = Math.max(0, x0);
        y0 = Math.max(0, y0);
        x1 = Math.min(width, x1);
        y1 = Math.min(height, y1);
        for (int y = y0; y < y1; y++) java.util.Arrays.fill(px, y * width + x0, Math.max(y * width + x0, y * width + x1), rgb);
    }

    /** The pixels themselves (row-major 0xRRGGBB), shared. */
    int[] pixels() {
        return px;
    }

    /** The picture for javax.imageio (shares the pixels). */
    public BufferedImage image() {
        return image;
    }

    private void check(int x, int y) {
        if (x < 0 || y < 0 || x >= width || y >= height) {
            throw new IndexOutOfBoundsException("pixel (" + x + ", " + y + ") is outside " + width + "x" + height);
        }
    }
}
