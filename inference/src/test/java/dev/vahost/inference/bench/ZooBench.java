package dev.vahost.inference.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.vahost.inference.CudnnEngine;
import dev.vahost.inference.EngineConfig;
import dev.vahost.inference.OnnxModel;
import dev.vahost.inference.internal.Tensor;
import dev.vahost.inference.zoo.Zoo;
import dev.vahost.nvmm.DType;
import dev.vahost.nvmm.DeviceTensor;
import dev.vahost.nvmm.cuda.Cuda;
import dev.vahost.nvmm.cuda.CudaEvent;
import dev.vahost.nvmm.cuda.CudaStream;
import dev.vahost.nvmm.cuda.DeviceBuffer;
import dev.vahost.nvmm.cuda.DevicePool;

/**
 * The model zoo's speed table: for each full-size model of one exporter (the TorchScript exports by
 * default), import time, engine build time (fp16 channels-last, algorithms timed at load for each
 * batch measured, CUDA graphs) and images/s at each batch (input already on the GPU, fed and read as
 * PyTorch's bench is: a channels_last fp16 input where the engine takes one, fp16 outputs; with --io nchw-f32
 * an NCHW fp16 input and F32 outputs; CUDA events around back-to-back infers after warm-up), beside PyTorch eager fp16
 * channels_last on the same GPU in the same run (the PYTORCH_BENCH lines of tools/zoo/zoo.py --bench,
 * given with --pytorch FILE), and beside torch.compile(mode="reduce-overhead") at the batches that file has it for
 * (zoo.py --compile-batches; ZOO_BENCH_VS lines give both ratios). With --fusion off,auto each model is loaded twice: convolutions never fused
 * with their bias/activation, then fused where that measured faster (EngineConfig.Fusion). Prints ZOO_BENCH
 * lines and a table. Where a baseline is faster at the largest batch, or with --profile always, the engine's
 * launches are timed one by one there (ZOO_PROFILE lines: per kind, then the slowest launches).
 *
 *   java -cp CP dev.vahost.inference.bench.ZooBench --zoo DIR [--pytorch FILE] [--batches 1,8,32]
 *        [--seconds 1] [--exporter torchscript] [--fusion off,auto] [--io channels-last-f16|nchw-f32] [--profile]
 *        [--models a,b]
 */
