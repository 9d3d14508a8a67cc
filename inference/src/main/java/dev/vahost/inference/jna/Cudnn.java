package dev.vahost.inference.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * cuDNN 9 legacy API, direct-mapped with JNA. cuDNN 9 splits the library: the functions of
 * {@code cudnn_graph.h} live in {@code libcudnn_graph.so.9}, those of {@code cudnn_ops.h} in
 * {@code libcudnn_ops.so.9} and those of {@code cudnn_cnn.h} in {@code libcudnn_cnn.so.9};
 * {@code libcudnn.so.9} is a shim that forwards to them. Each nested class mirrors one header and is
 * bound to its sub-library, or to the shim when the sub-library cannot be loaded. Prototypes and
 * enum values as in cuDNN 9.14/9.19 (checked against the GPU machine's headers, tools/gpu/
 * inference-cuda-facts.py). Handles and device pointers are passed as {@code long}.
 */
public final class Cudnn {
    private Cudnn() {}

    // cudnnStatus_t
    public static final int CUDNN_STATUS_SUCCESS = 0;
    // cudnnDataType_t
    public static final int CUDNN_DATA_FLOAT = 0, CUDNN_DATA_HALF = 2;
    // cudnnTensorFormat_t
    public static final int CUDNN_TENSOR_NCHW = 0, CUDNN_TENSOR_NHWC = 1;
    // cudnnConvolutionMode_t
    public static final int CUDNN_CROSS_CORRELATION = 1;
    // cudnnMathType_t
    public static final int CUDNN_DEFAULT_MATH = 0, CUDNN_TENSOR_OP_MATH = 1, CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION = 2,
            CUDNN_FMA_MATH = 3;
    /** CUDNN_CONVOLUTION_FWD_ALGO_COUNT: algorithms 0 (IMPLICIT_GEMM) .. 7 (WINOGRAD_NONFUSED). */
    public static final int CONVOLUTION_FWD_ALGO_COUNT = 8;
    /** CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT: algorithms 0 (ALGO_0) .. 5 (WINOGRAD_NONFUSED). */
    public static final int CONVOLUTION_BWD_DATA_ALGO_COUNT = 6;
    /**
     * sizeof(cudnnConvolutionFwdAlgoPerf_t): algo@0, status@4, time(float)@8, memory(size_t)@16, determinism@24,
     * mathType@28, reserved[3]@32. cudnnConvolutionBwdDataAlgoPerf_t has the same fields and layout.
     */
    public static final int ALGO_PERF_SIZE = 48;

    private static volatile String loadError;
    private static volatile boolean loaded;

    /** Loads and binds the libraries once; returns null on success or why it failed. */
    public static synchronized String load() {
        if (loaded) return null;
        if (loadError != null) return loadError;
        String shim = System.getProperty("vahost.cudnn.library", "libcudnn.so.9");
        try {
            bind(Graph.class, "libcudnn_graph.so.9", shim);
            bind(Ops.class, "libcudnn_ops.so.9", shim);
            bind(Cnn.class, "libcudnn_cnn.so.9", shim);
            loaded = true;
            return null;
        } catch (Throwable t) {
            loadError = "cuDNN 9 not loadable (" + t + "); install cuDNN 9 (libcudnn*.so.9) on the library path";
            return loadError;
        }
    }

    private static void bind(Class<?> c, String lib, String shim) {
        try {
            Native.register(c, NativeLibrary.getInstance(lib));
        } catch (UnsatisfiedLinkError e) {
            Native.register(c, NativeLibrary.getInstance(shim));
        }
    }

    /** cudnn_graph.h */
    public static final class Graph {
        private Graph() {}
        public static native long cudnnGetVersion();
        public static native String cudnnGetErrorString(int status);
        public static native int cudnnCreate(long[] handle);
        public static native int cudnnDestroy(long handle);
        public static native int cudnnSetStream(long handle, long stream);
        // Backend (graph) API: descriptors are opaque pointers; attribute values pass as arrays in native memory.
        public static native int cudnnBackendCreateDescriptor(int descriptorType, long[] descriptor);
        public static native int cudnnBackendDestroyDescriptor(long descriptor);
        public static native int cudnnBackendSetAttribute(long descriptor, int name, int type, long count, Pointer values);
        public static native int cudnnBackendGetAttribute(long descriptor, int name, int type, long requested, long[] count,
                                                          Pointer values);
        public static native int cudnnBackendFinalize(long descriptor);
        public static native int cudnnBackendExecute(long handle, long executionPlan, long variantPack);
    }

