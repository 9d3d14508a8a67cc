package dev.vahost.inference.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.vahost.inference.InvalidModelException;
import dev.vahost.inference.UnsupportedModelException;

/**
 * One operator of the graph: ONNX op type, value names in and out ("" for an omitted optional
 * input) and attributes as Java values (Long, Float, String, long[], float[], String[], Tensor).
 * Optimisation passes rewrite nodes in place (fusing an activation into a Conv, for example).
 */
public final class Node {
    public final String name;
    public String op;
    public final List<String> inputs;
    public final List<String> outputs;
    public final Map<String, Object> attrs;

    public Node(String name, String op, List<String> inputs, List<String> outputs, Map<String, Object> attrs) {
        this.name = name;
        this.op = op;
        this.inputs = new ArrayList<>(inputs);
        this.outputs = new ArrayList<>(outputs);
        this.attrs = new LinkedHashMap<>(attrs);
    }

    /** "Conv 'conv_3' " style prefix for messages. */
    public String where() {
        return op + " node '" + name + "'";
    }

    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    public String output() {
        return outputs.get(0);
    }

    public boolean has(String attr) {
        return attrs.containsKey(attr);
    }

    public long i(String attr, long dflt) {
        Object v = attrs.get(attr);
        if (v == null) return dflt;
        if (v instanceof Long l) return l;
        throw bad(attr, "an integer", v);
    }

    public float f(String attr, float dflt) {
        Object v = attrs.get(attr);
        if (v == null) return dflt;
        if (v instanceof Float f) return f;
        if (v instanceof Long l) return l;
        throw bad(attr, "a float", v);
    }

    public String s(String attr, String dflt) {
        Object v = attrs.get(attr);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw bad(attr, "a string", v);
    }

    public long[] ints(String attr, long[] dflt) {
        Object v = attrs.get(attr);
        if (v == null) return dflt;
        if (v instanceof long[] a) return a;
        throw bad(attr, "a list of integers", v);
    }

    public float[] floats(String attr, float[] dflt) {
        Object v = attrs.get(attr);
        if (v == null) return dflt;
        if (v instanceof float[] a) return a;
        throw bad(attr, "a list of floats", v);
    }

    private InvalidModelException bad(String attr, String want, Object got) {
        return new InvalidModelException(where() + ": attribute '" + attr + "' should be " + want + ", got "
                + got.getClass().getSimpleName());
    }

    /** Throws UnsupportedModelException naming this node. */
    public UnsupportedModelException unsupported(String what) {
        return new UnsupportedModelException(where() + ": " + what);
    }

    /** Throws InvalidModelException naming this node. */
    public InvalidModelException invalid(String what) {
        return new InvalidModelException(where() + ": " + what);
    }

    @Override
    public String toString() {
        return where() + " " + inputs + " -> " + outputs + (attrs.isEmpty() ? "" : " " + describeAttrs());
    }

    private String describeAttrs() {
        StringBuilder b = new StringBuilder("{");
        attrs.forEach((k, v) -> {
            if (b.length() > 1) b.append(", ");
            b.append(k).append('=');
            if (v instanceof long[] a) b.append(Arrays.toString(a));
            else if (v instanceof float[] a) b.append(Arrays.toString(a));
            else b.append(v);
        });
        return b.append('}').toString();
    }
}
