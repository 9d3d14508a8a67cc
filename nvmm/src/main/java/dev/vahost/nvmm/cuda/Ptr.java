package dev.vahost.nvmm.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** Conversions between raw device addresses (long) and JCuda pointers. */
public final class Ptr {
    private Ptr() {}

    /** A JCuda device pointer to a raw address (e.g. a GstCudaMemory's CUdeviceptr). */
    public static CUdeviceptr device(long address) {
        return (CUdeviceptr) new CUdeviceptr().withByteOffset(address);
    }

    /** The raw address a JCuda pointer refers to (its native value plus byte offset). */
    public static long address(Pointer p) {
        return NativeValue.of(p);
    }

    /** The raw native handle of a JCuda object such as a CUstream or CUcontext (e.g. for cudnnSetStream). */
    public static long handle(jcuda.NativePointerObject o) {
        return NativeValue.nativeOf(o);
    }

    /** JCuda keeps a pointer's address and offset in protected accessors; read them reflectively (setup paths only). */
    private static final class NativeValue {
        private static final java.lang.reflect.Method GET_NATIVE;
        private static final java.lang.reflect.Method GET_OFFSET;

        static {
            try {
                GET_NATIVE = jcuda.NativePointerObject.class.getDeclaredMethod("getNativePointer");
                GET_NATIVE.setAccessible(true);
                GET_OFFSET = Pointer.class.getDeclaredMethod("getByteOffset");
                GET_OFFSET.setAccessible(true);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static long nativeOf(jcuda.NativePointerObject o) {
            try {
                return (Long) GET_NATIVE.invoke(o);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read a JCuda handle", e);
            }
        }

        static long of(Pointer p) {
            try {
                return (Long) GET_NATIVE.invoke(p) + (Long) GET_OFFSET.invoke(p);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot read a JCuda pointer's address", e);
            }
        }
    }
}
