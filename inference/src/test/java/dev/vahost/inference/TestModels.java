package dev.vahost.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;

import static dev.vahost.inference.internal.OnnxSchema.*;

/** Builds small ONNX models in Java (through the importer's own schema) for error-path tests. */
final class TestModels {
    private TestModels() {}

    static DynamicMessage.Builder b(Descriptor d) {
        return DynamicMessage.newBuilder(d);
    }

    static DynamicMessage.Builder set(DynamicMessage.Builder m, String field, Object v) {
        return m.setField(m.getDescriptorForType().findFieldByName(field), v);
    }

    static DynamicMessage.Builder add(DynamicMessage.Builder m, String field, Object v) {
        return m.addRepeatedField(m.getDescriptorForType().findFieldByName(field), v);
    }

    /** A float tensor value info; a dim < 0 is symbolic (named "d<i>"). */
    static DynamicMessage valueInfo(String name, long... dims) {
        DynamicMessage.Builder shape = b(SHAPE);
        for (int i = 0; i < dims.length; i++) {
            DynamicMessage.Builder d = b(DIMENSION);
            if (dims[i] >= 0) set(d, "dim_value", dims[i]); else set(d, "dim_param", i == 0 ? "N" : "d" + i);
            add(shape, "dim", d.build());
        }
        DynamicMessage.Builder tt = set(b(TYPE_TENSOR), "elem_type", FLOAT);
        set(tt, "shape", shape.build());
        return set(set(b(VALUE_INFO), "name", name), "type", set(b(TYPE), "tensor_type", tt.build()).build()).build();
    }

    static DynamicMessage floats(String name, float[] v, long... dims) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        DynamicMessage.Builder t = set(set(b(TENSOR), "name", name), "data_type", FLOAT);
        for (long d : dims) add(t, "dims", d);
        return set(t, "raw_data", ByteString.copyFrom(bb.array())).build();
    }

    static DynamicMessage longs(String name, long... v) {
        DynamicMessage.Builder t = set(set(b(TENSOR), "name", name), "data_type", INT64);
        add(t, "dims", (long) v.length);
        for (long x : v) add(t, "int64_data", x);
        return t.build();
    }

    static DynamicMessage intsAttr(String name, long... v) {
        DynamicMessage.Builder a = set(set(b(ATTRIBUTE), "name", name), "type", A_INTS);
        for (long x : v) add(a, "ints", x);
        return a.build();
    }

    static DynamicMessage intAttr(String name, long v) {
        return set(set(set(b(ATTRIBUTE), "name", name), "type", A_INT), "i", v).build();
    }

    static DynamicMessage stringAttr(String name, String v) {
        return set(set(set(b(ATTRIBUTE), "name", name), "type", A_STRING), "s", ByteString.copyFromUtf8(v)).build();
    }

    static DynamicMessage node(String op, List<String> in, List<String> out, DynamicMessage... attrs) {
        DynamicMessage.Builder n = set(set(b(NODE), "op_type", op), "name", op.toLowerCase() + "_0");
        for (String s : in) add(n, "input", s);
        for (String s : out) add(n, "output", s);
        for (DynamicMessage a : attrs) add(n, "attribute", a);
        return n.build();
    }

    static byte[] model(long ir, long opset, List<DynamicMessage> nodes, List<DynamicMessage> inits,
                        List<DynamicMessage> inputs, List<DynamicMessage> outputs) {
        DynamicMessage.Builder g = set(b(GRAPH), "name", "test");
        for (DynamicMessage n : nodes) add(g, "node", n);
        for (DynamicMessage t : inits) add(g, "initializer", t);
        for (DynamicMessage v : inputs) add(g, "input", v);
        for (DynamicMessage v : outputs) add(g, "output", v);
        DynamicMessage.Builder m = set(b(MODEL), "ir_version", ir);
        add(m, "opset_import", set(set(b(OPSET_ID), "domain", ""), "version", opset).build());
        set(m, "graph", g.build());
        return m.build().toByteArray();
    }

    /** x [N, 2, 4, 4] -> op -> y, with the given attributes. */
    static byte[] unaryModel(String op, long ir, long opset, DynamicMessage... attrs) {
        return model(ir, opset, List.of(node(op, List.of("x"), List.of("y"), attrs)), List.of(),
                List.of(valueInfo("x", -1, 2, 4, 4)), List.of(valueInfo("y")));
    }
}
