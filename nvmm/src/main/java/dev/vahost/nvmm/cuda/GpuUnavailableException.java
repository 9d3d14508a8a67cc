package dev.vahost.nvmm.cuda;

/** The GPU path cannot run here: no driver, no device, or the project's kernels were not built. */
public class GpuUnavailableException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public GpuUnavailableException(String message) {
        super(message);
    }

    public GpuUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
