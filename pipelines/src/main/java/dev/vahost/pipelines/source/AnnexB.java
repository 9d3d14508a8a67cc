package dev.vahost.pipelines.source;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A look at an elementary-stream file before it is opened: it must be an Annex B byte-stream, i.e.
 * hold a start code followed by a parameter set near its start. A file that does not (random data,
 * or an H.264 stream written length-prefixed without its codec data, which {@code h264parse !
 * filesink} writes when the caps do not ask for byte-stream) decodes to nothing; looped, the parser
 * would read it over and over at full speed for ever.
 */
final class AnnexB {
    /** How far into the file a parameter set must appear. */
    static final int SNIFF_BYTES = 2 << 20;

    private AnnexB() {}

    /**
     * @throws IllegalArgumentException naming the file and what is missing
     */
    static void check(Path file, boolean h265) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(SNIFF_BYTES);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        for (int i = 0; i + 3 < head.length; i++) {
            if (head[i] != 0 || head[i + 1] != 0 || head[i + 2] != 1) continue;
            int h = head[i + 3] & 0xff;
            if ((h & 0x80) != 0) continue; // forbidden_zero_bit
            int type = h265 ? (h >> 1) & 0x3f : h & 0x1f;
            boolean parameterSet = h265 ? type == 32 || type == 33 : type == 7; // VPS/SPS, SPS
            if (parameterSet) return;
        }
        String codec = h265 ? "H.265" : "H.264";
        throw new IllegalArgumentException(file + ": not an " + codec + " Annex B byte-stream: no start code followed by a "
                + (h265 ? "VPS/SPS" : "sequence parameter set") + " in its first " + Math.min(head.length, SNIFF_BYTES)
                + " bytes (not " + codec + " video, or a length-prefixed stream without its codec data: write byte-stream, e.g. "
                + (h265 ? "h265parse ! video/x-h265" : "h264parse ! video/x-h264") + ",stream-format=byte-stream, or use a container)");
    }
}
