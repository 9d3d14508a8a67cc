package dev.vahost.pipelines.output.messages;

/** Where a {@link MessageSink} delivers: a Kafka producer or an MQTT client. */
public interface Transport extends AutoCloseable {
    /** The outcome of one message, called on the transport's thread. */
    interface Done {
        void completed(Exception failure);
    }

    /**
     * Sends one message; may block briefly (the sink calls it on its own thread, never on the
     * video path); reports the outcome through {@code done} (null: delivered).
     */
    void send(String key, String payload, Done done);

    /** Delivers what is in flight, waiting up to {@code millis}. */
    void flush(long millis);

    /** One line for the log. */
    String describe();

    @Override
    void close();
}
