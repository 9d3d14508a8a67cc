package dev.vahost.pipelines.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.InferenceEngine;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.LetterboxResize;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.GpuPostprocessor;
import dev.vahost.postprocess.InputMapping;

/**
 * The GPU path. Per batch, on one CUDA stream and without a host copy of any frame: DeviceFrames
 * (NVDEC output in place) → ONE fused letterbox/colour/normalise launch into an fp16 [N,3,H,W]
 * tensor → the frames are released in stream order → the cuDNN engine → YOLOv8 decode + batched
 * NMS + compaction → one copy of the final detections to the host.
 *
 * <p>Batches in flight: the detector has {@link Settings#batchesInFlight} slots, each with its own
 * CUDA stream, input and output buffers, engine instance (arena and CUDA graphs) and postprocessor.
 * {@link #submit} takes a free slot (blocking while none is free), enqueues the batch and returns;
 * {@link InFlight#await} waits for that batch's completion marker (polling its event, no stream
 * sync) and reads its detections; closing the batch frees the slot. So while the host hands on one
 * batch's results, the GPU already runs the next. {@link #detect} is submit + await + close.
 * All device memory is allocated here, once, from one pool.
 */
public final class GpuDetector extends DeviceFrameDetector {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GpuDetector.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * How the GPU path is set up (the service's {@code --engine-graphs}, {@code --detector-pool-mib},
     * {@code --batches-in-flight} and {@code --engine-fusion}).
     *
     * @param engineGraphs    CUDA graphs in the engine (default on)
     * @param poolBytes       the limit of the detector's device memory pool (default 8 GiB)
     * @param batchesInFlight slots, 1..8 (default 1): batches submitted and not yet handed on. More
     *        than one overlaps host work with GPU work, but on the H200 with 128 unpaced 1080p streams
     *        and the 640 model, two in flight were slower (90.7 % of decode-only against 97.9 %, streams
     *        uneven): the second batch's kernels compete with the decoders' work for the GPU.
     * @param engineFusion    convolutions fused with their bias/activation where faster, at the max batch
     *        (EngineConfig.Fusion AUTO; default on), or never (OFF)
     */
    public record Settings(boolean engineGraphs, long poolBytes, int batchesInFlight, boolean engineFusion) {
        public static final Settings DEFAULTS = new Settings(true, 8L << 30, 1, true);

        public Settings {
            if (poolBytes <= 0) throw new IllegalArgumentException("detector pool size must be > 0 bytes, got " + poolBytes);
            if (batchesInFlight < 1 || batchesInFlight > 8) {
                throw new IllegalArgumentException("batches in flight must be 1..8, got " + batchesInFlight);
            }
        }

        /** From the service's options. */
        public static Settings of(dev.vahost.pipelines.CliOptions o) {
            return new Settings(o.engineGraphs(), (long) o.detectorPoolMib() << 20, o.batchesInFlight(), o.engineFusion());
        }

        public Settings withBatchesInFlight(int n) {
            return new Settings(engineGraphs, poolBytes, n, engineFusion);
        }
    }

