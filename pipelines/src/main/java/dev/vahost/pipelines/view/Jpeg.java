package dev.vahost.pipelines.view;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * JPEG encoding on the CPU (javax.imageio), baseline, 4:4:4: chroma is not subsampled, so a 2-pixel
 * outline keeps its colour (with 4:2:0 it would be averaged with its neighbours over 2x2 blocks).
 * The GPU path will use nvJPEG instead (the H200 has JPEG engines); until then its pictures come here too.
 */
final class Jpeg {
    private Jpeg() {}

    /**
     * @param quality 1..100 (as libjpeg's -quality)
     */
    static byte[] encode(RgbImage img, int quality) {
        if (quality < 1 || quality > 100) throw new IllegalArgumentException("jpeg quality must be within 1..100, got " + quality);
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName("jpeg");
        if (!it.hasNext()) throw new IllegalStateException("this JDK has no JPEG writer (javax.imageio)");
        ImageWriter w = it.next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(img.width() * img.height() / 4 + 1024);
        try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality / 100f);
            IIOMetadata meta = w.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img.image()), p);
            noChromaSubsampling(meta);
            w.setOutput(ios);
            w.write(null, new IIOImage(img.image(), null, meta), p);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding of a " + img.width() + "x" + img.height() + " picture failed", e);
        } finally {
            w.dispose();
        }
        return out.toByteArray();
    }

    /** Sets every component's sampling factors to 1 in the writer's native metadata (javax_imageio_jpeg_image_1.0). */
    private static void noChromaSubsampling(IIOMetadata meta) throws IIOInvalidTreeException {
        String format = "javax_imageio_jpeg_image_1.0";
        Element root = (Element) meta.getAsTree(format);
        NodeList specs = root.getElementsByTagName("componentSpec");
        for (int i = 0; i < specs.getLength(); i++) {
            Element c = (Element) specs.item(i);
            c.setAttribute("HsamplingFactor", "1");
            c.setAttribute("VsamplingFactor", "1");
        }
        meta.setFromTree(format, root);
    }
}
