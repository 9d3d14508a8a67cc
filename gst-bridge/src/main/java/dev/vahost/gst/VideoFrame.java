package dev.vahost.gst;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.vahost.gst.lowlevel.GstNative;
import dev.vahost.gst.lowlevel.GstVideoNative;

/**
 * One frame pulled from a stream's appsink. It owns its GstSample (and so the GstBuffer and the
 * memory behind it) until {@link #close()}; close is idempotent and may be called from any thread.
 * Any accessor after close throws {@link IllegalStateException}.
 *
 * <p>Frames in CUDA or NVMM memory are handed to the {@code nvmm} module through
 * {@link #bufferHandle()}; {@link #map()} is for system memory only, because mapping device memory
 * without the CUDA flag makes GStreamer download the whole frame to the host.
 */
public final class VideoFrame implements AutoCloseable {
    private final Owner owner;
    private final String streamId;
    private final long sequence;
    private final long sample;
    private final long buffer;
    private final VideoInfo info;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean claimed;
    private Memory mapInfo; // guarded by this; taken from the owner's pool while mapped

    /** Where a frame returns its resources on close: a stream's pull loop. */
    interface Owner {
        Memory borrowMapInfo();

        void returnMapInfo(Memory m);

        void frameClosed();
    }

    VideoFrame(Owner owner, String streamId, long sequence, long sample, long buffer, VideoInfo info) {
        this.owner = owner;
        this.streamId = streamId;
        this.sequence = sequence;
        this.sample = sample;
        this.buffer = buffer;
        this.info = info;
    }

    public String streamId() {
        return streamId;
    }

    /** 0-based number of this frame among the frames pulled from its stream. */
    public long sequence() {
        return sequence;
    }

    public VideoInfo info() {
        check();
        return info;
    }

    /** Presentation timestamp in nanoseconds, or -1 when the buffer has none. */
    public long ptsNanos() {
        check();
        return new Pointer(buffer).getLong(GstNative.BUFFER_PTS);
    }

    /** Duration in nanoseconds, or -1 when the buffer has none. */
    public long durationNanos() {
        check();
        return new Pointer(buffer).getLong(GstNative.BUFFER_DURATION);
    }

    /** The borrowed GstBuffer*, valid until close. Take a reference to keep it longer. */
    public long bufferHandle() {
        check();
        return buffer;
    }

    /** Row stride of plane {@code p}: from the buffer's GstVideoMeta when it has one, else the caps. */
    public int stride(int p) {
        check();
        long meta = GstVideoNative.gst_buffer_get_video_meta(buffer);
        if (meta != 0) {
            return new Pointer(meta).getInt(GstVideoNative.VIDEO_META_STRIDE + 4L * p);
        }
        return info.stride(p);
    }

    /** Byte offset of plane {@code p}: from the buffer's GstVideoMeta when it has one, else the caps. */
    public long planeOffset(int p) {
        check();
        long meta = GstVideoNative.gst_buffer_get_video_meta(buffer);
        if (meta != 0) {
            return new Pointer(meta).getLong(GstVideoNative.VIDEO_META_OFFSET + 8L * p);
        }
        return info.offset(p);
    }

    /**
     * Maps a system-memory frame for reading. The view is valid until close; calling again returns
     * a view of the same mapping.
     *
     * @throws IllegalStateException for CUDA/NVMM frames (use nvmm's DeviceFrame)
     */
    public synchronized ByteBuffer map() {
        check();
        if (info.memory() != MemoryKind.SYSTEM) {
            throw new IllegalStateException("stream " + streamId + ": frame is in " + info.memory().capsFeature()
                    + "; a system map would copy it to the host, use nvmm's DeviceFrame instead");
        }
        if (mapInfo == null) {
            Memory m = owner.borrowMapInfo();
            if (GstNative.gst_buffer_map(buffer, Pointer.nativeValue(m), GstNative.GST_MAP_READ) == 0) {
                owner.returnMapInfo(m);
                throw new IllegalStateException("stream " + streamId + ": gst_buffer_map failed for frame " + sequence);
            }
            mapInfo = m;
        }
        long data = mapInfo.getLong(GstNative.MAP_INFO_DATA);
        long size = mapInfo.getLong(GstNative.MAP_INFO_SIZE);
        return new Pointer(data).getByteBuffer(0, size).asReadOnlyBuffer();
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Declares that this frame has been handed to an owner that outlives the listener call (a
     * queue, a batcher, a {@code DeviceFrame}). Until then, a frame listener that throws has its
     * frame closed by the stream; after it, the stream leaves the frame to its new owner, which
     * must close it. Without this, a listener failing after the hand-off would have the frame
     * closed under the owner that still reads it.
     *
     * @return this frame
     * @throws IllegalStateException when the frame is already closed
     */
    public VideoFrame claim() {
        check();
        claimed = true;
        return this;
    }

    /** Whether {@link #claim()} was called. */
    public boolean isClaimed() {
        return claimed;
    }

    private void check() {
        if (closed.get()) {
            throw new IllegalStateException("stream " + streamId + ": frame " + sequence + " is closed");
        }
    }

    /** Unmaps, drops the sample reference and frees the stream's in-flight slot. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (this) {
            if (mapInfo != null) {
                GstNative.gst_buffer_unmap(buffer, Pointer.nativeValue(mapInfo));
                owner.returnMapInfo(mapInfo);
                mapInfo = null;
            }
        }
        GstNative.gst_mini_object_unref(sample);
        owner.frameClosed();
    }

    @Override
    public String toString() {
        return "VideoFrame[" + streamId + " #" + sequence + (closed.get() ? " closed" : " " + info) + "]";
    }
}
