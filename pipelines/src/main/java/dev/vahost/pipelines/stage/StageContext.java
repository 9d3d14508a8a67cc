package dev.vahost.pipelines.stage;

/**
 * What a stage learns about the service when it is made.
 *
 * @param name     the stage's instance name (the deployment's {@code name}, else its type); unique in a service
 * @param gpu      whether the service runs the GPU path (frames in CUDA memory, {@link StageBatch#cudaStream()} set)
 * @param maxBatch the largest batch the stage will be given
 */
public record StageContext(String name, boolean gpu, int maxBatch) {}
