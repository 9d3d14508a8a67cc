package dev.vahost.postprocess;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ModelFamily} names and {@link DecoderFactory}: every auto-detection rule with the shapes of
 * real exports (YOLOv8n 640: [1, 84, 8400]; YOLOX-s 640: [1, 8400, 85]; YOLOv5s 640: [1, 25200, 85];
 * RT-DETR (ultralytics) 640: [1, 300, 84]; SSD300: 8732 priors; PeopleNet 960x544: [1, 3, 34, 60] +
 * [1, 12, 34, 60]), explicit families, and that every error names the shapes. Not covered: reading
 * shapes from an ONNX file (the caller's job).
 */
class DecoderFactoryTest {
    private static long[][] shapes(long[]... s) { return s; }

    private static DecoderFactory.Decoding auto(int w, int h, long[]... s) {
        return DecoderFactory.create("auto", s, w, h);
    }

    private static void assertNames(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + p + "' missing from: " + message);
    }

    // ---- ModelFamily ----------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(ModelFamily.class)
    void everyFamilyRoundTripsThroughItsName(ModelFamily f) {
        assertSame(f, ModelFamily.fromName(f.cliName()));
        assertSame(f, ModelFamily.fromName(" " + f.cliName().toUpperCase() + " "));
        assertTrue(ModelFamily.names().contains(f.cliName()));
    }

    @Test
    void namesAreCaseAndHyphenInsensitiveWithAliases() {
        assertSame(ModelFamily.DETECTNET_V2, ModelFamily.fromName("DetectNet-V2"));
        assertSame(ModelFamily.YOLOV5, ModelFamily.fromName("yolov7"));
        assertSame(ModelFamily.YOLOV8, ModelFamily.fromName("YOLO11"));
        assertSame(ModelFamily.DETR, ModelFamily.fromName("rt-detr"));
        assertSame(ModelFamily.DETR, ModelFamily.fromName("D-FINE"));
        assertEquals("yolov8, yolov5, yolox, ssd, detr, detectnet_v2, centernet", ModelFamily.names());
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        for (String bad : new String[] {"yolov9", "", "auto"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelFamily.fromName(bad));
            assertNames(e.getMessage(), "yolov8", "yolov5", "yolox", "ssd", "detr", "detectnet_v2", "centernet");
        }
        assertThrows(IllegalArgumentException.class, () -> ModelFamily.fromName(null));
    }

    // ---- auto rules -----------------------------------------------------------------------------

    @Test
    void ruleYoloV8() {
        DecoderFactory.Decoding d = auto(640, 640, new long[] {1, 84, 8400});
        assertEquals(ModelFamily.YOLOV8, d.family());
        assertEquals(new YoloV8Decode(80, 8400, 0.25f), d.decoder());
        assertEquals("auto: one output [1, 84, 8400] → YOLOv8 (4 box rows + 80 classes, 8400 anchors)", d.description());
        assertTrue(d.requiresNms());
        assertEquals(NmsConfig.classAware(0.45f, 8400, 300), d.nms(0.45f, 300));
        assertArrayEquals(new int[] {0}, d.outputOrder());
    }

    @Test
    void ruleYoloxWhenTheRowsAreTheGridCells() {
        DecoderFactory.Decoding d = auto(640, 640, new long[] {1, 8400, 85});
        assertEquals(ModelFamily.YOLOX, d.family());
        assertEquals(new YoloXDecode(80, 8400, 640, 640, 0.25f), d.decoder());
        assertNames(d.description(), "auto: one output [1, 8400, 85] → YOLOX", "80x80 + 40x40 + 20x20 = 8400 cells",
                "not 3 per cell (25200)", "80 classes");
        // Another input size: 416x256 has 52x32 + 26x16 + 13x8 = 2184 cells.
        assertEquals(ModelFamily.YOLOX, auto(416, 256, new long[] {1, 2184, 7}).family());
    }

    @Test
    void ruleYoloV5WhenTheRowsAreThreePerCell() {
        DecoderFactory.Decoding d = auto(640, 640, new long[] {1, 25200, 85});
        assertEquals(ModelFamily.YOLOV5, d.family());
        assertEquals(new YoloV5Decode(80, 25200, 0.25f), d.decoder());
        assertNames(d.description(), "auto: one output [1, 25200, 85] → YOLOv5 (25200 anchors = 3 per cell of the YOLOX grids",
                "8400 cells", "80 classes");
    }

    @Test
    void ruleYoloV5PreferredWhenTheRowsMatchNoGrid() {
        // YOLOv5s6 at 640: 4 levels, 3 x (6400 + 1600 + 400 + 100) = 25500.
        DecoderFactory.Decoding d = auto(640, 640, new long[] {1, 25500, 85});
        assertEquals(ModelFamily.YOLOV5, d.family());
        assertNames(d.description(), "25500 anchors: neither", "8400 cells", "(25200)", "more than 1000", "--model-type");
    }

    @Test
    void ruleDetrForSmallQueryCounts() {
        DecoderFactory.Decoding d = auto(640, 640, new long[] {1, 300, 84});
        assertEquals(ModelFamily.DETR, d.family());
        assertEquals(DetrDecode.oneOutput(80, 300, 640, 640, 0.25f), d.decoder());
        assertFalse(d.requiresNms());
        assertNull(d.nms(0.45f, 100));
        assertNames(d.description(), "auto: one output [1, 300, 84] → DETR (300 queries <= 1000", "neither 8400 (YOLOX) nor 25200",
                "80 classes", "no NMS", "top 300");
        // 1000 queries still DETR, 1001 rows not (then YOLOv5's rule).
        assertEquals(ModelFamily.DETR, auto(640, 640, new long[] {1, 1000, 84}).family());
        assertEquals(ModelFamily.YOLOV5, auto(640, 640, new long[] {1, 1001, 84}).family());
    }

    @Test
    void ruleSsdNeedsPriorsAndSaysWhichOptionGivesThem() {
        long[] loc = {1, 8732, 4}, conf = {1, 8732, 21};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> auto(300, 300, loc, conf));
        assertNames(e.getMessage(), "[1, 8732, 4]", "[1, 8732, 21]", "priors", "withSsdPriors", "--ssd-priors");
        // Few rows: could be DETR's logits and boxes; the message says how to choose that.
        e = assertThrows(IllegalArgumentException.class, () -> auto(640, 640, new long[] {1, 300, 4}, new long[] {1, 300, 81}));
        assertNames(e.getMessage(), "--model-type detr");

        float[] priors = new float[4 * 8732];
        for (int i = 0; i < 8732; i++) {
            priors[4 * i] = 0.5f;
            priors[4 * i + 1] = 0.5f;
            priors[4 * i + 2] = 0.1f;
            priors[4 * i + 3] = 0.2f;
        }
        DecoderFactory.Options o = DecoderFactory.Options.defaults().withSsdPriors(priors, true).withScoreThreshold(0.4f);
        DecoderFactory.Decoding d = DecoderFactory.create("auto", shapes(loc, conf), 300, 300, o);
        assertEquals(ModelFamily.SSD, d.family());
        SsdDecode s = (SsdDecode) d.decoder();
        assertEquals(21, s.numClasses());
        assertEquals(8732, s.anchors());
        assertEquals(150f, s.prior(0, 0));   // normalised priors scaled to the 300x300 input
        assertEquals(60f, s.prior(0, 3));
        assertEquals(0.4f, s.scoreThreshold());
        assertNames(d.description(), "auto: two outputs [1, 8732, 4] and [1, 8732, 21] → SSD", "8732 priors", "21 classes",
                "class 0 = background");
        // conf first: reordered.
        DecoderFactory.Decoding r = DecoderFactory.create("auto", shapes(conf, loc), 300, 300, o);
        assertArrayEquals(new int[] {1, 0}, r.outputOrder());
        assertNames(r.description(), "reordered");
        // Wrong prior count.
        e = assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("ssd", shapes(loc, conf), 300, 300,
                DecoderFactory.Options.defaults().withSsdPriors(new float[40], false)));
        assertNames(e.getMessage(), "[1, 8732, 4]", "34928", "40 were given");
    }

    @Test
    void ruleDetectNetV2() {
        long[] cov = {1, 3, 34, 60}, bbox = {1, 12, 34, 60};
        DecoderFactory.Decoding d = auto(960, 544, cov, bbox);
        assertEquals(ModelFamily.DETECTNET_V2, d.family());
        assertEquals(DetectNetV2Decode.of(3, 34, 60, 960, 544, 0.25f), d.decoder());
        assertNames(d.description(), "auto: two outputs [1, 3, 34, 60] and [1, 12, 34, 60] → DetectNet_v2", "3 classes",
                "60x34 grid", "stride 16x16");
        assertTrue(d.requiresNms());
        DecoderFactory.Decoding r = auto(960, 544, bbox, cov);
        assertArrayEquals(new int[] {1, 0}, r.outputOrder());
        assertNames(r.description(), "reordered");
        DecoderFactory.Decoding t = DecoderFactory.create("detectnet_v2", shapes(cov, bbox), 960, 544,
                DecoderFactory.Options.defaults().withDetectNet(35f, 0.5f, new float[] {0.4f, 0.2f, 0.3f}));
        assertEquals(0.2f, t.decoder().scoreThreshold());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("detectnet_v2",
                shapes(cov, bbox), 960, 544, DecoderFactory.Options.defaults().withDetectNet(35f, 0.5f, new float[] {0.4f})));
        assertNames(e.getMessage(), "[1, 3, 34, 60]", "3 classes", "1 DetectNet_v2 class thresholds");
    }

    @Test
    void anythingElseNamesTheShapesTheFamiliesAndTheOption() {
        long[][][] cases = {
                {{1, 100, 100}},                       // square: no orientation
                {{1, 1000}},                           // rank 2
                {{1, 8400, 5}, {1, 8400, 1}},          // two outputs, no 4-wide one
                {{1, 80, 128, 128}, {1, 2, 128, 128}}, // CenterNet: by name only
                {{1, 300, 84}, {1, 300, 84}, {1, 3}},  // three outputs
                {{1, 4000, 5}},                        // 5 columns, too many rows for DETR
        };
        for (long[][] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("auto", c, 640, 640),
                    Arrays.deepToString(c));
            for (long[] s : c) assertNames(e.getMessage(), Arrays.toString(s));
            assertNames(e.getMessage(), "auto: cannot tell", "--model-type", "yolov8", "yolov5", "yolox", "ssd", "detr",
                    "detectnet_v2", "centernet", "[1, 4+C, A]");
        }
    }

    @Test
    void malformedShapesAndSizesAreRejected() {
        assertNames(assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("auto", new long[0][], 640, 640))
                .getMessage(), "no outputs");
        assertNames(assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("auto",
                shapes(new long[] {1, -1, 8400}), 640, 640)).getMessage(), "[1, -1, 8400]", "batch 1");
        assertNames(assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("auto",
                shapes(new long[] {1, 84, 8400}), 0, 640)).getMessage(), "0x640");
        assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create(null, shapes(new long[] {1, 84, 8400}), 640, 640));
        assertNames(assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create("yolo9000",
                shapes(new long[] {1, 84, 8400}), 640, 640)).getMessage(), "yolo9000", "yolov8, yolov5");
    }

    // ---- explicit families ----------------------------------------------------------------------

    @Test
    void explicitFamiliesThatFit() {
        assertEquals(new YoloV5Decode(80, 8400, 0.25f), DecoderFactory.create("yolov5", shapes(new long[] {1, 8400, 85}), 640, 640)
                .decoder(), "yolov5 by name even where auto would say YOLOX");
        assertEquals(YoloV5Decode.multiLabel(80, 25200, 0.25f, NmsConfig.MAX_CANDIDATES), DecoderFactory.create("yolov7",
                shapes(new long[] {1, 25200, 85}), 640, 640, DecoderFactory.Options.defaults().withMultiLabel(true,
                        NmsConfig.MAX_CANDIDATES)).decoder());
        DecoderFactory.Decoding x = DecoderFactory.create("yolox", shapes(new long[] {1, 8500, 85}), 640, 640,
                DecoderFactory.Options.defaults().withYoloxStrides(8, 16, 32, 64));
        assertEquals(4, ((YoloXDecode) x.decoder()).levels());
        assertNames(x.description(), "model type yolox: one output [1, 8500, 85] → YOLOX", "80x80 + 40x40 + 20x20 + 10x10 = 8500");

        // Facebook DETR: logits [1, 100, 92] (91 classes + no-object), boxes [1, 100, 4].
        DecoderFactory.Decoding detr = DecoderFactory.create("detr", shapes(new long[] {1, 100, 92}, new long[] {1, 100, 4}), 800, 800,
                DecoderFactory.Options.defaults().withDetr(DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 100));
        assertEquals(new DetrDecode(91, 100, true, DetrDecode.ScoreFunction.SOFTMAX_WITH_NO_OBJECT, 800, 800, 100, 0.25f), detr.decoder());
        assertNames(detr.description(), "100 queries", "91 classes + no-object", "no NMS", "top 100");
        // RT-DETR raw: boxes first, sigmoid by default.
        DecoderFactory.Decoding rt = DecoderFactory.create("rtdetr", shapes(new long[] {1, 300, 4}, new long[] {1, 300, 80}), 640, 640);
        assertEquals(DetrDecode.logitsAndBoxes(80, 300, DetrDecode.ScoreFunction.SIGMOID, 640, 640, 0.25f), rt.decoder());
        assertArrayEquals(new int[] {1, 0}, rt.outputOrder());

        DecoderFactory.Decoding cn = DecoderFactory.create("centernet", shapes(new long[] {1, 2, 128, 128}, new long[] {1, 80, 128, 128},
                new long[] {1, 2, 128, 128}), 512, 512);
        assertEquals(new CenterNetDecode(80, 128, 128, 4f, true, true, 0.25f, 16384), cn.decoder());
        assertArrayEquals(new int[] {1, 0, 2}, cn.outputOrder());
        assertNames(cn.description(), "CenterNet", "stride 4.0", "heatmap moved first");
    }

    @Test
    void explicitFamilyMismatchesNameBoth() {
        Object[][] cases = {
                {"yolox", new long[][] {{1, 84, 8400}}, "YOLOX"},
                {"yolox", new long[][] {{1, 8401, 85}}, "8401 anchors"},
                {"yolov8", new long[][] {{1, 8400, 85}}, "a YOLOv5/YOLOX or DETR layout?"},
                {"yolov5", new long[][] {{1, 85, 25200}}, "a YOLOv8 layout?"},
                {"ssd", new long[][] {{1, 3, 34, 60}, {1, 12, 34, 60}}, "[1, A, 4] (loc)"},
                {"detr", new long[][] {{1, 3, 34, 60}}, "[1, Q, 4+C]"},
                {"detectnet_v2", new long[][] {{1, 84, 8400}}, "[1, 4C, H, W]"},
                {"detectnet_v2", new long[][] {{1, 3, 34, 60}, {1, 11, 34, 60}}, "[1, 4C, H, W]"},
                {"centernet", new long[][] {{1, 80, 128, 128}, {1, 2, 64, 64}}, "should be [1, 2, 128, 128]"},
                {"centernet", new long[][] {{1, 80, 128, 96}, {1, 2, 128, 96}}, "different strides"},
        };
        for (Object[] c : cases) {
            String type = (String) c[0];
            long[][] s = (long[][]) c[1];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DecoderFactory.create(type, s, 640, 640),
                    type + " " + Arrays.deepToString(s));
            assertNames(e.getMessage(), "model type " + ModelFamily.fromName(type).cliName(), (String) c[2]);
            for (long[] x : s) assertNames(e.getMessage(), Arrays.toString(x));
        }
    }

    @Test
    void optionsAreValidated() {
        DecoderFactory.Options o = DecoderFactory.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> o.withScoreThreshold(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> o.withYoloxStrides());
        assertThrows(IllegalArgumentException.class, () -> o.withDetr(null, 0));
        assertThrows(IllegalArgumentException.class, () -> o.withMultiLabel(true, 0));
        assertThrows(IllegalArgumentException.class, () -> o.withDetectNet(0f, 0.5f, null));
        assertThrows(IllegalArgumentException.class, () -> o.withCenterNet(true, 0));
        int[] strides = {8, 16, 32};
        DecoderFactory.Options s = o.withYoloxStrides(strides);
        strides[0] = 1;
        assertArrayEquals(new int[] {8, 16, 32}, s.yoloxStrides());
    }
}
