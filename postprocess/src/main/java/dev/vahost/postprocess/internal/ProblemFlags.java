package dev.vahost.postprocess.internal;

import java.util.ArrayList;
import java.util.List;

/** Per-image problem bits written by the kernels (postprocess.cuh) and the CPU reference alike. */
public final class ProblemFlags {
    public static final int NONFINITE_SCORE = 1;
    public static final int NONFINITE_BOX = 2;
    public static final int NEGATIVE_SIZE = 4;
    public static final int BAD_CLASS = 8;
    public static final int CANDIDATE_OVERFLOW = 16;
    public static final int RESULT_OVERFLOW = 32;
    public static final int NO_SLOT = Integer.MAX_VALUE;

    private ProblemFlags() {}

    /** A message naming the image, every rule broken and the first offending slot; null when flags == 0. */
    public static String describe(int image, int flags, int firstBad, int candidates, int capacity) {
        if (flags == 0) return null;
        List<String> rules = new ArrayList<>();
        if ((flags & NONFINITE_SCORE) != 0) rules.add("a score is NaN or infinite");
        if ((flags & NONFINITE_BOX) != 0) rules.add("a box coordinate is NaN or infinite");
        if ((flags & NEGATIVE_SIZE) != 0) rules.add("a box has negative width or height");
        if ((flags & BAD_CLASS) != 0) rules.add("a class id is outside [0, numClasses)");
        StringBuilder sb = new StringBuilder("image ").append(image).append(": invalid model output: ")
                .append(String.join("; ", rules));
        if (firstBad != NO_SLOT && (flags & (NONFINITE_SCORE | NONFINITE_BOX | NEGATIVE_SIZE | BAD_CLASS)) != 0) {
            sb.append(" (first at candidate ").append(firstBad).append(')');
        }
        if ((flags & CANDIDATE_OVERFLOW) != 0) {
            if (!rules.isEmpty()) sb.append("; ");
            sb.append(candidates).append(" candidates above the score threshold exceed the capacity of ").append(capacity)
                    .append(" (raise the threshold or candidateCapacity)");
        }
        if ((flags & RESULT_OVERFLOW) != 0) {
            sb.append("; the batch's detections exceed the result capacity, this image's list is cut (raise resultCapacity)");
        }
        return sb.toString();
    }
}
