package dev.vahost.gst;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.Version;

/**
 * Process-wide GStreamer initialisation and the GStreamer executor.
 *
 * <p>gst1-java-core delivers bus messages on one executor thread; state changes and disposal run
 * there too (the maintainers' advice after crashes on explicit dispose from other threads), so
 * pipeline lifecycle calls are serialised with the messages they cause.
 */
public final class GstRuntime {
    private static final Object LOCK = new Object();
    private static volatile Thread executorThread;

    private GstRuntime() {}

    /** Initialises GStreamer once (idempotent, thread-safe). */
    public static void init() {
        if (executorThread != null) {
            return;
        }
        synchronized (LOCK) {
            if (executorThread != null) {
                return;
            }
            if (!Gst.isInitialized()) {
                // GStreamer's segfault trap (on while a plugin loads) would take the JVM's own SIGSEGVs
                // (safepoint polls, implicit null checks) on other threads for a crash of the plugin being
                // loaded and end the process ("Caught a segmentation fault while loading plugin file
                // libgstnvcodec.so", exit 255): seen on the GPU machine when decoders were autoplugged
                // while the service ran. Java hosts turn it off.
                dev.vahost.gst.lowlevel.GstNative.gst_segtrap_set_enabled(0);
                Gst.init(Version.of(1, 16), "vahost");
            }
            try {
                executorThread = Gst.getExecutor().submit(Thread::currentThread).get(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting the GStreamer executor", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("GStreamer executor did not start", e);
            }
        }
    }

    /** The running GStreamer version as {major, minor, micro}. */
    public static int[] version() {
        return LoadedVersion.V.clone();
    }

    /** Read once: the loaded library cannot change. */
    private static final class LoadedVersion {
        static final int[] V = read();

        private static int[] read() {
            init();
            int[] a = new int[1], b = new int[1], c = new int[1], d = new int[1];
            dev.vahost.gst.lowlevel.GstNative.gst_version(a, b, c, d);
            return new int[] {a[0], b[0], c[0]};
        }
    }

    /** True on the thread that runs bus listeners and lifecycle calls. */
    public static boolean onExecutor() {
        return Thread.currentThread() == executorThread;
    }

    /**
     * Runs {@code task} on the GStreamer executor and waits for it (runs it inline when already
     * there, so a bus listener may call lifecycle methods without deadlocking).
     */
    public static <T> T call(Callable<T> task) {
        init();
        try {
            if (onExecutor()) {
                return task.call();
            }
            Future<T> f = Gst.getExecutor().submit(task);
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the GStreamer executor", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error err) throw err;
            throw new IllegalStateException(c);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until every task queued on the executor before this call (e.g. bus messages) has run. */
    public static void drainExecutor() {
        call(() -> null);
    }
}
