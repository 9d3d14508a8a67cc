package dev.vahost.pipelines.bench;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node KRaft broker (controller and broker combined) in this JVM, from Kafka's own test kit,
 * for benchmarks that measure the Kafka sink against a real broker. Its own class so that the
 * benchmarks load the kit only when asked (the GPU machine's carry has the broker jars apart).
 */
final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    static EmbeddedKafka start() throws Exception {
        KafkaClusterTestKit c = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build()).setConfigProp("num.partitions", 8).setConfigProp("auto.create.topics.enable", true).build();
        try {
            c.format();
            c.startup();
            c.waitForReadyBrokers();
            return new EmbeddedKafka(c);
        } catch (Exception e) {
            c.close();
            throw e;
        }
    }

    String bootstrap() {
        return cluster.bootstrapServers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
