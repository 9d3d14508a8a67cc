package dev.vahost.postprocess;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The detections of one batch, per image in the order the images were submitted (the caller maps
 * image index to stream id and pts). Each image's list is in score order (descending; equal scores by
 * candidate index). An image whose model output broke a rule (NaN score, negative size, ...) has a
 * {@link #problem}; asking for its detections then throws, so a broken output is never mistaken for
 * an empty frame, while the other images of the batch stay usable.
 */
public final class BatchDetections {
    private final List<List<Detection>> detections;
    private final String[] problems;
    private final int[] candidates;

    public BatchDetections(List<List<Detection>> detections, String[] problems, int[] candidates) {
        if (detections.size() != problems.length || problems.length != candidates.length) {
            throw new IllegalArgumentException("per-image arrays differ in length");
        }
        List<List<Detection>> copy = new ArrayList<>(detections.size());
        for (List<Detection> d : detections) copy.add(List.copyOf(d));
        this.detections = List.copyOf(copy);
        this.problems = problems.clone();
        this.candidates = candidates.clone();
    }

    public int images() { return detections.size(); }

    /**
     * Detections of image {@code image}.
     *
     * @throws IllegalArgumentException naming the rule the model output broke, when it did
     */
    public List<Detection> detections(int image) {
        check(image);
        if (problems[image] != null) throw new IllegalArgumentException(problems[image]);
        return detections.get(image);
    }

    /** Why image {@code image}'s output was invalid, if it was. */
    public Optional<String> problem(int image) {
        check(image);
        return Optional.ofNullable(problems[image]);
    }

    /** Candidates of image {@code image} above the score threshold (before the per-image cap). */
    public int candidatesAboveThreshold(int image) {
        check(image);
        return candidates[image];
    }

    /** Detections over all images without a problem. */
    public int totalDetections() {
        int n = 0;
        for (int i = 0; i < detections.size(); i++) if (problems[i] == null) n += detections.get(i).size();
        return n;
    }

    private void check(int image) {
        if (image < 0 || image >= detections.size()) {
            throw new IndexOutOfBoundsException("image " + image + " of a batch of " + detections.size());
        }
    }

    @Override
    public String toString() {
        return "BatchDetections[" + images() + " images, " + totalDetections() + " detections]";
    }
}
