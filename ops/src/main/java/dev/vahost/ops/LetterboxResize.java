package dev.vahost.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.CudaException;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.nvmm.cuda.Kernel;
import dev.vahost.nvmm.cuda.KernelModule;
import dev.vahost.ops.internal.Formats;
import dev.vahost.ops.internal.FrameTable;
import dev.vahost.ops.internal.UploadRing;

/**
 * The pipeline's preprocessing: a batch of frames of any sizes, pitches and supported formats
 * (NV12, I420, RGBA, BGRA, RGBx, BGRx, RGB, BGR; YUV by each frame's colour spec) becomes one
 * {@code [N,3,H,W]} (or {@code [N,H,W,3]}) fp16/fp32 tensor in <b>one kernel launch</b>: colour
 * conversion, optional crop (a source region per frame), OpenCV-aligned resize, letterbox padding,
 * channel order and normalisation, fused (letterbox.cu, kernels
 * {@code letterbox_batch_to_{f16,f32}_{nchw,nhwc}}; CPU reference
 * {@link dev.vahost.ops.cpu.LetterboxResizeCpu}).
 *
 * <p>Per-frame parameters (plane addresses, pitches, format, colour coefficients, region, placement)
 * live in a 128-byte-per-frame device table, re-uploaded (one small asynchronous copy through
 * {@link dev.vahost.nvmm.cuda.Transfers}, on the caller's stream) only when it changes; frames from a
 * decoder's rotating buffer pool do change it, a repeated batch does not. {@link #submit} only
 * enqueues: it allocates no device memory and never synchronises, except that it waits for the GPU
 * when {@value #TABLE_SLOTS} table versions are all still in flight (see {@link #tableWaits()}).
 *
 * <pre>{@code
 * try (DevicePool pool = DevicePool.create("preprocess", 64 << 20);
 *      LetterboxResize pre = LetterboxResize.create(PreprocessConfig.letterbox(640, 640), 32, pool);
 *      DeviceBuffer buf = pool.allocate(pre.config().bytes(32), "input tensor")) {
 *     DeviceTensor batch = DeviceTensor.of(buf, DType.F16, pre.config().shape(frames.size()));
 *     Letterbox[] boxes = new Letterbox[32];
 *     pre.submit(stream, frames, null, batch, boxes);   // boxes[i] maps detections back
 * }
 * }</pre>
 *
 * <p>Submits are serialised by a lock; use one instance per batching thread. Close waits for the GPU work that
 * reads the table, then frees it; close is idempotent.
 */
public final class LetterboxResize implements AutoCloseable {
    /** Table versions that may be in flight before submit waits for the GPU. */
    public static final int TABLE_SLOTS = 16;
    private static final int BLOCK_X = 32;
    private static final int BLOCK_Y = 8;

    private final PreprocessConfig config;
    private final int maxBatch;
    private final Kernel kernel;
    private final UploadRing table;
    private final byte[] scratch;
    private final ByteBuffer scratchView;
    private final Letterbox[] placements; // per batch index, reused while the frame's region is unchanged
    private final Object lock = new Object();
    private volatile boolean closed;

    private LetterboxResize(PreprocessConfig config, int maxBatch, Kernel kernel, UploadRing table) {
        this.config = config;
        this.maxBatch = maxBatch;
        this.kernel = kernel;
        this.table = table;
        this.scratch = new byte[maxBatch * FrameTable.BYTES];
        this.scratchView = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
        this.placements = new Letterbox[maxBatch];
    }