    private final ModelSpec spec;
    private final DetectorModel dm;
    private final DevicePool pool;
    private final int maxBatch;
    private final Slot[] slots;
    private final BlockingQueue<Slot> free;
    private final AtomicLong resultBytes = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private GpuDetector(ModelSpec spec, int maxBatch, Settings settings) {
        this.spec = spec;
        this.maxBatch = maxBatch;
        this.dm = DetectorModel.load(spec, maxBatch);
        Cuda.ensureCurrent();
        pool = DevicePool.create("detector-" + INSTANCES.incrementAndGet(), settings.poolBytes());
        List<Slot> built = new ArrayList<>();
        try {
            for (int i = 0; i < settings.batchesInFlight(); i++) {
                long used = pool.used();
                try {
                    built.add(new Slot(i, settings));
                } catch (dev.vahost.nvmm.cuda.DeviceOutOfMemoryException oom) {
                    if (i == 0) throw oom;
                    // A slot took `used` bytes; the next one does not fit: run with those that do, and say how to get more.
                    LOG.warn("batch slot {} of {} does not fit in the detector's pool ({}); running with {} batch{} in flight;"
                            + " --detector-pool-mib {} would hold {}", i + 1, settings.batchesInFlight(), oom.getMessage(), i, i == 1 ? "" : "es",
                            (used / i * settings.batchesInFlight() >> 20) + 64, settings.batchesInFlight());
                    break;
                }
            }
        } catch (RuntimeException ex) {
            List<AutoCloseable> all = new ArrayList<>(built);
            all.add(pool);
            try {
                dev.vahost.nvmm.Closeables.closeAll(all);
            } catch (RuntimeException suppressed) {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
        slots = built.toArray(new Slot[0]);
        free = new ArrayBlockingQueue<>(slots.length, false, built);
    }

    /** One batch's worth of everything: stream, buffers, engine instance, postprocessor; and the batch in it. */
    private final class Slot implements AutoCloseable {
        final int index;
        final CudaStream stream;
        final LetterboxResize pre;
        final InferenceEngine engine;
        GpuPostprocessor post; // replaced after a failed batch (see recover)
        final DeviceBuffer inputBuf;
        final DeviceBuffer[] outputBufs;
        final DeviceTensor input;
        final DeviceTensor[] outputs;
        final Letterbox[] placed;
        long lateMarkersBefore;
        // the batch in this slot
        String[] ids;
        long[] seq, pts;
        int[] w, h;
        List<DeviceFrame> kept; // frames to release if the batch fails after submit

        Slot(int index, Settings settings) {
            this.index = index;
            int nOut = dm.outputShapes.length;
            CudaStream s = null;
            LetterboxResize p = null;
            InferenceEngine e = null;
            GpuPostprocessor g = null;
            DeviceBuffer in = null;
            DeviceBuffer[] outs = new DeviceBuffer[nOut];
            try {
                s = CudaStream.create();
                p = LetterboxResize.create(dm.preprocess.withDType(DType.F16), maxBatch, pool);
                e = CudnnEngine.load(dm.model, EngineConfig.fp16(maxBatch).withGraphs(settings.engineGraphs())
                        .withFusion(settings.engineFusion() ? EngineConfig.Fusion.AUTO : EngineConfig.Fusion.OFF), pool);
                // Partial batches (push timeout) come in every size: build each size's plan (and CUDA
                // graph) now rather than stalling the first batch of that size.
                int[] sizes = new int[maxBatch];
                for (int b = 1; b <= maxBatch; b++) sizes[b - 1] = b;
                e.prepare(sizes);
                g = newPostprocessor();
                in = pool.allocate(p.config().bytes(maxBatch), "detector input " + index);
                for (int i = 0; i < nOut; i++) outs[i] = pool.allocate(4L * maxBatch * dm.outputElements(i), "detector output " + i + " of slot " + index);
            } catch (RuntimeException ex) {
                List<AutoCloseable> all = new ArrayList<>(java.util.Arrays.asList(outs));
                java.util.Collections.addAll(all, in, g, e, p, s);
                all.removeIf(java.util.Objects::isNull);
                try {
                    dev.vahost.nvmm.Closeables.closeAll(all);
                } catch (RuntimeException suppressed) {
                    ex.addSuppressed(suppressed);
                }
                throw ex;
            }
            stream = s;
            pre = p;
            engine = e;
            post = g;
            inputBuf = in;
            outputBufs = outs;
            input = DeviceTensor.of(in, DType.F16, p.config().shape(maxBatch));
            outputs = new DeviceTensor[nOut];
            for (int i = 0; i < nOut; i++) outputs[i] = DeviceTensor.of(outs[i], DType.F32, dm.outputShape(i, maxBatch));
            placed = new Letterbox[maxBatch];
        }

        /** Enqueues the batch on this slot's stream; when it throws, the frames were released. */
        void enqueue(List<Batcher.Entry<DeviceFrame>> batch, boolean[] keep) {
            int n = batch.size();
            List<DeviceImage> images = new ArrayList<>(n);
            List<DeviceFrame> frames = new ArrayList<>(n);
            ids = new String[n];
            seq = new long[n];
            pts = new long[n];
            w = new int[n];
            h = new int[n];
            for (int i = 0; i < n; i++) {
                DeviceFrame f = batch.get(i).frame();
                DeviceImage im = f.image();
                images.add(im);
                frames.add(f);
                ids[i] = batch.get(i).streamId();
                seq[i] = f.sequence();
                pts[i] = f.ptsNanos();
                w[i] = im.width();
                h[i] = im.height();
            }
            // Frames no stage needs go back once preprocessing has read them; the kept ones after the stages.
            List<DeviceFrame> early = frames;
            if (FrameDetector.anyKept(keep)) {
                kept = new ArrayList<>(n);
                early = new ArrayList<>(n);
                for (int i = 0; i < n; i++) (keep[i] ? kept : early).add(frames.get(i));
            } else {
                kept = null;
            }
            batches.incrementAndGet();
            DeviceTensor in = input.narrow(0, n);
            DeviceTensor[] out = new DeviceTensor[outputs.length];
            for (int i = 0; i < out.length; i++) out[i] = outputs[i].narrow(0, n);
            int[] order = dm.outputOrder();
            DeviceTensor[] decoderInputs = new DeviceTensor[order.length];
            for (int i = 0; i < order.length; i++) decoderInputs[i] = out[order[i]];
            List<DeviceFrame> release = early;
            try {
                pre.submit(stream, images, null, in, placed);
            } catch (RuntimeException e) {
                release = frames;
                kept = null;
                throw e;
            } finally {
                // The decoder's buffers go back as soon as the preprocessing kernel has read them.
                if (!release.isEmpty()) stream.closeWhenDone(release);
            }
            try {
                engine.infer(stream, new DeviceTensor[] {in}, out);
                List<InputMapping> maps = new ArrayList<>(n);
                for (int i = 0; i < n; i++) maps.add(CpuDetector.mapping(placed[i]));
                post.submit(stream, maps, decoderInputs);
            } catch (RuntimeException e) {
                failed();
                throw e;
            }
            resultBytes.addAndGet(post.resultBytes(n));
        }

        /**
         * Waits for the batch's completion marker (recorded after its results copy) by polling the
         * event, without synchronising the stream, then reads the detections.
         */
        List<FrameResult> await() {
            BatchDetections d;
            try {
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!post.resultsReady()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("GPU batch on slot " + index + " did not complete within 30 s");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                }
                d = post.results();
            } catch (RuntimeException e) {
                failed();
                throw e;
            }
            int n = ids.length;
            List<FrameResult> results = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                results.add(new FrameResult(ids[i], seq[i], pts[i], w[i], h[i], CpuDetector.convert(d, i, spec)));
            }
            return results;
        }

        /**
         * After a failed batch: kept frames go back, the stream is waited for, and the next batch
         * gets a postprocessor with no batch in flight, so that one failure stays one lost batch.
         */
        void failed() {
            if (kept != null) stream.closeWhenDone(kept);
            kept = null;
            try {
                stream.synchronize();
            } catch (RuntimeException e) {
                LOG.warn("recovering after a failed batch: {}", e.getMessage());
            }
            lateMarkersBefore += post.lateMarkers();
            try {
                post.close();
            } catch (RuntimeException ignored) {
                // its memory goes back to the pool either way
            }
            post = newPostprocessor();
        }

        long lateMarkers() {
            return lateMarkersBefore + post.lateMarkers();
        }

        /** Waits for the stream, then releases everything, each part in its own try. */
        @Override
        public void close() {
            List<AutoCloseable> parts = new ArrayList<>();
            parts.add(stream::synchronize);
            parts.add(post);
            parts.add(engine);
            parts.add(pre);
            parts.add(inputBuf);
            parts.addAll(java.util.Arrays.asList(outputBufs));
            parts.add(stream);
            dev.vahost.nvmm.Closeables.closeAll(parts);
        }
    }

