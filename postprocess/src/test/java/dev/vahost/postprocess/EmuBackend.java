package dev.vahost.postprocess;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import dev.vahost.postprocess.internal.Backend;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The engine's backend over libpostprocess_emu.so: the real kernel sources compiled for the CPU
 * (src/test/emu). "Device" memory is malloc'd host memory, filled with garbage (0xCD) so no kernel
 * can rely on zeroed memory, and fenced by canaries that are checked after every launch, so a kernel
 * writing out of its buffer fails the test naming the buffer.
 */
final class EmuBackend implements Backend {
    interface Lib extends Library {
        int emu_launch(String name, int gx, int gy, int gz, int bx, int by, int bz, long[] slots, int[] kinds, int nargs,
                       byte[] err, int errLen);
    }

    private static final int FENCE = 256;
    private static final byte CANARY = (byte) 0xA5;
    private static Lib lib;
    private static String unavailable;

    private record Region(String purpose, long base, long bytes) {
        long user() { return base + FENCE; }
    }

    private final List<Region> regions = new ArrayList<>();
    private ByteBuffer result;
    private int launches;
    private final List<String> launched = new ArrayList<>();
    private int downloads;

    /**
     * Loads the emulation library, building it first with build-emu.sh when it is missing or older
     * than the kernel sources. Returns null when loaded, or why the emulation tests are skipped: only
     * when no C++ compiler is installed (and no up-to-date library is there). Throws when a compiler is
     * there and the build fails, or the library does not load: a broken .cu source fails the tests.
     */
    static synchronized String skipReason() {
        if (lib != null) return null;
        if (unavailable != null) return unavailable;
        String env = System.getenv("VAHOST_POSTPROCESS_EMU");
        if (env != null) return load(new File(env)); // asked for by name: it must load
        File so = new File("target/emu/libpostprocess_emu.so");
        File script = new File("src/test/emu/build-emu.sh");
        if (!so.isFile() || newerSources(so)) {
            String cxx = findCxx();
            if (cxx == null) {
                return unavailable = "SKIPPED postprocess EmulatedKernelsTest: no C++ compiler (CXX, g++, c++) found, so"
                        + " decode.cu and batched_nms.cu were NOT run against the CPU reference (install g++)";
            }
            String out;
            int rc;
            try {
                ProcessBuilder pb = new ProcessBuilder("bash", script.getPath(), so.getParent()).redirectErrorStream(true);
                pb.environment().put("CXX", cxx);
                Process p = pb.start();
                out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(300, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("build-emu.sh (" + cxx + ") did not finish in 300 s:\n" + out);
                }
                rc = p.exitValue();
            } catch (java.io.IOException | InterruptedException e) {
                throw new AssertionError("cannot run " + script + " with " + cxx, e);
            }
            if (rc != 0) {
                throw new AssertionError("build-emu.sh (" + cxx + ") failed to compile the real kernel sources (exit " + rc
                        + "):\n" + out);
            }
        }
        return load(so);
    }

    private static String load(File so) {
        if (!so.isFile()) throw new AssertionError("no kernel emulation library at " + so.getAbsolutePath());
        try {
            lib = Native.load(so.getAbsolutePath(), Lib.class);
        } catch (UnsatisfiedLinkError e) {
            throw new AssertionError("cannot load the kernel emulation " + so.getAbsolutePath(), e);
        }
        return null;
    }

