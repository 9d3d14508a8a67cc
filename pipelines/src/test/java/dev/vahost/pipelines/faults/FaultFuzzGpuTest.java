package dev.vahost.pipelines.faults;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.freedesktop.gstreamer.ElementFactory;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.vahost.gst.GstRuntime;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.pipelines.faults.TestMedia.Container;

/**
 * {@link FaultFuzzTest}'s fuzz loop on NVDEC (nvh264dec): the same corrupt variants of an H.264
 * clip as elementary stream and in each container whose muxer the GStreamer runtime has, with the
 * same checks (recovered at the next keyframe or failed by name, the healthy neighbour keeps
 * running, nothing left held, no busy thread). H.265 is not fuzzed here: the clip is 160x120 and
 * NVDEC's HEVC minimum is 144 lines; and the GPU machine's runtime has no x265enc to make one.
 */
@Tag("gpu")
class FaultFuzzGpuTest {
    @Test
    void corruptVariantsRecoverOrFailAloneByNameOnNvdec(@TempDir Path dir) throws Exception {
        Cuda.requireAvailable();
        GstRuntime.init();
        List<Container> containers = new ArrayList<>();
        for (Container c : Container.values()) {
            if (c.muxer == null || has(c.muxer)) containers.add(c);
        }
        System.out.println("fault fuzz on NVDEC: containers " + containers);
        FaultFuzzTest.fuzz(dir, true, List.of("h264"), containers, FaultFuzzTest.SEEDS);
    }

    static boolean has(String factory) {
        try {
            return ElementFactory.find(factory) != null;
        } catch (IllegalArgumentException e) {
            return false; // gst1-java-core: "No such Gstreamer factory"
        }
    }
}
