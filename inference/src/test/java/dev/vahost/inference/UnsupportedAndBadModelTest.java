package dev.vahost.inference;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import com.google.protobuf.DynamicMessage;

import static dev.vahost.inference.TestModels.*;
import static dev.vahost.inference.internal.OnnxSchema.*;
import static org.junit.jupiter.api.Assertions.*;

/** The documented failures: each bad or unsupported model fails at load with a message naming the cause and node. */
class UnsupportedAndBadModelTest {

    private static <T extends Throwable> T fails(Class<T> type, byte[] model, String... fragments) {
        T e = assertThrows(type, () -> OnnxModel.parse(model, "test.onnx"));
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
        return e;
    }

    @Test
    void aValidSmallModelLoadsAndRuns() {
        OnnxModel m = OnnxModel.parse(unaryModel("Relu", 8, 17), "relu.onnx");
        try (CpuEngine e = CpuEngine.create(m, 1)) {
            float[] x = new float[32];
            for (int i = 0; i < x.length; i++) x[i] = i - 16;
            float[] y = e.run(x, 1);
            for (int i = 0; i < x.length; i++) assertEquals(Math.max(0, x[i]), y[i]);
        }
    }

    @Test
    void corruptTruncatedEmptyAndForeignFiles() {
        byte[] good = unaryModel("Relu", 8, 17);
        fails(InvalidModelException.class, Arrays.copyOf(good, good.length - 7), "test.onnx", "not a valid ONNX model");
        fails(InvalidModelException.class, new byte[0], "empty");
        fails(InvalidModelException.class, "this is a text file, not a model\n".getBytes(), "test.onnx");
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        assertThrows(InvalidModelException.class, () -> OnnxModel.parse(png, "image.png"));
    }

    @Test
    void unsupportedOperatorNamesTheNode() {
        fails(UnsupportedModelException.class, unaryModel("GRU", 8, 17), "gru_0", "GRU", "not supported");
        fails(UnsupportedModelException.class, unaryModel("LSTM", 8, 17), "LSTM");
    }

    @Test
    void opsetAndIrVersionLimits() {
        fails(UnsupportedModelException.class, unaryModel("Relu", 10, 22), "opset 22");
        fails(UnsupportedModelException.class, unaryModel("Relu", 12, 17), "IR version 12");
        // what the dynamo exporter writes (opset 18+, IR 10) loads
        assertEquals(18, OnnxModel.parse(unaryModel("Relu", 10, 18), "relu18.onnx").opset());
        assertEquals(21, OnnxModel.parse(unaryModel("Relu", 10, 21), "relu21.onnx").opset());
        fails(UnsupportedModelException.class, unaryModel("Relu", 8, 5), "opset 5");
    }

    @Test
    void dynamicSpatialDimensionIsRefused() {
        byte[] m = model(8, 17, List.of(node("Relu", List.of("x"), List.of("y"))), List.of(),
                List.of(valueInfo("x", -1, 2, -1, 4)), List.of(valueInfo("y")));
        fails(UnsupportedModelException.class, m, "symbolic dimension 2", "d2", "input size", "batch");
        // bound by name at load time it plans
        OnnxModel bound = OnnxModel.parse(m, "bound.onnx", new ModelOptions(0, 0, java.util.Map.of("d2", 3L)));
        assertArrayEquals(new long[] {2, 2, 3, 4}, bound.inputShape(2));
    }

    @Test
    void computedWeightsAndUnsupportedAttributes() {
        // Conv whose weight is a graph input (not a constant)
        byte[] conv = model(8, 17, List.of(node("Conv", List.of("x", "w"), List.of("y"))), List.of(),
                List.of(valueInfo("x", 1, 2, 4, 4), valueInfo("w", 3, 2, 1, 1)), List.of(valueInfo("y")));
        fails(UnsupportedModelException.class, conv, "conv_0", "weight", "must be known when the model is loaded");
        // Resize in linear mode
        byte[] resize = model(8, 17, List.of(node("Resize", List.of("x", "", "s"), List.of("y"),
                        stringAttr("coordinate_transformation_mode", "tf_crop_and_resize"))),
                List.of(floats("s", new float[] {1, 1, 2, 2}, 4)), List.of(valueInfo("x", -1, 2, 4, 4)), List.of(valueInfo("y")));
        fails(UnsupportedModelException.class, resize, "resize_0", "tf_crop_and_resize");
        // a node in a custom domain
        DynamicMessage custom = node("MyOp", List.of("x"), List.of("y")).toBuilder()
                .setField(NODE.findFieldByName("domain"), "com.example").build();
        fails(UnsupportedModelException.class, model(8, 17, List.of(custom), List.of(), List.of(valueInfo("x", 1, 2)),
                List.of(valueInfo("y"))), "com.example");
    }

