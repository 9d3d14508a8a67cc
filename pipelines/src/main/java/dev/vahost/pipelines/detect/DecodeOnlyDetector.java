package dev.vahost.pipelines.detect;

import java.util.ArrayList;
import java.util.List;

import dev.vahost.gst.VideoFrame;
import dev.vahost.nvmm.DeviceFrame;
import dev.vahost.pipelines.FrameDetector;
import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.batch.Batcher;

/**
 * No model: frames are decoded (into CUDA memory and mapped, on the GPU path), batched and
 * released. The baseline the full path is measured against ({@code --model none}).
 */
public final class DecodeOnlyDetector {
    private DecodeOnlyDetector() {}

    /** CPU path: system-memory frames. */
    public static FrameDetector<VideoFrame> cpu() {
        return new SystemFrameDetector() {
            @Override
            public List<FrameResult> detect(List<Batcher.Entry<VideoFrame>> batch) {
                List<FrameResult> out = new ArrayList<>(batch.size());
                for (Batcher.Entry<VideoFrame> e : batch) {
                    VideoFrame f = e.frame();
                    out.add(new FrameResult(e.streamId(), f.sequence(), f.ptsNanos(), f.info().width(), f.info().height(), List.of()));
                    f.close();
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

    /** GPU path: NVDEC frames in CUDA memory, mapped as DeviceFrames, released after batching. */
    public static FrameDetector<DeviceFrame> gpu() {
        return new DeviceFrameDetector() {
            @Override
            public List<FrameResult> detect(List<Batcher.Entry<DeviceFrame>> batch) {
                List<FrameResult> out = new ArrayList<>(batch.size());
                for (Batcher.Entry<DeviceFrame> e : batch) {
                    DeviceFrame f = e.frame();
                    out.add(new FrameResult(e.streamId(), f.sequence(), f.ptsNanos(), f.image().width(), f.image().height(), List.of()));
                    f.close();
                }
                return out;
            }

            @Override
            public String describe() {
                return "decode only (no model), NVDEC into CUDA memory";
            }

            @Override
            public void close() {}
        };
    }
}
