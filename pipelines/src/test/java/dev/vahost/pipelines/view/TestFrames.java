package dev.vahost.pipelines.view;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.vahost.gst.PipelineOptions;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.pipelines.FrameResult;

/** Real system-memory I420 frames (videotestsrc through appsink), held for a test; closing closes frames and pipelines. */
final class TestFrames implements AutoCloseable {
    private final List<StreamPipeline> pipelines = new ArrayList<>();
    private final List<VideoFrame> all = new CopyOnWriteArrayList<>();

    /** {@code n} frames of stream {@code id}, {@code w x h}, a moving-ball pattern (frames differ). */
    List<VideoFrame> frames(String id, int n, int w, int h) throws InterruptedException {
        List<VideoFrame> got = new CopyOnWriteArrayList<>();
        StreamPipeline p = StreamPipeline.fromLaunch(id, "videotestsrc num-buffers=" + n + " pattern=ball ! video/x-raw,format=I420,width=" + w
                + ",height=" + h + " ! appsink", PipelineOptions.defaults().withMaxFramesInFlight(n + 2));
        pipelines.add(p);
        p.start(f -> got.add(f.claim()));
        if (!p.awaitEnd(30, TimeUnit.SECONDS)) throw new IllegalStateException("videotestsrc did not end within 30 s");
        if (got.size() != n) throw new IllegalStateException("expected " + n + " frames, got " + got.size());
        all.addAll(got);
        return got;
    }

    static FrameResult result(VideoFrame f, List<FrameResult.Detection> ds) {
        return new FrameResult(f.streamId(), f.sequence(), f.ptsNanos(), f.info().width(), f.info().height(), ds);
    }

    @Override
    public void close() {
        for (VideoFrame f : all) f.close();
        for (StreamPipeline p : pipelines) p.close();
    }
}
