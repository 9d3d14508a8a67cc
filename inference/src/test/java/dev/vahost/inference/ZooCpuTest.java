package dev.vahost.inference;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.zoo.Zoo;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The tiny model zoo (src/test/resources/zoo, written on the GPU machine by tools/zoo/zoo.py --tiny:
 * the zoo's architectures at small widths and input sizes, exported by PyTorch's TorchScript and
 * dynamo exporters, with onnxruntime's outputs) through the importer and the CPU executor, and the
 * zoo's refusal cases through the importer. Tolerance as |ours − ort| / (1 + |ort|): 1e-3, or three
 * times what onnxruntime and PyTorch (fp32 both) differ by on the model ({@link Zoo.Model#fp32Tolerance}):
 * random-weight networks amplify summation order, some of the tiny ones by 10^4.
 */
class ZooCpuTest {
    static Zoo zoo() {
        try {
            return Zoo.at(Path.of(ZooCpuTest.class.getResource("/zoo/zoo.json").toURI()).getParent());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("the tiny zoo is missing from the test resources (src/test/resources/zoo)", e);
        }
    }

    static List<Zoo.Model> models() {
        return zoo().models.stream().filter(Zoo.Model::loadable).toList();
    }

    static List<Zoo.Refusal> refusals() {
        return zoo().refusals;
    }

    @Test
    void theZooIsTinyAndCoversBothExporters() {
        Zoo z = zoo();
        assertTrue(z.tiny, "the committed zoo must be the tiny one");
        assertTrue(z.models.stream().anyMatch(m -> m.loadable() && m.exporter().equals("torchscript")), "no TorchScript export");
        assertTrue(z.models.stream().anyMatch(m -> m.loadable() && m.exporter().equals("dynamo")), "no dynamo export");
        assertFalse(z.refusals.isEmpty(), "no refusal cases");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void matchesOnnxruntime(Zoo.Model m) {
        Zoo z = zoo();
        OnnxModel model = z.load(m);
        assertFalse(m.goldens().isEmpty(), m + " has no golden");
        try (CpuEngine e = CpuEngine.create(model, 2)) {
            for (Zoo.Golden g : m.goldens()) {
                if (g.height() != m.height() || g.width() != m.width()) continue; // other sizes: bound at load, see below
                Tensor in = z.tensor(g.input());
                float[][] out = e.runAll(new float[][] {in.floats()}, g.batch());
                assertEquals(g.outputs().size(), out.length, m + ": outputs");
                for (int o = 0; o < out.length; o++) {
                    float[] exp = z.tensor(g.outputs().get(o)).floats();
                    double err = Zoo.maxError(out[o], exp);
                    assertTrue(err <= m.fp32Tolerance(), m + " batch " + g.batch() + " output " + o + ": error " + err + " > "
                            + m.fp32Tolerance());
                }
            }
        }
        // exports with symbolic height and width: every golden size binds and matches
        for (Zoo.Golden g : m.goldens()) {
            if (g.height() == m.height() && g.width() == m.width()) continue;
            OnnxModel other = OnnxModel.load(z.dir.resolve(m.file()), ModelOptions.inputSize(g.width(), g.height()));
            try (CpuEngine e = CpuEngine.create(other, 2)) {
                float[][] out = e.runAll(new float[][] {z.tensor(g.input()).floats()}, g.batch());
                for (int o = 0; o < out.length; o++) {
                    double err = Zoo.maxError(out[o], z.tensor(g.outputs().get(o)).floats());
                    assertTrue(err <= m.fp32Tolerance(), m + " at " + g.width() + "x" + g.height() + " output " + o + ": error " + err);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusedWithItsReason(Zoo.Refusal r) {
        Path file = zoo().dir.resolve(r.file());
        RuntimeException e = assertThrows(RuntimeException.class, () -> OnnxModel.load(file));
        String msg = e.getMessage();
        switch (r.expect()) {
            case "data-dependent" -> assertTrue(e instanceof UnsupportedModelException && msg.contains("raw detection head"), msg);
            case "batch-baked" -> assertTrue(e instanceof UnsupportedModelException && msg.contains("batch is baked"), msg);
            case "control-flow" -> assertTrue(e instanceof UnsupportedModelException && msg.contains("control flow"), msg);
            case "external-data" -> assertTrue(e instanceof InvalidModelException && msg.contains("does not exist next to the model"), msg);
            case "corrupt" -> assertTrue(e instanceof InvalidModelException, msg);
            case "unsupported-op" -> assertTrue(e instanceof UnsupportedModelException && msg.contains("supported"), msg);
            default -> fail("unknown refusal kind " + r.expect());
        }
    }
}
