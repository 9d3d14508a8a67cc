package dev.vahost.nvmm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.vahost.gst.GstRuntime;
import dev.vahost.gst.MemoryKind;
import dev.vahost.gst.VideoFrame;
import dev.vahost.gst.VideoInfo;
import dev.vahost.gst.lowlevel.GstNative;
import dev.vahost.gst.lowlevel.GstVideoNative;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.lowlevel.GstCudaNative;
import dev.vahost.nvmm.nvbuf.NvBufSurfaceLayout;
import dev.vahost.nvmm.nvbuf.NvBufSurfaces;

/**
 * A decoded frame in device memory, as a {@link DeviceImage}, without any host copy. It owns the
 * pulled {@link VideoFrame} (and so the GstBuffer and its GPU memory) until closed; to keep the
 * frame alive exactly until the GPU work reading it has finished, hand it to
 * {@link CudaStream#closeWhenDone} after enqueuing that work (stream-ordered release, no sync).
 *
 * <p>From {@code memory:CUDAMemory} (upstream nvcodec): one GstCudaMemory per buffer, mapped with
 * GST_MAP_CUDA. From {@code memory:NVMM} (DeepStream): the mapped data is an NvBufSurface; each
 * filled entry of a batched surface becomes its own DeviceFrame sharing the buffer.
 */
public final class DeviceFrame implements AutoCloseable {
    private static final ConcurrentLinkedQueue<Memory> MAP_INFOS = new ConcurrentLinkedQueue<>();
    private static volatile Boolean needsSync;
    private static final int[] GST_VERSION = GstRuntime.version();
    private static Function memorySync;

    private final Mapping mapping;
    private final DeviceImage image;
    private final String streamId;
    private final long sequence;
    private final long pts;
    private final int batchIndex;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DeviceFrame(Mapping mapping, DeviceImage image, String streamId, long sequence, long pts, int batchIndex) {
        this.mapping = mapping;
        this.image = image;
        this.streamId = streamId;
        this.sequence = sequence;
        this.pts = pts;
        this.batchIndex = batchIndex;
    }

    /**
     * Maps a frame whose caps carry {@code memory:CUDAMemory}. Takes ownership of {@code frame}
     * (closes it on failure too).
     *
     * @throws UnsupportedFrameException for system memory, several memories, non-CUDA memory or an
     *                                   unsupported format
     */
    public static DeviceFrame fromCuda(VideoFrame frame) {
        try {
            frame.claim(); // from here this DeviceFrame (or the close below) owns it
            return mapCuda(frame);
        } catch (RuntimeException e) {
            frame.close();
            throw e;
        }
    }

    private static DeviceFrame mapCuda(VideoFrame frame) {
        String id = frame.streamId();
        VideoInfo info = frame.info();
        if (info.memory() != MemoryKind.CUDA) {
            throw new UnsupportedFrameException(id, "frame is in " + info.memory().capsFeature()
                    + " but CUDA memory was asked: put 'video/x-raw(memory:CUDAMemory)' after the decoder (caps "
                    + info.caps() + ")");
        }
        PixelFormat format = supportedFormat(id, info.format());
        long buffer = frame.bufferHandle();
        int n = GstNative.gst_buffer_n_memory(buffer);
        if (n != 1) {
            throw new UnsupportedFrameException(id, "buffer has " + n + " memories; one GstCudaMemory per buffer is required");
        }
        long mem = GstNative.gst_buffer_peek_memory(buffer, 0);
        if (GstCudaNative.gst_is_cuda_memory(mem) == 0) {
            throw new UnsupportedFrameException(id, "caps say CUDA memory but the buffer's memory is not a GstCudaMemory");
        }
        syncIfNeeded(mem);
        Memory mi = MAP_INFOS.poll();
        if (mi == null) {
            mi = new Memory(GstNative.SIZEOF_GST_MAP_INFO);
        }
        if (GstNative.gst_memory_map(mem, Pointer.nativeValue(mi), GstNative.GST_MAP_READ | GstNative.GST_MAP_CUDA) == 0) {
            MAP_INFOS.offer(mi);
            throw new UnsupportedFrameException(id, "gst_memory_map(GST_MAP_CUDA) failed for frame " + frame.sequence());
        }
        long devptr = mi.getLong(GstNative.MAP_INFO_DATA);
        Mapping m = new Mapping(frame, mem, mi, 1);
        try {
            DeviceImage img = cudaPlanes(id, frame, format, info, mem, devptr);
            return new DeviceFrame(m, img, id, frame.sequence(), frame.ptsNanos(), 0);
        } catch (RuntimeException e) {
            m.release();
            throw e;
        }
    }

