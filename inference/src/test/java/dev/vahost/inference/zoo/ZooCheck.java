package dev.vahost.inference.zoo;

import java.nio.file.Path;
import java.util.List;

import dev.vahost.inference.CpuEngine;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.ops.Ort;

/**
 * Development aid: every model of a zoo directory through the importer and the CPU executor against
 * onnxruntime-java on the golden inputs (no goldens needed). Prints one line per model.
 *
 *   java -cp CP dev.vahost.inference.zoo.ZooCheck DIR
 */
public final class ZooCheck {
    public static void main(String[] args) {
        Zoo z = Zoo.at(Path.of(args[0]));
        int ok = 0, bad = 0;
        for (Zoo.Model m : z.models) {
            if (!m.loadable()) {
                System.out.println("SKIP " + m + ": export failed: " + m.exportError());
                continue;
            }
            try {
                OnnxModel model = z.load(m);
                Zoo.Golden g = m.goldens().get(m.goldens().size() - 1);
                Tensor in = z.tensor(g.input());
                float[][] ours;
                try (CpuEngine e = CpuEngine.create(model, 2)) {
                    ours = e.runAll(new float[][] {in.floats()}, g.batch());
                }
                float[][] ort = Ort.run(java.nio.file.Files.readAllBytes(z.dir.resolve(m.file())), List.of(model.inputNames().get(0)),
                        List.of(in.floats()), List.of(in.shape()));
                double worst = 0;
                for (int o = 0; o < ours.length; o++) worst = Math.max(worst, Zoo.maxError(ours[o], ort[o]));
                System.out.printf("%s %s batch %d: max rel err %.2e, %d nodes after optimisation%n", worst <= 1e-3 ? "OK  " : "DIFF",
                        m, g.batch(), worst, model.nodeCount());
                if (worst <= 1e-3) ok++; else bad++;
            } catch (Exception e) {
                bad++;
                System.out.println("FAIL " + m + ": " + e);
            }
        }
        System.out.println(ok + " ok, " + bad + " not");
    }

    private ZooCheck() {}
}
