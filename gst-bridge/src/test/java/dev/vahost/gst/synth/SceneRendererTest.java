package dev.vahost.gst.synth;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.*;

class SceneRendererTest {
    @Test
    void sameSeedSameFramesDifferentSeedDifferentScene() {
        SceneRenderer a = new SceneRenderer(320, 240, 5), b = new SceneRenderer(320, 240, 5), c = new SceneRenderer(320, 240, 6);
        byte[] fa = new byte[a.frameSize()], fb = new byte[b.frameSize()], fc = new byte[c.frameSize()];
        for (int i = 0; i < 10; i++) {
            assertEquals(a.render(fa), b.render(fb));
            assertArrayEquals(fa, fb);
        }
        c.render(fc);
        assertFalse(java.util.Arrays.equals(fa, fc));
    }

    @ParameterizedTest
    @CsvSource({"320,240,1", "1920,1080,2", "64,48,3", "1280,720,4"})
    void boxesStayInsideTheFrameNeverOverlapAndAreDrawn(int w, int h, long seed) {
        SceneRenderer r = new SceneRenderer(w, h, seed);
        byte[] f = new byte[r.frameSize()];
        for (int i = 0; i < 200; i++) {
            List<SceneRenderer.Box> boxes = r.render(f);
            assertTrue(boxes.size() >= 2 && boxes.size() <= 5, "objects: " + boxes.size());
            for (int j = 0; j < boxes.size(); j++) {
                SceneRenderer.Box b = boxes.get(j);
                assertTrue(b.x1() >= 0 && b.y1() >= 0 && b.x2() <= w && b.y2() <= h, "box outside frame: " + b);
                assertTrue(b.x2() - b.x1() >= 8 && b.y2() - b.y1() >= 8, "box too small: " + b);
                assertTrue(b.cls() >= 0 && b.cls() < SceneRenderer.CLASS_NAMES.length);
                for (int k = j + 1; k < boxes.size(); k++) {
                    SceneRenderer.Box o = boxes.get(k);
                    boolean overlap = b.x1() < o.x2() && o.x1() < b.x2() && b.y1() < o.y2() && o.y1() < b.y2();
                    assertFalse(overlap, b + " overlaps " + o);
                }
                // The centre row of every shape spans its centre pixel, drawn in the shape's own luma,
                // which differs from the background row at the box's left edge outside the box.
                int cy = (b.y1() + b.y2()) / 2, cx = (b.x1() + b.x2()) / 2;
                int centre = f[cy * w + cx] & 0xff;
                int bgLeft = b.x1() > 0 ? f[cy * w + b.x1() - 1] & 0xff : -1;
                int bgRight = b.x2() < w ? f[cy * w + b.x2()] & 0xff : -1;
                assertTrue(centre != bgLeft || centre != bgRight || bgLeft < 0,
                        "shape at " + b + " is not distinguishable from the background");
            }
        }
    }

    @Test
    void badSizesAreRefusedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SceneRenderer(100, 50, 1));
        assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SceneRenderer(8, 8, 1));
        SceneRenderer r = new SceneRenderer(64, 48, 1);
        assertThrows(IllegalArgumentException.class, () -> r.render(new byte[10]));
    }
}