    /**
     * Plane addresses and pitches: from the buffer's GstVideoMeta when it has one, otherwise from
     * the GstVideoInfo inside GstCudaMemory (1.22 layout; 1.24 changed the struct, so there a meta
     * is required).
     */
    private static DeviceImage cudaPlanes(String id, VideoFrame frame, PixelFormat format, VideoInfo info, long mem,
                                          long devptr) {
        int planes = format.planes();
        long[] addr = new long[planes];
        int[] pitch = new int[planes];
        long meta = GstVideoNative.gst_buffer_get_video_meta(frame.bufferHandle());
        Pointer src;
        int offOffset, strideOffset;
        if (meta != 0) {
            src = new Pointer(meta);
            offOffset = GstVideoNative.VIDEO_META_OFFSET;
            strideOffset = GstVideoNative.VIDEO_META_STRIDE;
        } else {
            int[] v = GST_VERSION; // per frame: no native call, no allocation
            if (v[0] != 1 || v[1] > 22) {
                throw new UnsupportedFrameException(id, "GStreamer " + v[0] + "." + v[1] + " CUDA buffer without GstVideoMeta:"
                        + " the GstCudaMemory layout read here is the 1.22 one");
            }
            src = new Pointer(mem);
            offOffset = GstCudaNative.CUDA_MEMORY_INFO + GstVideoNative.VIDEO_INFO_OFFSET;
            strideOffset = GstCudaNative.CUDA_MEMORY_INFO + GstVideoNative.VIDEO_INFO_STRIDE;
        }
        for (int p = 0; p < planes; p++) {
            addr[p] = devptr + src.getLong(offOffset + 8L * p);
            pitch[p] = src.getInt(strideOffset + 4L * p);
        }
        if (pitch[0] < info.width() * format.bytesPerPixel()) {
            throw new UnsupportedFrameException(id, "CUDA frame pitch " + pitch[0] + " is smaller than its width " + info.width());
        }
        return new DeviceImage(format, info.width(), info.height(), addr, pitch, ColorSpec.of(info));
    }

    /**
     * Maps a DeepStream {@code memory:NVMM} frame: one DeviceFrame per filled surface of the batch,
     * all sharing {@code frame} (closed when the last of them is). Takes ownership of {@code frame}.
     */
    public static List<DeviceFrame> fromNvmm(VideoFrame frame, NvBufSurfaceLayout layout) {
        String id = frame.streamId();
        Memory mi = null;
        try {
            frame.claim();
            if (frame.info().memory() != MemoryKind.NVMM) {
                throw new UnsupportedFrameException(id, "frame is in " + frame.info().memory().capsFeature()
                        + " but NVMM memory was asked");
            }
            mi = new Memory(GstNative.SIZEOF_GST_MAP_INFO);
            if (GstNative.gst_buffer_map(frame.bufferHandle(), Pointer.nativeValue(mi), GstNative.GST_MAP_READ) == 0) {
                throw new UnsupportedFrameException(id, "gst_buffer_map failed on an NVMM buffer");
            }
            List<DeviceImage> images;
            try {
                images = NvBufSurfaces.images(id, new Pointer(mi.getLong(GstNative.MAP_INFO_DATA)), layout, ColorSpec.of(frame.info()));
            } catch (RuntimeException e) {
                GstNative.gst_buffer_unmap(frame.bufferHandle(), Pointer.nativeValue(mi));
                throw e;
            }
            Mapping m = new Mapping(frame, 0, mi, images.size());
            List<DeviceFrame> out = new ArrayList<>(images.size());
            for (int i = 0; i < images.size(); i++) {
                out.add(new DeviceFrame(m, images.get(i), id, frame.sequence(), frame.ptsNanos(), i));
            }
            if (out.isEmpty()) {
                m.refs.set(1);
                m.release();
            }
            return out;
        } catch (RuntimeException e) {
            frame.close();
            throw e;
        }
    }

