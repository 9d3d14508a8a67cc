package dev.vahost.pipelines.source;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The launch string of a source on the GPU path (NVDEC into CUDA memory) or the CPU path
 * (software decoders into I420 system memory), always ending in {@code appsink name=sink}.
 */
public final class LaunchBuilder {
    private LaunchBuilder() {}

    static final String GPU_TAIL = " ! video/x-raw(memory:CUDAMemory),format=NV12 ! appsink name=sink";
    static final String CPU_TAIL = " ! video/x-raw,format=I420 ! appsink name=sink";

    /**
     * @param clip  for synthetic cameras, the H.264 clip to loop
     * @param loop  loop file sources (elementary streams loop seamlessly; containers restart)
     */
    public static String build(SourceSpec s, boolean gpu, Path clip, boolean loop) {
        // No pacing element: files played live are paced after the decoder by their StreamSource (Pacer),
        // on the decoded frames' timestamps, whatever the decoder buffers or reorders (NVDEC works several
        // frames ahead; B-frames come out in another order than they go in), and without clocksync's
        // catch-up after a stall.
        String pace = "";
        return switch (s.kind()) {
            case SYNTHETIC -> src(clip.toString(), true) + " ! h264parse ! " + h264(gpu, pace);
            case H264_FILE -> src(s.value(), loop) + " ! h264parse ! " + h264(gpu, pace);
            case H265_FILE -> src(s.value(), loop) + " ! h265parse ! " + h265(gpu, pace);
            case CONTAINER_FILE -> decodebin("file://" + s.value(), gpu, pace);
            case RTSP, URI -> decodebin(s.value(), gpu, "");
            case LAUNCH -> s.value() + " ! appsink name=sink";
        };
    }

    private static String src(String path, boolean loop) {
        return loop ? "multifilesrc location=" + quote(path) + " loop=true" : "filesrc location=" + quote(path);
    }

    private static String h264(boolean gpu, String pace) {
        return gpu ? "nvh264dec" + pace + GPU_TAIL : "openh264dec" + pace + CPU_TAIL;
    }

    private static String h265(boolean gpu, String pace) {
        return gpu ? "nvh265dec" + pace + GPU_TAIL : "libde265dec" + pace + " ! videoconvert" + CPU_TAIL;
    }

    private static String decodebin(String uri, boolean gpu, String pace) {
        // caps=video/x-raw(ANY): stop at raw video in whatever memory the decoder gives, and leave
        // audio undecoded. On the GPU, NVDEC's rank makes decodebin pick it.
        String head = "uridecodebin uri=" + quote(uri) + " caps=\"video/x-raw(ANY)\"" + pace;
        return gpu ? head + GPU_TAIL : head + " ! videoconvert" + CPU_TAIL;
    }

    static String quote(String s) {
        if (s.indexOf('"') >= 0) throw new IllegalArgumentException("'\"' is not allowed in a location: " + s);
        return "\"" + s + "\"";
    }

    /** Frame rate assumed for pts → frame-number mapping of synthetic cameras. */
    public static String describe(SourceSpec s) {
        return String.format(Locale.ROOT, "%s (%s)", s.name(), s.kind() == SourceSpec.Kind.SYNTHETIC
                ? "synthetic " + s.width() + "x" + s.height() + "@" + s.fps() : s.value());
    }
}
