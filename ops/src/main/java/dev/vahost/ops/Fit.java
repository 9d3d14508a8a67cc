package dev.vahost.ops;

/** How a source region is placed into the output size. */
public enum Fit {
    /** Resize to exactly the output size; the aspect ratio may change, nothing is padded. */
    STRETCH,
    /**
     * Keep the aspect ratio: scale by {@code r = min(W / w, H / h)} to {@code rint(w r) x rint(h r)},
     * centre it (left/top padding {@code floor((W - w') / 2)}, as Ultralytics' letterbox) and pad the rest.
     */
    LETTERBOX_CENTER,
    /** As {@link #LETTERBOX_CENTER}, but the content sits at the top-left corner and only right/bottom are padded. */
    LETTERBOX_TOP_LEFT
}