    @Test
    void externalDataAndBrokenTensors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        DynamicMessage entry = set(set(b(TENSOR.findFieldByName("external_data").getMessageType()), "key", "location"), "value", "w.bin").build();
        DynamicMessage offset = set(set(b(TENSOR.findFieldByName("external_data").getMessageType()), "key", "offset"), "value", "8").build();
        DynamicMessage ext = set(set(set(b(TENSOR), "name", "w"), "data_type", FLOAT), "data_location", 1)
                .addRepeatedField(TENSOR.findFieldByName("dims"), 4L).addRepeatedField(TENSOR.findFieldByName("external_data"), entry)
                .addRepeatedField(TENSOR.findFieldByName("external_data"), offset).build();
        byte[] m = model(8, 17, List.of(node("Add", List.of("x", "w"), List.of("y"))), List.of(ext),
                List.of(valueInfo("x", -1, 4)), List.of(valueInfo("y")));
        // as bytes: there is no file next to which the data could be
        fails(UnsupportedModelException.class, m, "outside the model file", "w.bin", "load the model from its file");
        // as a file without its data file: named
        java.nio.file.Path model = dir.resolve("ext.onnx");
        java.nio.file.Files.write(model, m);
        InvalidModelException missing = assertThrows(InvalidModelException.class, () -> OnnxModel.load(model));
        assertTrue(missing.getMessage().contains("'w.bin', which does not exist"), missing.getMessage());
        // with it (8 bytes of something, then the tensor): loads and reads the right values
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putLong(-1L).putFloat(1).putFloat(2).putFloat(3).putFloat(4);
        java.nio.file.Files.write(dir.resolve("w.bin"), bb.array());
        try (CpuEngine e = CpuEngine.create(OnnxModel.load(model), 1)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, e.run(new float[4], 1));
        }
        DynamicMessage shortRaw = set(set(set(b(TENSOR), "name", "w"), "data_type", FLOAT), "raw_data",
                ByteString.copyFrom(new byte[6])).addRepeatedField(TENSOR.findFieldByName("dims"), 4L).build();
        byte[] m2 = model(8, 17, List.of(node("Add", List.of("x", "w"), List.of("y"))), List.of(shortRaw),
                List.of(valueInfo("x", -1, 4)), List.of(valueInfo("y")));
        fails(InvalidModelException.class, m2, "needs 16 bytes", "has 6");
    }

    @Test
    void danglingInputsAndShapeErrors() {
        byte[] dangling = model(8, 17, List.of(node("Relu", List.of("nothing"), List.of("y"))), List.of(),
                List.of(valueInfo("x", 1, 2)), List.of(valueInfo("y")));
        fails(InvalidModelException.class, dangling, "relu_0", "'nothing'");
        byte[] reshape = model(8, 17, List.of(node("Reshape", List.of("x", "s"), List.of("y"))), List.of(longs("s", 3, 5)),
                List.of(valueInfo("x", -1, 2, 4, 4)), List.of(valueInfo("y")));
        fails(InvalidModelException.class, reshape, "reshape_0", "cannot reshape");
        byte[] add = model(8, 17, List.of(node("Add", List.of("x", "c"), List.of("y"))),
                List.of(floats("c", new float[3], 3)), List.of(valueInfo("x", -1, 2, 4, 4)), List.of(valueInfo("y")));
        fails(InvalidModelException.class, add, "add_0", "do not broadcast");
    }

    @Test
    void upsampleOpset9IsNearestAsymmetricFloor() {
        byte[] m = model(4, 9, List.of(node("Upsample", List.of("x", "s"), List.of("y"))),
                List.of(floats("s", new float[] {1, 1, 2, 1.5f}, 4)), List.of(valueInfo("x", 1, 1, 2, 2)),
                List.of(valueInfo("y")));
        try (CpuEngine e = CpuEngine.create(OnnxModel.parse(m, "up.onnx"), 1)) {
            float[] y = e.run(new float[] {1, 2, 3, 4}, 1);
            // width 2 * 1.5 = 3: source columns floor(0/1.5)=0, floor(1/1.5)=0, floor(2/1.5)=1
            assertArrayEquals(new float[] {1, 1, 2, 1, 1, 2, 3, 3, 4, 3, 3, 4}, y);
        }
    }

    @Test
    void inputOfTheWrongSizeOrBatch() {
        OnnxModel m = OnnxModel.parse(unaryModel("Relu", 8, 17), "relu.onnx");
        try (CpuEngine e = CpuEngine.create(m, 1)) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.run(new float[31], 1));
            assertTrue(ex.getMessage().contains("needs 32 floats"), ex.getMessage());
            assertThrows(IllegalArgumentException.class, () -> e.run(new float[32], 0));
        }
        // A static export whose graph does not depend on its batch runs at any batch.
        byte[] fixed = model(8, 17, List.of(node("Relu", List.of("x"), List.of("y"))), List.of(),
                List.of(valueInfo("x", 1, 2)), List.of(valueInfo("y", 1, 2)));
        OnnxModel relaxed = OnnxModel.parse(fixed, "fixed.onnx");
        assertEquals(-1, relaxed.fixedBatch());
        try (CpuEngine e = CpuEngine.create(relaxed, 1)) {
            assertArrayEquals(new float[] {0, 1, 2, 0}, e.run(new float[] {-1, 1, 2, -2}, 2));
        }
        // One whose graph fixes its batch (a literal 1 in a Reshape) runs at that batch only.
        byte[] baked = model(8, 17, List.of(node("Reshape", List.of("x", "s"), List.of("y"))), List.of(longs("s", 1, 2)),
                List.of(valueInfo("x", 1, 2)), List.of(valueInfo("y", 1, 2)));
        OnnxModel one = OnnxModel.parse(baked, "baked.onnx");
        assertEquals(1, one.fixedBatch());
        try (CpuEngine e = CpuEngine.create(one, 1)) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.run(new float[4], 2));
            assertTrue(ex.getMessage().contains("fixed batch of 1"), ex.getMessage());
        }
        // The same graph declared dynamic is refused, saying that the batch is baked in and how to re-export.
        byte[] lying = model(8, 17, List.of(node("Reshape", List.of("x", "s"), List.of("y"))), List.of(longs("s", 1, 2)),
                List.of(valueInfo("x", -1, 2)), List.of(valueInfo("y", -1, 2)));
        fails(UnsupportedModelException.class, lying, "batch is baked into the graph", "reshape_0", "dynamic_axes");
    }
}
