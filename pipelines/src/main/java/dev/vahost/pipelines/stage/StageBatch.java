package dev.vahost.pipelines.stage;

import java.util.List;

import dev.vahost.nvmm.cuda.CudaStream;

/**
 * One batch as stages see it: its frames in batch order (frames of one stream in stream order) and,
 * on the GPU path, the CUDA stream the batch ran on.
 */
public final class StageBatch {
    private final List<StageFrame> frames;
    private final CudaStream stream;
    private final long wallClockMillis;

    StageBatch(List<StageFrame> frames, CudaStream stream, long wallClockMillis) {
        this.frames = List.copyOf(frames);
        this.stream = stream;
        this.wallClockMillis = wallClockMillis;
    }

    public List<StageFrame> frames() {
        return frames;
    }

    /**
     * The CUDA stream of this batch (GPU path), or null (CPU path). The detector's work on it has
     * completed; work a stage enqueues here completes before the frames return to the decoders and
     * before the next batch's preprocessing. Enqueue only: do not synchronise it on the hot path.
     */
    public CudaStream cudaStream() {
        return stream;
    }

    public boolean gpu() {
        return stream != null;
    }

    /** When detection of this batch finished (System.currentTimeMillis()). */
    public long wallClockMillis() {
        return wallClockMillis;
    }
}
