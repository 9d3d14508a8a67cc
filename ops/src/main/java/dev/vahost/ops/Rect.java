package dev.vahost.ops;

/**
 * A rectangle of pixels: the source region of a crop, in the pixel coordinates of the image it
 * belongs to (x to the right, y down, origin at the top-left pixel).
 */
public record Rect(int x, int y, int width, int height) {
    public Rect {
        if (x < 0 || y < 0) {
            throw new IllegalArgumentException("rectangle origin must not be negative, got (" + x + "," + y + ")");
        }
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("rectangle size must be positive, got " + width + "x" + height);
        }
    }

    /** The whole of a {@code width x height} image. */
    public static Rect full(int width, int height) {
        return new Rect(0, 0, width, height);
    }

    /** Throws IllegalArgumentException naming {@code what} unless this lies inside a {@code width x height} image. */
    public Rect requireInside(int width, int height, String what) {
        if ((long) x + this.width > width || (long) y + this.height > height) {
            throw new IllegalArgumentException(what + ": region " + this + " is not inside the " + width + "x" + height
                    + " image");
        }
        return this;
    }

    @Override
    public String toString() {
        return width + "x" + height + "+" + x + "+" + y;
    }
}
