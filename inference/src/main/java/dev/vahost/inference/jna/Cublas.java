package dev.vahost.inference.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * cuBLAS ({@code cublas_api.h}, CUDA 12 and 13), direct-mapped with JNA: {@code libcublas.so.13},
 * else {@code libcublas.so.12}. Handles and device pointers as {@code long}. Enum values from the
 * GPU machine's cublas_api.h / library_types.h (CUDA 13.0).
 */
public final class Cublas {
    private Cublas() {}

    public static final int CUBLAS_STATUS_SUCCESS = 0;
    public static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1;
    public static final int CUBLAS_DEFAULT_MATH = 0;
    public static final int CUBLAS_COMPUTE_32F = 68;
    public static final int CUDA_R_32F = 0, CUDA_R_16F = 2;
    public static final int CUBLAS_GEMM_DEFAULT = -1;

    private static volatile boolean loaded;
    private static volatile String loadError;

    public static synchronized String load() {
        if (loaded) return null;
        if (loadError != null) return loadError;
        UnsatisfiedLinkError last = null;
        for (String lib : new String[] {System.getProperty("vahost.cublas.library", "libcublas.so.13"), "libcublas.so.12"}) {
            try {
                Native.register(Cublas.class, NativeLibrary.getInstance(lib));
                loaded = true;
                return null;
            } catch (UnsatisfiedLinkError e) {
                last = e;
            }
        }
        loadError = "cuBLAS (libcublas.so.13 or .12) not loadable: " + last;
        return loadError;
    }

    public static native int cublasCreate_v2(long[] handle);
    public static native int cublasDestroy_v2(long handle);
    public static native int cublasSetStream_v2(long handle, long stream);
    public static native int cublasSetMathMode(long handle, int mode);
    /** A user-owned workspace, so that no call allocates (required under CUDA graph capture). cublasSetStream resets it. */
    public static native int cublasSetWorkspace_v2(long handle, long workspace, long bytes);
    public static native int cublasGemmStridedBatchedEx(long handle, int transa, int transb, int m, int n, int k,
                                                        Pointer alpha, long a, int aType, int lda, long strideA,
                                                        long b, int bType, int ldb, long strideB, Pointer beta,
                                                        long c, int cType, int ldc, long strideC, int batchCount,
                                                        int computeType, int algo);
    /** Batched GEMM over arrays of device pointers (each array itself in device memory). */
    public static native int cublasGemmBatchedEx(long handle, int transa, int transb, int m, int n, int k, Pointer alpha,
                                                 long aArray, int aType, int lda, long bArray, int bType, int ldb,
                                                 Pointer beta, long cArray, int cType, int ldc, int batchCount,
                                                 int computeType, int algo);
    public static native String cublasGetStatusString(int status);

    public static void check(int status, String call) {
        if (status != CUBLAS_STATUS_SUCCESS) {
            String msg;
            try {
                msg = cublasGetStatusString(status);
            } catch (Throwable t) {
                msg = "status " + status;
            }
            throw new IllegalStateException(call + " failed: " + msg + " (" + status + ")");
        }
    }
}
