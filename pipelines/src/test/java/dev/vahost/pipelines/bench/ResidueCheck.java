package dev.vahost.pipelines.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.StreamPipeline;
import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.synth.SyntheticClip;
import dev.vahost.pipelines.faults.ProcessProbe;

/**
 * What N closed streams leave behind, before and after a garbage collection: threads by name and
 * file descriptors by kind. On the GPU path (NVDEC, the CUDA context shared) and on the CPU path.
 *
 * <pre>java -cp ... dev.vahost.pipelines.bench.ResidueCheck [--gpu] [--streams 16]</pre>
 */
public final class ResidueCheck {
    public static void main(String[] args) throws Exception {
        boolean gpu = List.of(args).contains("--gpu");
        int n = List.of(args).contains("--streams") ? Integer.parseInt(args[List.of(args).indexOf("--streams") + 1]) : 16;
        GstRuntime.init();
        Path clip = Files.createTempDirectory("residue").resolve("clip.h264");
        SyntheticClip.make(new SyntheticClip.Spec(clip, 320, 240, 30, 500, 60, "scene", 3));
        report("before", n);
        List<StreamPipeline> ps = new ArrayList<>();
        String dec = gpu ? "nvh264dec ! video/x-raw(memory:CUDAMemory),format=NV12" : "openh264dec";
        for (int i = 0; i < n; i++) {
            StreamPipeline p = StreamPipeline.fromLaunch("r" + i, "multifilesrc location=\"" + clip + "\" loop=true ! h264parse ! " + dec
                    + " ! appsink name=sink");
            if (gpu) dev.vahost.nvmm.gst.GstCudaContextSharing.share(p);
            ps.add(p);
            p.start(VideoFrame::close);
        }
        Thread.sleep(3000);
        long frames = ps.stream().mapToLong(p -> p.stats().framesPulled()).sum();
        System.out.println("RESIDUE running: " + n + " streams pulled " + frames + " frames");
        report("running", n);
        for (StreamPipeline p : ps) p.close();
        ps.clear();
        Thread.sleep(1000);
        report("after close (no GC)", n);
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(300);
        }
        report("after System.gc()", n);
        System.exit(0);
    }

    static void report(String when, int n) {
        System.out.printf("RESIDUE %-20s threads %4d (%s); fds: %s%n", when, ProcessProbe.threads(), ProcessProbe.threadNames(5),
                ProcessProbe.fdKinds(6));
    }
}
