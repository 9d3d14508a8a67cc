package dev.vahost.nvmm.cuda;

/** A device allocation did not fit: the GPU is full or a {@link DevicePool}'s limit was reached. */
public class DeviceOutOfMemoryException extends CudaException {
    private static final long serialVersionUID = 1L;

    public DeviceOutOfMemoryException(String message) {
        super(message);
    }
}