    private GpuPostprocessor newPostprocessor() {
        var nms = dm.nms();
        return nms == null ? GpuPostprocessor.create(dm.decoding.decoder(), maxBatch, pool)
                : GpuPostprocessor.create(dm.decoding.decoder(), nms, maxBatch, pool);
    }

    /** With {@link Settings#DEFAULTS}. */
    public static GpuDetector create(ModelSpec spec, int maxBatch) {
        return create(spec, maxBatch, Settings.DEFAULTS);
    }

    public static GpuDetector create(ModelSpec spec, int maxBatch, Settings settings) {
        Cuda.requireAvailable();
        return new GpuDetector(spec, maxBatch, settings);
    }

    @Override
    public int maxInFlight() {
        return slots.length;
    }

    /**
     * Where stages enqueue after a batch run by {@link #detect} (which has completed by then) and
     * kept frames go back; batches from {@link #submit} have their own {@link InFlight#stream()}.
     */
    @Override
    public CudaStream stageStream() {
        return slots[0].stream;
    }

    /**
     * Runs one batch and waits for it. Frames marked in {@code keep} stay mapped after the batch (for
     * stages) and go back with {@link #releaseKept}; the others go back as soon as the preprocessing
     * kernel has read them.
     */
    @Override
    public List<FrameResult> detect(List<Batcher.Entry<DeviceFrame>> batch, boolean[] keep) {
        // Any slot: the batch has completed when this returns, so stages' work and the release of
        // kept frames on stageStream() come after it.
        Slot slot = take(batch);
        try {
            slot.enqueue(batch, keep);
            return slot.await();
        } finally {
            slot.kept = null;
            free.add(slot);
        }
    }

