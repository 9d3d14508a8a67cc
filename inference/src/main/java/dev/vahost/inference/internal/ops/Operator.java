package dev.vahost.inference.internal.ops;

import dev.vahost.inference.internal.Node;
import dev.vahost.inference.internal.Planner;

/**
 * An ONNX operator: checks a node against the operator's definition (for the model's opset),
 * infers its outputs' shapes and element types, and either defines them as values known at load
 * time or adds the {@link dev.vahost.inference.internal.Step}s that compute them. One operator (or
 * one family of closely related operators) per file, with its steps: the CPU reference and the GPU
 * lowering sit next to the shape inference. Register new operators in {@link Operators}.
 */
@FunctionalInterface
public interface Operator {
    void plan(Planner p, Node n);
}
