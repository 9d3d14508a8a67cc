package dev.vahost.gst;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/**
 * Bytes the C heap (glibc malloc) has handed out and not taken back, for leak checks. GStreamer and
 * GLib allocate frames, samples, caps and their own objects with malloc, so a native leak grows this;
 * the Java heap, metaspace and thread stacks are mapped by the JVM directly and do not count, which
 * makes this much steadier than RSS (which moves with the Java heap). Needs glibc 2.33+ (mallinfo2).
 */
final class NativeHeap {
    private NativeHeap() {}

    /** glibc's struct mallinfo2 (malloc.h): ten size_t fields. */
    @Structure.FieldOrder({"arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
            "keepcost"})
    public static class MallInfo2 extends Structure implements Structure.ByValue {
        public long arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        MallInfo2 mallinfo2();
    }

    /** In-use bytes over all malloc arenas (uordblks) plus the chunks malloc mapped on its own (hblkhd). */
    static long inUse() {
        MallInfo2 m = LibC.INSTANCE.mallinfo2();
        return m.uordblks + m.hblkhd;
    }
}