    @Override
    public InFlight submit(List<Batcher.Entry<DeviceFrame>> batch, boolean[] keep) {
        Slot slot = take(batch);
        try {
            slot.enqueue(batch, keep);
        } catch (RuntimeException e) {
            free.add(slot);
            throw e;
        }
        return new InFlight() {
            private final AtomicBoolean done = new AtomicBoolean();

            @Override
            public List<FrameResult> await() {
                if (done.get()) throw new IllegalStateException("the batch was closed");
                return slot.await();
            }

            @Override
            public CudaStream stream() {
                return slot.stream;
            }

            @Override
            public void close() {
                if (done.compareAndSet(false, true)) {
                    slot.kept = null;
                    free.add(slot);
                }
            }
        };
    }

    /**
     * A free slot, waiting for one (the back-pressure of {@link #submit}). When it throws (closed,
     * interrupted), the batch's frames were released.
     */
    private Slot take(List<Batcher.Entry<DeviceFrame>> batch) {
        RuntimeException why;
        if (closed.get()) {
            why = new IllegalStateException("detector is closed");
        } else {
            try {
                return free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                why = new IllegalStateException("interrupted while waiting for a free detector slot", e);
            }
        }
        for (Batcher.Entry<DeviceFrame> e : batch) e.frame().close();
        throw why;
    }

    /** Batches submitted so far. */
    public long batches() {
        return batches.get();
    }

    /**
     * Batches whose results were not yet complete when read after a stream sync (waited for; see
     * {@link GpuPostprocessor#lateMarkers}). The detector now waits for each batch's completion
     * marker itself instead of synchronising its stream, so this stays 0 unless that changes.
     */
    public long lateMarkers() {
        long n = 0;
        for (Slot s : slots) n += s.lateMarkers();
        return n;
    }

    /**
     * Bytes of final detections copied to the host so far (one fixed-size copy per batch). Any
     * device→host byte beyond these would be frame data: the tests and benchmark check there is none.
     */
    public long resultBytesToHost() {
        return resultBytes.get();
    }

    @Override
    public String describe() {
        InferenceEngine engine = slots[0].engine;
        String layout = engine instanceof CudnnEngine c ? (c.channelsLast() ? ", NHWC" : ", NCHW") + ", CUDA graphs "
                + (c.usesGraph(maxBatch) ? "on" : "off") : "";
        return "GPU path: " + spec.name() + " (" + dm.describe() + "), input " + slots[0].pre.config().width() + "x"
                + slots[0].pre.config().height() + " fp16, max batch " + maxBatch + layout + ", " + slots.length
                + (slots.length == 1 ? " batch" : " batches") + " in flight, on " + Cuda.describeDevice();
    }

    /**
     * Waits for every slot's stream, then releases everything, each part in its own try (the first
     * failure is thrown with the others suppressed, after all were attempted). Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        List<AutoCloseable> parts = new ArrayList<>(java.util.Arrays.asList(slots));
        parts.add(pool);
        dev.vahost.nvmm.Closeables.closeAll(parts);
    }
}
