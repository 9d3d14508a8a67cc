package dev.vahost.nvmm.cuda;

import jcuda.driver.CUresult;

/** A CUDA driver call failed; the message names the operation, its shapes and the CUDA error. */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public CudaException(String operation, int code) {
        super(operation + " failed: " + CUresult.stringFor(code) + " (" + code + ")");
        this.code = code;
    }

    protected CudaException(String message) {
        super(message);
        this.code = -1;
    }

    /** The CUresult, or -1 when the failure is not a driver result. */
    public int code() {
        return code;
    }

    /** Throws unless {@code result} is CUDA_SUCCESS. The operation text is built only on failure. */
    public static void check(int result, java.util.function.Supplier<String> operation) {
        if (result != CUresult.CUDA_SUCCESS) {
            if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
                throw new DeviceOutOfMemoryException(operation.get() + " failed: CUDA_ERROR_OUT_OF_MEMORY");
            }
            throw new CudaException(operation.get(), result);
        }
    }

    public static void check(int result, String operation) {
        if (result != CUresult.CUDA_SUCCESS) {
            check(result, () -> operation);
        }
    }
}