    /**
     * An operator for batches of up to {@code maxBatch} frames; its parameter table
     * ({@value #TABLE_SLOTS} x maxBatch x 128 bytes) comes from {@code pool}.
     */
    public static LetterboxResize create(PreprocessConfig config, int maxBatch, DevicePool pool) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(pool, "pool");
        if (maxBatch <= 0 || maxBatch > 65535) {
            throw new IllegalArgumentException("maxBatch must be within 1..65535 (the grid's z extent), got " + maxBatch);
        }
        Kernel k = KernelModule.load("ops", "letterbox").kernel(kernelName(config));
        UploadRing ring = new UploadRing(pool, maxBatch * FrameTable.BYTES, TABLE_SLOTS,
                "letterbox parameter table (" + maxBatch + " frames)");
        return new LetterboxResize(config, maxBatch, k, ring);
    }

    /** The kernel for a config, e.g. {@code letterbox_batch_to_f16_nchw}. */
    static String kernelName(PreprocessConfig c) {
        return "letterbox_batch_to_" + c.dtype().name().toLowerCase(java.util.Locale.ROOT) + "_"
                + c.layout().name().toLowerCase(java.util.Locale.ROOT);
    }

    public PreprocessConfig config() {
        return config;
    }

    public int maxBatch() {
        return maxBatch;
    }

    /** Enqueues whole frames into {@code out}. */
    public void submit(CudaStream stream, List<DeviceImage> frames, DeviceTensor out) {
        submit(stream, frames, null, out, null);
    }

    /**
     * Enqueues the preprocessing of {@code frames} into {@code out} on {@code stream}.
     *
     * @param regions   null for whole frames, or one source region per frame (null entries: whole
     *                  frame), e.g. detections for a second-stage model
     * @param out       a contiguous tensor of the config's dtype and shape {@code config.shape(frames.size())}
     * @param placedOut null, or an array of at least {@code frames.size()} that receives each frame's
     *                  {@link Letterbox} (instances are reused while a slot's region is unchanged)
     */
    public void submit(CudaStream stream, List<DeviceImage> frames, List<Rect> regions, DeviceTensor out,
                       Letterbox[] placedOut) {
        Objects.requireNonNull(stream, "stream");
        int n = check(config, frames, regions, out);
        if (n > maxBatch) {
            throw new IllegalArgumentException("batch of " + n + " frames exceeds this operator's maxBatch " + maxBatch);
        }
        if (placedOut != null && placedOut.length < n) {
            throw new IllegalArgumentException("placement array of " + placedOut.length + " for " + n + " frames");
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("LetterboxResize is closed");
            }
            for (int i = 0; i < n; i++) {
                DeviceImage f = frames.get(i);
                Letterbox box = placement(i, f, regions == null ? null : regions.get(i));
                FrameTable.write(scratchView, i * FrameTable.BYTES, f, box);
                if (placedOut != null) {
                    placedOut[i] = box;
                }
            }
            long tableAddress = table.publish(stream, scratch, n * FrameTable.BYTES);
            Normalize norm = config.normalize();
            try {
                // grid: one thread per output pixel in 32x8 blocks, z = frame (see letterbox.cu)
                kernel.launch(stream, Kernel.blocks(config.width(), BLOCK_X), Kernel.blocks(config.height(), BLOCK_Y), n,
                        BLOCK_X, BLOCK_Y, 1, 0,
                        tableAddress, out.address(), config.width(), config.height(),
                        config.order() == ChannelOrder.BGR ? 1 : 0, config.interpolation() == Interpolation.NEAREST ? 1 : 0,
                        norm.multiply(0), norm.multiply(1), norm.multiply(2), norm.add(0), norm.add(1), norm.add(2),
                        (float) config.padValue());
            } catch (CudaException e) {
                throw ColorConvert.rethrow(e, kernel.name() + " for " + n + " frames -> " + out.describe());
            }
            table.markUsed(stream);
        }
    }

    /** The placement of batch slot {@code i}: the cached one while the region is unchanged, else a new one. */
    private Letterbox placement(int i, DeviceImage f, Rect region) {
        Letterbox cached = placements[i];
        if (region == null) {
            if (cached != null) {
                Rect s = cached.source();
                if (s.x() == 0 && s.y() == 0 && s.width() == f.width() && s.height() == f.height()) {
                    return cached;
                }
            }
            cached = Letterbox.of(config, Rect.full(f.width(), f.height()));
        } else {
            if (cached != null && cached.source().equals(region)) {
                return cached;
            }
            cached = Letterbox.of(config, region);
        }
        placements[i] = cached;
        return cached;
    }

    /**
     * The checks {@link #submit} makes, usable without a GPU: returns the batch size.
     *
     * @throws IllegalArgumentException      for a bad frame list, region, or output shape/dtype
     * @throws UnsupportedOperationException for a pixel format the kernels do not read, or a
     *                                       non-contiguous output
     */
    public static int check(PreprocessConfig config, List<DeviceImage> frames, List<Rect> regions, DeviceTensor out) {
        Objects.requireNonNull(frames, "frames");
        Objects.requireNonNull(out, "output tensor");
        int n = frames.size();
        if (n == 0) {
            throw new IllegalArgumentException("a batch needs at least one frame");
        }
        if (regions != null && regions.size() != n) {
            throw new IllegalArgumentException("mismatched batch: " + regions.size() + " regions for " + n + " frames");
        }
        for (int i = 0; i < n; i++) {
            DeviceImage f = frames.get(i);
            if (f == null) {
                throw new IllegalArgumentException("frame " + i + " of the batch is null");
            }
            Formats.code(f.format());
            Formats.checkPitches(f, i);
            Rect r = regions == null ? null : regions.get(i);
            if (r != null && ((long) r.x() + r.width() > f.width() || (long) r.y() + r.height() > f.height())) {
                r.requireInside(f.width(), f.height(), "frame " + i + " (" + f + ")"); // throws
            }
        }
        if (out.dtype() != config.dtype()) {
            throw new IllegalArgumentException("output tensor " + out.describe() + " is " + out.dtype()
                    + " but the config writes " + config.dtype());
        }
        if (out.rank() != 4 || out.dim(0) != n) {
            throw new IllegalArgumentException("mismatched batch: " + n + " frames but the output tensor is "
                    + out.describe() + " (expected " + Arrays.toString(config.shape(n)) + ")");
        }
        boolean nchw = config.layout() == TensorLayout.NCHW;
        // compared dimension by dimension: no arrays on the per-batch path
        if (out.dim(nchw ? 1 : 3) != 3 || out.dim(nchw ? 2 : 1) != config.height() || out.dim(nchw ? 3 : 2) != config.width()) {
            throw new IllegalArgumentException("output tensor " + out.describe() + " does not match the config: expected "
                    + Arrays.toString(config.shape(n)) + " (" + config.layout() + ", " + config.width() + "x"
                    + config.height() + ")");
        }
        if (!out.isContiguous()) {
            throw new UnsupportedOperationException("the output tensor must be contiguous, got " + out.describe());
        }
        return n;
    }

    /** Table uploads so far: one per submit whose frames, regions or stream changed. */
    public long tableUploads() {
        return table.uploads();
    }

    /** Submits that waited for the GPU because {@value #TABLE_SLOTS} table versions were in flight. */
    public long tableWaits() {
        return table.waits();
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        table.close();
    }
}
