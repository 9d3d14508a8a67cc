package dev.vahost.postprocess;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes NMS inputs and kept candidate indices as raw little-endian files plus index.json, for
 * tools/gpu/nms_torchvision_check.py (and the benchmark's inputs for nms_torchvision_bench.py).
 */
public final class GoldenWriter {
    private final Path dir;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ArrayNode entries = JSON.createArrayNode();

    public GoldenWriter(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** The directory named by -Dvahost.golden.out or $VAHOST_GOLDEN_OUT, default target/nms-golden. */
    public static Path defaultDir() {
        String p = System.getProperty("vahost.golden.out", System.getenv().getOrDefault("VAHOST_GOLDEN_OUT", "target/nms-golden"));
        return Path.of(p);
    }

    public static void write(Path file, float[] data) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(data);
        writeBytes(file, bb);
    }

    public static void write(Path file, int[] data) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.asIntBuffer().put(data);
        writeBytes(file, bb);
    }

    private static void writeBytes(Path file, ByteBuffer bb) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (bb.hasRemaining()) ch.write(bb);
        }
    }

    /**
     * One case: inputs of {@code c} and, per image, the candidate indices kept by the GPU in score
     * order (before any top-k: the caller runs with top-k >= candidates).
     */
    void addCase(String name, TestData.Batch c, float iou, boolean classAgnostic, float scoreThreshold,
                 BatchDetections gpu) throws IOException {
        write(dir.resolve(name + ".boxes.f32"), c.boxes());
        write(dir.resolve(name + ".scores.f32"), c.scores());
        write(dir.resolve(name + ".classes.i32"), c.classIds());
        List<Integer> kept = new ArrayList<>();
        ObjectNode e = entries.addObject().put("name", name).put("images", c.images()).put("candidates", c.candidates())
                .put("classes", c.classes()).put("iou", iou).put("class_agnostic", classAgnostic)
                .put("score_threshold", scoreThreshold);
        ArrayNode counts = e.putArray("kept_counts");
        for (int b = 0; b < gpu.images(); b++) {
            List<Detection> d = gpu.detections(b);
            d.forEach(x -> kept.add(x.candidate()));
            counts.add(d.size());
        }
        write(dir.resolve(name + ".kept.i32"), kept.stream().mapToInt(Integer::intValue).toArray());
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("index.json").toFile(), entries);
    }
}
