package dev.vahost.inference.internal;

import dev.vahost.nvmm.Half;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;

import dev.vahost.inference.InvalidModelException;
import dev.vahost.inference.UnsupportedModelException;

import static dev.vahost.inference.internal.OnnxSchema.*;

/**
 * ONNX protobuf bytes to a {@link Graph}. Checks what the file itself can break (protobuf syntax,
 * IR version, opset, tensor sizes, external data, that every node input is produced before it is
 * read); what the operators mean is checked later by {@link Ops}.
 */
public final class OnnxReader {
    public static final int MAX_OPSET = 21;
    public static final long MAX_IR_VERSION = 11;

    private final String source;
    private final java.nio.file.Path baseDir; // where external data files are looked up; null: bytes without a file

    private OnnxReader(String source, java.nio.file.Path baseDir) {
        this.source = source;
        this.baseDir = baseDir;
    }

    public static Graph read(byte[] bytes, String source) {
        return new OnnxReader(source, null).readModel(bytes);
    }

    /** Reads a model file's bytes; tensors stored outside it (external data) are read relative to {@code baseDir}. */
    public static Graph read(byte[] bytes, String source, java.nio.file.Path baseDir) {
        return new OnnxReader(source, baseDir).readModel(bytes);
    }

    /** A serialised TensorProto (golden files): its name and data. */
    public static java.util.Map.Entry<String, Tensor> readTensorProto(byte[] bytes, String source) {
        DynamicMessage t;
        try {
            t = DynamicMessage.parseFrom(TENSOR, bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidModelException(source + ": not a TensorProto: " + e.getMessage(), e);
        }
        return java.util.Map.entry(str(t, "name"), new OnnxReader(source, null).tensor(t, "tensor"));
    }

    private static FieldDescriptor fd(Descriptor d, String name) {
        return d.findFieldByName(name);
    }

    private static Object get(DynamicMessage m, String field) {
        return m.getField(fd(m.getDescriptorForType(), field));
    }

    private static boolean has(DynamicMessage m, String field) {
        FieldDescriptor f = fd(m.getDescriptorForType(), field);
        return f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : m.hasField(f);
    }

    @SuppressWarnings("unchecked")
    private static <T> List<T> list(DynamicMessage m, String field) {
        return (List<T>) get(m, field);
    }

    private static String str(DynamicMessage m, String field) {
        return (String) get(m, field);
    }

    private static long int64(DynamicMessage m, String field) {
        return (Long) get(m, field);
    }

    private static int int32(DynamicMessage m, String field) {
        return (Integer) get(m, field);
    }

    private Graph readModel(byte[] bytes) {
        if (bytes.length == 0) {
            throw new InvalidModelException(source + ": empty file, not an ONNX model");
        }
        DynamicMessage model;
        try {
            model = DynamicMessage.parseFrom(MODEL, bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidModelException(source + ": not a valid ONNX model (protobuf parse failed after "
                    + bytes.length + " bytes: " + e.getMessage() + ")", e);
        }
        // Random bytes can parse as a message made of unknown fields: demand what every ONNX model has.
        if (!has(model, "ir_version") || !has(model, "graph") || !has(model, "opset_import")) {
            throw new InvalidModelException(source + ": not an ONNX model (no ir_version, graph or opset_import among "
                    + bytes.length + " bytes)");
        }
        long ir = int64(model, "ir_version");
        if (ir < 3 || ir > MAX_IR_VERSION) {
            throw new UnsupportedModelException(source + ": IR version " + ir + " is not supported (3.."
                    + MAX_IR_VERSION + ")");
        }
        int opset = -1;
        for (DynamicMessage o : OnnxReader.<DynamicMessage>list(model, "opset_import")) {
            String domain = str(o, "domain");
            if (domain.isEmpty() || domain.equals("ai.onnx")) {
                long v = int64(o, "version");
                if (v > MAX_OPSET) {
                    throw new UnsupportedModelException(source + ": opset " + v + " is not supported (7.." + MAX_OPSET
                            + "; export with opset_version=" + MAX_OPSET + " or lower)");
                }
                opset = (int) v;
            }
        }
        if (opset < 1) {
            throw new InvalidModelException(source + ": no opset imported for the default ONNX domain");
        }
        if (opset < 7) {
            throw new UnsupportedModelException(source + ": opset " + opset + " is not supported (7.." + MAX_OPSET + ")");
        }
        DynamicMessage g = (DynamicMessage) get(model, "graph");
        if (has(g, "sparse_initializer")) {
            throw new UnsupportedModelException(source + ": sparse initializers are not supported");
        }
        Map<String, Tensor> constants = new LinkedHashMap<>();
        for (DynamicMessage t : OnnxReader.<DynamicMessage>list(g, "initializer")) {
            String name = str(t, "name");
            if (name.isEmpty()) throw new InvalidModelException(source + ": an initializer has no name");
            constants.put(name, tensor(t, "initializer '" + name + "'"));
        }
        List<ValueInfo> inputs = new ArrayList<>();
        for (DynamicMessage vi : OnnxReader.<DynamicMessage>list(g, "input")) {
            String name = str(vi, "name");
            if (constants.containsKey(name)) continue; // IR < 4 lists initializers as inputs too
            inputs.add(valueInfo(vi, "input"));
        }
        List<ValueInfo> outputs = new ArrayList<>();
        for (DynamicMessage vi : OnnxReader.<DynamicMessage>list(g, "output")) {
            outputs.add(valueInfo(vi, "output"));
        }
        if (inputs.isEmpty()) throw new InvalidModelException(source + ": the graph has no runtime input");
        if (outputs.isEmpty()) throw new InvalidModelException(source + ": the graph has no output");

        List<Node> nodes = new ArrayList<>();
        Set<String> available = new HashSet<>(constants.keySet());
        for (ValueInfo in : inputs) available.add(in.name());
        int index = 0;
        for (DynamicMessage n : OnnxReader.<DynamicMessage>list(g, "node")) {
            Node node = node(n, index++);
            for (String in : node.inputs) {
                if (!in.isEmpty() && !available.contains(in)) {
                    throw node.invalid("reads '" + in + "', which no earlier node, input or initializer provides"
                            + " (the nodes must be in topological order)");
                }
            }
            for (String out : node.outputs) {
                if (!out.isEmpty() && !available.add(out)) {
                    throw node.invalid("writes '" + out + "', which is already defined");
                }
            }
            nodes.add(node);
        }
        for (ValueInfo o : outputs) {
            if (!available.contains(o.name())) {
                throw new InvalidModelException(source + ": graph output '" + o.name() + "' is not produced by any node");
            }
        }
        String producer = str(model, "producer_name") + " " + str(model, "producer_version");
        return new Graph(source, ir, opset, producer.trim(), nodes, constants, inputs, outputs);
    }

    private ValueInfo valueInfo(DynamicMessage vi, String role) {
        String name = str(vi, "name");
        if (name.isEmpty()) throw new InvalidModelException(source + ": a graph " + role + " has no name");
        DynamicMessage type = (DynamicMessage) get(vi, "type");
        if (!has(type, "tensor_type")) {
            if (has(vi, "type") && (has(type, "sequence_type") || has(type, "map_type") || has(type, "optional_type")
                    || has(type, "sparse_tensor_type"))) {
                throw new UnsupportedModelException(source + ": graph " + role + " '" + name + "' is not a dense tensor");
            }
            return new ValueInfo(name, null, null);
        }
        DynamicMessage tt = (DynamicMessage) get(type, "tensor_type");
        int elem = int32(tt, "elem_type");
        if (elem != FLOAT) {
            throw new UnsupportedModelException(source + ": graph " + role + " '" + name + "' has element type "
                    + typeName(elem) + "; only float32 inputs and outputs are supported");
        }
        if (!has(tt, "shape")) return new ValueInfo(name, null, null);
        List<DynamicMessage> dims = list((DynamicMessage) get(tt, "shape"), "dim");
        long[] d = new long[dims.size()];
        String[] p = new String[dims.size()];
        for (int i = 0; i < d.length; i++) {
            DynamicMessage dim = dims.get(i);
            d[i] = has(dim, "dim_value") ? int64(dim, "dim_value") : -1;
            p[i] = str(dim, "dim_param");
        }
        return new ValueInfo(name, d, p);
    }

    private Node node(DynamicMessage n, int index) {
        String op = str(n, "op_type");
        List<String> ins = list(n, "input");
        List<String> outs = list(n, "output");
        String name = str(n, "name");
        if (name.isEmpty()) name = op + "#" + index + (outs.isEmpty() ? "" : "(" + outs.get(0) + ")");
        String domain = str(n, "domain");
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw new UnsupportedModelException(source + ": " + op + " node '" + name + "' is in domain '" + domain
                    + "'; only the default ONNX domain is supported");
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        for (DynamicMessage a : OnnxReader.<DynamicMessage>list(n, "attribute")) {
            String an = str(a, "name");
            attrs.put(an, attribute(a, op + " node '" + name + "' attribute '" + an + "'"));
        }
        return new Node(name, op, ins, outs, attrs);
    }

    private Object attribute(DynamicMessage a, String what) {
        if (!str(a, "ref_attr_name").isEmpty()) {
            throw new UnsupportedModelException(source + ": " + what + " refers to a function attribute");
        }
        int type = int32(a, "type");
        switch (type) {
            case A_FLOAT: return (Float) get(a, "f");
            case A_INT: return (Long) get(a, "i");
            case A_STRING: return ((ByteString) get(a, "s")).toStringUtf8();
            case A_TENSOR: return tensor((DynamicMessage) get(a, "t"), what);
            case A_FLOATS: {
                List<Float> l = list(a, "floats");
                float[] r = new float[l.size()];
                for (int i = 0; i < r.length; i++) r[i] = l.get(i);
                return r;
            }
            case A_INTS: {
                List<Long> l = list(a, "ints");
                long[] r = new long[l.size()];
                for (int i = 0; i < r.length; i++) r[i] = l.get(i);
                return r;
            }
            case A_STRINGS: {
                List<ByteString> l = list(a, "strings");
                String[] r = new String[l.size()];
                for (int i = 0; i < r.length; i++) r[i] = l.get(i).toStringUtf8();
                return r;
            }
            case A_GRAPH:
            case A_GRAPHS:
                throw new UnsupportedModelException(source + ": " + what + " is a subgraph (control flow is not supported)");
            case 0: // IR < 2 had no type field: infer from what is set
                if (has(a, "ints")) { a = a.toBuilder().setField(fd(ATTRIBUTE, "type"), A_INTS).build(); return attribute(a, what); }
                if (has(a, "floats")) { a = a.toBuilder().setField(fd(ATTRIBUTE, "type"), A_FLOATS).build(); return attribute(a, what); }
                if (has(a, "i")) return (Long) get(a, "i");
                if (has(a, "f")) return (Float) get(a, "f");
                if (has(a, "s")) return ((ByteString) get(a, "s")).toStringUtf8();
                if (has(a, "t")) return tensor((DynamicMessage) get(a, "t"), what);
                throw new InvalidModelException(source + ": " + what + " has no type and no value");
            default:
                throw new UnsupportedModelException(source + ": " + what + " has attribute type " + type);
        }
    }

    /** TensorProto to a host tensor (float32 or int64). */
    Tensor tensor(DynamicMessage t, String what) {
        ByteString external = null;
        if (has(t, "external_data") || int32(t, "data_location") == 1) external = externalData(t, what);
        if (has(t, "segment")) throw new UnsupportedModelException(source + ": " + what + " is a segmented tensor");
        List<Long> dl = list(t, "dims");
        long[] dims = new long[dl.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = dl.get(i);
            if (dims[i] < 0) throw new InvalidModelException(source + ": " + what + " has a negative dimension");
        }
        long count = Tensor.numel(dims);
        if (count > Integer.MAX_VALUE) throw new UnsupportedModelException(source + ": " + what + " has " + count + " elements");
        int n = (int) count;
        int type = int32(t, "data_type");
        ByteString raw = external != null ? external : has(t, "raw_data") ? (ByteString) get(t, "raw_data") : null;
        int esize = switch (type) {
            case FLOAT, INT32, UINT32 -> 4;
            case FLOAT16, INT16, UINT16, 16 /* BFLOAT16 */ -> 2;
            case DOUBLE, INT64, UINT64 -> 8;
            case INT8, UINT8, BOOL -> 1;
            default -> throw new UnsupportedModelException(source + ": " + what + " has element type " + typeName(type)
                    + (type >= 17 && type <= 23 ? " (8- and 4-bit float and 4-bit integer types are not supported; export in"
                    + " float32 or float16)" : ""));
        };
        if (raw != null && raw.size() != (long) n * esize) {
            throw new InvalidModelException(source + ": " + what + " " + java.util.Arrays.toString(dims) + " of "
                    + typeName(type) + " needs " + ((long) n * esize) + " bytes of raw data, has " + raw.size());
        }
        ByteBuffer bb = raw == null ? null : raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case FLOAT: {
                float[] f = new float[n];
                if (bb != null) bb.asFloatBuffer().get(f);
                else copyFloats(list(t, "float_data"), f, what);
                return Tensor.ofFloats(f, dims);
            }
            case DOUBLE: {
                float[] f = new float[n];
                if (bb != null) for (int i = 0; i < n; i++) f[i] = (float) bb.getDouble(8 * i);
                else {
                    List<Double> l = list(t, "double_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) f[i] = l.get(i).floatValue();
                }
                return Tensor.ofFloats(f, dims);
            }
            case FLOAT16: {
                float[] f = new float[n];
                if (bb != null) for (int i = 0; i < n; i++) f[i] = Half.toFloat(bb.getShort(2 * i));
                else {
                    List<Integer> l = list(t, "int32_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) f[i] = Half.toFloat((short) (int) l.get(i));
                }
                return Tensor.ofFloats(f, dims);
            }
            case 16: { // BFLOAT16: the upper half of a float32
                float[] f = new float[n];
                if (bb != null) for (int i = 0; i < n; i++) f[i] = Float.intBitsToFloat((bb.getShort(2 * i) & 0xffff) << 16);
                else {
                    List<Integer> l = list(t, "int32_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) f[i] = Float.intBitsToFloat((l.get(i) & 0xffff) << 16);
                }
                return Tensor.ofFloats(f, dims);
            }
            case INT64: {
                long[] v = new long[n];
                if (bb != null) bb.asLongBuffer().get(v);
                else {
                    List<Long> l = list(t, "int64_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) v[i] = l.get(i);
                }
                return Tensor.ofLongs(v, dims);
            }
            case UINT64: {
                long[] v = new long[n];
                if (bb != null) bb.asLongBuffer().get(v);
                else {
                    List<Long> l = list(t, "uint64_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) v[i] = l.get(i);
                }
                return Tensor.ofLongs(v, dims);
            }
            case UINT32: {
                long[] v = new long[n];
                if (bb != null) for (int i = 0; i < n; i++) v[i] = Integer.toUnsignedLong(bb.getInt(4 * i));
                else {
                    List<Long> l = list(t, "uint64_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) v[i] = l.get(i);
                }
                return Tensor.ofLongs(v, dims);
            }
            default: { // INT32, INT16, UINT16, INT8, UINT8, BOOL
                long[] v = new long[n];
                if (bb != null) {
                    for (int i = 0; i < n; i++) {
                        v[i] = switch (type) {
                            case INT32 -> bb.getInt(4 * i);
                            case INT16 -> bb.getShort(2 * i);
                            case UINT16 -> bb.getShort(2 * i) & 0xffff;
                            case INT8 -> bb.get(i);
                            default -> bb.get(i) & 0xff;
                        };
                    }
                } else {
                    List<Integer> l = list(t, "int32_data");
                    checkCount(l.size(), n, what);
                    for (int i = 0; i < n; i++) v[i] = l.get(i);
                }
                return Tensor.ofLongs(v, dims);
            }
        }
    }

    /**
     * The bytes of a tensor stored outside the model (ONNX external data: entries location, offset,
     * length), read from the file next to the model. A model given as bytes has no "next to".
     */
    private ByteString externalData(DynamicMessage t, String what) {
        String location = null;
        long offset = 0, length = -1;
        for (DynamicMessage e : OnnxReader.<DynamicMessage>list(t, "external_data")) {
            String k = str(e, "key"), v = str(e, "value");
            try {
                switch (k) {
                    case "location" -> location = v;
                    case "offset" -> offset = Long.parseLong(v);
                    case "length" -> length = Long.parseLong(v);
                    default -> { }
                }
            } catch (NumberFormatException ex) {
                throw new InvalidModelException(source + ": " + what + " has external data " + k + " '" + v + "', not a number");
            }
        }
        if (location == null) throw new InvalidModelException(source + ": " + what + " is stored outside the model file but names no location");
        if (baseDir == null) {
            throw new UnsupportedModelException(source + ": " + what + " is stored outside the model file (external data '"
                    + location + "'); load the model from its file so that the data file next to it can be read");
        }
        java.nio.file.Path file = baseDir.resolve(location).normalize();
        if (!file.startsWith(baseDir.normalize())) {
            throw new InvalidModelException(source + ": " + what + ": external data location '" + location + "' leaves the model's directory");
        }
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new InvalidModelException(source + ": " + what + " is stored outside the model file in '" + location
                    + "', which does not exist next to the model (" + file + "); copy the data file with the model");
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            long size = ch.size();
            long n = length >= 0 ? length : size - offset;
            if (offset < 0 || n < 0 || offset + n > size || n > Integer.MAX_VALUE) {
                throw new InvalidModelException(source + ": " + what + ": external data offset " + offset + " length " + length
                        + " does not fit '" + location + "' (" + size + " bytes)");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) n);
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) break;
            }
            buf.flip();
            return ByteString.copyFrom(buf);
        } catch (java.io.IOException e) {
            throw new InvalidModelException(source + ": " + what + ": cannot read external data '" + location + "': " + e.getMessage(), e);
        }
    }

    private void copyFloats(List<Float> l, float[] f, String what) {
        checkCount(l.size(), f.length, what);
        for (int i = 0; i < f.length; i++) f[i] = l.get(i);
    }

    private void checkCount(int have, int need, String what) {
        if (have != need) {
            throw new InvalidModelException(source + ": " + what + " needs " + need + " elements, has " + have);
        }
    }

    static String typeName(int t) {
        return switch (t) {
            case FLOAT -> "float32"; case UINT8 -> "uint8"; case INT8 -> "int8"; case UINT16 -> "uint16";
            case INT16 -> "int16"; case INT32 -> "int32"; case INT64 -> "int64"; case STRING -> "string";
            case BOOL -> "bool"; case FLOAT16 -> "float16"; case DOUBLE -> "float64"; case UINT32 -> "uint32";
            case UINT64 -> "uint64"; case 16 -> "bfloat16"; case 17 -> "float8e4m3fn"; case 18 -> "float8e4m3fnuz";
            case 19 -> "float8e5m2"; case 20 -> "float8e5m2fnuz"; case 21 -> "uint4"; case 22 -> "int4"; case 23 -> "float4e2m1";
            default -> "type " + t;
        };
    }
}
