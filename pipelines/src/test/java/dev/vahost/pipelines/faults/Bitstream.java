package dev.vahost.pipelines.faults;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each picture of an H.264/H.265 elementary stream lies, in the stream and in a container
 * holding the same NAL units: the oracle that says which frames a corruption at a byte offset can
 * touch, and from which keyframe a decoder must recover. Assumes one slice per picture (x264/x265
 * at these sizes); a picture's slice NAL is found in the container by its first bytes.
 */
public final class Bitstream {
    /** Picture {@code index} in decode order: its slice NAL at [offset, offset + length) of the file it was located in. */
    public record Picture(int index, boolean key, int offset, int length) {
        public int end() {
            return offset + length;
        }
    }

    private static final int NEEDLE = 24;

    private Bitstream() {}

    /** The pictures of an elementary stream, from its start codes and NAL types. */
    public static List<Picture> pictures(byte[] es, boolean h265) {
        List<int[]> nals = new ArrayList<>(); // {header offset, length}
        int i = 0, n = es.length;
        int start = -1;
        while (i + 3 <= n) {
            if (es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1) {
                if (start >= 0) nals.add(new int[] {start, trimZeros(es, start, i) - start});
                start = i + 3;
                i += 3;
            } else {
                i++;
            }
        }
        if (start >= 0) nals.add(new int[] {start, n - start});
        List<Picture> out = new ArrayList<>();
        for (int[] nal : nals) {
            int h = es[nal[0]] & 0xff;
            int type = h265 ? (h >> 1) & 0x3f : h & 0x1f;
            boolean vcl = h265 ? type < 32 : type >= 1 && type <= 5;
            if (!vcl) continue;
            boolean key = h265 ? type >= 16 && type <= 21 : type == 5;
            out.add(new Picture(out.size(), key, nal[0], nal[1]));
        }
        return out;
    }

    /** The first {@code max} NAL unit types of an Annex B stream, for error messages. */
    static List<Integer> nalTypes(byte[] es, boolean h265, int max) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + 3 < es.length && out.size() < max; i++) {
            if (es[i] == 0 && es[i + 1] == 0 && es[i + 2] == 1) {
                int h = es[i + 3] & 0xff;
                out.add(h265 ? (h >> 1) & 0x3f : h & 0x1f);
                i += 2;
            }
        }
        return out;
    }

    private static int trimZeros(byte[] b, int from, int to) {
        while (to > from && b[to - 1] == 0) to--; // the leading zero of a 4-byte start code
        return to;
    }

    /**
     * The same pictures located in a container file; a picture whose first bytes are not found (or
     * are split by a container header, as in MPEG-TS) gets offset -1.
     */
    public static List<Picture> locate(List<Picture> es, byte[] esBytes, byte[] container) {
        List<Picture> out = new ArrayList<>(es.size());
        int from = 0;
        for (Picture p : es) {
            int len = Math.min(NEEDLE, p.length());
            int at = indexOf(container, esBytes, p.offset(), len, from);
            if (at < 0) {
                out.add(new Picture(p.index(), p.key(), -1, p.length()));
            } else {
                out.add(new Picture(p.index(), p.key(), at, p.length()));
                from = at + len;
            }
        }
        return out;
    }

    private static int indexOf(byte[] hay, byte[] needle, int off, int len, int from) {
        outer:
        for (int i = from; i + len <= hay.length; i++) {
            for (int k = 0; k < len; k++) {
                if (hay[i + k] != needle[off + k]) continue outer;
            }
            return i;
        }
        return -1;
    }

    /** The first keyframe after picture {@code k}, or {@code pictures.size()} when none follows. */
    public static int nextKey(List<Picture> pictures, int k) {
        for (int i = k + 1; i < pictures.size(); i++) {
            if (pictures.get(i).key()) return i;
        }
        return pictures.size();
    }

    /**
     * The picture whose slice data holds all of [from, to) of the file, or -1 (container structure,
     * parameter sets, a picture not located). {@code contiguous}: the slice bytes are stored whole
     * (elementary stream, MP4, MKV); otherwise (MPEG-TS, cut into 188-byte packets) a picture's
     * data is taken to run until 256 bytes before the next located picture, and only when that one
     * was located.
     */
    public static int pictureHolding(List<Picture> located, int from, int to, boolean contiguous) {
        for (int k = 0; k < located.size(); k++) {
            Picture p = located.get(k);
            if (p.offset() < 0 || from < p.offset()) continue;
            int end;
            if (contiguous) {
                end = p.end();
            } else {
                if (k + 1 >= located.size() || located.get(k + 1).offset() < 0) continue;
                end = located.get(k + 1).offset() - 256;
            }
            if (to <= end) return k;
        }
        return -1;
    }
}
