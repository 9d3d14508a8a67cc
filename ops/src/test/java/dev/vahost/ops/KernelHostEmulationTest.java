package dev.vahost.ops;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.vahost.nvmm.ColorSpec;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceImage;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.PixelFormat;
import dev.vahost.ops.cpu.ColorConvertCpu;
import dev.vahost.ops.cpu.LetterboxResizeCpu;
import dev.vahost.ops.cpu.ResizeCpu;
import dev.vahost.ops.internal.ColorCoefficients;
import dev.vahost.ops.internal.Formats;
import dev.vahost.ops.internal.FrameTable;
import dev.vahost.nvmm.Half;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The kernels' own per-pixel code, compiled for the host (src/test/cuda/kernel_host_check.cu
 * includes the real .cu files), fed with the parameter table exactly as LetterboxResize encodes it and
 * the arguments the launchers pass, against the Java references: bit-for-bit equality expected.
 * This checks the CUDA side's indexing, table layout use, format handling and arithmetic without a
 * GPU. Not covered: the device intrinsics themselves (the host build uses the host operations that
 * round the same way), launch geometry, shared-memory staging (the GPU tests cover those).
 *
 * <p>Built with every compiler found: a plain C++ compiler ($CXX, else g++, else c++; what CI has),
 * through src/test/cuda/ops_host_emu.h in place of cuda_fp16.h, and nvcc with the real CUDA headers
 * when it is installed (not with VAHOST_SKIP_NVCC=1). Each build must give the same bytes. A build
 * that fails fails the test: a compile error in the .cu sources is never a skip. Skipped only when no
 * compiler at all is installed, and then each test is reported skipped and one line in the build
 * log says what was not checked.
 */
class KernelHostEmulationTest {
    static final long BASE = 0x1_0000_0000L; // kernel_host_check.cu rebases addresses from here
    /** The builds of kernel_host_check, by compiler name. */
    static final Map<String, Path> exes = new LinkedHashMap<>();
    /** Why the tests are skipped (no compiler at all), or null. */
    static String skipped;

    @BeforeAll
    static void build() throws Exception {
        String cxx = findCxx();
        String nvcc = "1".equals(System.getenv("VAHOST_SKIP_NVCC")) ? null : findNvcc();
        if (cxx == null && nvcc == null) {
            skipped = "SKIPPED ops KernelHostEmulationTest: no C++ compiler (CXX, g++, c++) and no nvcc found, so the"
                    + " per-pixel code of letterbox.cu, cvt_color.cu and resize.cu was NOT checked against the Java"
                    + " references (install g++)";
            toBuildLog(skipped);
            return;
        }
        Path src = Path.of("src/test/cuda/kernel_host_check.cu");
        Files.createDirectories(Path.of("target"));
        if (cxx != null) {
            compile("c++ (" + cxx + ")", Path.of("target/kernel-host-check-cxx"), List.of(cxx, "-std=c++17", "-O2",
                    "-ffp-contract=off", "-DVAHOST_OPS_HOST_EMU", "-I", "src/test/cuda", "-I", "../nvmm/src/test/cuda", "-I", "src/main/cuda",
                    "-x", "c++"), src);
        }
        if (nvcc != null) {
            compile("nvcc (" + nvcc + ")", Path.of("target/kernel-host-check-nvcc"), List.of(nvcc, "-std=c++17", "-O2",
                    "-Xcompiler", "-ffp-contract=off", "-I", "src/main/cuda", "-I", "../nvmm/src/test/cuda"), src);
        }
    }

    @BeforeEach
    void needsABuild() {
        Assumptions.assumeTrue(skipped == null, skipped);
    }

    /**
     * One line in the build log: the forked test JVM's own stderr, which surefire copies to the
     * console (System.err goes to target/surefire-reports, unread in CI). Never closed: it is fd 2.
     */
    static void toBuildLog(String line) {
        PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        console.println("[vahost] " + line);
        console.flush();
    }