public final class ZooBench {
    public static void main(String[] args) throws Exception {
        String zooDir = null, pytorch = null, exporter = "torchscript";
        int[] batches = {1, 8, 32};
        double seconds = 1.0;
        List<EngineConfig.Fusion> fusions = List.of(EngineConfig.Fusion.AUTO);
        boolean pytorchIo = true, alwaysProfile = false;
        List<String> only = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fusion" -> fusions = Arrays.stream(args[++i].split(",")).map(f -> EngineConfig.Fusion.valueOf(f.toUpperCase())).toList();
                case "--zoo" -> zooDir = args[++i];
                case "--pytorch" -> pytorch = args[++i];
                case "--batches" -> batches = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--exporter" -> exporter = args[++i];
                case "--io" -> pytorchIo = switch (args[++i]) {
                    case "channels-last-f16" -> true;
                    case "nchw-f32" -> false;
                    default -> throw new IllegalArgumentException("--io takes channels-last-f16 or nchw-f32, not " + args[i]);
                };
                case "--profile" -> alwaysProfile = true;
                case "--models" -> only = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (zooDir == null) throw new IllegalArgumentException("--zoo is required");
        Zoo zoo = Zoo.at(Path.of(zooDir));
        List<String> lines = pytorch == null ? List.of() : Files.readAllLines(Path.of(pytorch));
        Map<String, Map<Integer, Double>> torch = readPytorch(lines, "eager"), compiled = readPytorch(lines, "compile");
        int max = Arrays.stream(batches).max().orElse(1);
        boolean[] compileColumn = new boolean[batches.length];
        for (int bi = 0; bi < batches.length; bi++) {
            int b = batches[bi];
            compileColumn[bi] = compiled.values().stream().anyMatch(byBatch -> byBatch.containsKey(b));
        }
        StringBuilder table = new StringBuilder(String.format("%-34s %9s %9s", "model", "import_ms", "build_ms"));
        for (int bi = 0; bi < batches.length; bi++) {
            table.append(String.format(" %12s %12s", "ours@" + batches[bi], "torch@" + batches[bi]));
            if (compileColumn[bi]) table.append(String.format(" %12s", "compile@" + batches[bi]));
        }
        table.append('\n');
        System.out.println("ZOO_BENCH_INFO device=" + Cuda.describeDevice());
        for (Zoo.Model m : zoo.models) {
            if (!m.loadable() || !m.exporter().equals(exporter) || m.variant().equals("static")) continue;
            if (!only.isEmpty() && !only.contains(m.name())) continue;
            for (EngineConfig.Fusion fusion : fusions) {
                String label = m.name() + (m.variant().equals("batch") ? "" : "-" + m.variant())
                        + (fusion == EngineConfig.Fusion.AUTO ? "" : " (fusion " + fusion.name().toLowerCase() + ")");
                try (DevicePool pool = DevicePool.create("zoo-bench", 40L << 30)) {
                    long t0 = System.nanoTime();
                    OnnxModel model = zoo.load(m);
                    long importMs = (System.nanoTime() - t0) / 1_000_000;
                    t0 = System.nanoTime();
                    double[] ips = new double[batches.length];
                    long buildMs;
                    try (CudnnEngine engine = CudnnEngine.load(model, EngineConfig.fp16(max).withTuneBatches(batches).withFusion(fusion), pool);
                         CudaStream s = CudaStream.create()) {
                        engine.prepare(batches);
                        buildMs = (System.nanoTime() - t0) / 1_000_000;
                        long perIn = Tensor.numel(model.inputShape(1));
                        DeviceBuffer in = pool.allocate(2L * perIn * max, "bench input");
                        int outs = model.outputNames().size();
                        DeviceBuffer[] ob = new DeviceBuffer[outs];
                        for (int o = 0; o < outs; o++) ob[o] = pool.allocate(4L * Tensor.numel(model.outputShape(o, max)), "bench output");
                        in.fill(s, (byte) 0x3c); // fp16 ~1.0 everywhere: finite activations
                        // as PyTorch's bench is fed: channels_last fp16 in (where the engine stores the input so), fp16 out
                        long[] in1 = model.inputShape(1);
                        boolean cl = pytorchIo && in1.length == 4 && engine.inputChannelsLast(0);
                        DType outType = pytorchIo ? DType.F16 : DType.F32;
                        String io = (cl ? "channels_last-f16" : "nchw-f16") + "-in," + (pytorchIo ? "f16" : "f32") + "-out";
                        for (int bi = 0; bi < batches.length; bi++) {
                            int b = batches[bi];
                            DeviceTensor[] ins = {cl ? DeviceTensor.channelsLast(in, DType.F16, b, in1[1], in1[2], in1[3])
                                    : DeviceTensor.of(in, DType.F16, model.inputShape(b))};
                            DeviceTensor[] os = new DeviceTensor[outs];
                            for (int o = 0; o < outs; o++) os[o] = DeviceTensor.of(ob[o], outType, model.outputShape(o, b));
                            for (int w = 0; w < 5; w++) engine.infer(s, ins, os);
                            s.synchronize();
                            int iters = 0;
                            double ms;
                            try (CudaEvent e0 = CudaEvent.timing(); CudaEvent e1 = CudaEvent.timing()) {
                                long wall = System.nanoTime();
                                e0.record(s);
                                do {
                                    for (int k = 0; k < 10; k++) engine.infer(s, ins, os);
                                    iters += 10;
                                    s.synchronize();
                                } while ((System.nanoTime() - wall) / 1e9 < seconds);
                                e1.record(s);
                                e1.synchronize();
                                ms = e1.elapsedSince(e0);
                            }
                            ips[bi] = iters * (double) b / (ms / 1000.0);
                            System.out.printf("ZOO_BENCH model=%s exporter=%s fusion=%s io=%s import_ms=%d build_ms=%d batch=%d images_per_s=%.1f ms_per_batch=%.3f graph=%s%n",
                                    m.name(), m.exporter(), fusion, io, importMs, buildMs, b, ips[bi], ms / iters, engine.usesGraph(b));
                        }
                        for (int bi = 0; bi < batches.length; bi++) {
                            String vs = vsLine(m.name(), fusion, batches[bi], ips[bi], torch.getOrDefault(m.name(), Map.of()).get(batches[bi]),
                                    compiled.getOrDefault(m.name(), Map.of()).get(batches[bi]));
                            if (vs != null) System.out.println(vs);
                        }
                        // where the time goes when a baseline is faster at the largest batch
                        Double t = torch.getOrDefault(m.name(), Map.of()).get(max), c = compiled.getOrDefault(m.name(), Map.of()).get(max);
                        if (alwaysProfile || (t != null && ips[batches.length - 1] < t) || (c != null && ips[batches.length - 1] < c)) {
                            profile(engine, s, max, label, alwaysProfile ? 30 : 6);
                        }
                        in.close();
                        for (DeviceBuffer x : ob) x.close();
                    }
                    table.append(String.format("%-34s %9d %9d", label, importMs, buildMs));
                    for (int bi = 0; bi < batches.length; bi++) {
                        Double t = torch.getOrDefault(m.name(), Map.of()).get(batches[bi]);
                        table.append(String.format(" %12.1f %12s", ips[bi], t == null ? "-" : String.format("%.1f", t)));
                        if (compileColumn[bi]) {
                            Double c = compiled.getOrDefault(m.name(), Map.of()).get(batches[bi]);
                            table.append(String.format(" %12s", c == null ? "-" : String.format("%.1f", c)));
                        }
                    }
                    table.append('\n');
                } catch (RuntimeException e) {
                    System.out.printf("ZOO_BENCH model=%s exporter=%s error=%s%n", m.name(), m.exporter(), e.toString().replace('\n', ' '));
                    table.append(String.format("%-34s failed: %s%n", label, e.getMessage()));
                }
            }
        }
        System.out.println("=== zoo speed, images/s, fp16, same GPU, same run (torch = PyTorch eager fp16 channels_last; compile ="
                + " torch.compile(mode=\"reduce-overhead\") of it)");
        System.out.print(table);
    }

