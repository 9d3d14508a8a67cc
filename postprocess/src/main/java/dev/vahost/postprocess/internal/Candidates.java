package dev.vahost.postprocess.internal;

import java.util.Arrays;

/** One image's decoded candidates in slot order (CPU reference), with the problems met on the way. */
public final class Candidates {
    private float[] boxes = new float[64];
    private float[] scores = new float[16];
    private int[] classes = new int[16];
    private int[] slots = new int[16];
    private int size;
    private int aboveThreshold;
    private int flags;
    private int firstBad = ProblemFlags.NO_SLOT;
    private final int capacity;

    public Candidates(int capacity) {
        this.capacity = capacity;
    }

    public void add(float x1, float y1, float x2, float y2, float score, int cls, int slot) {
        aboveThreshold++;
        if (size == capacity) {
            flags |= ProblemFlags.CANDIDATE_OVERFLOW;
            return;
        }
        if (size == scores.length) {
            int c = size * 2;
            boxes = Arrays.copyOf(boxes, 4 * c);
            scores = Arrays.copyOf(scores, c);
            classes = Arrays.copyOf(classes, c);
            slots = Arrays.copyOf(slots, c);
        }
        boxes[4 * size] = x1;
        boxes[4 * size + 1] = y1;
        boxes[4 * size + 2] = x2;
        boxes[4 * size + 3] = y2;
        scores[size] = score;
        classes[size] = cls;
        slots[size] = slot;
        size++;
    }

    public void flag(int bits, int slot) {
        flags |= bits;
        firstBad = Math.min(firstBad, slot);
    }

    public int size() { return size; }

    public int aboveThreshold() { return aboveThreshold; }

    public int flags() { return flags; }

    public int firstBad() { return firstBad; }

    public int capacity() { return capacity; }

    public float[] boxes() { return Arrays.copyOf(boxes, 4 * size); }

    public float[] scores() { return Arrays.copyOf(scores, size); }

    public int[] classes() { return Arrays.copyOf(classes, size); }

    public int[] slots() { return Arrays.copyOf(slots, size); }

    public float box(int i, int k) { return boxes[4 * i + k]; }

    public float score(int i) { return scores[i]; }

    public int cls(int i) { return classes[i]; }

    public int slot(int i) { return slots[i]; }
}
