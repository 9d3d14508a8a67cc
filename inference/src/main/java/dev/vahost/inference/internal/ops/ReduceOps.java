package dev.vahost.inference.internal.ops;

import java.util.Map;

/** (Operators of this family are registered here.) */
final class ReduceOps {
    private ReduceOps() {}

    static void register(Map<String, Operator> ops) {
    }
}