    private static void compile(String name, Path exe, List<String> command, Path src) throws Exception {
        List<String> cmd = new ArrayList<>(command);
        cmd.addAll(List.of("-o", exe.toString(), src.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), name + " timed out compiling " + src);
        assertEquals(0, p.exitValue(), name + " failed to compile the kernels for the host (" + String.join(" ", cmd) + "):\n" + log);
        exes.put(name, exe);
    }

    /** $CXX as given (a wrong one fails the build), else g++ or c++ on the PATH; null when none. */
    static String findCxx() {
        String env = System.getenv("CXX");
        if (env != null && !env.isBlank()) return env.trim();
        for (String name : List.of("g++", "c++")) {
            String p = onPath(name);
            if (p != null) return p;
        }
        return null;
    }

    static String findNvcc() {
        String env = System.getenv("NVCC");
        if (env != null && Files.isExecutable(Path.of(env))) return env;
        String p = onPath("nvcc");
        if (p != null) return p;
        return Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")) ? "/usr/local/cuda/bin/nvcc" : null;
    }

    private static String onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return Path.of(dir, name).toString();
        }
        return null;
    }

    /** Images laid out in one byte blob; "device addresses" are BASE + offset. */
    static final class Blob {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        DeviceImage add(HostImage img) {
            long[] planes = new long[img.planes()];
            int[] pitches = new int[img.planes()];
            for (int p = 0; p < planes.length; p++) {
                while (bytes.size() % 64 != 0) bytes.write(0);
                planes[p] = BASE + bytes.size();
                pitches[p] = img.pitch(p);
                byte[] plane = new byte[img.pitch(p) * img.planeRows(p)];
                img.data().get(img.offset(p), plane, 0, plane.length - (img.pitch(p) - img.planeRowBytes(p)));
                bytes.writeBytes(plane);
            }
            return new DeviceImage(img.format(), img.width(), img.height(), planes, pitches, img.color());
        }
    }

    /** Runs the case through every build; they must agree byte for byte. Returns the output. */
    static byte[] run(int kind, Blob blob, ByteBuffer args) throws Exception {
        byte[] data = blob.bytes.toByteArray();
        ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(kind).putLong(data.length);
        Path in = Files.createTempFile("kernel-case", ".bin");
        Path out = Files.createTempFile("kernel-out", ".bin");
        try {
            ByteBuffer a = args.flip();
            byte[] tail = new byte[a.remaining()];
            a.get(tail);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(head.array());
            all.writeBytes(data);
            all.writeBytes(tail);
            Files.write(in, all.toByteArray());
            byte[] first = null;
            String firstName = null;
            for (Map.Entry<String, Path> e : exes.entrySet()) {
                Process p = new ProcessBuilder(e.getValue().toString(), in.toString(), out.toString()).redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "kernel_host_check (" + e.getKey() + ") timed out");
                assertEquals(0, p.exitValue(), "kernel_host_check (" + e.getKey() + ") failed: " + log);
                byte[] got = Files.readAllBytes(out);
                if (first == null) {
                    first = got;
                    firstName = e.getKey();
                } else {
                    assertArrayEquals(first, got, "case kind " + kind + ": the " + e.getKey() + " build differs from the "
                            + firstName + " build");
                }
            }
            assertNotNull(first, "no build of kernel_host_check");
            return first;
        } finally {
            Files.deleteIfExists(in);
            Files.deleteIfExists(out);
        }
    }

    static ByteBuffer args() {
        return ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    }

    static List<HostImage> frames() {
        return List.of(
                TestImages.random(PixelFormat.NV12, 37, 23, 5, ColorSpec.BT601_LIMITED, 1),
                TestImages.random(PixelFormat.I420, 64, 48, 3, ColorSpec.BT709_FULL, 2),
                TestImages.random(PixelFormat.BGRX, 17, 31, 4, ColorSpec.BT601_LIMITED, 3),
                TestImages.random(PixelFormat.RGB, 1, 1, 0, ColorSpec.BT601_LIMITED, 4),
                TestImages.random(PixelFormat.RGBA, 120, 20, 1, ColorSpec.BT601_LIMITED, 5),
                TestImages.random(PixelFormat.BGRA, 9, 8, 0, ColorSpec.BT601_LIMITED, 6),
                TestImages.random(PixelFormat.RGBX, 10, 3, 2, ColorSpec.BT601_LIMITED, 7),
                TestImages.random(PixelFormat.BGR, 25, 11, 7, ColorSpec.BT601_LIMITED, 8),
                TestImages.random(PixelFormat.NV12, 333, 187, 3, ColorSpec.BT709_LIMITED, 9));
    }

    /** The table and arguments as LetterboxResize.submit makes them, run by the kernel code. */
    static float[] letterboxOnHost(List<HostImage> host, List<Rect> regions, PreprocessConfig c) throws Exception {
        Blob blob = new Blob();
        List<DeviceImage> dev = new ArrayList<>();
        for (HostImage h : host) dev.add(blob.add(h));
        int n = dev.size();
        LetterboxResize.check(c, dev, regions, DeviceTensor.contiguous(BASE, c.dtype(), "case", c.shape(n)));
        ByteBuffer a = args();
        a.putInt(n).putInt(c.width()).putInt(c.height()).putInt(c.order() == ChannelOrder.BGR ? 1 : 0)
                .putInt(c.interpolation() == Interpolation.NEAREST ? 1 : 0).putInt(c.dtype() == DType.F16 ? 1 : 0)
                .putInt(c.layout() == TensorLayout.NHWC ? 1 : 0);
        Normalize norm = c.normalize();
        a.putFloat(norm.multiply(0)).putFloat(norm.multiply(1)).putFloat(norm.multiply(2))
                .putFloat(norm.add(0)).putFloat(norm.add(1)).putFloat(norm.add(2)).putFloat(c.padValue());
        for (int i = 0; i < n; i++) {
            DeviceImage f = dev.get(i);
            Rect r = regions == null || regions.get(i) == null ? Rect.full(f.width(), f.height()) : regions.get(i);
            FrameTable.write(a, a.position(), f, Letterbox.of(c, r));
            a.position(a.position() + FrameTable.BYTES);
        }
        byte[] out = run(1, blob, a);
        int count = n * 3 * c.width() * c.height();
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((long) count * c.dtype().bytes(), out.length);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = c.dtype() == DType.F32 ? o.getFloat() : Half.toFloat(o.getShort());
        }
        return v;
    }

    static void assertSame(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                fail(what + ": element " + i + " kernel " + got[i] + " reference " + want[i]);
            }
        }
    }

    @Test
    void letterboxKernelsEqualTheReference() throws Exception {
        List<HostImage> host = frames();
        PreprocessConfig base = PreprocessConfig.letterbox(41, 29);
        List<PreprocessConfig> configs = List.of(base,
                base.withDType(DType.F32).withNormalize(Normalize.imagenetRgb()),
                base.withDType(DType.F32).withLayout(TensorLayout.NHWC).withOrder(ChannelOrder.BGR)
                        .withFit(Fit.LETTERBOX_TOP_LEFT).withNormalize(Normalize.none()).withPadValue(3),
                base.withLayout(TensorLayout.NHWC).withInterpolation(Interpolation.NEAREST).withFit(Fit.STRETCH),
                base.withDType(DType.F32).withInterpolation(Interpolation.NEAREST).withOrder(ChannelOrder.BGR),
                PreprocessConfig.letterbox(640, 640).withDType(DType.F32)); // strong upscaling of small frames
        for (PreprocessConfig c : configs) {
            String what = c.width() + "x" + c.height() + " " + c.dtype() + " " + c.layout() + " " + c.order() + " "
                    + c.interpolation() + " " + c.fit();
            assertSame(LetterboxResizeCpu.run(host, null, c).values(), letterboxOnHost(host, null, c), what);
        }
    }

    @Test
    void letterboxRegionsAtOddOrigins() throws Exception {
        List<HostImage> host = frames();
        List<Rect> regions = Arrays.asList(new Rect(3, 5, 31, 17), new Rect(1, 1, 2, 2), null, new Rect(0, 0, 1, 1),
                new Rect(119, 0, 1, 20), new Rect(2, 3, 7, 5), null, new Rect(5, 1, 19, 9), new Rect(101, 33, 131, 77));
        PreprocessConfig c = PreprocessConfig.letterbox(32, 24).withDType(DType.F32).withNormalize(Normalize.none());
        assertSame(LetterboxResizeCpu.run(host, regions, c).values(), letterboxOnHost(host, regions, c), "regions");
        PreprocessConfig n = c.withInterpolation(Interpolation.NEAREST).withDType(DType.F16);
        assertSame(LetterboxResizeCpu.run(host, regions, n).values(), letterboxOnHost(host, regions, n), "regions nearest");
    }

    @Test
    void colourConversionKernelEqualsTheReference() throws Exception {
        for (HostImage img : frames()) {
            for (ColorSpec spec : List.of(ColorSpec.BT601_LIMITED, ColorSpec.BT709_FULL)) {
                for (ChannelOrder order : ChannelOrder.values()) {
                    HostImage in = img.withColor(spec);
                    Blob blob = new Blob();
                    DeviceImage d = blob.add(in);
                    int planes = d.format().planes();
                    int dstPitch = 3 * in.width() + 5;
                    ColorCoefficients cc = ColorCoefficients.of(spec);
                    ByteBuffer a = args();
                    a.putInt(Formats.code(d.format())).putInt(d.width()).putInt(d.height()).putInt(d.pitch(0))
                            .putInt(planes > 1 ? d.pitch(1) : d.pitch(0)).putInt(planes > 2 ? d.pitch(2) : d.pitch(0))
                            .putInt(cc.yOffset()).putInt(cc.cy()).putInt(cc.cvr()).putInt(cc.cvg()).putInt(cc.cug())
                            .putInt(cc.cub()).putInt(order == ChannelOrder.BGR ? 1 : 0)
                            .putLong(d.plane(0)).putLong(planes > 1 ? d.plane(1) : d.plane(0))
                            .putLong(planes > 2 ? d.plane(2) : d.plane(0)).putInt(dstPitch);
                    byte[] out = run(2, blob, a);
                    HostImage got = new HostImage(order == ChannelOrder.RGB ? PixelFormat.RGB : PixelFormat.BGR, in.width(),
                            in.height(), ByteBuffer.wrap(out), new int[] {0}, new int[] {dstPitch}, spec);
                    assertArrayEquals(ColorConvertCpu.convert(in, order).planeBytes(0), got.planeBytes(0),
                            in + " -> " + order);
                }
            }
        }
    }

    @Test
    void resizeKernelsEqualTheReference() throws Exception {
        int seed = 30;
        for (PixelFormat f : List.of(PixelFormat.RGB, PixelFormat.BGRA)) {
            for (int[] c : new int[][] {{37, 23, 64, 48}, {64, 48, 37, 23}, {1, 1, 5, 3}, {5, 3, 1, 1}, {30, 20, 30, 20}, {8, 4, 4, 2}}) {
                HostImage img = TestImages.random(f, c[0], c[1], 3, ColorSpec.BT601_LIMITED, seed++);
                for (Interpolation interp : Interpolation.values()) {
                    Blob blob = new Blob();
                    DeviceImage d = blob.add(img);
                    int dstPitch = f.bytesPerPixel() * c[2] + 1;
                    ByteBuffer a = args();
                    a.putInt(f.bytesPerPixel()).putInt(interp == Interpolation.NEAREST ? 1 : 0).putInt(c[0]).putInt(c[1])
                            .putInt(d.pitch(0)).putInt(c[2]).putInt(c[3]).putInt(dstPitch).putLong(d.plane(0))
                            .putDouble(ResizeCpu.step(c[0], c[2])).putDouble(ResizeCpu.step(c[1], c[3]));
                    byte[] out = run(3, blob, a);
                    HostImage got = new HostImage(f, c[2], c[3], ByteBuffer.wrap(out), new int[] {0}, new int[] {dstPitch},
                            img.color());
                    assertArrayEquals(ResizeCpu.resize(img, c[2], c[3], interp).planeBytes(0), got.planeBytes(0),
                            f + " " + interp + " " + Arrays.toString(c));
                }
            }
        }
    }

    /**
     * overlay.cu's per-pixel code (colour conversion, then the last figure covering the pixel, with
     * Bresenham in closed form) against ColorConvertCpu then OverlayCpu (figure after figure, the
     * segment stepped): every pixel of 40 random overlays on frames of several formats and sizes.
     */
    @Test
    void overlayKernelEqualsColourConversionThenTheCpuOverlay() throws Exception {
        List<HostImage> host = frames();
        for (int round = 0; round < 5; round++) {
            Blob blob = new Blob();
            List<dev.vahost.ops.overlay.OverlayGpu.Target> targets = new ArrayList<>();
            List<byte[]> want = new ArrayList<>();
            long outBytes = 0;
            List<Long> at = new ArrayList<>();
            for (int i = 0; i < host.size(); i++) {
                HostImage h = host.get(i);
                dev.vahost.ops.overlay.Overlay o = dev.vahost.ops.overlay.OverlayCases.random(h.width(), h.height(), 1000L * round + i);
                int pitch = 3 * h.width() + (i % 3) * 4;
                at.add(outBytes);
                // dst is an offset into the output, which kernel_host_check adds its own base to; never 0 for the record's check
                targets.add(new dev.vahost.ops.overlay.OverlayGpu.Target(blob.add(h), outBytes + 1, pitch, o));
                want.add(dev.vahost.ops.overlay.OverlayCases.reference(h, o));
                outBytes += (long) pitch * h.height() + 1;
            }
            byte[] table = new byte[dev.vahost.ops.overlay.OverlayGpu.TABLE_BYTES];
            dev.vahost.ops.overlay.OverlayGpu.Layout l = dev.vahost.ops.overlay.OverlayGpu.encode(targets, table);
            ByteBuffer t = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer a = ByteBuffer.allocate(l.bytes() + 64 + 600).order(ByteOrder.LITTLE_ENDIAN);
            a.putInt(targets.size()).putLong(outBytes + 1);
            a.put(table, 0, l.figures());
            int figureInts = (l.glyphs() - l.figures()) / 4;
            a.putInt(figureInts);
            for (int k = 0; k < figureInts; k++) a.putInt(t.getInt(l.figures() + 4 * k));
            int glyphs = l.bytes() - l.glyphs();
            if (glyphs == 1 && targets.stream().allMatch(x -> x.overlay().glyphCount() == 0)) glyphs = 0;
            a.putInt(glyphs).put(table, l.glyphs(), glyphs);
            byte[] font = dev.vahost.ops.overlay.BitmapFont.table();
            a.putInt(font.length).put(font);
            byte[] out = run(4, blob, a);
            for (int i = 0; i < host.size(); i++) {
                HostImage h = host.get(i);
                String diff = dev.vahost.ops.overlay.OverlayCases.firstDifference(want.get(i), out, (int) (at.get(i) + 1),
                        targets.get(i).rgbPitch(), h.width(), h.height());
                assertNull(diff, "round " + round + ", frame " + i + " (" + h.format() + " " + h.width() + "x" + h.height() + ", "
                        + targets.get(i).overlay().count() + " figures): " + diff);
            }
        }
    }
}
