package dev.vahost.postprocess;

import dev.vahost.postprocess.internal.Candidates;
import dev.vahost.postprocess.internal.CpuDecode;
import dev.vahost.postprocess.internal.NmsPlan;
import dev.vahost.postprocess.internal.ProblemFlags;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The whole postprocessing on the CPU, step for step what {@link GpuPostprocessor} does on the GPU:
 * decode, the top {@code maxCandidatesPerImage} by (score desc, candidate asc), batched NMS
 * ({@link ReferenceNms}), the top {@code maxDetectionsPerImage}, mapping to source pixels with
 * clipping. For a decoder without NMS ({@link DecoderConfig#requiresNms()} false: DETR) the candidates'
 * top-k by (score desc, candidate asc) are the detections. It is the service's CPU path and the
 * oracle of the GPU tests. Thread-safe (stateless).
 */
public final class CpuPostprocessor {
    private final DecoderConfig decoder;
    private final NmsConfig nms;

    /**
     * @param nms required when {@code decoder.requiresNms()}, and must be null otherwise
     * @throws IllegalArgumentException when {@code nms} is missing or not applicable, saying which
     */
    public CpuPostprocessor(DecoderConfig decoder, NmsConfig nms) {
        this.decoder = Objects.requireNonNull(decoder, "decoder");
        this.nms = NmsPlan.check(decoder, nms);
    }

    /** For a decoder that needs no NMS ({@link DetrDecode}). */
    public CpuPostprocessor(DecoderConfig decoder) {
        this(decoder, null);
    }

    public DecoderConfig decoder() { return decoder; }

    /** The NMS settings; null for a decoder without NMS. */
    public NmsConfig nms() { return nms; }

    /**
     * @param images  one mapping per image of the batch (dimension 0 of every output)
     * @param outputs the model outputs, contiguous, as {@link DecoderConfig#expectedOutputs()} lists
     */
    public BatchDetections run(List<InputMapping> images, HostTensor... outputs) {
        int n = images.size();
        if (n == 0) throw new IllegalArgumentException("empty batch");
        CpuDecode.validate(decoder, n, outputs);
        List<List<Detection>> dets = new ArrayList<>(n);
        String[] problems = new String[n];
        int[] above = new int[n];
        for (int b = 0; b < n; b++) {
            Candidates c = CpuDecode.decode(decoder, b, outputs);
            above[b] = c.aboveThreshold();
            problems[b] = ProblemFlags.describe(b, c.flags(), c.firstBad(), c.aboveThreshold(), c.capacity());
            dets.add(select(c, images.get(b)));
        }
        return new BatchDetections(dets, problems, above);
    }

    /** Cap, NMS, top-k and mapping for one image's candidates (without NMS: top-k and mapping). */
    List<Detection> select(Candidates c, InputMapping map) {
        if (nms == null) {
            int[] top = topCandidates(c, NmsPlan.topKWithoutNms(decoder));
            List<Detection> out = new ArrayList<>(top.length);
            for (int j : top) out.add(detection(c, j, map));
            return out;
        }
        int[] capped = topCandidates(c, nms.maxCandidatesPerImage());
        int m = capped.length;
        float[] boxes = new float[4 * m];
        float[] scores = new float[m];
        int[] groups = new int[m];
        for (int i = 0; i < m; i++) {
            int j = capped[i];
            for (int k = 0; k < 4; k++) boxes[4 * i + k] = c.box(j, k);
            scores[i] = c.score(j);
            groups[i] = nms.classAgnostic() ? 0 : c.cls(j);
        }
        int[] kept = ReferenceNms.batchedNms(boxes, scores, groups, nms.iouThreshold());
        int k = Math.min(kept.length, nms.effectiveTopK());
        List<Detection> out = new ArrayList<>(k);
        for (int r = 0; r < k; r++) out.add(detection(c, capped[kept[r]], map));
        return out;
    }

    private static Detection detection(Candidates c, int j, InputMapping map) {
        return new Detection(c.cls(j), c.score(j), map.toSourceX(c.box(j, 0)), map.toSourceY(c.box(j, 1)),
                map.toSourceX(c.box(j, 2)), map.toSourceY(c.box(j, 3)), c.slot(j));
    }

    /** Indices (into c) of the top {@code cap} candidates by (score desc, slot asc), in that order. */
    static int[] topCandidates(Candidates c, int cap) {
        Integer[] order = new Integer[c.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            float sa = c.score(a), sb = c.score(b);
            if (sa > sb) return -1;
            if (sa < sb) return 1;
            return Integer.compare(c.slot(a), c.slot(b));
        });
        int m = Math.min(cap, order.length);
        int[] out = new int[m];
        for (int i = 0; i < m; i++) out[i] = order[i];
        return out;
    }
}
