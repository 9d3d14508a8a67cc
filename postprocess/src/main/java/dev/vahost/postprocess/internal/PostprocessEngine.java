package dev.vahost.postprocess.internal;

import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.CandidateBoxes;
import dev.vahost.postprocess.CenterNetDecode;
import dev.vahost.postprocess.DecoderConfig;
import dev.vahost.postprocess.DetectNetV2Decode;
import dev.vahost.postprocess.DetrDecode;
import dev.vahost.postprocess.Detection;
import dev.vahost.postprocess.InputMapping;
import dev.vahost.postprocess.NmsConfig;
import dev.vahost.postprocess.SsdDecode;
import dev.vahost.postprocess.YoloV5Decode;
import dev.vahost.postprocess.YoloV8Decode;
import dev.vahost.postprocess.YoloXDecode;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Workspace and launch sequence of the GPU postprocessing (decode.cu, batched_nms.cu). Everything is
 * allocated at construction for {@code maxBatch} images; {@link #submit} only validates shapes and
 * enqueues six kernels, a small table upload when the letterbox table changed, and one results copy.
 * A decoder without NMS ({@link DecoderConfig#requiresNms()} false) takes the short path: decode, sort
 * with the cap at its top-k and every capped candidate kept, top-k mapping, pack, copy (four kernels;
 * no IoU masks are allocated).
 * Not thread-safe; one batch in flight: {@link #results()} must be called (after the stream was
 * synchronised) before the next {@link #submit}.
 */
public final class PostprocessEngine implements AutoCloseable {
    static final String DECODE = "decode";
    static final String NMS = "batched_nms";
    public static final int HEADER_BYTES = 32;
    public static final int RECORD_BYTES = 28;
    static final int SORT_THREADS = 1024;
    static final int REDUCE_THREADS = 512;
    // nms_sort_segments modes (batched_nms.cu)
    static final int SORT_CLASS_AGNOSTIC = 0, SORT_CLASS_AWARE = 1, SORT_NO_NMS = 2;

    private final Backend backend;
    private final DecoderConfig decoder;
    private final NmsConfig nms;     // null: no NMS
    private final int maxBatch;
    private final int capacity;      // candidates a decoder can append per image
    private final int cap;           // candidates entering NMS per image
    private final int topK;
    private final int segCapacity;   // segments (classes present) per image
    private final long maskStride;   // 64-bit mask words per image
    private final int recordCapacity;
    private long workspaceBytes;

    private final long state, cand, keysA, keysB, valsA, valsB, byScore, rowP, sbox, keep;
    private final long segStart, segCount, segTileEnd, segMaskOff, mask, mapping, staging, result, constants;

    private final float[] mappingTable;
    private final float[] uploadedTable;
    private int uploadedImages = -1;
    private boolean dirty;           // a submit failed half-way: reset device state first
    private boolean inFlight;
    private int inFlightImages;
    private ByteBuffer resultView;
    private boolean closed;
    private java.util.function.BiConsumer<Object, String> stageListener;

    /**
     * @param nms required when {@code decoder.requiresNms()}, null otherwise
     */
    public PostprocessEngine(Backend backend, DecoderConfig decoder, NmsConfig nms, int maxBatch, int recordCapacity) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        try {
            this.nms = NmsPlan.check(decoder, nms);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        if (maxBatch < 1 || maxBatch > 65535) throw new IllegalArgumentException("maxBatch must be within 1..65535, got " + maxBatch);
        this.maxBatch = maxBatch;
        this.capacity = decoder.candidateCapacity();
        boolean runNms = nms != null;
        this.cap = runNms ? Math.min(nms.maxCandidatesPerImage(), capacity) : NmsPlan.topKWithoutNms(decoder);
        this.topK = runNms ? Math.min(nms.effectiveTopK(), cap) : cap;
        if (recordCapacity < 1) throw new IllegalArgumentException("resultCapacity must be >= 1, got " + recordCapacity);
        this.recordCapacity = (int) Math.min(recordCapacity, (long) maxBatch * topK);
        this.segCapacity = !runNms ? 0 : nms.classAgnostic() ? 1 : Math.min(cap, decoder.numClasses());
        long words = (cap + 63) / 64;
        this.maskStride = runNms ? cap * words : 0;
        this.mappingTable = new float[6 * maxBatch];
        this.uploadedTable = new float[6 * maxBatch];

        long nb = maxBatch;
        try {
            state = alloc(nb * 32, "image state");
            cand = alloc(nb * capacity * 32, "candidates");
            keysA = alloc(nb * capacity * 8, "sort keys A");
            keysB = alloc(nb * capacity * 8, "sort keys B");
            valsA = alloc(nb * capacity * 4, "sort values A");
            valsB = alloc(nb * capacity * 4, "sort values B");
            byScore = alloc(nb * cap * 4, "score order");
            keep = alloc(nb * cap, "keep flags");
            if (runNms) {
                rowP = alloc(nb * cap * 4, "class order");
                sbox = alloc(nb * cap * 16, "sorted boxes");
                segStart = alloc(nb * segCapacity * 4, "segment starts");
                segCount = alloc(nb * segCapacity * 4, "segment sizes");
                segTileEnd = alloc(nb * segCapacity * 4, "segment tiles");
                segMaskOff = alloc(nb * segCapacity * 4, "segment mask offsets");
                mask = alloc(nb * maskStride * 8, "IoU masks");
            } else {
                rowP = sbox = segStart = segCount = segTileEnd = segMaskOff = mask = 0;
            }
            mapping = alloc(nb * 6 * 4, "letterbox table");
            staging = alloc(nb * topK * RECORD_BYTES, "per-image detections");
            result = alloc(nb * HEADER_BYTES + (long) this.recordCapacity * RECORD_BYTES, "packed results");
            float[] table = decoderConstants(decoder);
            if (table != null) {
                constants = alloc(4L * table.length, decoder.getClass().getSimpleName() + " constants");
                backend.upload(constants, table);
            } else {
                constants = 0;
            }
            backend.reserveHost(resultBytes(maxBatch), 6 * maxBatch);
            for (String k : decodeKernels()) backend.requireKernel(DECODE, k);
            List<String> nmsKernels = runNms
                    ? List.of("nms_sort_segments", "nms_iou_mask", "nms_reduce_segments", "nms_select_topk", "nms_pack_results",
                            "nms_reset_state")
                    : List.of("nms_sort_segments", "nms_select_topk", "nms_pack_results", "nms_reset_state");
            for (String k : nmsKernels) backend.requireKernel(NMS, k);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
        dirty = true;
    }

    private long alloc(long bytes, String purpose) {
        long a = backend.allocate(bytes, purpose);
        workspaceBytes += bytes;
        return a;
    }

    /**
     * Per-decoder constants uploaded once: SSD priors (A x cx, cy, w, h), YOLOX levels (first anchor,
     * grid width, grid height, stride; integers below 2^24, exact in float), DetectNet_v2 class
     * thresholds; null for the others.
     */
    static float[] decoderConstants(DecoderConfig decoder) {
        if (decoder instanceof SsdDecode s) return s.priors();
        if (decoder instanceof DetectNetV2Decode d) return d.classThresholds();
        if (decoder instanceof YoloXDecode y) {
            float[] t = new float[4 * y.levels()];
            int first = 0;
            for (int l = 0; l < y.levels(); l++) {
                t[4 * l] = first;
                t[4 * l + 1] = y.gridWidth(l);
                t[4 * l + 2] = y.gridHeight(l);
                t[4 * l + 3] = y.stride(l);
                first += y.gridWidth(l) * y.gridHeight(l);
            }
            return t;
        }
        return null;
    }

    private List<String> decodeKernels() {
        String base = decoder instanceof YoloV8Decode ? "decode_yolov8" : decoder instanceof YoloV5Decode ? "decode_yolov5"
                : decoder instanceof YoloXDecode ? "decode_yolox" : decoder instanceof SsdDecode ? "decode_ssd"
                : decoder instanceof CenterNetDecode ? "decode_centernet" : decoder instanceof DetrDecode ? "decode_detr"
                : decoder instanceof DetectNetV2Decode ? "decode_detectnet_v2" : "decode_candidates";
        return List.of(base + "_f32", base + "_f16");
    }

    public long workspaceBytes() { return workspaceBytes; }

    /** Called on the submitting thread after each stage is enqueued (benchmarks record CUDA events here). */
    public void setStageListener(java.util.function.BiConsumer<Object, String> listener) {
        this.stageListener = listener;
    }

    private void stage(Object stream, String name) {
        if (stageListener != null) stageListener.accept(stream, name);
    }

    public int maxBatch() { return maxBatch; }

    /** Bytes copied to the host for a batch of {@code images}. */
    public long resultBytes(int images) {
        return (long) maxBatch * HEADER_BYTES + (long) Math.min(recordCapacity, images * topK) * RECORD_BYTES;
    }

    /** Enqueues the whole postprocessing of one batch on {@code stream}. */
    public void submit(Object stream, List<InputMapping> images, DeviceTensor... outputs) {
        if (closed) throw new IllegalStateException("postprocessor is closed");
        if (inFlight) {
            throw new IllegalStateException("the previous batch's results were not collected: call results() after"
                    + " synchronising the stream before submitting the next batch");
        }
        int n = images.size();
        if (n < 1 || n > maxBatch) throw new IllegalArgumentException("batch of " + n + " images, must be within 1.." + maxBatch);
        String dtype = validate(n, outputs);
        boolean f16 = dtype.equals("F16");

        for (int b = 0; b < n; b++) {
            InputMapping m = Objects.requireNonNull(images.get(b), "mapping of image " + b);
            mappingTable[6 * b] = m.scaleX();
            mappingTable[6 * b + 1] = m.scaleY();
            mappingTable[6 * b + 2] = m.padX();
            mappingTable[6 * b + 3] = m.padY();
            mappingTable[6 * b + 4] = m.sourceWidth();
            mappingTable[6 * b + 5] = m.sourceHeight();
        }
        try {
            if (dirty) {
                // Geometry: one block walks all maxBatch states (a few hundred bytes).
                backend.launch(stream, NMS, "nms_reset_state", 1, 1, 1, 256, 1, 1, state, maxBatch);
            }
            dirty = true;
            if (n > uploadedImages || !Arrays.equals(mappingTable, 0, 6 * n, uploadedTable, 0, 6 * n)) {
                backend.uploadAsync(stream, mapping, mappingTable, 6 * n);
                System.arraycopy(mappingTable, 0, uploadedTable, 0, 6 * n);
                uploadedImages = Math.max(uploadedImages, n);
            }
            launchDecode(stream, n, f16, outputs);
            stage(stream, "decode");
            int classBytes = decoder.numClasses() <= 256 ? 1 : 2;
            int mode = nms == null ? SORT_NO_NMS : nms.classAgnostic() ? SORT_CLASS_AGNOSTIC : SORT_CLASS_AWARE;
            backend.launch(stream, NMS, "nms_sort_segments", n, 1, 1, SORT_THREADS, 1, 1,
                    state, cand, capacity, cap, mode, classBytes, keysA, keysB, valsA, valsB,
                    byScore, rowP, sbox, keep, segStart, segCount, segTileEnd, segMaskOff, segCapacity);
            stage(stream, "sort");
            if (nms != null) {
                // Enough 64-thread blocks per image to fill the GPU when the batch is large; tiles beyond
                // that are taken in turn (grid-stride), since their number is known only on the device.
                int g = Math.max(8, Math.min(1024, 4096 / n));
                backend.launch(stream, NMS, "nms_iou_mask", g, n, 1, 64, 1, 1,
                        state, sbox, cap, segStart, segCount, segTileEnd, segMaskOff, segCapacity, mask, maskStride,
                        nms.iouThreshold());
                stage(stream, "mask");
                backend.launch(stream, NMS, "nms_reduce_segments", n, 1, 1, REDUCE_THREADS, 1, 1,
                        state, segStart, segCount, segMaskOff, segCapacity, mask, maskStride, rowP, cap, keep, topK);
                stage(stream, "reduce");
            }
            backend.launch(stream, NMS, "nms_select_topk", n, 1, 1, 1024, 1, 1,
                    state, keep, byScore, cap, cand, capacity, mapping, staging, topK);
            stage(stream, "select");
            backend.launch(stream, NMS, "nms_pack_results", n, 1, 1, 256, 1, 1,
                    state, staging, topK, result, result + (long) maxBatch * HEADER_BYTES, recordCapacity);
            stage(stream, "pack");
            resultView = backend.downloadAsync(stream, result, resultBytes(n));
            stage(stream, "copy");
            backend.markDone(stream);
            dirty = false;
            inFlight = true;
            submitted++;
            inFlightImages = n;
        } catch (RuntimeException e) {
            uploadedImages = -1;
            throw e;
        }
    }

    private long lateMarkers, submitted;

    /**
     * Waits (bounded) for the batch's end marker, which is ordered after the results copy. Callers
     * synchronise the stream before {@link #results}, so the marker should already be reached; on the
     * H200 (driver 580, CUDA 13), in the service with the engine replaying CUDA graphs on the same
     * stream, it was once seen unreached right after cuStreamSynchronize returned and reached shortly
     * after. Waiting for the marker itself keeps the results correct either way; each occurrence is
     * counted ({@link #lateMarkers}) and the first one logged.
     */
    private void awaitMarker() {
        long t0 = System.nanoTime(), deadline = t0 + 10_000_000_000L;
        // Diagnosis: were the results already in host memory while the marker was unreached?
        ByteBuffer view = resultView.duplicate();
        byte[] before = new byte[Math.min(view.remaining(), 1 << 16)];
        view.get(before);
        String state = lateMarkers < 3 ? backend.diagnoseLateMarker() : "";
        while (!backend.isDone()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("results(): the batch's completion marker was not reached within 10 s;"
                        + " was the stream passed to submit() synchronised?");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
        long waited = (System.nanoTime() - t0) / 1000;
        byte[] after = new byte[before.length];
        resultView.duplicate().get(after);
        if (lateMarkers++ < 3) {
            org.slf4j.LoggerFactory.getLogger(PostprocessEngine.class).warn("results(): batch {} of this postprocessor: the completion"
                    + " marker was reached {} us after results() was called (the stream had been synchronised); waited for it"
                    + " (counted in lateMarkers()); the first {} result bytes {} while waiting; when found: {}", submitted, waited,
                    before.length, java.util.Arrays.equals(before, after) ? "did not change" : "CHANGED", state);
        }
    }

    /** Batches whose completion marker was not yet reached when {@link #results} was called. */
    public long lateMarkers() {
        return lateMarkers;
    }

    /** Whether the last submitted batch's completion marker is reached (no wait). */
    public boolean resultsReady() {
        if (closed) throw new IllegalStateException("postprocessor is closed");
        if (!inFlight) throw new IllegalStateException("no batch submitted since the last results()");
        return backend.isDone();
    }

    /** The detections of the last submitted batch; the stream must have been synchronised. */
    public BatchDetections results() {
        if (closed) throw new IllegalStateException("postprocessor is closed");
        if (!inFlight) throw new IllegalStateException("no batch submitted since the last results()");
        if (!backend.isDone()) awaitMarker();
        inFlight = false;
        ByteBuffer bb = resultView;
        int n = inFlightImages;
        List<List<Detection>> dets = new ArrayList<>(n);
        String[] problems = new String[n];
        int[] candidates = new int[n];
        long recBase = (long) maxBatch * HEADER_BYTES;
        for (int b = 0; b < n; b++) {
            int h = b * HEADER_BYTES;
            int count = bb.getInt(h), flags = bb.getInt(h + 4), firstBad = bb.getInt(h + 8);
            candidates[b] = bb.getInt(h + 12);
            int offset = bb.getInt(h + 16);
            problems[b] = ProblemFlags.describe(b, flags, firstBad, candidates[b], capacity);
            List<Detection> list = new ArrayList<>(count);
            for (int r = 0; r < count; r++) {
                int p = (int) (recBase + (long) (offset + r) * RECORD_BYTES);
                list.add(new Detection(bb.getInt(p), bb.getFloat(p + 8), bb.getFloat(p + 12), bb.getFloat(p + 16),
                        bb.getFloat(p + 20), bb.getFloat(p + 24), bb.getInt(p + 4)));
            }
            dets.add(list);
        }
        return new BatchDetections(dets, problems, candidates);
    }

    private String validate(int n, DeviceTensor[] outputs) {
        String name = decoder.getClass().getSimpleName();
        int want = decoder instanceof YoloV8Decode || decoder instanceof YoloV5Decode || decoder instanceof YoloXDecode ? 1
                : decoder instanceof SsdDecode || decoder instanceof DetectNetV2Decode ? 2
                : decoder instanceof DetrDecode d ? (d.separateOutputs() ? 2 : 1)
                : decoder instanceof CenterNetDecode c ? (c.hasOffset() ? 3 : 2) : 3;
        if (outputs.length != want) {
            throw new IllegalArgumentException(name + " takes " + decoder.expectedOutputs() + "; got " + outputs.length
                    + " tensor(s)");
        }
        DType dt = outputs[0].dtype();
        if (dt != DType.F32 && dt != DType.F16) {
            throw new UnsupportedOperationException(name + ": model output dtype " + dt + " (only F32 and F16 are supported)");
        }
        if (decoder instanceof YoloV8Decode y) {
            expect(outputs[0], "output", dt, n, 4 + y.numClasses(), y.anchors());
        } else if (decoder instanceof YoloV5Decode y) {
            expect(outputs[0], "output", dt, n, y.anchors(), 5 + y.numClasses());
        } else if (decoder instanceof YoloXDecode y) {
            expect(outputs[0], "output", dt, n, y.anchors(), 5 + y.numClasses());
        } else if (decoder instanceof DetrDecode d) {
            if (d.separateOutputs()) {
                expect(outputs[0], "logits", dt, n, d.queries(), d.scoreColumns());
                expect(outputs[1], "boxes", dt, n, d.queries(), 4);
            } else {
                expect(outputs[0], "output", dt, n, d.queries(), 4 + d.scoreColumns());
            }
        } else if (decoder instanceof DetectNetV2Decode d) {
            expect(outputs[0], "cov", dt, n, d.numClasses(), d.gridHeight(), d.gridWidth());
            expect(outputs[1], "bbox", dt, n, 4L * d.numClasses(), d.gridHeight(), d.gridWidth());
        } else if (decoder instanceof SsdDecode s) {
            expect(outputs[0], "loc", dt, n, s.anchors(), 4);
            expect(outputs[1], "conf", dt, n, s.anchors(), s.numClasses());
        } else if (decoder instanceof CenterNetDecode c) {
            expect(outputs[0], "heatmap", dt, n, c.numClasses(), c.height(), c.width());
            expect(outputs[1], "wh", dt, n, 2, c.height(), c.width());
            if (c.hasOffset()) expect(outputs[2], "offset", dt, n, 2, c.height(), c.width());
        } else {
            CandidateBoxes k = (CandidateBoxes) decoder;
            expect(outputs[0], "boxes", dt, n, k.candidates(), 4);
            expect(outputs[1], "scores", dt, n, k.candidates());
            expect(outputs[2], "classes", DType.I32, n, k.candidates());
        }
        return dt.name();
    }

    private void expect(DeviceTensor t, String what, DType dt, long... shape) {
        Objects.requireNonNull(t, what);
        if (t.dtype() != dt || !Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(what + ": expected " + dt + Arrays.toString(shape) + " for "
                    + decoder.getClass().getSimpleName() + " (" + decoder.expectedOutputs() + "), got " + t.describe());
        }
        for (long s : t.strides()) {
            if (s < 0) throw new UnsupportedOperationException(what + ": negative strides are not supported (" + t.describe() + ")");
        }
    }

    private void launchDecode(Object stream, int n, boolean f16, DeviceTensor[] o) {
        String suffix = f16 ? "_f16" : "_f32";
        // Geometry: 256 threads = 8 warps per block, one slot per thread; blockIdx.y = image.
        if (decoder instanceof YoloV8Decode y) {
            backend.launch(stream, DECODE, "decode_yolov8" + suffix, grid(y.anchors()), n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2), y.numClasses(), y.anchors(),
                    y.scoreThreshold(), cand, capacity, state);
        } else if (decoder instanceof YoloV5Decode y) {
            backend.launch(stream, DECODE, "decode_yolov5" + suffix, grid(y.anchors()), n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2), y.numClasses(), y.anchors(),
                    y.multiLabel() ? 1 : 0, y.scoreThreshold(), cand, capacity, state);
        } else if (decoder instanceof YoloXDecode y) {
            backend.launch(stream, DECODE, "decode_yolox" + suffix, grid(y.anchors()), n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2), y.numClasses(), y.anchors(),
                    constants, y.levels(), y.scoreThreshold(), cand, capacity, state);
        } else if (decoder instanceof DetrDecode d) {
            // One thread per (query, class), or per query for the softmax; a single [n, Q, 4+S] output
            // is passed as boxes and as scores 4 columns in.
            DeviceTensor boxes = d.separateOutputs() ? o[1] : o[0], scores = o[0];
            long scoreAddress = scores.address() + (d.separateOutputs() ? 0 : 4 * scores.stride(2) * scores.dtype().bytes());
            long slots = d.scoreFunction() == DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT ? d.queries()
                    : (long) d.queries() * d.numClasses();
            int fn = switch (d.scoreFunction()) {
                case IDENTITY -> 0;
                case SIGMOID -> 1;
                case SOFTMAX_WITH_NO_OBJECT -> 2;
            };
            backend.launch(stream, DECODE, "decode_detr" + suffix, grid(slots), n, 1, 256, 1, 1,
                    boxes.address(), boxes.stride(0), boxes.stride(1), boxes.stride(2),
                    scoreAddress, scores.stride(0), scores.stride(1), scores.stride(2),
                    d.queries(), d.numClasses(), fn, (float) d.inputWidth(), (float) d.inputHeight(), d.scoreThreshold(),
                    cand, capacity, state);
        } else if (decoder instanceof DetectNetV2Decode d) {
            backend.launch(stream, DECODE, "decode_detectnet_v2" + suffix,
                    grid((long) d.numClasses() * d.gridHeight() * d.gridWidth()), n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2), o[0].stride(3),
                    o[1].address(), o[1].stride(0), o[1].stride(1), o[1].stride(2), o[1].stride(3),
                    d.numClasses(), d.gridHeight(), d.gridWidth(), d.strideX(), d.strideY(), d.offset(), d.bboxNormX(),
                    d.bboxNormY(), constants, cand, capacity, state);
        } else if (decoder instanceof SsdDecode s) {
            backend.launch(stream, DECODE, "decode_ssd" + suffix, grid(s.anchors()), n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2),
                    o[1].address(), o[1].stride(0), o[1].stride(1), o[1].stride(2),
                    constants, s.anchors(), s.numClasses(), s.backgroundClass(), s.softmax() ? 1 : 0,
                    s.centerVariance(), s.sizeVariance(), s.logScaleClip(), s.scoreThreshold(), cand, capacity, state);
        } else if (decoder instanceof CenterNetDecode c) {
            boolean off = c.hasOffset();
            backend.launch(stream, DECODE, "decode_centernet" + suffix, grid((long) c.numClasses() * c.height() * c.width()),
                    n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2), o[0].stride(3),
                    o[1].address(), o[1].stride(0), o[1].stride(1), o[1].stride(2), o[1].stride(3),
                    off ? o[2].address() : 0L, off ? o[2].stride(0) : 0L, off ? o[2].stride(1) : 0L,
                    off ? o[2].stride(2) : 0L, off ? o[2].stride(3) : 0L,
                    c.numClasses(), c.height(), c.width(), c.stride(), c.sigmoid() ? 1 : 0, c.scoreThreshold(),
                    cand, capacity, state);
        } else {
            CandidateBoxes k = (CandidateBoxes) decoder;
            backend.launch(stream, DECODE, "decode_candidates" + suffix, grid(k.candidates()), n, 1, 256, 1, 1,
                    o[0].address(), o[0].stride(0), o[0].stride(1), o[0].stride(2),
                    o[1].address(), o[1].stride(0), o[1].stride(1),
                    o[2].address(), o[2].stride(0), o[2].stride(1),
                    k.candidates(), k.numClasses(), k.scoreThreshold(), cand, capacity, state);
        }
    }

    private static int grid(long slots) {
        return (int) Math.max(1, Math.min(65535, (slots + 255) / 256));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        backend.close();
    }
}
