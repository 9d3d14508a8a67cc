package dev.vahost.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.*;

/** Letterbox geometry against sizes worked out by hand (Ultralytics' letterbox gives the same). */
class LetterboxTest {
    @ParameterizedTest(name = "{0}x{1} -> {2}x{3}")
    @CsvSource({
            // src w, h, out W, H, content w, h, pad x, y
            "1920, 1080, 640, 640, 640, 360, 0, 140",   // r = 1/3
            "1080, 1920, 640, 640, 360, 640, 140, 0",   // portrait
            "1280, 720, 640, 384, 640, 360, 0, 12",     // r = 1/2, (384-360)/2
            "640, 640, 640, 640, 640, 640, 0, 0",       // identity
            "1, 1, 640, 640, 640, 640, 0, 0",           // r = 640
            "100, 30, 640, 640, 640, 192, 0, 224",      // r = 6.4
            // r = 640/333 = 1.921921...: 187 r = 359.40 -> 359, pad (640-359)/2 = 140.5 -> 140 (floor)
            "333, 187, 640, 640, 640, 359, 0, 140",
            // r = 5/4: 7 x 1.25 = 8.75 -> 9; pad (11 - 9)/2 = 1
            "7, 4, 11, 5, 9, 5, 1, 0",
            // r = min(5/4, 5/2) = 1.25: 2 x 1.25 = 2.5 -> 2 (ties to even, as Python's round; Math.round gives 3)
            "4, 2, 5, 5, 5, 2, 0, 1",
    })
    void centred(int w, int h, int outW, int outH, int cw, int ch, int px, int py) {
        Letterbox b = Letterbox.of(PreprocessConfig.letterbox(outW, outH), Rect.full(w, h));
        assertEquals(new Letterbox(Rect.full(w, h), px, py, cw, ch), b);
    }

    @Test
    void topLeftAndStretch() {
        PreprocessConfig c = PreprocessConfig.letterbox(640, 640);
        Letterbox tl = Letterbox.of(c.withFit(Fit.LETTERBOX_TOP_LEFT), Rect.full(1920, 1080));
        assertEquals(new Letterbox(Rect.full(1920, 1080), 0, 0, 640, 360), tl);
        Letterbox st = Letterbox.of(c.withFit(Fit.STRETCH), Rect.full(1920, 1080));
        assertEquals(new Letterbox(Rect.full(1920, 1080), 0, 0, 640, 640), st);
        assertEquals(1.0 / 3, st.scaleX(), 1e-15);
        assertEquals(640.0 / 1080, st.scaleY(), 1e-15);
    }

    @Test
    void mapsOutputCoordinatesBackToTheFrame() {
        Letterbox b = Letterbox.of(PreprocessConfig.letterbox(640, 640), Rect.full(1920, 1080));
        // the content's corners are the frame's corners
        assertEquals(0, b.toSourceX(0), 1e-9);
        assertEquals(0, b.toSourceY(140), 1e-9);
        assertEquals(1920, b.toSourceX(640), 1e-9);
        assertEquals(1080, b.toSourceY(500), 1e-9);
        // a point in the middle: (320, 320) -> (960, 540)
        assertEquals(960, b.toSourceX(320), 1e-9);
        assertEquals(540, b.toSourceY(320), 1e-9);
    }

    @Test
    void mapsBackIntoACropRegion() {
        Rect r = new Rect(100, 50, 200, 100); // a detection, resized for a 224x224 second stage
        Letterbox b = Letterbox.of(PreprocessConfig.letterbox(224, 224), r);
        assertEquals(new Letterbox(r, 0, 56, 224, 112), b);
        assertEquals(100, b.toSourceX(0), 1e-9);
        assertEquals(300, b.toSourceX(224), 1e-9);
        assertEquals(50, b.toSourceY(56), 1e-9);
        assertEquals(150, b.toSourceY(168), 1e-9);
    }

    @Test
    void sourceStepIsOpenCvsScale() {
        Letterbox b = Letterbox.of(PreprocessConfig.letterbox(640, 640), Rect.full(333, 187));
        assertEquals(1.0 / (640.0 / 333), b.sourceStepX());
        assertEquals(1.0 / (359.0 / 187), b.sourceStepY());
    }

    @Test
    void badValues() {
        assertThrows(IllegalArgumentException.class, () -> new Letterbox(Rect.full(2, 2), -1, 0, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Letterbox(Rect.full(2, 2), 0, 0, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> new Rect(-1, 0, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Rect(0, 0, -2, 2));
        assertThrows(IllegalArgumentException.class, () -> new Rect(0, 0, 2, 0));
    }
}
