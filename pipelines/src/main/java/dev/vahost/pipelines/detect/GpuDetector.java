package dev.vahost.pipelines.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

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
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.GpuPostprocessor;
import dev.vahost.postprocess.InputMapping;

/**
 * The GPU path. Per batch, all on one CUDA stream and without a host copy of any frame:
 * DeviceFrames (NVDEC output in place) → ONE fused letterbox/colour/normalise launch into an fp16
 * [N,3,H,W] tensor → the frames are released in stream order → the cuDNN engine → YOLOv8 decode +
 * batched NMS + compaction → one copy of the final detections to the host, one sync.
 * All device memory is allocated here, once, from one pool.
 */
public final class GpuDetector extends DeviceFrameDetector {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GpuDetector.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /**
     * How the GPU path is set up (the service's {@code --engine-graphs} and {@code --detector-pool-mib}).
     *
     * @param engineGraphs CUDA graphs in the engine (default on). Earlier the service ran without them
     *        because, on the H200, the first batch once found the NMS results' completion marker
     *        unreached right after the stream was synchronised; the postprocessor now waits for that
     *        marker itself (it is ordered after the results copy) and counts such batches
     *        ({@link GpuDetector#lateMarkers()}).
     * @param poolBytes the limit of the detector's device memory pool (default 8 GiB)
     */
    public record Settings(boolean engineGraphs, long poolBytes) {
        public static final Settings DEFAULTS = new Settings(true, 8L << 30);

        public Settings {
            if (poolBytes <= 0) throw new IllegalArgumentException("detector pool size must be > 0 bytes, got " + poolBytes);
        }

        /** From the service's options. */
        public static Settings of(dev.vahost.pipelines.CliOptions o) {
            return new Settings(o.engineGraphs(), (long) o.detectorPoolMib() << 20);
        }
    }

    private final ModelSpec spec;
    private final DetectorModel dm;
    private final DevicePool pool;
    private final CudaStream stream;
    private final LetterboxResize pre;
    private final InferenceEngine engine;
    private GpuPostprocessor post; // replaced after a failed batch (see recover)
    private final DeviceBuffer inputBuf;
    private final DeviceBuffer[] outputBufs;
    private final DeviceTensor input;
    private final DeviceTensor[] outputs;
    private final Letterbox[] placed;
    private final int maxBatch;
    private final java.util.concurrent.atomic.AtomicLong resultBytes = new java.util.concurrent.atomic.AtomicLong();

