package dev.vahost.postprocess;

import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.postprocess.internal.CudaBackend;
import dev.vahost.postprocess.internal.PostprocessEngine;

import java.util.List;

/**
 * Decode, batched NMS, top-k, letterbox mapping and compaction of a whole batch on the GPU, without
 * a host round trip: {@link #submit} enqueues six kernels and one copy of the packed detections
 * (a header per image plus 28 bytes per detection) into pinned memory through the counted
 * {@code Transfers} path; the caller synchronises the stream once and calls {@link #results()}.
 * The workspace (from the given pool) is allocated here, for {@code maxBatch} images; its largest
 * part is the IoU masks, {@code maxBatch * cap * ceil(cap/64) * 8} bytes for cap =
 * {@code maxCandidatesPerImage}. One batch in flight per instance; not thread-safe.
 *
 * <p>A decoder without NMS ({@link DecoderConfig#requiresNms()} false: {@link DetrDecode}) is created
 * without an {@link NmsConfig}: decode, its top-k in score order, mapping, compaction and the one
 * results copy (four kernels).
 *
 * <pre>{@code
 * try (var post = GpuPostprocessor.create(new YoloV8Decode(80, 2100, 0.25f),
 *         NmsConfig.classAware(0.45f, 2100, 300), 32, pool)) {
 *     post.submit(stream, mappings, yoloOutput);   // F16[n, 84, 2100] on the device
 *     stream.synchronize();
 *     BatchDetections d = post.results();           // d.detections(i): image i of the batch
 * }
 * }</pre>
 */
public final class GpuPostprocessor implements AutoCloseable {
    private final PostprocessEngine engine;

    private GpuPostprocessor(PostprocessEngine engine) {
        this.engine = engine;
    }

    /** With room for every image's top-k in the results copy. */
    public static GpuPostprocessor create(DecoderConfig decoder, NmsConfig nms, int maxBatch, DevicePool pool) {
        return create(decoder, nms, maxBatch, Integer.MAX_VALUE, pool);
    }

    /** For a decoder without NMS ({@link DetrDecode}), with room for every image's top-k in the results copy. */
    public static GpuPostprocessor create(DecoderConfig decoder, int maxBatch, DevicePool pool) {
        return create(decoder, null, maxBatch, Integer.MAX_VALUE, pool);
    }

    /**
     * @param nms            required when {@code decoder.requiresNms()}, null otherwise
     * @param resultCapacity detections per batch the results copy holds (a smaller copy when scenes are
     *                       sparse); images past it are reported with a problem, never silently cut
     * @throws IllegalArgumentException when {@code nms} is missing or not applicable, saying which
     */
    public static GpuPostprocessor create(DecoderConfig decoder, NmsConfig nms, int maxBatch, int resultCapacity,
                                          DevicePool pool) {
        return new GpuPostprocessor(new PostprocessEngine(new CudaBackend(pool, "postprocess"), decoder, nms, maxBatch,
                resultCapacity));
    }

    /**
     * Enqueues the postprocessing of one batch. No sync, no allocation.
     *
     * @param images  image i's letterbox mapping; dimension 0 of every output is the image
     * @param outputs device tensors as {@link DecoderConfig#expectedOutputs()} lists
     * @throws IllegalArgumentException for wrong shapes or dtypes, naming the tensor
     * @throws IllegalStateException    when the previous batch's results were not collected
     */
    public synchronized void submit(CudaStream stream, List<InputMapping> images, DeviceTensor... outputs) {
        engine.submit(stream, images, outputs);
    }

    /**
     * Whether the last submitted batch has completed (its completion marker, recorded after the
     * results copy, is reached): then {@link #results} returns without waiting. Does not block; the
     * way to wait for a batch without synchronising its stream (which may carry later work).
     *
     * @throws IllegalStateException when nothing was submitted since the last {@link #results}
     */
    public synchronized boolean resultsReady() {
        return engine.resultsReady();
    }

    /**
     * The last batch's detections; call after synchronising the stream given to {@link #submit}, or
     * once {@link #resultsReady} said so.
     * Should the batch's completion marker still be unreached, waits for it (up to 10 s; see
     * {@link #lateMarkers}).
     *
     * @throws IllegalStateException when nothing was submitted, or the batch did not complete within 10 s
     */
    public synchronized BatchDetections results() {
        return engine.results();
    }

    /** Batches whose completion marker was not yet reached when {@link #results} was called (after the caller's sync). */
    public synchronized long lateMarkers() {
        return engine.lateMarkers();
    }

    /** Device bytes held by this postprocessor. */
    public long workspaceBytes() {
        return engine.workspaceBytes();
    }

    /** Bytes the results copy moves for a batch of {@code images}. */
    public long resultBytes(int images) {
        return engine.resultBytes(images);
    }

    @Override
    public synchronized void close() {
        engine.close();
    }
}
