package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.List;

/** Operator cases of this family (see {@link OpCases}). */
final class ConvLikeCases {
    private ConvLikeCases() {}

    static List<OpCase> cases() {
        List<OpCase> c = new ArrayList<>();
        return c;
    }
}