    /** $CXX as given (a wrong one fails the build), else g++ or c++ on the PATH; null when none. */
    static String findCxx() {
        String env = System.getenv("CXX");
        if (env != null && !env.isBlank()) return env.trim();
        for (String name : new String[] {"g++", "c++"}) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                if (!dir.isEmpty() && new File(dir, name).canExecute()) return new File(dir, name).getPath();
            }
        }
        return null;
    }

    private static boolean newerSources(File so) {
        long t = so.lastModified();
        for (String dir : new String[] {"src/main/cuda", "src/test/emu"}) {
            File[] fs = new File(dir).listFiles();
            if (fs == null) continue;
            for (File f : fs) if (f.lastModified() > t) return true;
        }
        return false;
    }

    int launches() { return launches; }

    /** Kernel names in launch order. */
    List<String> launched() { return List.copyOf(launched); }

    /** Copies to the host (results) so far. */
    int downloads() { return downloads; }

    @Override
    public long allocate(long bytes, String purpose) {
        long base = Native.malloc(bytes + 2 * FENCE);
        if (base == 0) throw new OutOfMemoryError(purpose);
        Pointer p = new Pointer(base);
        p.setMemory(0, FENCE, CANARY);
        p.setMemory(FENCE, bytes, (byte) 0xCD);
        p.setMemory(FENCE + bytes, FENCE, CANARY);
        Region r = new Region(purpose, base, bytes);
        regions.add(r);
        return r.user();
    }

    /** Test inputs in emulated device memory. */
    long copyIn(float[] data) {
        long a = allocate(4L * Math.max(1, data.length), "test input");
        new Pointer(a).write(0, data, 0, data.length);
        return a;
    }

    long copyIn(short[] data) {
        long a = allocate(2L * Math.max(1, data.length), "test input");
        new Pointer(a).write(0, data, 0, data.length);
        return a;
    }

    long copyIn(int[] data) {
        long a = allocate(4L * Math.max(1, data.length), "test input");
        new Pointer(a).write(0, data, 0, data.length);
        return a;
    }

    @Override
    public void reserveHost(long resultBytes, int uploadFloats) {
        result = ByteBuffer.allocate((int) resultBytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void requireKernel(String module, String kernel) {
        // The emulation checks names and arguments at launch.
    }

    @Override
    public void launch(Object stream, String module, String kernel, int gx, int gy, int gz, int bx, int by, int bz,
                       Object... args) {
        long[] slots = new long[args.length];
        int[] kinds = new int[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Long l) { slots[i] = l; kinds[i] = 0; }
            else if (a instanceof Integer v) { slots[i] = v & 0xffffffffL; kinds[i] = 1; }
            else if (a instanceof Float f) { slots[i] = Float.floatToRawIntBits(f) & 0xffffffffL; kinds[i] = 2; }
            else throw new IllegalArgumentException(kernel + ": argument " + i + " of type " + a);
        }
        byte[] err = new byte[1024];
        int rc = lib.emu_launch(kernel, gx, gy, gz, bx, by, bz, slots, kinds, args.length, err, err.length);
        launches++;
        launched.add(kernel);
        if (rc != 0) throw new AssertionError("emulated launch failed: " + Native.toString(err));
        for (Region r : regions) {
            Pointer p = new Pointer(r.base());
            byte[] before = p.getByteArray(0, FENCE), after = p.getByteArray(FENCE + r.bytes(), FENCE);
            for (int i = 0; i < FENCE; i++) {
                if (before[i] != CANARY || after[i] != CANARY) {
                    throw new AssertionError(kernel + " wrote outside buffer '" + r.purpose() + "' (" + r.bytes() + " bytes)");
                }
            }
        }
    }

    @Override
    public void upload(long dst, float[] src) {
        new Pointer(dst).write(0, src, 0, src.length);
    }

    @Override
    public void uploadAsync(Object stream, long dst, float[] src, int count) {
        new Pointer(dst).write(0, src, 0, count);
    }

    @Override
    public ByteBuffer downloadAsync(Object stream, long src, long bytes) {
        downloads++;
        byte[] b = new Pointer(src).getByteArray(0, (int) bytes);
        result.clear();
        result.put(b);
        return result.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void markDone(Object stream) {}

    @Override
    public boolean isDone() { return true; }

    @Override
    public void close() {
        for (Region r : regions) Native.free(r.base());
        regions.clear();
    }
}
