package dev.vahost.pipelines.output.messages;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;

/**
 * Message payloads with the fields of DeepStream's nvmsgconv schemas, so that consumers written for
 * DeepStream read them:
 * <ul>
 * <li>minimal (per frame): {@code {"version":"4.0","id":frame,"@timestamp","sensorId",
 *     "objects":["trackId|left|top|right|bottom|label", ...]}} (trackId -1 when untracked);</li>
 * <li>full (per object, and per analytics event): {@code {"messageid","mdsversion":"1.0","@timestamp",
 *     "place":{"id","name"},"sensor":{"id","type":"Camera","description"},"analyticsModule":{"id",
 *     "description","source":"vahost","version"},"object":{"id","speed","direction","orientation",
 *     LABEL:{},"bbox":{"topleftx","toplefty","bottomrightx","bottomrighty"},"confidence"},
 *     "event":{"id","type"},"videoPath":""}}; an object's event type is "moving", an analytics
 *     event's is its type (line_crossed, zone_entered, zone_left, zone_overcrowded) with its details
 *     under "analytics".</li>
 * </ul>
 */
public final class Payloads {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private Payloads() {}

    /** DeepStream's time format: UTC, milliseconds. */
    public static String timestamp(long unixMillis) {
        return ISO.format(Instant.ofEpochMilli(unixMillis));
    }

    private static String num(float v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** The per-frame minimal message. */
    public static String minimal(FrameResult r, long unixMillis) {
        ObjectNode n = JSON.createObjectNode();
        n.put("version", "4.0");
        n.put("id", Long.toString(r.frameNumber()));
        n.put("@timestamp", timestamp(unixMillis));
        n.put("sensorId", r.streamId());
        ArrayNode objects = n.putArray("objects");
        for (FrameResult.Detection d : r.detections()) {
            objects.add(d.trackId() + "|" + num(d.x1()) + "|" + num(d.y1()) + "|" + num(d.x2()) + "|" + num(d.y2()) + "|" + d.label());
        }
        return n.toString();
    }

    /** One full message per object of the frame. */
    public static List<String> full(FrameResult r, long unixMillis, String model) {
        List<String> out = new ArrayList<>(r.detections().size());
        for (FrameResult.Detection d : r.detections()) {
            ObjectNode n = envelope(r.streamId(), unixMillis, model);
            ObjectNode o = n.putObject("object");
            o.put("id", Long.toString(d.trackId()));
            o.put("speed", 0.0).put("direction", 0.0).put("orientation", 0.0);
            o.putObject(d.label() == null ? "object" : d.label());
            bbox(o, d.x1(), d.y1(), d.x2(), d.y2());
            o.put("confidence", d.score());
            n.putObject("event").put("id", UUID.randomUUID().toString()).put("type", "moving");
            n.put("videoPath", "");
            out.add(n.toString());
        }
        return out;
    }

    /** A full message for an analytics event. */
    public static String event(AnalyticsFactory.Event e, long unixMillis, String model) {
        ObjectNode n = envelope(e.stream(), unixMillis, model);
        ObjectNode o = n.putObject("object");
        o.put("id", e.track() == null ? "-1" : Long.toString(e.track()));
        if (e.label() != null) o.putObject(e.label());
        if (e.x() != null) n.putObject("coordinate").put("x", e.x()).put("y", e.y()).put("z", 0.0);
        n.putObject("event").put("id", UUID.randomUUID().toString()).put("type", e.type());
        n.set("analytics", JSON.valueToTree(e));
        n.put("videoPath", "");
        return n.toString();
    }

    private static ObjectNode envelope(String stream, long unixMillis, String model) {
        ObjectNode n = JSON.createObjectNode();
        n.put("messageid", UUID.randomUUID().toString());
        n.put("mdsversion", "1.0");
        n.put("@timestamp", timestamp(unixMillis));
        n.putObject("place").put("id", stream).put("name", stream);
        n.putObject("sensor").put("id", stream).put("type", "Camera").put("description", stream);
        n.putObject("analyticsModule").put("id", "vahost").put("description", model).put("source", "vahost").put("version", "0.1");
        return n;
    }

    private static void bbox(ObjectNode o, float x1, float y1, float x2, float y2) {
        o.putObject("bbox").put("topleftx", x1).put("toplefty", y1).put("bottomrightx", x2).put("bottomrighty", y2);
    }
}
