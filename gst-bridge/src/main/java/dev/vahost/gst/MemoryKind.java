package dev.vahost.gst;

/** Where a frame's pixels live, as its caps features say. */
public enum MemoryKind {
    /** Plain system memory (no caps feature): CPU path. */
    SYSTEM("memory:SystemMemory"),
    /** Upstream GStreamer nvcodec: {@code video/x-raw(memory:CUDAMemory)}, a GstCudaMemory per buffer. */
    CUDA("memory:CUDAMemory"),
    /** DeepStream: {@code video/x-raw(memory:NVMM)}, the mapped data is an NvBufSurface. */
    NVMM("memory:NVMM");

    private final String capsFeature;

    MemoryKind(String capsFeature) {
        this.capsFeature = capsFeature;
    }

    /** The caps feature string, e.g. {@code memory:CUDAMemory}. */
    public String capsFeature() {
        return capsFeature;
    }
}