    private GpuDetector(ModelSpec spec, int maxBatch, Settings settings) {
        this.spec = spec;
        this.maxBatch = maxBatch;
        DetectorModel dm = DetectorModel.load(spec, maxBatch);
        this.dm = dm;
        Cuda.ensureCurrent();
        pool = DevicePool.create("detector-" + INSTANCES.incrementAndGet(), settings.poolBytes());
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
            e = CudnnEngine.load(dm.model, EngineConfig.fp16(maxBatch).withGraphs(settings.engineGraphs()), pool);
            // Partial batches (push timeout) come in every size: build each size's plan (and CUDA
            // graph) now rather than stalling the first batch of that size.
            int[] sizes = new int[maxBatch];
            for (int b = 1; b <= maxBatch; b++) sizes[b - 1] = b;
            e.prepare(sizes);
            g = newPostprocessor(dm, maxBatch, pool);
            in = pool.allocate(p.config().bytes(maxBatch), "detector input");
            for (int i = 0; i < nOut; i++) outs[i] = pool.allocate(4L * maxBatch * dm.outputElements(i), "detector output " + i);
        } catch (RuntimeException ex) {
            java.util.List<AutoCloseable> all = new java.util.ArrayList<>(java.util.Arrays.asList(outs));
            for (AutoCloseable c : new AutoCloseable[] {in, g, e, p, s}) all.add(c);
            for (AutoCloseable c : all) {
                try {
                    if (c != null) c.close();
                } catch (Exception suppressed) {
                    ex.addSuppressed(suppressed);
                }
            }
            try {
                pool.close();
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

    private static GpuPostprocessor newPostprocessor(DetectorModel dm, int maxBatch, DevicePool pool) {
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

    /** Batches run on this stream; stages enqueue after them, and kept frames are released in its order. */
    @Override
    public CudaStream stageStream() {
        return stream;
    }

    /**
     * With {@code keepFrames} the frames stay mapped after the batch (for stages) and go back with
     * {@link #releaseKept}; otherwise they go back as soon as the preprocessing kernel has read them.
     */
    @Override
    public List<FrameResult> detect(List<Batcher.Entry<DeviceFrame>> batch, boolean keepFrames) {
        int n = batch.size();
        if (n > maxBatch) throw new IllegalArgumentException("batch of " + n + " exceeds the detector's max batch " + maxBatch);
        List<DeviceImage> images = new ArrayList<>(n);
        List<DeviceFrame> frames = new ArrayList<>(n);
        String[] ids = new String[n];
        long[] seq = new long[n], pts = new long[n];
        int[] w = new int[n], h = new int[n];
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
        batches.incrementAndGet();
        DeviceTensor in = input.narrow(0, n);
        DeviceTensor[] out = new DeviceTensor[outputs.length];
        for (int i = 0; i < out.length; i++) out[i] = outputs[i].narrow(0, n);
        int[] order = dm.outputOrder();
        DeviceTensor[] decoderInputs = new DeviceTensor[order.length];
        for (int i = 0; i < order.length; i++) decoderInputs[i] = out[order[i]];
        boolean released = !keepFrames;
        try {
            pre.submit(stream, images, null, in, placed);
        } catch (RuntimeException e) {
            released = true;
            throw e;
        } finally {
            // The decoder's buffers go back as soon as the preprocessing kernel has read them.
            if (released) stream.closeWhenDone(frames);
        }
        BatchDetections d;
        try {
            engine.infer(stream, new DeviceTensor[] {in}, out);
            List<InputMapping> maps = new ArrayList<>(n);
            for (int i = 0; i < n; i++) maps.add(CpuDetector.mapping(placed[i]));
            post.submit(stream, maps, decoderInputs);
            resultBytes.addAndGet(post.resultBytes(n));
            stream.synchronize();
            d = post.results();
        } catch (RuntimeException e) {
            if (keepFrames) stream.closeWhenDone(frames);
            recover();
            throw e;
        }
        List<FrameResult> results = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            results.add(new FrameResult(ids[i], seq[i], pts[i], w[i], h[i], CpuDetector.convert(d, i, spec)));
        }
        return results;
    }

    /**
     * After a failed batch: wait for the stream and give the next batch a postprocessor with no
     * batch in flight, so that one failure stays one lost batch.
     */
    private void recover() {
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
        post = newPostprocessor(dm, maxBatch, pool);
    }

    private long lateMarkersBefore;
    private final java.util.concurrent.atomic.AtomicLong batches = new java.util.concurrent.atomic.AtomicLong();

    /** Batches submitted to {@link #detect} so far. */
    public long batches() {
        return batches.get();
    }

    /** Batches whose results were not yet complete right after the stream sync (waited for; see {@link GpuPostprocessor#lateMarkers}). */
    public long lateMarkers() {
        return lateMarkersBefore + post.lateMarkers();
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
        String layout = engine instanceof CudnnEngine c ? (c.channelsLast() ? ", NHWC" : ", NCHW") + ", CUDA graphs "
                + (c.usesGraph(maxBatch) ? "on" : "off") : "";
        return "GPU path: " + spec.name() + " (" + dm.describe() + "), input " + pre.config().width() + "x" + pre.config().height() + " fp16, max batch "
                + maxBatch + layout + ", on " + Cuda.describeDevice();
    }

    @Override
    /**
     * Waits for the stream, then releases everything, each part in its own try (the first failure
     * is thrown with the others suppressed, after all were attempted). Idempotent.
     */
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        List<AutoCloseable> parts = new ArrayList<>();
        parts.add(stream::synchronize);
        parts.add(post);
        parts.add(engine);
        parts.add(pre);
        parts.add(inputBuf);
        parts.addAll(java.util.Arrays.asList(outputBufs));
        parts.add(stream);
        parts.add(pool);
        dev.vahost.nvmm.Closeables.closeAll(parts);
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
}
