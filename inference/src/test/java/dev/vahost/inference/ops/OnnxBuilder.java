package dev.vahost.inference.ops;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;

import static dev.vahost.inference.internal.OnnxSchema.*;

/**
 * Builds small ONNX models in Java for operator tests (through the importer's own schema
 * descriptors): float inputs with fixed or symbolic dimensions, float/int64 initializers, nodes with
 * any attribute, float outputs. {@code opset} 7..21; IR version follows it (opset ≤ 17 → 8, else 10).
 */
public final class OnnxBuilder {
    private final int opset;
    private final List<DynamicMessage> inputs = new ArrayList<>(), outputs = new ArrayList<>(), inits = new ArrayList<>(),
            nodes = new ArrayList<>();
    private int nodeCount;

    public OnnxBuilder(int opset) {
        this.opset = opset;
    }

    private static DynamicMessage.Builder b(Descriptor d) {
        return DynamicMessage.newBuilder(d);
    }

    private static DynamicMessage.Builder set(DynamicMessage.Builder m, String field, Object v) {
        return m.setField(m.getDescriptorForType().findFieldByName(field), v);
    }

    private static DynamicMessage.Builder add(DynamicMessage.Builder m, String field, Object v) {
        return m.addRepeatedField(m.getDescriptorForType().findFieldByName(field), v);
    }

    /** Dimensions: Long/Integer for fixed sizes, String for symbolic ones; null for no shape at all. */
    private static DynamicMessage valueInfo(String name, int elemType, Object[] dims) {
        DynamicMessage.Builder tt = set(b(TYPE_TENSOR), "elem_type", elemType);
        if (dims != null) {
            DynamicMessage.Builder shape = b(SHAPE);
            for (Object d : dims) {
                DynamicMessage.Builder dim = b(DIMENSION);
                if (d instanceof String s) set(dim, "dim_param", s); else set(dim, "dim_value", ((Number) d).longValue());
                add(shape, "dim", dim.build());
            }
            set(tt, "shape", shape.build());
        }
        return set(set(b(VALUE_INFO), "name", name), "type", set(b(TYPE), "tensor_type", tt.build()).build()).build();
    }

    public OnnxBuilder input(String name, Object... dims) {
        inputs.add(valueInfo(name, FLOAT, dims));
        return this;
    }

    public OnnxBuilder output(String name) {
        outputs.add(valueInfo(name, FLOAT, null));
        return this;
    }

    public static DynamicMessage floatTensor(String name, float[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        DynamicMessage.Builder t = set(set(b(TENSOR), "name", name), "data_type", FLOAT);
        for (long d : dims) add(t, "dims", d);
        return set(t, "raw_data", ByteString.copyFrom(bb.array())).build();
    }

    public static DynamicMessage longTensor(String name, long[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) bb.putLong(x);
        DynamicMessage.Builder t = set(set(b(TENSOR), "name", name), "data_type", INT64);
        for (long d : dims) add(t, "dims", d);
        return set(t, "raw_data", ByteString.copyFrom(bb.array())).build();
    }

    /** A float initializer. */
    public OnnxBuilder floats(String name, float[] v, long... dims) {
        inits.add(floatTensor(name, v, dims));
        return this;
    }

    /** An int64 initializer; dims default to a vector of v.length (use {@link #scalar(String, long)} for rank 0). */
    public OnnxBuilder longs(String name, long[] v, long... dims) {
        inits.add(longTensor(name, v, dims.length == 0 ? new long[] {v.length} : dims));
        return this;
    }

    /** A scalar int64 initializer (rank 0). */
    public OnnxBuilder scalar(String name, long v) {
        inits.add(longTensor(name, new long[] {v}));
        return this;
    }

    /** A scalar float initializer (rank 0). */
    public OnnxBuilder scalar(String name, float v) {
        inits.add(floatTensor(name, new float[] {v}));
        return this;
    }

    /** Attribute: name, then a Long/Integer, Float/Double, String, long[], float[] or DynamicMessage tensor. */
    public static DynamicMessage attr(String name, Object v) {
        DynamicMessage.Builder a = set(b(ATTRIBUTE), "name", name);
        if (v instanceof Integer || v instanceof Long) return set(set(a, "type", A_INT), "i", ((Number) v).longValue()).build();
        if (v instanceof Float || v instanceof Double) return set(set(a, "type", A_FLOAT), "f", ((Number) v).floatValue()).build();
        if (v instanceof String s) return set(set(a, "type", A_STRING), "s", ByteString.copyFromUtf8(s)).build();
        if (v instanceof long[] l) {
            set(a, "type", A_INTS);
            for (long x : l) add(a, "ints", x);
            return a.build();
        }
        if (v instanceof float[] f) {
            set(a, "type", A_FLOATS);
            for (float x : f) add(a, "floats", x);
            return a.build();
        }
        if (v instanceof DynamicMessage t) return set(set(a, "type", A_TENSOR), "t", t).build();
        throw new IllegalArgumentException("attribute " + name + " of type " + v.getClass());
    }

    /**
     * A node: {@code op}, inputs ("" for an omitted optional one), outputs, then attributes as
     * alternating name/value pairs.
     */
    public OnnxBuilder node(String op, String[] in, String[] out, Object... attrs) {
        DynamicMessage.Builder n = set(set(b(NODE), "op_type", op), "name", op.toLowerCase() + "_" + nodeCount++);
        for (String s : in) add(n, "input", s);
        for (String s : out) add(n, "output", s);
        for (int i = 0; i < attrs.length; i += 2) add(n, "attribute", attr((String) attrs[i], attrs[i + 1]));
        nodes.add(n.build());
        return this;
    }

    /** One input, one output. */
    public OnnxBuilder node(String op, String in, String out, Object... attrs) {
        return node(op, new String[] {in}, new String[] {out}, attrs);
    }

    public byte[] build() {
        DynamicMessage.Builder g = set(b(GRAPH), "name", "g");
        for (DynamicMessage n : nodes) add(g, "node", n);
        for (DynamicMessage t : inits) add(g, "initializer", t);
        for (DynamicMessage i : inputs) add(g, "input", i);
        for (DynamicMessage o : outputs) add(g, "output", o);
        DynamicMessage.Builder m = set(b(MODEL), "ir_version", opset <= 17 ? 8L : 10L);
        set(m, "producer_name", "vahost-test");
        add(m, "opset_import", set(set(b(OPSET_ID), "domain", ""), "version", (long) opset).build());
        set(m, "graph", g.build());
        return m.build().toByteArray();
    }
}
