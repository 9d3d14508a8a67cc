package dev.vahost.gst.bench;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.Sample;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.elements.AppSink;

import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.PipelineRunner;
import dev.vahost.gst.StreamPipeline;

/**
 * Frames/s through the appsink pull path on the CPU: 320x240 raw video, trivial consumer. Three
 * rows from one run: GStreamer alone (fakesink, the ceiling), this project's direct-mapped pull,
 * and gst1-java-core's own AppSink.pullSample() with a Sample wrapper per frame (the naive way).
 *
 * <pre>java -cp ... dev.vahost.gst.bench.PullBench [frames=50000] [repeats=3]</pre>
 */
public final class PullBench {
    private static final String SRC = "videotestsrc num-buffers=%d pattern=black ! video/x-raw,format=RGBx,width=320,height=240,framerate=1000/1";

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        GstRuntime.init();
        run("warm-up", frames / 10);
        System.out.printf(Locale.ROOT, "PullBench: %d frames of 320x240 RGBx per run, best of %d, %d cores%n", frames,
                repeats, Runtime.getRuntime().availableProcessors());
        double fake = 0, direct = 0, wrapper = 0;
        for (int r = 0; r < repeats; r++) {
            fake = Math.max(fake, fakesink(frames));
            direct = Math.max(direct, run("bench", frames));
            wrapper = Math.max(wrapper, wrapperPull(frames));
        }
        System.out.printf(Locale.ROOT, "%-44s %10.0f frames/s%n", "GStreamer only (fakesink), baseline", fake);
        System.out.printf(Locale.ROOT, "%-44s %10.0f frames/s  (%.0f%% of baseline)%n", "StreamPipeline direct-mapped pull",
                direct, 100 * direct / fake);
        System.out.printf(Locale.ROOT, "%-44s %10.0f frames/s  (%.0f%% of baseline)%n", "gst1-java-core AppSink.pullSample",
                wrapper, 100 * wrapper / fake);
        System.exit(0);
    }

    static double fakesink(int frames) {
        long t0 = System.nanoTime();
        PipelineRunner.runToEos("fake", String.format(Locale.ROOT, SRC, frames) + " ! fakesink sync=false", Duration.ofMinutes(5));
        return frames / ((System.nanoTime() - t0) / 1e9);
    }

    static double run(String id, int frames) throws InterruptedException {
        AtomicLong n = new AtomicLong();
        try (StreamPipeline p = StreamPipeline.fromLaunch(id, String.format(Locale.ROOT, SRC, frames) + " ! appsink")) {
            long t0 = System.nanoTime();
            p.start(f -> {
                f.close();
                n.incrementAndGet();
            });
            if (!p.awaitEnd(5, TimeUnit.MINUTES) || n.get() != frames) {
                throw new IllegalStateException("pulled " + n.get() + " of " + frames);
            }
            return frames / ((System.nanoTime() - t0) / 1e9);
        }
    }

    static double wrapperPull(int frames) {
        Pipeline p = (Pipeline) Gst.parseLaunch(String.format(Locale.ROOT, SRC, frames)
                + " ! appsink name=sink sync=false max-buffers=4");
        AppSink sink = (AppSink) p.getElementByName("sink");
        long t0 = System.nanoTime();
        p.play();
        long n = 0;
        while (true) {
            Sample s = sink.pullSample();
            if (s == null) break;
            s.getBuffer();
            s.dispose();
            n++;
        }
        double fps = n / ((System.nanoTime() - t0) / 1e9);
        p.setState(State.NULL);
        p.dispose();
        if (n != frames) throw new IllegalStateException("wrapper pulled " + n + " of " + frames);
        return fps;
    }
}
