package dev.vahost.pipelines;

/** Receives results as batches complete (on the service's batch thread); keep it quick. */
@FunctionalInterface
public interface DetectionListener {
    void onResult(FrameResult result);
}
