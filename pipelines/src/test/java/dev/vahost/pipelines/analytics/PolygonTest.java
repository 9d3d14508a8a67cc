package dev.vahost.pipelines.analytics;

import java.awt.geom.Path2D;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The even-odd test against java.awt.geom.Path2D (WIND_EVEN_ODD), an independent implementation. */
class PolygonTest {
    @Test
    void insideAgreesWithPath2dOnConvexConcaveAndSelfIntersectingPolygons() {
        Random r = new Random(7);
        int checked = 0, inside = 0;
        for (int poly = 0; poly < 200; poly++) {
            int n = 3 + r.nextInt(10);
            List<double[]> pts = new ArrayList<>();
            Path2D.Double ref = new Path2D.Double(Path2D.WIND_EVEN_ODD);
            for (int i = 0; i < n; i++) {
                double[] p = {r.nextDouble() * 640, r.nextDouble() * 480};
                pts.add(p);
                if (i == 0) ref.moveTo(p[0], p[1]); else ref.lineTo(p[0], p[1]);
            }
            ref.closePath();
            Polygon z = Polygon.of("zones[0].polygon", pts, false, 3);
            for (int k = 0; k < 500; k++) {
                // Points off any vertex and edge with probability 1: boundary conventions differ and are not compared.
                double x = r.nextDouble() * 700 - 30, y = r.nextDouble() * 540 - 30;
                boolean want = ref.contains(x, y);
                assertEquals(want, z.contains(x, y, 640, 480), "polygon " + poly + " point " + x + "," + y);
                checked++;
                if (want) inside++;
            }
        }
        assertTrue(inside > checked / 10 && inside < checked * 9 / 10, "both outcomes exercised: " + inside + " of " + checked);
    }

    @Test
    void normalizedZonesScaleWithTheFrame() {
        Polygon z = Polygon.of("zones[0].polygon", List.of(new double[] {0, 0}, new double[] {0.5, 0}, new double[] {0.5, 1},
                new double[] {0, 1}), true, 3);
        assertTrue(z.contains(100, 100, 320, 240));
        assertFalse(z.contains(200, 100, 320, 240));
        assertTrue(z.contains(600, 100, 1280, 720), "the same zone on a larger camera");
    }

    @Test
    void badPolygonsAreRefusedWithTheirPlace() {
        assertEquals("zones[2].polygon: at least 3 points [x, y]", assertThrows(IllegalArgumentException.class,
                () -> Polygon.of("zones[2].polygon", List.of(new double[] {0, 0}, new double[] {1, 1}), false, 3)).getMessage());
        assertEquals("zones[0].polygon[1]: expected [x, y] with finite numbers", assertThrows(IllegalArgumentException.class,
                () -> Polygon.of("zones[0].polygon", List.of(new double[] {0, 0}, new double[] {1}, new double[] {2, 2}), false, 3))
                .getMessage());
        assertEquals("zones[0].polygon[0]: normalized coordinates must be within 0..1", assertThrows(IllegalArgumentException.class,
                () -> Polygon.of("zones[0].polygon", List.of(new double[] {2, 0}, new double[] {1, 1}, new double[] {0, 1}), true, 3))
                .getMessage());
    }
}