    /** Where the time goes at {@code batch} (launches timed alone): by kind, then the slowest launches. */
    static void profile(CudnnEngine engine, CudaStream s, int batch, String model, int top) {
        List<CudnnEngine.LaunchTime> prof = engine.profile(s, batch, 3);
        Map<String, double[]> byKind = new LinkedHashMap<>();
        double total = 0;
        for (CudnnEngine.LaunchTime t : prof) {
            byKind.computeIfAbsent(t.kind(), k -> new double[2])[0] += t.ms();
            byKind.get(t.kind())[1]++;
            total += t.ms();
        }
        double sum = total;
        System.out.printf("ZOO_PROFILE model=%s batch=%d sum_ms=%.3f launches=%d%n", model, batch, sum, prof.size());
        byKind.entrySet().stream().sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0])).limit(top).forEach(e ->
                System.out.printf("ZOO_PROFILE model=%s batch=%d kind=%s ms=%.3f share=%.1f%% launches=%d%n", model, batch, e.getKey(),
                        e.getValue()[0], 100 * e.getValue()[0] / sum, (int) e.getValue()[1]));
        prof.stream().sorted((a, b) -> Double.compare(b.ms(), a.ms())).limit(top).forEach(t ->
                System.out.printf("ZOO_PROFILE model=%s batch=%d top kind=%s node=%s ms=%.3f%n", model, batch, t.kind(), t.node(), t.ms()));
    }

    /**
     * One line comparing the engine with PyTorch at one batch, or null when neither baseline was measured there:
     * {@code ZOO_BENCH_VS model=M fusion=F batch=B ours=X eager=E compile=C vs_eager=X/E vs_compile=X/C} ("-" for a
     * baseline not measured).
     */
    static String vsLine(String model, EngineConfig.Fusion fusion, int batch, double ours, Double eager, Double compile) {
        if (eager == null && compile == null) return null;
        return String.format(java.util.Locale.ROOT, "ZOO_BENCH_VS model=%s fusion=%s batch=%d ours=%.1f eager=%s compile=%s vs_eager=%s vs_compile=%s",
                model, fusion, batch, ours, eager == null ? "-" : String.format(java.util.Locale.ROOT, "%.1f", eager),
                compile == null ? "-" : String.format(java.util.Locale.ROOT, "%.1f", compile),
                eager == null ? "-" : String.format(java.util.Locale.ROOT, "%.2fx", ours / eager),
                compile == null ? "-" : String.format(java.util.Locale.ROOT, "%.2fx", ours / compile));
    }

    /**
     * PYTORCH_BENCH model=NAME variant=V batch=B images_per_s=X lines → model → batch → images/s, for the variants
     * starting with {@code variantPrefix} ("eager": eager-fp16-channels_last; "compile": compile-reduce-overhead-fp16).
     */
    static Map<String, Map<Integer, Double>> readPytorch(List<String> lines, String variantPrefix) {
        Map<String, Map<Integer, Double>> r = new LinkedHashMap<>();
        Pattern p = Pattern.compile("PYTORCH_BENCH model=(\\S+) variant=(\\S+) batch=(\\d+) images_per_s=([0-9.]+)");
        for (String line : lines) {
            Matcher mm = p.matcher(line);
            if (mm.find() && mm.group(2).startsWith(variantPrefix)) {
                r.computeIfAbsent(mm.group(1), k -> new LinkedHashMap<>()).put(Integer.parseInt(mm.group(3)), Double.parseDouble(mm.group(4)));
            }
        }
        return r;
    }

    private ZooBench() {}

}
