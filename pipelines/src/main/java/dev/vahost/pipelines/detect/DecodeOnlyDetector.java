package dev.vahost.pipelines.detect;

import java.util.ArrayList;
import java.util.List;

import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;

/**
 * No model: frames are decoded (into CUDA memory and mapped, on the GPU path), batched and
 * released. The baseline the full path is measured against ({@code --model none}); stages still run.
 */
public final class DecodeOnlyDetector {
    private DecodeOnlyDetector() {}

    /** CPU path: system-memory frames. */
    public static FrameDetector<VideoFrame> cpu() {
        return new SystemFrameDetector() {
            @Override
            public List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch, boolean[] keep) {
                List<FrameResult> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    Batcher.Entry<VideoFrame> e = batch.get(i);
                    VideoFrame f = e.frame();
                    out.add(new FrameResult(e.streamId(), f.sequence(), f.ptsNanos(), f.info().width(), f.info().height(), List.of()));
                    if (!FrameDetector.kept(keep, i)) f.close();
                }
                return out;
            }

            @Override
            public String describe() {
                return "decode only (no model), CPU decoders";
            }

            @Override
            public void close() {}
        };
    }

    /**
     * GPU path: NVDEC frames in CUDA memory, mapped as DeviceFrames, released after batching. A CUDA
     * stream for stages is made when a stage first needs one.
     */
    public static FrameDetector<DeviceFrame> gpu() {
        return new DeviceFrameDetector() {
            private CudaStream stream; // only the batch thread makes it; close after the last batch

            @Override
            public List<FrameResult> detect(List<Batcher.Entry<DeviceFrame>> batch, boolean[] keep) {
                List<FrameResult> out = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    Batcher.Entry<DeviceFrame> e = batch.get(i);
                    DeviceFrame f = e.frame();
                    out.add(new FrameResult(e.streamId(), f.sequence(), f.ptsNanos(), f.image().width(), f.image().height(), List.of()));
                    if (!FrameDetector.kept(keep, i)) f.close();
                }
                return out;
            }

            @Override
            public synchronized CudaStream stageStream() {
                if (stream == null) stream = CudaStream.create();
                return stream;
            }

            @Override
            public String describe() {
                return "decode only (no model), NVDEC into CUDA memory";
            }

            @Override
            public synchronized void close() {
                if (stream == null) return;
                try {
                    stream.synchronize();
                } finally {
                    stream.close();
                    stream = null;
                }
            }
        };
    }
}