    private static PixelFormat supportedFormat(String id, String gstFormat) {
        PixelFormat f = PixelFormat.ofGstName(gstFormat);
        if (f == null) {
            throw new UnsupportedFrameException(id, "pixel format " + gstFormat + " is not supported on the GPU path"
                    + " (supported: NV12, I420, RGBA, BGRA, RGBx, BGRx, RGB, BGR)");
        }
        if (f == PixelFormat.P010) {
            throw new UnsupportedFrameException(id, "10-bit P010 frames are recognised but not supported by the"
                    + " preprocessing ops yet; decode to 8-bit NV12");
        }
        return f;
    }

    private static void syncIfNeeded(long mem) {
        Boolean need = needsSync;
        if (need == null) {
            int[] v = GST_VERSION;
            memorySync = v[1] >= 24 ? GstCudaNative.cudaMemorySyncOrNull() : null;
            need = needsSync = memorySync != null;
        }
        if (need) {
            // 1.24+: decoders no longer sync their stream before pushing; wait for this memory's writes.
            memorySync.invoke(new Object[] {new Pointer(mem)});
        }
    }

    public DeviceImage image() {
        check();
        return image;
    }

    public String streamId() {
        return streamId;
    }

    public long sequence() {
        return sequence;
    }

    public long ptsNanos() {
        return pts;
    }

    /** Index in the NvBufSurface batch (0 for CUDA memory). */
    public int batchIndex() {
        return batchIndex;
    }

    /** Closes this frame once the work enqueued so far on {@code stream} has completed. */
    public void closeAfter(CudaStream stream) {
        stream.closeWhenDone(List.of(this));
    }

    private void check() {
        if (closed.get()) {
            throw new IllegalStateException("stream " + streamId + ": device frame " + sequence + " is closed");
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Another reference to this frame's memory: a frame of its own (same image, stream and
     * sequence), closed on its own; the GstBuffer goes back to the decoder when the last reference
     * is closed. For code that keeps a frame beyond the call that lent it (a stage that encodes a
     * snapshot later); every retained frame holds one of the decoder's buffers, so close it soon.
     *
     * @throws IllegalStateException when this frame is closed
     */
    public DeviceFrame retain() {
        check();
        if (!mapping.retain()) {
            throw new IllegalStateException("stream " + streamId + ": device frame " + sequence + " is released");
        }
        return new DeviceFrame(mapping, image, streamId, sequence, pts, batchIndex);
    }

    /** Unmaps and releases the GstBuffer (when the last frame of a batched surface closes). Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            mapping.release();
        }
    }

    @Override
    public String toString() {
        return "DeviceFrame[" + streamId + " #" + sequence + (batchIndex > 0 ? "/" + batchIndex : "") + " " + image + "]";
    }

    /** The map of one GstBuffer, shared by the frames of a batched surface. */
    private static final class Mapping {
        final VideoFrame frame;
        final long memory; // GstMemory* for CUDA (gst_memory_unmap), 0 for a whole-buffer NVMM map
        final Memory mapInfo;
        final AtomicInteger refs;

        Mapping(VideoFrame frame, long memory, Memory mapInfo, int refs) {
            this.frame = frame;
            this.memory = memory;
            this.mapInfo = mapInfo;
            this.refs = new AtomicInteger(refs);
        }

        /** One more reference, unless the last one has gone already. */
        boolean retain() {
            for (int r = refs.get(); r > 0; r = refs.get()) {
                if (refs.compareAndSet(r, r + 1)) return true;
            }
            return false;
        }

        void release() {
            if (refs.decrementAndGet() != 0) {
                return;
            }
            if (memory != 0) {
                GstNative.gst_memory_unmap(memory, Pointer.nativeValue(mapInfo));
                MAP_INFOS.offer(mapInfo);
            } else {
                GstNative.gst_buffer_unmap(frame.bufferHandle(), Pointer.nativeValue(mapInfo));
            }
            frame.close();
        }
    }
}
