package dev.vahost.examples.pixelate;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;

import dev.vahost.nvmm.Closeables;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.nvmm.cuda.PinnedHostBuffer;
import dev.vahost.nvmm.cuda.Transfers;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.stage.MetaKey;
import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageBatch;
import dev.vahost.pipelines.stage.StageFrame;

/**
 * Per batch: a table of frames (plane addresses, pitches) and their boxes is written to pinned host
 * memory, copied to the device once, and one kernel launch pixelates every box of every frame on
 * the batch's stream. Nothing is synchronised on the hot path and no pixel leaves the GPU; the two
 * host tables alternate, each reused only after its previous copy has completed.
 */
final class PixelateStage implements Stage {
    /** Published per frame: how many boxes were pixelated. */
    static final MetaKey<Integer> PIXELATED = MetaKey.published("pixelated", Integer.class);
    private static final int FRAME_BYTES = 32, BOX_BYTES = 16;
    /** One block per frame; its threads share a box's squares (a 1080p person box at cell 16 has ~100-800). */
    private static final int THREADS = 256;

    private final Set<Integer> classes;
    private final float minScore;
    private final int cell, maxBoxes, maxBatch;
    private final Kernel kernel;
    private final DevicePool pool;
    private final DeviceBuffer table;
    private final PinnedHostBuffer[] host = new PinnedHostBuffer[2];
    private final CudaEvent[] copied = new CudaEvent[2];
    private final boolean[] recorded = new boolean[2];
    private final CudaEvent launched;
    private final long boxOffset;
    private int slot;
    private boolean used;

    PixelateStage(Set<Integer> classes, float minScore, int cell, int maxBoxes, int maxBatch, String name) {
        this.classes = classes;
        this.minScore = minScore;
        this.cell = cell;
        this.maxBoxes = maxBoxes;
        this.maxBatch = maxBatch;
        kernel = KernelModule.load(PixelateFactory.class, PixelateFactory.KERNELS, "pixelate").kernel("pixelate_boxes_nv12");
        boxOffset = (long) maxBatch * FRAME_BYTES;
        long bytes = boxOffset + (long) maxBatch * maxBoxes * BOX_BYTES;
        pool = DevicePool.create("stage-" + name, bytes + (1 << 20));
        table = pool.allocate(bytes, "pixelate table");
        for (int i = 0; i < 2; i++) {
            host[i] = new PinnedHostBuffer(bytes);
            copied[i] = CudaEvent.marker();
        }
        launched = CudaEvent.marker();
    }

    @Override
    public boolean needsFrames() {
        return true;
    }

    @Override
    public void process(StageBatch batch) {
        CudaStream stream = batch.cudaStream();
        if (stream == null) throw new IllegalStateException("pixelate runs on the GPU path only");
        if (batch.frames().size() > maxBatch) {
            throw new IllegalArgumentException("batch of " + batch.frames().size() + " frames exceeds the stage's " + maxBatch);
        }
        if (recorded[slot]) copied[slot].synchronize(); // the copy that last read this table (long done, as a rule)
        ByteBuffer t = host[slot].buffer().order(ByteOrder.LITTLE_ENDIAN);
        int frames = 0, boxes = 0;
        String unsupported = null;
        for (StageFrame f : batch.frames()) {
            int drawn = 0;
            for (FrameResult.Detection d : f.detections()) {
                if (d.score() < minScore || !(classes.isEmpty() || classes.contains(d.classId()))) continue;
                if (drawn == maxBoxes) break;
                int[] b = PixelBoxes.align(d.x1(), d.y1(), d.x2(), d.y2(), f.width(), f.height());
                if (b == null) continue;
                if (drawn == 0) {
                    DeviceImage im = f.deviceFrame().image();
                    if (im.format() != PixelFormat.NV12) {
                        unsupported = "stream " + f.streamId() + " frames are " + im.format() + "; pixelate takes NV12 (NVDEC's output)";
                        break;
                    }
                    t.putLong(frames * FRAME_BYTES, im.plane(0)).putLong(frames * FRAME_BYTES + 8, im.plane(1))
                            .putInt(frames * FRAME_BYTES + 16, im.pitch(0)).putInt(frames * FRAME_BYTES + 20, im.pitch(1))
                            .putInt(frames * FRAME_BYTES + 24, boxes);
                }
                int at = (int) boxOffset + (boxes + drawn) * BOX_BYTES;
                t.putInt(at, b[0]).putInt(at + 4, b[1]).putInt(at + 8, b[2]).putInt(at + 12, b[3]);
                drawn++;
            }
            if (drawn > 0) {
                t.putInt(frames * FRAME_BYTES + 28, drawn);
                frames++;
                boxes += drawn;
            }
            f.meta().put(PIXELATED, drawn);
        }
        if (frames > 0) {
            Transfers.toDeviceAsync(stream, table.address(), host[slot], 0, boxOffset + (long) boxes * BOX_BYTES);
            copied[slot].record(stream);
            recorded[slot] = true;
            kernel.launch(stream, frames, 1, 1, THREADS, 1, 1, 0, table.address(), table.address() + boxOffset, cell);
            launched.record(stream);
            used = true;
            slot ^= 1;
        }
        if (unsupported != null) throw new IllegalStateException(unsupported);
    }

    /** Waits for the last launch, then frees the tables. */
    @Override
    public void close() {
        List<AutoCloseable> parts = new java.util.ArrayList<>();
        if (used) parts.add(launched::synchronize);
        parts.add(launched);
        for (int i = 0; i < 2; i++) {
            parts.add(copied[i]);
            parts.add(host[i]);
        }
        parts.add(table);
        parts.add(pool);
        Closeables.closeAll(parts);
    }
}
