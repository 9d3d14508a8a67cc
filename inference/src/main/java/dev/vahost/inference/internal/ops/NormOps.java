package dev.vahost.inference.internal.ops;

import java.util.Map;

/** (Operators of this family are registered here.) */
final class NormOps {
    private NormOps() {}

    static void register(Map<String, Operator> ops) {
    }
}