    /**
     * Enum values of the backend API ({@code cudnn_graph.h}, cuDNN 9): descriptor types, attribute
     * names and types, pointwise modes, heuristics modes. Checked on the GPU machine by
     * tools/gpu/inference-cuda-facts.py.
     */
    public static final class Backend {
        private Backend() {}
        // cudnnBackendDescriptorType_t
        public static final int POINTWISE_DESCRIPTOR = 0, CONVOLUTION_DESCRIPTOR = 1, ENGINECFG_DESCRIPTOR = 3,
                ENGINEHEUR_DESCRIPTOR = 4, EXECUTION_PLAN_DESCRIPTOR = 5, OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR = 10,
                OPERATION_POINTWISE_DESCRIPTOR = 13, OPERATIONGRAPH_DESCRIPTOR = 15, VARIANT_PACK_DESCRIPTOR = 16,
                TENSOR_DESCRIPTOR = 17;
        // cudnnBackendAttributeType_t
        public static final int TYPE_HANDLE = 0, TYPE_DATA_TYPE = 1, TYPE_BOOLEAN = 2, TYPE_INT64 = 3, TYPE_FLOAT = 4,
                TYPE_DOUBLE = 5, TYPE_VOID_PTR = 6, TYPE_CONVOLUTION_MODE = 7, TYPE_HEUR_MODE = 8, TYPE_POINTWISE_MODE = 14,
                TYPE_BACKEND_DESCRIPTOR = 15;
        // cudnnBackendAttributeName_t
        public static final int ATTR_POINTWISE_MODE = 0, ATTR_POINTWISE_MATH_PREC = 1, ATTR_POINTWISE_RELU_LOWER_CLIP = 3,
                ATTR_POINTWISE_RELU_UPPER_CLIP = 4, ATTR_POINTWISE_RELU_LOWER_CLIP_SLOPE = 5, ATTR_POINTWISE_ELU_ALPHA = 6,
                ATTR_CONVOLUTION_COMP_TYPE = 100, ATTR_CONVOLUTION_CONV_MODE = 101, ATTR_CONVOLUTION_DILATIONS = 102,
                ATTR_CONVOLUTION_FILTER_STRIDES = 103, ATTR_CONVOLUTION_POST_PADDINGS = 104,
                ATTR_CONVOLUTION_PRE_PADDINGS = 105, ATTR_CONVOLUTION_SPATIAL_DIMS = 106,
                ATTR_ENGINEHEUR_MODE = 200, ATTR_ENGINEHEUR_OPERATION_GRAPH = 201, ATTR_ENGINEHEUR_RESULTS = 202,
                ATTR_EXECUTION_PLAN_HANDLE = 400, ATTR_EXECUTION_PLAN_ENGINE_CONFIG = 401,
                ATTR_EXECUTION_PLAN_WORKSPACE_SIZE = 402,
                ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA = 700, ATTR_OPERATION_CONVOLUTION_FORWARD_BETA = 701,
                ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC = 702, ATTR_OPERATION_CONVOLUTION_FORWARD_W = 703,
                ATTR_OPERATION_CONVOLUTION_FORWARD_X = 704, ATTR_OPERATION_CONVOLUTION_FORWARD_Y = 705,
                ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR = 750, ATTR_OPERATION_POINTWISE_XDESC = 751,
                ATTR_OPERATION_POINTWISE_BDESC = 752, ATTR_OPERATION_POINTWISE_YDESC = 753,
                ATTR_OPERATIONGRAPH_HANDLE = 800, ATTR_OPERATIONGRAPH_OPS = 801,
                ATTR_TENSOR_BYTE_ALIGNMENT = 900, ATTR_TENSOR_DATA_TYPE = 901, ATTR_TENSOR_DIMENSIONS = 902,
                ATTR_TENSOR_STRIDES = 903, ATTR_TENSOR_UNIQUE_ID = 906, ATTR_TENSOR_IS_VIRTUAL = 907,
                ATTR_VARIANT_PACK_UNIQUE_IDS = 1000, ATTR_VARIANT_PACK_DATA_POINTERS = 1001, ATTR_VARIANT_PACK_WORKSPACE = 1003;
        // cudnnPointwiseMode_t
        public static final int POINTWISE_ADD = 0, POINTWISE_RELU_FWD = 100, POINTWISE_TANH_FWD = 101,
                POINTWISE_SIGMOID_FWD = 102, POINTWISE_ELU_FWD = 103, POINTWISE_GELU_FWD = 104, POINTWISE_SWISH_FWD = 106;
        // cudnnBackendHeurMode_t
        public static final int HEUR_MODE_INSTANT = 0, HEUR_MODE_B = 1, HEUR_MODE_FALLBACK = 2, HEUR_MODE_A = 3;
    }

