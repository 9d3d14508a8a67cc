package dev.vahost.inference.internal.ops;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import dev.vahost.inference.UnsupportedModelException;
import dev.vahost.inference.internal.Graph;
import dev.vahost.inference.internal.Node;

/**
 * The operator registry: ONNX op type → {@link Operator}. Each family registers its operators in
 * {@code register(...)}; the README's operator list is generated from the same names
 * ({@link #supported()}).
 */
public final class Operators {
    private static final Map<String, Operator> OPS = new TreeMap<>();
    /** Operators refused with a specific reason (data-dependent shapes, control flow, training). */
    private static final Map<String, String> REFUSED = new TreeMap<>();

    static {
        ConvOps.register(OPS);
        PoolOps.register(OPS);
        Elementwise.register(OPS);
        BinaryOps.register(OPS);
        DataMovement.register(OPS);
        ShapeOps.register(OPS);
        ResizeOps.register(OPS);
        SoftmaxOps.register(OPS);
        MatMulOps.register(OPS);
        ReduceOps.register(OPS);
        NormOps.register(OPS);
        IndexOps.register(OPS);

        String nms = "its output shape depends on the input data (it belongs to the detector's post-processing);"
                + " export the raw detection head instead (e.g. ultralytics export(format='onnx', nms=False), or a"
                + " torchvision model's backbone + head without postprocess) and let the service decode and run NMS on the GPU";
        REFUSED.put("NonMaxSuppression", nms);
        REFUSED.put("Unique", nms);
        REFUSED.put("Compress", nms);
        REFUSED.put("Loop", "control flow (Loop) is not supported; export without data-dependent loops (TorchScript"
                + " exporter, or trace with fixed shapes)");
        REFUSED.put("If", "control flow (If) is not supported; export with the branch resolved (trace the model, e.g."
                + " torch.onnx.export(dynamo=False) with fixed shapes)");
        REFUSED.put("Scan", "control flow (Scan) is not supported");
        REFUSED.put("SequenceConstruct", "sequence types are not supported");
        REFUSED.put("SplitToSequence", "sequence types are not supported");
        REFUSED.put("ConcatFromSequence", "sequence types are not supported");
    }

    private Operators() {}

    /** The operator for {@code op}, or null. */
    public static Operator get(String op) {
        return OPS.get(op);
    }

    /** Every supported op type. */
    public static Set<String> supported() {
        return Collections.unmodifiableSet(OPS.keySet());
    }

    /** The error for a node whose operator is not in the registry. */
    public static UnsupportedModelException refusal(Graph g, Node n) {
        String why = REFUSED.get(n.op);
        if (why != null) return new UnsupportedModelException(g.source + ": " + n.where() + ": " + why);
        return new UnsupportedModelException(g.source + ": " + n.where() + " uses operator " + n.op
                + ", which is not supported; supported: " + new TreeSet<>(OPS.keySet()));
    }

    /** For families: registers {@code op} once. */
    static void put(Map<String, Operator> ops, String name, Operator op) {
        if (ops.putIfAbsent(name, op) != null) throw new IllegalStateException("operator " + name + " registered twice");
    }
}
