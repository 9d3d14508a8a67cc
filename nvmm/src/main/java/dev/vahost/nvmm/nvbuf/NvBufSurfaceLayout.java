package dev.vahost.nvmm.nvbuf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which DeepStream ABI an NvBufSurface follows. The fields this project reads sit at the same
 * offsets in both; what differs is sizeof(NvBufSurfaceParams), the stride of {@code surfaceList}:
 * 384 bytes on DeepStream 4–6.x (and 7.x), 416 on DeepStream 8.
 */
public enum NvBufSurfaceLayout {
    DEEPSTREAM_6(384),
    DEEPSTREAM_8(416);

    private final int paramsSize;

    NvBufSurfaceLayout(int paramsSize) {
        this.paramsSize = paramsSize;
    }

    /** sizeof(NvBufSurfaceParams). */
    public int paramsSize() {
        return paramsSize;
    }

    /** The layout for a DeepStream major version. */
    public static NvBufSurfaceLayout forMajorVersion(int major) {
        if (major < 4) {
            throw new IllegalArgumentException("DeepStream " + major + " is older than the supported 4.x");
        }
        return major >= 8 ? DEEPSTREAM_8 : DEEPSTREAM_6;
    }

    /**
     * The installed DeepStream's layout: {@code VAHOST_DEEPSTREAM_VERSION} when set, else the
     * "Version:" line of /opt/nvidia/deepstream/deepstream/version.
     *
     * @throws IllegalStateException when neither says a version
     */
    public static NvBufSurfaceLayout installed() {
        String env = System.getenv("VAHOST_DEEPSTREAM_VERSION");
        if (env != null && !env.isBlank()) {
            return forMajorVersion(majorOf(env, "VAHOST_DEEPSTREAM_VERSION"));
        }
        Path f = Path.of("/opt/nvidia/deepstream/deepstream/version");
        try {
            return forMajorVersion(majorOf(Files.readString(f), f.toString()));
        } catch (IOException e) {
            throw new IllegalStateException("DeepStream is not installed (no " + f
                    + "); set VAHOST_DEEPSTREAM_VERSION to use memory:NVMM buffers", e);
        }
    }

    static int majorOf(String text, String where) {
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+)").matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no DeepStream version (like 6.3) in " + where + ": '" + text.strip() + "'");
        }
        return Integer.parseInt(m.group(1));
    }
}
