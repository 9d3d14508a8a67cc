package dev.vahost.examples.pixelate;

import java.util.List;
import java.util.Set;

import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageContext;
import dev.vahost.pipelines.stage.StageFactory;

/**
 * {@code type: pixelate}: pixelates the detected boxes in place in the decoded frames, on the GPU,
 * with this plugin's own CUDA kernel (one launch per batch), before anything downstream sees the
 * frames. GPU path only (frames in CUDA memory).
 *
 * <pre>
 * stages:
 *   - type: pixelate
 *     config:
 *       classes: [0]         # absent or empty: every class
 *       min_score: 0.3       # boxes below it are left alone
 *       cell: 16             # square size in pixels, even, 2..256
 *       max_boxes: 100       # per frame (the highest scores first come from NMS); more are counted, not drawn
 * </pre>
 */
public final class PixelateFactory implements StageFactory<PixelateFactory.Config> {
    /** The fatbin's Maven module: {@code dev/vahost/kernels/example-pixelate/pixelate.fatbin} in this jar. */
    static final String KERNELS = "example-pixelate";

    /** The configuration section (keys in snake_case). */
    public record Config(List<Integer> classes, float minScore, Integer cell, Integer maxBoxes) {}

    @Override
    public String type() {
        return "pixelate";
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public String describe() {
        return "pixelates detected boxes in the GPU frames (own CUDA kernel), meta pixelated";
    }

    @Override
    public Stage create(Config c, StageContext ctx) {
        int cell = c.cell() == null ? 16 : c.cell();
        if (cell < 2 || cell > 256 || cell % 2 != 0) throw new IllegalArgumentException("cell: expected an even number within 2..256, got " + cell);
        int maxBoxes = c.maxBoxes() == null ? 100 : c.maxBoxes();
        if (maxBoxes < 1 || maxBoxes > 10_000) throw new IllegalArgumentException("max_boxes: expected 1..10000, got " + maxBoxes);
        if (!(c.minScore() >= 0 && c.minScore() <= 1)) throw new IllegalArgumentException("min_score: expected 0..1, got " + c.minScore());
        if (!ctx.gpu()) {
            throw new IllegalArgumentException("pixelate changes frames in GPU memory: it needs the GPU path (an NVIDIA GPU, "
                    + "NVDEC and the project built with nvcc); this service runs the CPU path");
        }
        if (!KernelModule.isBuilt(PixelateFactory.class, KERNELS, "pixelate")) {
            throw new IllegalStateException("the plugin's CUDA kernel was not built (nvcc was missing when its jar was made)");
        }
        return new PixelateStage(c.classes() == null ? Set.of() : Set.copyOf(c.classes()), c.minScore(), cell, maxBoxes,
                ctx.maxBatch(), ctx.name());
    }
}
