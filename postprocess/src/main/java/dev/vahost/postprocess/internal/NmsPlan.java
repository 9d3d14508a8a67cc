package dev.vahost.postprocess.internal;

import dev.vahost.postprocess.DecoderConfig;
import dev.vahost.postprocess.DetrDecode;
import dev.vahost.postprocess.NmsConfig;

/**
 * Whether a decoder's candidates go through NMS, shared by the CPU and GPU paths: an
 * {@link NmsConfig} is required exactly when {@link DecoderConfig#requiresNms()} is true; without NMS
 * the decoder's own top-k bounds each image's detections.
 */
public final class NmsPlan {
    private NmsPlan() {}

    /** Checks that {@code nms} is given exactly when the decoder needs it; returns it. */
    public static NmsConfig check(DecoderConfig decoder, NmsConfig nms) {
        String name = decoder.getClass().getSimpleName();
        if (decoder.requiresNms() && nms == null) {
            throw new IllegalArgumentException(name + " needs an NmsConfig (its candidates overlap and go through batched NMS)");
        }
        if (!decoder.requiresNms() && nms != null) {
            throw new IllegalArgumentException(name + " does not run NMS (requiresNms() is false: its detections are the"
                    + " decoder's own top " + topKWithoutNms(decoder) + "); pass no NmsConfig");
        }
        return nms;
    }

    /** Detections per image of a decoder without NMS. */
    public static int topKWithoutNms(DecoderConfig decoder) {
        if (decoder instanceof DetrDecode d) return d.detectionsPerImage();
        throw new IllegalArgumentException(decoder.getClass().getSimpleName() + " requires NMS");
    }
}
