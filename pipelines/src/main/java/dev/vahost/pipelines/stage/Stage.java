package dev.vahost.pipelines.stage;

/**
 * An analytics stage: user code that sees every batch after detection, in the order the deployment
 * lists the stages, on the service's batch thread. It may read and change the detections, attach
 * typed metadata ({@link MetaKey}) that later stages and the outputs read, and, on the GPU path,
 * enqueue its own CUDA work on the frames ({@link StageBatch#cudaStream()}).
 *
 * <p>A stage is made by its {@link StageFactory} (found with {@link java.util.ServiceLoader}) from
 * its configuration section. The service times each call and counts its failures: an exception
 * thrown by {@link #process} is logged and counted against the stage, and the batch goes on to the
 * next stage and the outputs with whatever the stage had changed. A stage is never called from two
 * threads at once.
 */
public interface Stage extends AutoCloseable {
    /** Called once per batch; keep it quick (it runs on the batch thread, ahead of the next batch). */
    void process(StageBatch batch) throws Exception;

    /**
     * Whether this stage reads or writes pixels. When any stage says so, the service keeps every
     * batch's frames until the stages have run ({@link StageFrame#deviceFrame()} and
     * {@link StageFrame#videoFrame()} work only then); otherwise the frames go back to the decoders
     * as soon as preprocessing has read them.
     */
    default boolean needsFrames() {
        return false;
    }

    /**
     * Whether this stage will read or write pixels of {@code streamId}'s frame in the coming batch;
     * asked per frame on the batch thread right after detection, only of stages whose
     * {@link #needsFrames()} is true. Frames that no stage needs go back to their decoder before the
     * stages run ({@link StageFrame#hasFrame()} is then false). Default: {@link #needsFrames()}. A
     * stage that looks at a few streams (the web view at its watched ones) says so here, and the other
     * streams' frames cost nothing.
     */
    default boolean needsFrames(String streamId) {
        return needsFrames();
    }

    /**
     * A stream ended for good or was removed: drop what is kept for it (a tracker's tracks). Never
     * called while {@link #process} runs; a stream of that name that comes back starts afresh.
     */
    default void streamEnded(String streamId) {}

    /**
     * The stage's own families for /metrics (e.g. counts it keeps), collected at each scrape from a
     * thread other than the batch thread; null (the default) when it has none. The service adds
     * {@code vahost_stage_seconds} and {@code vahost_stage_failures_total} for every stage itself.
     */
    default io.prometheus.metrics.model.registry.MultiCollector metrics() {
        return null;
    }

    /** Called once when the service stops, after the last batch. */
    @Override
    default void close() throws Exception {}
}
