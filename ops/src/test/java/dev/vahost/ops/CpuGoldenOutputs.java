package dev.vahost.ops;

import java.nio.file.Path;
import java.util.List;

import dev.vahost.nvmm.DType;
import dev.vahost.ops.cpu.ColorConvertCpu;
import dev.vahost.ops.cpu.LetterboxResizeCpu;
import dev.vahost.ops.cpu.ResizeCpu;

/**
 * The CPU references' outputs in the golden format (GoldenSet), so tools/gpu/ops_cv2_check.py can
 * compare the references themselves with OpenCV wherever Python has cv2, no GPU needed.
 *
 * <pre>java -cp ... dev.vahost.ops.CpuGoldenOutputs [DIR]   (default target/ops-golden-cpu)</pre>
 */
public final class CpuGoldenOutputs {
    private CpuGoldenOutputs() {}

    public static void main(String[] args) {
        int status = 0;
        try {
            Path dir = args.length > 0 ? Path.of(args[0]) : Path.of("target/ops-golden-cpu");
            GoldenSet g = new GoldenSet(dir);
            List<HostImage> frames = GoldenSet.decodeFrames();
            for (int i = 0; i < frames.size(); i++) {
                HostImage f = frames.get(i);
                g.frame(i, f);
                HostImage rgb = ColorConvertCpu.convert(f, ChannelOrder.RGB);
                g.cvt(i, rgb);
                for (Interpolation interp : Interpolation.values()) {
                    for (int[] wh : GoldenSet.SIZES[i]) {
                        g.resize(i, interp, ResizeCpu.resize(rgb, wh[0], wh[1], interp));
                    }
                }
            }
            for (DType d : List.of(DType.F32, DType.F16)) {
                PreprocessConfig c = GoldenSet.letterboxConfig(d);
                LetterboxResizeCpu.Result r = LetterboxResizeCpu.run(frames, null, c);
                g.letterbox(c, r.values(), r.letterboxes());
            }
            g.finish("CPU references (dev.vahost.ops.cpu)");
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status); // GStreamer's threads would keep the JVM alive
    }
}
