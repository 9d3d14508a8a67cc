package dev.vahost.pipelines.rtsp;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * A real RTSP server for tests: GStreamer's RTSP server library (Debian's libgstrtspserver-1.0)
 * driven through JNA, run as its own process so a test can kill it (SIGKILL, like a camera losing
 * power) and start it again on the same port.
 *
 * <pre>java -cp ... dev.vahost.pipelines.rtsp.RtspTestServer PORT /mount "( videotestsrc ... ! rtph264pay name=pay0 )"</pre>
 */
public final class RtspTestServer {
    /** Direct-mapped libgstrtspserver-1.0 (gst/rtsp-server/rtsp-server.h, 1.22). */
    static final class Lib {
        static {
            Native.register(Lib.class, NativeLibrary.getInstance("gstrtspserver-1.0"));
        }

        static native long gst_rtsp_server_new();

        static native void gst_rtsp_server_set_service(long server, String service);

        static native long gst_rtsp_server_get_mount_points(long server);

        static native long gst_rtsp_media_factory_new();

        static native void gst_rtsp_media_factory_set_launch(long factory, String launch);

        static native void gst_rtsp_media_factory_set_shared(long factory, int shared);

        static native void gst_rtsp_mount_points_add_factory(long mounts, String path, long factory);

        /** guint gst_rtsp_server_attach(GstRTSPServer*, GMainContext*): 0 on failure. */
        static native int gst_rtsp_server_attach(long server, long context);
    }

    static final class GLib {
        static {
            Native.register(GLib.class, NativeLibrary.getInstance("glib-2.0"));
        }

        static native long g_main_loop_new(long context, int running);

        static native void g_main_loop_run(long loop);
    }

    static final class GObject {
        static {
            Native.register(GObject.class, NativeLibrary.getInstance("gobject-2.0"));
        }

        static native void g_object_unref(long o);
    }

    static final class Gst {
        static {
            Native.register(Gst.class, NativeLibrary.getInstance("gstreamer-1.0"));
        }

        static native void gst_init(long argc, long argv);
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: RtspTestServer PORT /mount LAUNCH");
            System.exit(2);
        }
        Gst.gst_init(0, 0);
        long server = Lib.gst_rtsp_server_new();
        Lib.gst_rtsp_server_set_service(server, args[0]);
        long mounts = Lib.gst_rtsp_server_get_mount_points(server);
        long factory = Lib.gst_rtsp_media_factory_new();
        Lib.gst_rtsp_media_factory_set_launch(factory, args[2]);
        Lib.gst_rtsp_media_factory_set_shared(factory, 1);
        Lib.gst_rtsp_mount_points_add_factory(mounts, args[1], factory);
        GObject.g_object_unref(mounts);
        if (Lib.gst_rtsp_server_attach(server, 0) == 0) {
            System.err.println("RtspTestServer: cannot listen on port " + args[0]);
            System.exit(1);
        }
        System.out.println("RTSP server ready at rtsp://127.0.0.1:" + args[0] + args[1]);
        System.out.flush();
        GLib.g_main_loop_run(GLib.g_main_loop_new(0, 0));
    }

    /** A running server process, killed by {@link #kill()}. */
    public static final class Handle implements AutoCloseable {
        private final Process process;
        public final int port;
        public final String url;

        private Handle(Process p, int port, String url) {
            this.process = p;
            this.port = port;
            this.url = url;
        }

        /** The live 320x240 H.264 test pattern; {@code corrupt} (may be empty) sits between the encoder and the payloader. */
        public static String camera(String corrupt) {
            return "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
                    + "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! h264parse" + corrupt
                    + " ! rtph264pay name=pay0 pt=96 config-interval=1 )";
        }

        /** Starts a server on {@code port} (0 = a free one) serving a live 320x240 H.264 test pattern at /cam. */
        public static Handle start(int port) throws IOException, InterruptedException {
            return start(port, camera(""));
        }

        /** Starts a server on {@code port} (0 = a free one) serving {@code launch} (a gst-rtsp-server launch line) at /cam. */
        public static Handle start(int port, String launch) throws IOException, InterruptedException {
            if (port == 0) {
                try (ServerSocket s = new ServerSocket(0)) {
                    port = s.getLocalPort();
                }
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(RtspTestServer.class.getName());
            cmd.add(Integer.toString(port));
            cmd.add("/cam");
            cmd.add(launch);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
            String line = r.readLine();
            // The JVM announces JAVA_TOOL_OPTIONS on its first line when the variable is set.
            while (line != null && line.startsWith("Picked up ")) line = r.readLine();
            if (line == null || !line.startsWith("RTSP server ready")) {
                p.destroyForcibly();
                throw new IOException("RTSP test server did not start: " + line);
            }
            Thread drain = new Thread(() -> {
                try {
                    while (r.readLine() != null) { /* discard */ }
                } catch (IOException ignored) {
                    // process gone
                }
            }, "rtsp-server-out");
            drain.setDaemon(true);
            drain.start();
            return new Handle(p, port, "rtsp://127.0.0.1:" + port + "/cam");
        }

        /** SIGSTOP / SIGCONT: the connection stays open but nothing arrives, as with a hung camera. */
        public void freeze(boolean frozen) throws IOException, InterruptedException {
            new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(process.pid())).inheritIO().start().waitFor();
        }

        /** SIGKILL: the server vanishes without a TEARDOWN, as a camera losing power would. */
        public void kill() throws InterruptedException {
            try {
                freeze(false);
            } catch (IOException ignored) {
                // already gone
            }
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }

        @Override
        public void close() throws InterruptedException {
            kill();
        }
    }
}
