package dev.vahost.pipelines.source;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One camera as the user names it: {@code [name=]value}, where value is
 * <ul>
 * <li>{@code synthetic[:WIDTHxHEIGHT][@FPS]} — a built-in synthetic camera (moving shapes, H.264),</li>
 * <li>{@code rtsp://...} — a live RTSP camera, reset alone when it stops delivering,</li>
 * <li>any URI ({@code file://}, {@code http://}, ...) — decoded by uridecodebin,</li>
 * <li>{@code launch:FRAGMENT} — a launch-string fragment that ends in decoded video,</li>
 * <li>a file path: .h264/.264, .h265/.265/.hevc (elementary streams), .mp4/.mov/.mkv/.webm.</li>
 * </ul>
 */
public record SourceSpec(String name, Kind kind, String value, int width, int height, int fps) {
    public enum Kind { SYNTHETIC, RTSP, URI, LAUNCH, H264_FILE, H265_FILE, CONTAINER_FILE }

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern SYNTH = Pattern.compile("synthetic(?::(\\d+)x(\\d+))?(?:@(\\d+))?");

    public SourceSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("stream name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
    }

    /** The value as {@link #parse} takes it back (without the name): {@code launch:} kept for fragments. */
    public String text() {
        return kind == Kind.LAUNCH ? "launch:" + value : value;
    }

    /** True for sources that are live and reconnected when they stop delivering. */
    public boolean isLive() {
        return kind == Kind.RTSP || (kind == Kind.URI && !value.startsWith("file:"));
    }

    /**
     * Parses {@code [name=]value}; {@code defaultName} is used when no name is given.
     *
     * @throws IllegalArgumentException naming the value and the rule it breaks
     */
    public static SourceSpec parse(String text, String defaultName) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty --source value");
        }
        String name = defaultName, value = text.strip();
        int eq = value.indexOf('=');
        int colon = value.indexOf(':');
        // "cam1=rtsp://h/x?a=b": a name is the part before the first '=' if no ':' or '/' precedes it.
        if (eq > 0 && (colon < 0 || eq < colon) && value.substring(0, eq).indexOf('/') < 0) {
            name = value.substring(0, eq);
            value = value.substring(eq + 1).strip();
            if (value.isEmpty()) throw new IllegalArgumentException("source '" + text + "' has a name but no value");
        }
        Matcher m = SYNTH.matcher(value);
        if (m.matches()) {
            int w = m.group(1) == null ? 1280 : Integer.parseInt(m.group(1));
            int h = m.group(2) == null ? 720 : Integer.parseInt(m.group(2));
            int fps = m.group(3) == null ? 30 : Integer.parseInt(m.group(3));
            if (w < 64 || h < 64 || w > 3840 || h > 2160 || w % 8 != 0 || h % 2 != 0) {
                throw new IllegalArgumentException("synthetic camera size " + w + "x" + h + " in '" + text
                        + "' must be within 64x64..3840x2160, width a multiple of 8, height even");
            }
            if (fps < 1 || fps > 120) throw new IllegalArgumentException("synthetic camera fps " + fps + " in '" + text + "' must be within 1..120");
            return new SourceSpec(name, Kind.SYNTHETIC, value, w, h, fps);
        }
        if (value.startsWith("synthetic")) {
            throw new IllegalArgumentException("bad synthetic camera '" + value + "': use synthetic[:WIDTHxHEIGHT][@FPS], e.g. synthetic:1920x1080@30");
        }
        if (value.startsWith("launch:")) {
            String frag = value.substring("launch:".length()).strip();
            if (frag.isEmpty()) throw new IllegalArgumentException("empty launch fragment in '" + text + "'");
            if (frag.contains("appsink")) {
                throw new IllegalArgumentException("launch fragment '" + frag + "' must end in decoded video, without an appsink (one is added)");
            }
            return new SourceSpec(name, Kind.LAUNCH, frag, 0, 0, 0);
        }
        if (value.matches("(?i)rtsps?://.+")) {
            checkUri(value, text);
            return new SourceSpec(name, Kind.RTSP, value, 0, 0, 0);
        }
        if (value.matches("[A-Za-z][A-Za-z0-9+.-]*://.*")) {
            checkUri(value, text);
            return new SourceSpec(name, Kind.URI, value, 0, 0, 0);
        }
        Path p = Path.of(value);
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException("source '" + text + "': no such file " + p.toAbsolutePath()
                    + " (expected a file, rtsp:// or other URI, synthetic[:WxH][@FPS] or launch:FRAGMENT)");
        }
        String ext = value.substring(value.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        Kind k = switch (ext) {
            case "h264", "264" -> Kind.H264_FILE;
            case "h265", "265", "hevc" -> Kind.H265_FILE;
            case "mp4", "mov", "mkv", "webm", "ts" -> Kind.CONTAINER_FILE;
            default -> throw new IllegalArgumentException("source '" + text + "': unknown file type '." + ext
                    + "' (supported: .h264 .264 .h265 .265 .hevc .mp4 .mov .mkv .webm .ts)");
        };
        return new SourceSpec(name, k, p.toAbsolutePath().toString(), 0, 0, 0);
    }

    private static void checkUri(String value, String text) {
        try {
            URI u = new URI(value);
            if (u.getScheme() == null) throw new IllegalArgumentException("no scheme");
        } catch (Exception e) {
            throw new IllegalArgumentException("source '" + text + "': malformed URI '" + value + "' (" + e.getMessage() + ")");
        }
    }
}
