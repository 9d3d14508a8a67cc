package dev.vahost.inference.internal.gpu;

import com.sun.jna.Memory;

import dev.vahost.inference.jna.Cudnn;

/**
 * One cuDNN backend descriptor: created, given its attributes, finalized, destroyed. Attribute
 * values travel as native arrays: 8 bytes for handles, descriptors, pointers and int64, 4 for enums
 * and floats, 1 for booleans. Setters throw naming the attribute; {@link #tryFinalize} returns the
 * status, since an engine configuration cuDNN cannot finalize is an answer, not an error.
 */
final class BackendDesc implements AutoCloseable {
    final long handle;
    private final String what;
    private boolean closed;

    private BackendDesc(long handle, String what) {
        this.handle = handle;
        this.what = what;
    }

    static BackendDesc create(int type, String what) {
        long[] h = new long[1];
        Cudnn.check(Cudnn.Graph.cudnnBackendCreateDescriptor(type, h), "cudnnBackendCreateDescriptor(" + what + ")");
        return new BackendDesc(h[0], what);
    }

    /** 8-byte values: INT64, HANDLE, BACKEND_DESCRIPTOR, VOID_PTR. */
    BackendDesc longs(int name, int type, long... values) {
        Memory m = new Memory(8L * Math.max(1, values.length));
        for (int i = 0; i < values.length; i++) m.setLong(8L * i, values[i]);
        return set(name, type, values.length, m);
    }

    BackendDesc descriptors(int name, BackendDesc... values) {
        long[] h = new long[values.length];
        for (int i = 0; i < h.length; i++) h[i] = values[i].handle;
        return longs(name, Cudnn.Backend.TYPE_BACKEND_DESCRIPTOR, h);
    }

    /** One 4-byte enum value (DATA_TYPE, CONVOLUTION_MODE, POINTWISE_MODE, HEUR_MODE). */
    BackendDesc enumValue(int name, int type, int value) {
        Memory m = new Memory(4);
        m.setInt(0, value);
        return set(name, type, 1, m);
    }

    BackendDesc floatValue(int name, float value) {
        Memory m = new Memory(4);
        m.setFloat(0, value);
        return set(name, Cudnn.Backend.TYPE_FLOAT, 1, m);
    }

    BackendDesc doubleValue(int name, double value) {
        Memory m = new Memory(8);
        m.setDouble(0, value);
        return set(name, Cudnn.Backend.TYPE_DOUBLE, 1, m);
    }

    BackendDesc bool(int name, boolean value) {
        Memory m = new Memory(1);
        m.setByte(0, (byte) (value ? 1 : 0));
        return set(name, Cudnn.Backend.TYPE_BOOLEAN, 1, m);
    }

    private BackendDesc set(int name, int type, long count, Memory values) {
        Cudnn.check(Cudnn.Graph.cudnnBackendSetAttribute(handle, name, type, count, values),
                "cudnnBackendSetAttribute(" + what + ", attribute " + name + ")");
        return this;
    }

    /** An INT64 attribute of a finalized descriptor. */
    long int64(int name) {
        Memory m = new Memory(8);
        long[] n = new long[1];
        Cudnn.check(Cudnn.Graph.cudnnBackendGetAttribute(handle, name, Cudnn.Backend.TYPE_INT64, 1, n, m),
                "cudnnBackendGetAttribute(" + what + ", attribute " + name + ")");
        return m.getLong(0);
    }

    int tryFinalize() {
        return Cudnn.Graph.cudnnBackendFinalize(handle);
    }

    BackendDesc finish() {
        Cudnn.check(tryFinalize(), "cudnnBackendFinalize(" + what + ")");
        return this;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        Cudnn.Graph.cudnnBackendDestroyDescriptor(handle);
    }
}