    /** cudnn_ops.h */
    public static final class Ops {
        private Ops() {}
        public static native int cudnnCreateTensorDescriptor(long[] desc);
        public static native int cudnnSetTensor4dDescriptor(long desc, int format, int dataType, int n, int c, int h, int w);
        public static native int cudnnSetTensor4dDescriptorEx(long desc, int dataType, int n, int c, int h, int w, int nStride,
                                                              int cStride, int hStride, int wStride);
        public static native int cudnnDestroyTensorDescriptor(long desc);
        public static native int cudnnCreateFilterDescriptor(long[] desc);
        public static native int cudnnSetFilter4dDescriptor(long desc, int dataType, int format, int k, int c, int h, int w);
        public static native int cudnnDestroyFilterDescriptor(long desc);
    }

    /** cudnn_cnn.h */
    public static final class Cnn {
        private Cnn() {}
        public static native int cudnnCreateConvolutionDescriptor(long[] desc);
        public static native int cudnnSetConvolution2dDescriptor(long desc, int padH, int padW, int u, int v, int dilationH,
                                                                int dilationW, int mode, int computeType);
        public static native int cudnnSetConvolutionMathType(long desc, int mathType);
        public static native int cudnnSetConvolutionGroupCount(long desc, int groups);
        public static native int cudnnDestroyConvolutionDescriptor(long desc);
        public static native int cudnnGetConvolution2dForwardOutputDim(long conv, long x, long w, int[] n, int[] c, int[] h, int[] wo);
        public static native int cudnnGetConvolutionForwardAlgorithmMaxCount(long handle, int[] count);
        public static native int cudnnGetConvolutionForwardAlgorithm_v7(long handle, long x, long w, long conv, long y,
                                                                        int requested, int[] returned, Pointer perf);
        public static native int cudnnFindConvolutionForwardAlgorithmEx(long handle, long x, long xPtr, long w, long wPtr,
                                                                        long conv, long y, long yPtr, int requested,
                                                                        int[] returned, Pointer perf, long workspace,
                                                                        long workspaceBytes);
        public static native int cudnnGetConvolutionForwardWorkspaceSize(long handle, long x, long w, long conv, long y,
                                                                         int algo, long[] bytes);
        public static native int cudnnConvolutionForward(long handle, Pointer alpha, long x, long xPtr, long w, long wPtr,
                                                         long conv, int algo, long workspace, long workspaceBytes,
                                                         Pointer beta, long y, long yPtr);
        // Backward data: the transposed convolution (ONNX ConvTranspose); dy is the forward output, dx the forward input.
        // Prototypes as in cudnn_cnn.h 9.6 (not yet in tools/gpu/inference-cuda-facts.py's list).
        public static native int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(long handle, int[] count);
        public static native int cudnnGetConvolutionBackwardDataAlgorithm_v7(long handle, long w, long dy, long conv, long dx,
                                                                             int requested, int[] returned, Pointer perf);
        public static native int cudnnGetConvolutionBackwardDataWorkspaceSize(long handle, long w, long dy, long conv, long dx,
                                                                              int algo, long[] bytes);
        public static native int cudnnConvolutionBackwardData(long handle, Pointer alpha, long w, long wPtr, long dy, long dyPtr,
                                                              long conv, int algo, long workspace, long workspaceBytes,
                                                              Pointer beta, long dx, long dxPtr);
    }

    /** cuDNN's name for a status, with its number: "CUDNN_STATUS_BAD_PARAM (2000)". */
    public static String describe(int status) {
        String msg;
        try {
            msg = Graph.cudnnGetErrorString(status);
        } catch (Throwable t) {
            msg = "status";
        }
        return msg + " (" + status + ")";
    }

    /** Throws IllegalStateException naming the call unless {@code status} is success. */
    public static void check(int status, String call) {
        if (status != CUDNN_STATUS_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + describe(status));
        }
    }
}
