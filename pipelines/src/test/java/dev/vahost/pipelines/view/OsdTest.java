package dev.vahost.pipelines.view;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;

import org.junit.jupiter.api.Test;

import dev.vahost.ops.overlay.BitmapFont;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import dev.vahost.pipelines.FrameResult;
import dev.vahost.pipelines.analytics.AnalyticsFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The CPU OSD pixel by pixel: the expected pixels are worked out here from the rules in Osd's
 * documentation (box rectangle and outline, label placement, glyph blocks, Bresenham), and two
 * glyphs are drawn as ASCII art below, independent of the font table. Every pixel of each picture
 * is checked, so a stray pixel anywhere fails. What it does not cover: how legible the font is.
 */
class OsdTest {
    static final int BG = 0x203040, GREEN = 0x00FF00, MAGENTA = 0xFF00FF, BLACK = 0x000000, WHITE = 0xFFFFFF, RED = 0xFF0000;

    static RgbImage blank(int w, int h) {
        RgbImage img = new RgbImage(w, h);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.set(x, y, BG);
        return img;
    }

    static FrameResult.Detection det(int cls, String label, float score, float x1, float y1, float x2, float y2, long track) {
        return new FrameResult.Detection(cls, label, score, x1, y1, x2, y2, track);
    }

    /** 'A' and '1' of a 5x7 dot-matrix font, as seen on a screen (not from the table). */
    static final String[] A = {".###.", "#...#", "#...#", "#...#", "#####", "#...#", "#...#"};
    static final String[] ONE = {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."};

    @Test
    void glyphsLookAsDrawnByHand() {
        for (Object[] c : new Object[][] {{'A', A}, {'1', ONE}}) {
            char ch = (Character) c[0];
            String[] art = (String[]) c[1];
            for (int row = 0; row < 7; row++) {
                for (int col = 0; col < 5; col++) {
                    assertEquals(art[row].charAt(col) == '#', BitmapFont.dot(ch, col, row), "'" + ch + "' at column " + col + ", row " + row);
                }
            }
        }
        // Every printable character has a glyph of its own (no two alike), and the space is empty.
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (char ch = 33; ch < 127; ch++) {
            StringBuilder b = new StringBuilder();
            for (int col = 0; col < 5; col++) b.append(BitmapFont.column(ch, col)).append(',');
            assertTrue(seen.add(b.toString()), "glyph of '" + ch + "' repeats another");
            assertNotEquals("0,0,0,0,0,", b.toString(), "glyph of '" + ch + "' is empty");
        }
        for (int col = 0; col < 5; col++) assertEquals(0, BitmapFont.column(' ', col));
        for (int col = 0; col < 5; col++) assertEquals(BitmapFont.column('?', col), BitmapFont.column('\u00e9', col), "unknown characters draw as '?'");
    }

    /** A box at known coordinates, scale 1: the outline, the label above it with its glyphs, nothing else. */
    @Test
    void boxAndLabelPixels() {
        RgbImage img = blank(96, 64);
        // Box (20.4, 30.5) - (50.5, 60.49): L = 20, T = 31 (30.5 rounds up), R = round(50.5) - 1 = 50, B = round(60.49) - 1 = 59.
        Osd.draw(img, List.of(det(0, "A1", 0.5f, 20.4f, 30.5f, 50.5f, 60.49f, -1)), List.of());
        String text = "A1 0.50";
        assertEquals(text, Osd.labelText(det(0, "A1", 0.5f, 0, 0, 1, 1, -1)));
        int lx = 20, ly = 31 - 9, lw = 1 + 6 * text.length(), lh = 9; // label: above the box, 9 rows, (1 + 6n) columns
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int want = BG;
                boolean inBox = x >= 20 && x <= 50 && y >= 31 && y <= 59;
                if (inBox && (x <= 21 || x >= 49 || y <= 32 || y >= 58)) want = GREEN; // 2-pixel outline inside the box
                if (x >= lx && x < lx + lw && y >= ly && y < ly + lh) {
                    want = GREEN;
                    int cx = x - lx - 1, cy = y - ly - 1; // within the text area
                    if (cx >= 0 && cy >= 0 && cy < 7 && cx % 6 < 5 && cx / 6 < text.length()
                            && BitmapFont.dot(text.charAt(cx / 6), cx % 6, cy)) {
                        want = BLACK;
                    }
                }
                assertEquals(hex(want), hex(img.get(x, y)), "pixel (" + x + ", " + y + ")");
            }
        }
        // The 'A' at the label's start, against the hand-drawn glyph: rows ly+1.., columns lx+1..
        for (int row = 0; row < 7; row++) {
            for (int col = 0; col < 5; col++) {
                assertEquals(A[row].charAt(col) == '#' ? BLACK : GREEN, img.get(lx + 1 + col, ly + 1 + row), "'A' dot " + col + "," + row);
            }
        }
    }

    /** At 720 lines the glyph dots are 2x2 blocks, the label 18 rows high; a track id is appended; a box at the top gets its label inside. */
    @Test
    void scaledLabelInsideABoxAtTheTopWithTrack() {
        RgbImage img = blank(400, 720);
        FrameResult.Detection d = det(1, "1", 0.25f, 100, 5, 300, 200, 7);
        assertEquals("1 0.25 #7", Osd.labelText(d));
        Osd.draw(img, List.of(d), List.of());
        int s = 2, lx = 100, ly = 5; // T - 18 < 0: the label's top row is T
        for (int row = 0; row < 7; row++) {
            for (int col = 0; col < 5; col++) {
                int want = ONE[row].charAt(col) == '#' ? BLACK : MAGENTA;
                for (int dy = 0; dy < s; dy++) {
                    for (int dx = 0; dx < s; dx++) {
                        assertEquals(hex(want), hex(img.get(lx + s * (1 + col) + dx, ly + s * (1 + row) + dy)), "'1' dot " + col + "," + row);
                    }
                }
            }
        }
        int lw = (1 + 6 * 9) * s;
        assertEquals(hex(MAGENTA), hex(img.get(lx + lw - 1, ly + 9 * s - 1)), "label's last pixel");
        assertEquals(hex(BG), hex(img.get(lx + lw, ly + 9 * s)), "past the label, inside the box");
        // The outline stays 2 pixels at this size: column 102 is inside, below the label.
        assertEquals(hex(MAGENTA), hex(img.get(101, 100)));
        assertEquals(hex(BG), hex(img.get(102, 100)));
        assertEquals(hex(MAGENTA), hex(img.get(298, 198)));
        assertEquals(hex(BG), hex(img.get(297, 197)));
    }

    /** A box hanging over the picture's corner is clipped: no exception, its visible edges drawn. */
    @Test
    void clippedAtTheEdges() {
        RgbImage img = blank(40, 30);
        Osd.draw(img, List.of(det(0, "x", 1f, -10, -10, 10, 10, -1), det(1, "y", 1f, 35, 25, 60, 60, -1)), List.of());
        // First box: columns -10..9, rows -10..9; its right and bottom outlines (8..9) are visible; the label at the top is inside.
        assertEquals(hex(GREEN), hex(img.get(9, 5)));
        assertEquals(hex(GREEN), hex(img.get(5, 9)));
        // Second: L = 35, T = 25, R and B beyond: left and top outlines, clipped at 39 and 29. Its label goes above (rows 16..24).
        assertEquals(hex(MAGENTA), hex(img.get(35, 29)));
        assertEquals(hex(MAGENTA), hex(img.get(39, 26)));
        assertEquals(hex(BG), hex(img.get(37, 27)));
        assertEquals(hex(MAGENTA), hex(img.get(39, 16)), "label background, clipped at the right edge");
        assertEquals(hex(BG), hex(img.get(34, 16)));
    }

    /** Zones and lines: Bresenham, 2 pixels thick, each with its name label at its first point. */
    @Test
    void zonesAndLines() {
        RgbImage img = blank(80, 60);
        var zone = new AnalyticsFactory.Figure("", true, new double[] {10, 30, 30, 10}, new double[] {40, 40, 55, 55});
        var horizontal = new AnalyticsFactory.Figure("", false, new double[] {40, 70}, new double[] {5, 5});
        var diagonal = new AnalyticsFactory.Figure("", false, new double[] {40.2, 49.6}, new double[] {15, 24.4});
        Osd.draw(img, List.of(), List.of(zone, horizontal, diagonal));
        // An empty name still gets its label background: (1 + 0) x 9 pixels at the first point, in the figure's colour.
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                int want = BG;
                // Zone: edges 10..30 on rows 40(+1) and 55(+1); columns 10(+1) and 30(+1) on rows 40..55.
                boolean zh = x >= 10 && x <= 30 && (y == 40 || y == 41 || y == 55 || y == 56);
                boolean zv = y >= 40 && y <= 55 && (x == 10 || x == 11 || x == 30 || x == 31);
                if (zh || zv || x == 10 && y >= 40 && y < 49) want = WHITE;
                // Horizontal line: rows 5 and 6, columns 40..70; label at (40, 5).
                if (x >= 40 && x <= 70 && (y == 5 || y == 6) || x == 40 && y >= 5 && y < 14) want = RED;
                // Diagonal (40, 15) -> (50, 24): dx 10, dy 9, not steep: DIAGONAL below, and the pixel under each.
                assertEquals(hex(expectedDiagonal(x, y, want)), hex(img.get(x, y)), "pixel (" + x + ", " + y + ")");
            }
        }
    }

    /**
     * The diagonal (40,15)->(50,24) worked out on paper: e = dx - dy = 1; at each pixel e2 = 2e, x steps
     * (e -= 9) when e2 >= -9, y steps (e += 10) when e2 <= 10. e2 runs 2, 4, 6, 8, 10 (both step), then
     * 12 (x only: (45,20) -> (46,20)), then -6, -4, -2, 0 (both).
     */
    static final int[][] DIAGONAL = {{40, 15}, {41, 16}, {42, 17}, {43, 18}, {44, 19}, {45, 20}, {46, 20}, {47, 21}, {48, 22}, {49, 23},
            {50, 24}};

    private static int expectedDiagonal(int x, int y, int otherwise) {
        for (int[] p : DIAGONAL) if (x == p[0] && (y == p[1] || y == p[1] + 1)) return RED;
        if (x == 40 && y >= 15 && y < 24) return RED; // its label
        return otherwise;
    }

    /** The JPEG keeps a 2-pixel outline's colour: 4:4:4 (no chroma subsampling), read back from the file. */
    @Test
    void jpegIsFullChromaAndKeepsTheOutlineColour() throws Exception {
        RgbImage img = blank(160, 120);
        Osd.draw(img, List.of(det(0, "a", 0.9f, 41, 31, 121, 101, -1)), List.of());
        byte[] jpeg = Jpeg.encode(img, 85);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            ImageReader r = ImageIO.getImageReaders(in).next();
            r.setInput(in);
            IIOMetadata meta = r.getImageMetadata(0);
            NodeList specs = ((Element) meta.getAsTree("javax_imageio_jpeg_image_1.0")).getElementsByTagName("componentSpec");
            assertEquals(3, specs.getLength());
            for (int i = 0; i < 3; i++) {
                Element c = (Element) specs.item(i);
                assertEquals("1", c.getAttribute("HsamplingFactor"));
                assertEquals("1", c.getAttribute("VsamplingFactor"));
            }
            BufferedImage back = r.read(0);
            assertEquals(160, back.getWidth());
            // Along the left outline (columns 41, 42) the colour stays near pure green.
            for (int y = 40; y < 95; y++) {
                int p = back.getRGB(41, y) & 0xFFFFFF, q = back.getRGB(42, y) & 0xFFFFFF;
                for (int v : new int[] {p, q}) {
                    assertTrue((v >> 16 & 255) < 80 && (v >> 8 & 255) > 190 && (v & 255) < 80, "row " + y + ": " + hex(v));
                }
            }
            r.dispose();
        }
    }

    static String hex(int rgb) {
        return String.format("#%06X", rgb & 0xFFFFFF);
    }
}
