package dev.vahost.pipelines.view;

import java.util.Collection;

import dev.vahost.pipelines.stage.Stage;
import dev.vahost.pipelines.stage.StageContext;
import dev.vahost.pipelines.stage.StageFactory;

/**
 * {@code type: rtsp-out} (built in): one stream's annotated video over RTSP (see {@link RtspOutStage}).
 * The service adds it, last, for {@code --rtsp-out ID} ({@code --rtsp-port}); a deployment may list it
 * among its stages instead.
 *
 * <pre>
 * stream: door        the stream to serve (required); its mount is rtsp://HOST:PORT/door
 * port: 8554          0..65535, 0 = any free port (the log says which)
 * address: 127.0.0.1  where to listen; 0.0.0.0 for every interface (no authentication: anyone who reaches it sees the video)
 * </pre>
 */
public final class RtspOutFactory implements StageFactory<RtspOutFactory.Config> {
    public record Config(String stream, Integer port, String address) {}

    public static final String TYPE = "rtsp-out";
    public static final int DEFAULT_PORT = 8554;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<Config> configType() {
        return Config.class;
    }

    @Override
    public String describe() {
        return "one stream's annotated video (boxes, labels, zones) over RTSP, x264enc on the CPU (nvh264enc where installed)";
    }

    /** Whether {@code id} can name a mount (it goes into the URL as it is). */
    static void checkStreamId(String id) {
        if (id == null || !id.matches("[A-Za-z0-9._-]{1,128}")) {
            throw new IllegalArgumentException("stream: expected a stream id of 1-128 letters, digits, '.', '_' or '-' (it is the RTSP mount), got "
                    + (id == null ? "nothing" : "'" + id + "'"));
        }
    }

    /** @throws IllegalArgumentException naming {@code option} when {@code id} is none of {@code streams} */
    public static void checkKnown(String option, String id, Collection<String> streams) {
        if (!streams.contains(id)) {
            throw new IllegalArgumentException("Invalid value for option '" + option + "': no stream '" + id + "'; the streams are "
                    + String.join(", ", streams));
        }
    }

    @Override
    public Stage create(Config c, StageContext ctx) {
        checkStreamId(c.stream());
        int port = c.port() == null ? DEFAULT_PORT : c.port();
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port: expected 0..65535, got " + port);
        String address = c.address() == null ? "127.0.0.1" : c.address();
        if (address.isBlank()) throw new IllegalArgumentException("address: empty");
        RtspServer server;
        try {
            server = new RtspServer(c.stream(), address, port);
        } catch (LinkageError e) {
            throw new IllegalStateException("RTSP out needs GStreamer's RTSP server library libgstrtspserver-1.0 (Debian: "
                    + "libgstrtspserver-1.0-0): " + e, e);
        }
        return new RtspOutStage(ctx.name(), c.stream(), server);
    }
}
