package dev.vahost.inference.ops;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every operator test case, by family. Each family's cases live in its own file (next to nothing
 * else), so adding an operator means its operator file, its kernels and one case file entry.
 */
public final class OpCases {
    private OpCases() {}

    public static List<OpCase> all() {
        List<OpCase> all = new ArrayList<>();
        all.addAll(ElementwiseCases.cases());
        all.addAll(ShapeCases.cases());
        all.addAll(ReduceNormCases.cases());
        all.addAll(IndexCases.cases());
        all.addAll(ConvLikeCases.cases());
        Set<String> names = new HashSet<>();
        for (OpCase c : all) {
            if (!names.add(c.name())) throw new IllegalStateException("two cases named " + c.name());
        }
        return all;
    }
}
