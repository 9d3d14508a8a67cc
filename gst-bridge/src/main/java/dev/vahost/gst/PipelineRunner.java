package dev.vahost.gst;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import com.sun.jna.Pointer;

import org.freedesktop.gstreamer.Bus;
import org.freedesktop.gstreamer.Element;
import org.freedesktop.gstreamer.Gst;
import org.freedesktop.gstreamer.GstException;
import org.freedesktop.gstreamer.Pipeline;
import org.freedesktop.gstreamer.State;
import org.freedesktop.gstreamer.StateChangeReturn;
import org.freedesktop.gstreamer.glib.GError;
import org.freedesktop.gstreamer.glib.Natives;

/**
 * Runs a self-contained launch string (one that ends in its own sink, e.g. {@code filesink}) to
 * end-of-stream: clip generation, transcoding, baselines. Frames are not pulled into Java.
 */
public final class PipelineRunner {
    private PipelineRunner() {}

    /** Runs {@code launch} until EOS. */
    public static void runToEos(String name, String launch, Duration timeout) {
        runToEos(name, launch, timeout, null, null);
    }

    /**
     * Runs {@code launch} until EOS. When {@code feederElement} is given, {@code feeder} is called on
     * the calling thread with that element's native pointer (an appsrc, typically) once the
     * pipeline is PLAYING, and must push its data and end-of-stream.
     *
     * @throws LaunchStringException when the string does not parse
     * @throws PipelineException     on an ERROR message, a failed start or a timeout
     */
    public static void runToEos(String name, String launch, Duration timeout, String feederElement, LongConsumer feeder) {
        GstRuntime.init();
        Pipeline pipeline = GstRuntime.call(() -> parse(name, launch));
        CountDownLatch done = new CountDownLatch(1);
        AtomicReference<String> error = new AtomicReference<>();
        Bus bus = pipeline.getBus();
        bus.connect((Bus.EOS) source -> done.countDown());
        bus.connect((Bus.ERROR) (source, code, message) -> {
            error.compareAndSet(null, (source == null ? "?" : source.getName()) + ": " + message);
            done.countDown();
        });
        try {
            StateChangeReturn r = GstRuntime.call(() -> pipeline.setState(State.PLAYING));
            if (r == StateChangeReturn.FAILURE) {
                GstRuntime.drainExecutor();
                throw new PipelineException(name, "could not start: " + (error.get() != null ? error.get() : "state change failed"));
            }
            if (feeder != null) {
                Element e = pipeline.getElementByName(feederElement);
                if (e == null) {
                    throw new LaunchStringException(LaunchStringException.Kind.NO_SUCH_ELEMENT, name, launch,
                            "no element named '" + feederElement + "'");
                }
                feeder.accept(Pointer.nativeValue(Natives.getRawPointer(e)));
            }
            if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new PipelineException(name, "no end-of-stream within " + timeout);
            }
            if (error.get() != null) {
                throw new PipelineException(name, error.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PipelineException(name, "interrupted", e);
        } finally {
            GstRuntime.call(() -> {
                pipeline.setState(State.NULL);
                pipeline.dispose();
                return null;
            });
        }
    }

    private static Pipeline parse(String name, String launch) {
        List<GError> errors = new ArrayList<>();
        Element top;
        try {
            top = Gst.parseLaunch(launch, errors);
        } catch (GstException e) {
            int code = errors.isEmpty() ? 0 : errors.get(0).getCode();
            throw new LaunchStringException(LaunchStringException.Kind.ofParseErrorCode(code), name, launch, e.getMessage());
        }
        if (!errors.isEmpty()) {
            top.dispose();
            throw new LaunchStringException(LaunchStringException.Kind.ofParseErrorCode(errors.get(0).getCode()), name,
                    launch, errors.get(0).getMessage());
        }
        if (top instanceof Pipeline p) {
            return p;
        }
        Pipeline p = new Pipeline(name);
        p.add(top);
        return p;
    }
}
