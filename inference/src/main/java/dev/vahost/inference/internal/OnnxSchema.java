package dev.vahost.inference.internal;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FileDescriptor;

/**
 * The part of ONNX's schema ({@code onnx/onnx.proto}, IR version 9, package {@code onnx}) that the
 * importer reads, declared as protobuf descriptors so protobuf-java's {@code DynamicMessage} does the
 * parsing: no generated code, and fields we do not declare are skipped as unknown fields. Field
 * numbers are onnx.proto's. Enums are declared as int32 (an unknown enum value must not be dropped),
 * and messages we only need to detect (sparse tensors, subgraphs, external data entries) as bytes,
 * which has the same wire type.
 */
public final class OnnxSchema {
    public static final Descriptor MODEL;
    public static final Descriptor GRAPH;
    public static final Descriptor NODE;
    public static final Descriptor ATTRIBUTE;
    public static final Descriptor TENSOR;
    public static final Descriptor VALUE_INFO;
    public static final Descriptor TYPE;
    public static final Descriptor TYPE_TENSOR;
    public static final Descriptor SHAPE;
    public static final Descriptor DIMENSION;
    public static final Descriptor OPSET_ID;

    private OnnxSchema() {}

    private static FieldDescriptorProto f(String name, int number, Type type, boolean repeated) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL).build();
    }

    private static FieldDescriptorProto m(String name, int number, String typeName, boolean repeated) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(Type.TYPE_MESSAGE)
                .setTypeName(".onnx." + typeName).setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL).build();
    }

    private static DescriptorProto msg(String name, FieldDescriptorProto... fields) {
        DescriptorProto.Builder b = DescriptorProto.newBuilder().setName(name);
        for (FieldDescriptorProto fd : fields) b.addField(fd);
        return b.build();
    }

    static {
        final boolean R = true, O = false;
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("vahost_onnx_subset.proto").setPackage("onnx").setSyntax("proto2")
                .addMessageType(msg("ModelProto",
                        f("ir_version", 1, Type.TYPE_INT64, O),
                        f("producer_name", 2, Type.TYPE_STRING, O),
                        f("producer_version", 3, Type.TYPE_STRING, O),
                        f("domain", 4, Type.TYPE_STRING, O),
                        f("model_version", 5, Type.TYPE_INT64, O),
                        m("graph", 7, "GraphProto", O),
                        m("opset_import", 8, "OperatorSetIdProto", R),
                        f("functions", 25, Type.TYPE_BYTES, R)))
                .addMessageType(msg("OperatorSetIdProto",
                        f("domain", 1, Type.TYPE_STRING, O),
                        f("version", 2, Type.TYPE_INT64, O)))
                .addMessageType(msg("GraphProto",
                        m("node", 1, "NodeProto", R),
                        f("name", 2, Type.TYPE_STRING, O),
                        m("initializer", 5, "TensorProto", R),
                        m("input", 11, "ValueInfoProto", R),
                        m("output", 12, "ValueInfoProto", R),
                        m("value_info", 13, "ValueInfoProto", R),
                        f("sparse_initializer", 15, Type.TYPE_BYTES, R)))
                .addMessageType(msg("NodeProto",
                        f("input", 1, Type.TYPE_STRING, R),
                        f("output", 2, Type.TYPE_STRING, R),
                        f("name", 3, Type.TYPE_STRING, O),
                        f("op_type", 4, Type.TYPE_STRING, O),
                        m("attribute", 5, "AttributeProto", R),
                        f("domain", 7, Type.TYPE_STRING, O)))
                .addMessageType(msg("AttributeProto",
                        f("name", 1, Type.TYPE_STRING, O),
                        f("f", 2, Type.TYPE_FLOAT, O),
                        f("i", 3, Type.TYPE_INT64, O),
                        f("s", 4, Type.TYPE_BYTES, O),
                        m("t", 5, "TensorProto", O),
                        f("g", 6, Type.TYPE_BYTES, O),
                        f("floats", 7, Type.TYPE_FLOAT, R),
                        f("ints", 8, Type.TYPE_INT64, R),
                        f("strings", 9, Type.TYPE_BYTES, R),
                        m("tensors", 10, "TensorProto", R),
                        f("graphs", 11, Type.TYPE_BYTES, R),
                        f("type", 20, Type.TYPE_INT32, O),
                        f("ref_attr_name", 21, Type.TYPE_STRING, O)))
                .addMessageType(msg("TensorProto",
                        f("dims", 1, Type.TYPE_INT64, R),
                        f("data_type", 2, Type.TYPE_INT32, O),
                        f("segment", 3, Type.TYPE_BYTES, O),
                        f("float_data", 4, Type.TYPE_FLOAT, R),
                        f("int32_data", 5, Type.TYPE_INT32, R),
                        f("string_data", 6, Type.TYPE_BYTES, R),
                        f("int64_data", 7, Type.TYPE_INT64, R),
                        f("name", 8, Type.TYPE_STRING, O),
                        f("raw_data", 9, Type.TYPE_BYTES, O),
                        f("double_data", 10, Type.TYPE_DOUBLE, R),
                        f("uint64_data", 11, Type.TYPE_UINT64, R),
                        m("external_data", 13, "StringStringEntryProto", R),
                        f("data_location", 14, Type.TYPE_INT32, O)))
                .addMessageType(msg("StringStringEntryProto",
                        f("key", 1, Type.TYPE_STRING, O),
                        f("value", 2, Type.TYPE_STRING, O)))
                .addMessageType(msg("ValueInfoProto",
                        f("name", 1, Type.TYPE_STRING, O),
                        m("type", 2, "TypeProto", O)))
                .addMessageType(DescriptorProto.newBuilder().setName("TypeProto")
                        .addField(m("tensor_type", 1, "TypeProto.Tensor", O))
                        .addField(f("sequence_type", 4, Type.TYPE_BYTES, O))
                        .addField(f("map_type", 5, Type.TYPE_BYTES, O))
                        .addField(f("sparse_tensor_type", 8, Type.TYPE_BYTES, O))
                        .addField(f("optional_type", 9, Type.TYPE_BYTES, O))
                        .addNestedType(msg("Tensor",
                                f("elem_type", 1, Type.TYPE_INT32, O),
                                m("shape", 2, "TensorShapeProto", O))))
                .addMessageType(DescriptorProto.newBuilder().setName("TensorShapeProto")
                        .addField(m("dim", 1, "TensorShapeProto.Dimension", R))
                        .addNestedType(msg("Dimension",
                                f("dim_value", 1, Type.TYPE_INT64, O),
                                f("dim_param", 2, Type.TYPE_STRING, O))))
                .build();
        try {
            FileDescriptor fd = FileDescriptor.buildFrom(file, new FileDescriptor[0]);
            MODEL = fd.findMessageTypeByName("ModelProto");
            GRAPH = fd.findMessageTypeByName("GraphProto");
            NODE = fd.findMessageTypeByName("NodeProto");
            ATTRIBUTE = fd.findMessageTypeByName("AttributeProto");
            TENSOR = fd.findMessageTypeByName("TensorProto");
            VALUE_INFO = fd.findMessageTypeByName("ValueInfoProto");
            TYPE = fd.findMessageTypeByName("TypeProto");
            TYPE_TENSOR = TYPE.findNestedTypeByName("Tensor");
            SHAPE = fd.findMessageTypeByName("TensorShapeProto");
            DIMENSION = SHAPE.findNestedTypeByName("Dimension");
            OPSET_ID = fd.findMessageTypeByName("OperatorSetIdProto");
        } catch (DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** ONNX TensorProto.DataType values. */
    public static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
            BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13;

    /** ONNX AttributeProto.AttributeType values. */
    public static final int A_FLOAT = 1, A_INT = 2, A_STRING = 3, A_TENSOR = 4, A_GRAPH = 5, A_FLOATS = 6, A_INTS = 7,
            A_STRINGS = 8, A_TENSORS = 9, A_GRAPHS = 10;
}
