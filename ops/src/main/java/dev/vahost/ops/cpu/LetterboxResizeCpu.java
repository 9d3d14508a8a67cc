package dev.vahost.ops.cpu;

import java.util.ArrayList;
import java.util.List;

import dev.vahost.nvmm.DType;
import dev.vahost.ops.ChannelOrder;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Interpolation;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.Normalize;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.Rect;
import dev.vahost.ops.TensorLayout;
import dev.vahost.nvmm.Half;

/**
 * CPU reference of {@link dev.vahost.ops.LetterboxResize}, written as the sequence of OpenCV steps it
 * stands for: convert the frame's source region to 8-bit RGB ({@link ColorConvertCpu}), resize that
 * image's float copy to the letterbox content size ({@link ResizeCpu} taps, no rounding), pad with
 * the pad value, order the channels, normalise with the folded multiply-add
 * ({@link Normalize#apply}), and round to fp16 when the config asks for F16. Also the service's CPU
 * path.
 */
public final class LetterboxResizeCpu {
    private LetterboxResizeCpu() {}

    /** A batch: the tensor values (fp16-rounded for F16) in the config's layout, and each frame's placement. */
    public record Result(float[] values, List<Letterbox> letterboxes) {}

    /**
     * Preprocesses {@code frames} into one batch. {@code regions} is null (whole frames) or one region
     * (or null for the whole frame) per frame.
     */
    public static Result run(List<HostImage> frames, List<Rect> regions, PreprocessConfig config) {
        if (frames.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one frame");
        }
        if (regions != null && regions.size() != frames.size()) {
            throw new IllegalArgumentException("mismatched batch: " + regions.size() + " regions for " + frames.size()
                    + " frames");
        }
        int per = 3 * config.width() * config.height();
        float[] out = new float[Math.multiplyExact(per, frames.size())];
        List<Letterbox> boxes = new ArrayList<>(frames.size());
        for (int n = 0; n < frames.size(); n++) {
            HostImage f = frames.get(n);
            Rect r = regions == null || regions.get(n) == null ? Rect.full(f.width(), f.height()) : regions.get(n);
            boxes.add(runOne(f, r, config, out, n * per));
        }
        return new Result(out, List.copyOf(boxes));
    }

    /** One frame's {@code 3 x H x W} values written at {@code out[offset...]}; returns its placement. */
    public static Letterbox runOne(HostImage frame, Rect region, PreprocessConfig config, float[] out, int offset) {
        region.requireInside(frame.width(), frame.height(), "source region of " + frame);
        Letterbox box = Letterbox.of(config, region);
        HostImage rgb = ColorConvertCpu.convert(frame, region, ChannelOrder.RGB);
        int w = box.width();
        int h = box.height();
        float[][] content = new float[3][w * h]; // R, G, B planes of the resized region, unrounded
        if (config.interpolation() == Interpolation.NEAREST) {
            int[] xs = ResizeCpu.nearest(w, region.width(), box.sourceStepX());
            int[] ys = ResizeCpu.nearest(h, region.height(), box.sourceStepY());
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        content[c][y * w + x] = rgb.get(0, 3 * xs[x] + c, ys[y]);
                    }
                }
            }
        } else {
            ResizeCpu.Taps tx = ResizeCpu.linear(w, region.width(), box.sourceStepX(), true);
            ResizeCpu.Taps ty = ResizeCpu.linear(h, region.height(), box.sourceStepY(), false);
            for (int y = 0; y < h; y++) {
                int y0 = ty.i0()[y];
                int y1 = ty.i1()[y];
                float b = ty.w1()[y];
                for (int x = 0; x < w; x++) {
                    int x0 = 3 * tx.i0()[x];
                    int x1 = 3 * tx.i1()[x];
                    float a = tx.w1()[x];
                    for (int c = 0; c < 3; c++) {
                        content[c][y * w + x] = ResizeCpu.lerp2(rgb.get(0, x0 + c, y0), rgb.get(0, x1 + c, y0),
                                rgb.get(0, x0 + c, y1), rgb.get(0, x1 + c, y1), a, b);
                    }
                }
            }
        }
        int outW = config.width();
        int outH = config.height();
        boolean nchw = config.layout() == TensorLayout.NCHW;
        boolean half = config.dtype() == DType.F16;
        Normalize norm = config.normalize();
        float pad = config.padValue();
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                int cx = x - box.padX();
                int cy = y - box.padY();
                boolean inside = cx >= 0 && cy >= 0 && cx < w && cy < h;
                for (int c = 0; c < 3; c++) {
                    // output channel c holds R,G,B for RGB order and B,G,R for BGR
                    int src = config.order() == ChannelOrder.RGB ? c : 2 - c;
                    float v = norm.apply(c, inside ? content[src][cy * w + cx] : pad);
                    if (half) {
                        v = Half.round(v);
                    }
                    int i = nchw ? (c * outH + y) * outW + x : (y * outW + x) * 3 + c;
                    out[offset + i] = v;
                }
            }
        }
        return box;
    }
}
