package dev.vahost.pipelines.output.messages;

import java.nio.charset.StandardCharsets;

import org.eclipse.paho.client.mqttv3.DisconnectedBufferOptions;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * MQTT through Eclipse Paho: one asynchronous client, QoS 1 (at least once), automatic reconnect,
 * and messages published while the broker is away buffered (up to {@code offlineBuffer}) and sent
 * in order when it is back. The topic is {@code topic} (the camera id is in every payload) or, with
 * {@code perCamera}, {@code topic/CAMERA}.
 */
public final class MqttTransport implements Transport {
    private final MqttAsyncClient client;
    private final String topic;
    private final boolean perCamera;
    private final int qos;

    public MqttTransport(String broker, String topic, boolean perCamera, int qos, int offlineBuffer) {
        this.topic = topic;
        this.perCamera = perCamera;
        this.qos = qos;
        try {
            client = new MqttAsyncClient(broker, "vahost-" + ProcessHandle.current().pid() + "-" + System.nanoTime() % 100_000,
                    new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setAutomaticReconnect(true);
            o.setCleanSession(true);
            o.setMaxInflight(1000);
            o.setConnectionTimeout(10);
            o.setMaxReconnectDelay(5000);
            DisconnectedBufferOptions b = new DisconnectedBufferOptions();
            b.setBufferEnabled(true);
            b.setBufferSize(offlineBuffer);
            b.setDeleteOldestMessages(true);
            b.setPersistBuffer(false);
            client.setBufferOpts(b);
            client.connect(o).waitForCompletion(15_000);
        } catch (MqttException e) {
            throw new IllegalArgumentException("MQTT broker " + broker + ": cannot connect (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void send(String key, String payload, Done done) {
        MqttMessage m = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        m.setQos(qos);
        try {
            client.publish(perCamera ? topic + "/" + key : topic, m, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken t) {
                    done.completed(null);
                }

                @Override
                public void onFailure(IMqttToken t, Throwable e) {
                    done.completed(e instanceof Exception x ? x : new Exception(e));
                }
            });
        } catch (MqttException e) {
            done.completed(e);
        }
    }

    @Override
    public void flush(long millis) {
        long end = System.currentTimeMillis() + millis;
        while (client.getPendingDeliveryTokens().length > 0 && System.currentTimeMillis() < end) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String describe() {
        return "MQTT " + client.getServerURI() + " topic " + topic + (perCamera ? "/CAMERA" : "") + " (QoS " + qos + ")";
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) client.disconnect(2000).waitForCompletion(3000);
        } catch (MqttException ignored) {
            // closing anyway
        }
        try {
            client.close(true);
        } catch (MqttException ignored) {
            // nothing more to do
        }
    }
}
