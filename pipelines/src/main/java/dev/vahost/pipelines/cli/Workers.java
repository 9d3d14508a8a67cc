package dev.vahost.pipelines.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./vahost workers --gpus 0,1 [--metrics-port-base 9100] -- SERVICE OPTIONS}: one service
 * process per GPU on this host, each started with {@code --gpu-id} (so it sees its GPU alone) and,
 * with a metrics port base, its own {@code --metrics-port} (base + its index). The cameras are shared
 * statically: the i-th {@code --source} goes to worker i mod N, so with the same options the split
 * is always the same. In cluster mode ({@code --cluster}) nothing is split (the registry does it) and
 * each worker gets the worker id {@code HOST-gpuN} unless one is given. Each worker's output is
 * prefixed with {@code [gpuN]}; SIGINT/SIGTERM stop them all gracefully; the exit code is the first
 * non-zero one.
 */
public final class Workers {
    private Workers() {}

    /** One worker: its GPU and its arguments for the service. */
    public record Plan(int gpu, List<String> args) {}

    /**
     * Splits {@code serviceArgs} over {@code gpus}. Options are taken in their {@code --name value}
     * and {@code --name=value} forms.
     *
     * @throws IllegalArgumentException for an empty or repeated GPU list, or service options that set
     *         --gpu-id themselves
     */
    public static List<Plan> plan(List<Integer> gpus, int metricsPortBase, List<String> serviceArgs) {
        if (gpus.isEmpty()) throw new IllegalArgumentException("--gpus: at least one GPU id (e.g. --gpus 0,1)");
        if (gpus.stream().distinct().count() != gpus.size()) throw new IllegalArgumentException("--gpus " + gpus + ": an id is repeated");
        List<String> common = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        boolean cluster = false, workerId = false;
        for (int i = 0; i < serviceArgs.size(); i++) {
            String a = serviceArgs.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            boolean inline = a.contains("=") && a.startsWith("--");
            if (name.equals("--gpu-id")) throw new IllegalArgumentException("--gpu-id is set per worker by the launcher: leave it out");
            if (name.equals("--metrics-port") && metricsPortBase >= 0) {
                throw new IllegalArgumentException("--metrics-port and --metrics-port-base: give one (each worker needs its own port)");
            }
            if (name.equals("--cluster")) cluster = true;
            if (name.equals("--worker-id")) workerId = true;
            if (name.equals("--source")) {
                if (inline) {
                    sources.add(a.substring(a.indexOf('=') + 1));
                } else {
                    if (i + 1 >= serviceArgs.size()) throw new IllegalArgumentException("--source: a value is missing");
                    sources.add(serviceArgs.get(++i));
                }
                continue;
            }
            common.add(a);
        }
        if (workerId && gpus.size() > 1) {
            throw new IllegalArgumentException("--worker-id with several GPUs: each worker needs its own (left out, they are HOST-gpuN)");
        }
        List<Plan> plans = new ArrayList<>();
        for (int w = 0; w < gpus.size(); w++) {
            List<String> args = new ArrayList<>(common);
            if (cluster) {
                for (String s : sources) args.addAll(List.of("--source", s)); // written to the registry; any worker may
                if (!workerId) args.addAll(List.of("--worker-id", host() + "-gpu" + gpus.get(w)));
            } else {
                for (int k = w; k < sources.size(); k += gpus.size()) args.addAll(List.of("--source", sources.get(k)));
                if (!sources.isEmpty() && w >= sources.size()) {
                    throw new IllegalArgumentException(sources.size() + " --source value(s) for " + gpus.size() + " GPUs: worker " + w
                            + " would get none (it would run the default synthetic cameras)");
                }
            }
            if (metricsPortBase >= 0) args.addAll(List.of("--metrics-port", Integer.toString(metricsPortBase + w)));
            args.addAll(List.of("--gpu-id", Integer.toString(gpus.get(w))));
            plans.add(new Plan(gpus.get(w), List.copyOf(args)));
        }
        return plans;
    }

    static String host() {
        return ServiceCommand.hostName();
    }

    public static void main(String[] args) throws Exception {
        List<Integer> gpus = new ArrayList<>();
        int base = -1;
        List<String> service = new ArrayList<>();
        try {
            int i = 0;
            for (; i < args.length && !args[i].equals("--"); i++) {
                switch (args[i]) {
                    case "--gpus" -> {
                        if (++i >= args.length) throw new IllegalArgumentException("--gpus: a value is missing");
                        for (String g : args[i].split(",")) gpus.add(parse("--gpus", g.strip(), 0, 63));
                    }
                    case "--metrics-port-base" -> {
                        if (++i >= args.length) throw new IllegalArgumentException("--metrics-port-base: a value is missing");
                        base = parse("--metrics-port-base", args[i], 1, 65000);
                    }
                    default -> throw new IllegalArgumentException("unknown launcher option '" + args[i]
                            + "' (usage: ./vahost workers --gpus 0,1 [--metrics-port-base 9100] -- SERVICE OPTIONS)");
                }
            }
            for (i++; i < args.length; i++) service.add(args[i]);
            List<Plan> plans = plan(gpus, base, service);
            System.exit(run(plans, System.out));
        } catch (IllegalArgumentException e) {
            System.err.println("vahost workers: " + e.getMessage());
            System.exit(2);
        }
    }

    static int parse(String option, String v, int lo, int hi) {
        try {
            int x = Integer.parseInt(v);
            if (x < lo || x > hi) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + v + "' (expected an integer within " + lo + ".." + hi + ")");
        }
    }

    /** Starts every worker (this JVM's java and class path), forwards their output prefixed, waits for all. */
    static int run(List<Plan> plans, PrintStream out) throws InterruptedException {
        List<Process> procs = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Thread stopper = new Thread(() -> procs.forEach(Process::destroy), "workers-stop"); // SIGTERM: each stops gracefully
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            for (Plan p : plans) {
                List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                        System.getProperty("java.class.path"), "dev.vahost.pipelines.Main"));
                cmd.addAll(p.args());
                out.println("[gpu" + p.gpu() + "] starting: vahost " + String.join(" ", p.args()));
                Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                procs.add(proc);
                pumps.add(pump("[gpu" + p.gpu() + "] ", proc, out));
            }
            int code = 0;
            for (Process proc : procs) {
                int c = proc.waitFor();
                if (code == 0) code = c;
            }
            for (Thread t : pumps) t.join(5000);
            return code;
        } catch (java.io.IOException e) {
            procs.forEach(Process::destroy);
            throw new IllegalStateException("could not start a worker: " + e.getMessage(), e);
        }
    }

    private static Thread pump(String prefix, Process p, PrintStream out) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (out) {
                        out.println(prefix + line);
                    }
                }
            } catch (java.io.IOException ignored) {
                // the worker is gone
            }
        }, "workers-out-" + prefix.strip());
        t.setDaemon(true);
        t.start();
        return t;
    }
}
