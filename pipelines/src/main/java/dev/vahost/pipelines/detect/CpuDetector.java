package dev.vahost.pipelines.detect;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import dev.vahost.gst.MemoryKind;
import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.VideoInfo;
import dev.vahost.inference.CpuEngine;
import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.nvmm.UnsupportedFrameException;
import dev.vahost.ops.HostImage;
import dev.vahost.ops.Letterbox;
import dev.vahost.ops.PreprocessConfig;
import dev.vahost.ops.cpu.LetterboxResizeCpu;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;
import dev.vahost.postprocess.BatchDetections;
import dev.vahost.postprocess.CpuPostprocessor;
import dev.vahost.postprocess.Detection;
import dev.vahost.postprocess.HostTensor;
import dev.vahost.postprocess.InputMapping;
import dev.vahost.postprocess.NmsConfig;

/**
 * The CPU path: system-memory frames (I420 from the software decoders) → letterbox/colour/normalise
 * (ops' CPU reference) → the model on the CPU executor → YOLOv8-style decode + batched NMS
 * (postprocess' CPU reference) → boxes in source pixels. The same stages as the GPU path, so the
 * two paths give the same detections up to fp16 rounding.
 */
public final class CpuDetector extends SystemFrameDetector {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CpuDetector.class);
    private final ModelSpec spec;
    private final DetectorModel dm;
    private final CpuEngine engine;
    private final PreprocessConfig pre;
    private final CpuPostprocessor post;

    private CpuDetector(ModelSpec spec, DetectorModel dm, CpuEngine engine, PreprocessConfig pre, CpuPostprocessor post) {
        this.spec = spec;
        this.dm = dm;
        this.engine = engine;
        this.pre = pre;
        this.post = post;
    }

    public static CpuDetector create(ModelSpec spec) {
        return create(spec, 1);
    }

    /** A CPU detector for batches of up to {@code maxBatch} frames. */
    public static CpuDetector create(ModelSpec spec, int maxBatch) {
        DetectorModel dm = DetectorModel.load(spec, maxBatch);
        CpuEngine engine = CpuEngine.create(dm.model);
        NmsConfig nms = dm.nms();
        CpuPostprocessor post = nms == null ? new CpuPostprocessor(dm.decoding.decoder()) : new CpuPostprocessor(dm.decoding.decoder(), nms);
        return new CpuDetector(spec, dm, engine, dm.preprocess.withDType(DType.F32), post);
    }

    @Override
    public VideoFrame adopt(VideoFrame frame) {
        VideoInfo info = frame.info();
        if (info.memory() != MemoryKind.SYSTEM || !"I420".equals(info.format())) {
            String id = frame.streamId(), what = info.memory().capsFeature() + " " + info.format();
            frame.close();
            throw new UnsupportedFrameException(id, "the CPU path takes I420 frames in system memory, got " + what);
        }
        return frame;
    }

    static HostImage hostImage(VideoFrame f) {
        VideoInfo info = f.info();
        ByteBuffer data = f.map();
        int[] offsets = new int[3], pitches = new int[3];
        for (int p = 0; p < 3; p++) {
            offsets[p] = (int) f.planeOffset(p);
            pitches[p] = f.stride(p);
        }
        return new HostImage(PixelFormat.I420, info.width(), info.height(), data, offsets, pitches, ColorSpec.of(info));
    }

    static InputMapping mapping(Letterbox lb) {
        return new InputMapping((float) lb.scaleX(), (float) lb.scaleY(), lb.padX(), lb.padY(), lb.source().width(),
                lb.source().height());
    }

    @Override
    public List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch, boolean[] keep) {
        int n = batch.size();
        boolean ok = false;
        try {
            List<HostImage> images = new ArrayList<>(n);
            for (Batcher.Entry<VideoFrame> e : batch) images.add(hostImage(e.frame()));
            LetterboxResizeCpu.Result in = LetterboxResizeCpu.run(images, null, pre);
            float[][] outs = engine.runAll(new float[][] {in.values()}, n);
            List<InputMapping> maps = new ArrayList<>(n);
            for (Letterbox lb : in.letterboxes()) maps.add(mapping(lb));
            int[] order = dm.outputOrder();
            HostTensor[] tensors = new HostTensor[order.length];
            for (int k = 0; k < order.length; k++) tensors[k] = HostTensor.f32(outs[order[k]], java.util.Arrays.stream(dm.outputShape(order[k], n)).mapToInt(Math::toIntExact).toArray());
            BatchDetections d = post.run(maps, tensors);
            List<FrameResult> results = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                VideoFrame f = batch.get(i).frame();
                results.add(new FrameResult(batch.get(i).streamId(), f.sequence(), f.ptsNanos(), f.info().width(),
                        f.info().height(), convert(d, i, spec)));
            }
            ok = true;
            return results;
        } finally {
            for (int i = 0; i < n; i++) if (!ok || !FrameDetector.kept(keep, i)) batch.get(i).frame().close();
        }
    }

    /** Detections of image i as results; an image whose model output was invalid gets none (logged once). */
    static List<FrameResult.Detection> convert(BatchDetections d, int i, ModelSpec spec) {
        if (d.problem(i).isPresent()) {
            LOG.warn("model output for image {} of a batch is invalid: {}", i, d.problem(i).get());
            return List.of();
        }
        List<Detection> ds = d.detections(i);
        List<FrameResult.Detection> out = new ArrayList<>(ds.size());
        for (Detection x : ds) {
            out.add(new FrameResult.Detection(x.classId(), spec.label(x.classId()), x.score(), x.x1(), x.y1(), x.x2(), x.y2()));
        }
        return out;
    }

    @Override
    public String describe() {
        return "CPU path: " + spec.name() + " (" + dm.describe() + "), input " + pre.width() + "x" + pre.height() + ", CPU executor";
    }

    @Override
    public void close() {
        engine.close();
    }
}
