package dev.vahost.ops.jpeg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Direct-mapped bindings of the encoder half of nvJPEG ({@code nvjpeg.h}, CUDA 12/13), bound at run
 * time by name like cuDNN's: {@code libnvjpeg.so.13}, {@code .so.12} or {@code .so} on the library
 * path, else the copy a pip-installed PyTorch brings ({@code site-packages/nvidia/*}/lib). Handles
 * and streams are passed as {@code long}; names and argument order mirror C.
 */
public final class NvJpeg {
    private NvJpeg() {}

    public static final int NVJPEG_STATUS_SUCCESS = 0;
    /** nvjpegChromaSubsampling_t NVJPEG_CSS_444. */
    public static final int NVJPEG_CSS_444 = 0;
    /** nvjpegInputFormat_t NVJPEG_INPUT_RGBI: interleaved RGB in channel[0]. */
    public static final int NVJPEG_INPUT_RGBI = 5;
    /** sizeof(nvjpegImage_t): channel[4] pointers, then pitch[4] size_t. */
    public static final int SIZEOF_IMAGE = 64;

    private static volatile String loadError;
    private static volatile String loadedFrom;

    /** Loads and binds the library once; returns null on success, else why it is not available. */
    public static synchronized String load() {
        if (loadedFrom != null) return null;
        if (loadError != null) return loadError;
        List<String> tried = new ArrayList<>();
        for (String candidate : candidates()) {
            try {
                Native.register(NvJpeg.class, NativeLibrary.getInstance(candidate));
                loadedFrom = candidate;
                return null;
            } catch (UnsatisfiedLinkError e) {
                tried.add(candidate);
            }
        }
        loadError = "nvJPEG not loadable (tried " + String.join(", ", tried) + "): install the CUDA nvJPEG library (libnvjpeg.so.13)";
        return loadError;
    }

    /** The library bound, or null. */
    public static String library() {
        return loadedFrom;
    }

    static List<String> candidates() {
        List<String> c = new ArrayList<>(List.of("libnvjpeg.so.13", "libnvjpeg.so.12", "libnvjpeg.so"));
        for (String root : List.of("/usr/local/lib", "/usr/lib", "/opt/conda/lib")) {
            try (Stream<Path> pythons = Files.list(Path.of(root))) {
                for (Path py : (Iterable<Path>) pythons::iterator) {
                    if (!py.getFileName().toString().startsWith("python3")) continue;
                    for (String site : List.of("dist-packages", "site-packages")) {
                        Path lib = py.resolve(site).resolve("nvidia");
                        if (!Files.isDirectory(lib)) continue;
                        try (Stream<Path> s = Files.walk(lib, 3)) {
                            s.filter(p -> p.getFileName().toString().startsWith("libnvjpeg.so")).map(Path::toString).sorted().forEach(c::add);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not there
            }
        }
        return c;
    }

    public static native int nvjpegCreateSimple(long[] handle);

    public static native int nvjpegDestroy(long handle);

    public static native int nvjpegEncoderStateCreate(long handle, long[] state, long stream);

    public static native int nvjpegEncoderStateDestroy(long state);

    public static native int nvjpegEncoderParamsCreate(long handle, long[] params, long stream);

    public static native int nvjpegEncoderParamsDestroy(long params);

    public static native int nvjpegEncoderParamsSetQuality(long params, int quality, long stream);

    public static native int nvjpegEncoderParamsSetSamplingFactors(long params, int chromaSubsampling, long stream);

    public static native int nvjpegEncoderParamsSetOptimizedHuffman(long params, int optimized, long stream);

    /** source: a nvjpegImage_t in host memory (its channel pointers are device addresses). */
    public static native int nvjpegEncodeImage(long handle, long state, long params, long source, int inputFormat, int width, int height,
            long stream);

    /** data 0 asks for the length only. */
    public static native int nvjpegEncodeRetrieveBitstream(long handle, long state, long data, long[] length, long stream);
}
