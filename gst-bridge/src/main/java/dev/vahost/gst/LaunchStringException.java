package dev.vahost.gst;

/**
 * A launch string that cannot become a working pipeline: it does not parse, names an element
 * that is not installed, cannot link, or has no appsink to pull frames from.
 */
public final class LaunchStringException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** What is wrong. The first values mirror GstParseError (gst/gstparse.h). */
    public enum Kind {
        SYNTAX, NO_SUCH_ELEMENT, NO_SUCH_PROPERTY, LINK, COULD_NOT_SET_PROPERTY, EMPTY_BIN, EMPTY,
        DELAYED_LINK,
        /** The launch string has no appsink (or several, none of them named as configured). */
        NO_APPSINK;

        static Kind ofParseErrorCode(int code) {
            Kind[] v = values();
            return code >= 0 && code < NO_APPSINK.ordinal() ? v[code] : SYNTAX;
        }
    }

    private final Kind kind;
    private final String launch;

    public LaunchStringException(Kind kind, String streamId, String launch, String detail) {
        super("stream " + streamId + ": bad launch string (" + kind + "): " + detail + " in \"" + launch + "\"");
        this.kind = kind;
        this.launch = launch;
    }

    public Kind kind() {
        return kind;
    }

    public String launch() {
        return launch;
    }
}
