package dev.vahost.pipelines.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What the test process is doing, from /proc (Linux): its threads (Java and native, GStreamer's
 * streaming threads included) and the CPU time each has used, to tell an idle process from one
 * with a thread spinning.
 */
public final class ProcessProbe {
    private ProcessProbe() {}

    /** Threads of this process now (every task under /proc/self/task). */
    public static int threads() {
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/task", e);
        }
    }

    /** The kernel's names of this process's threads now (/proc/self/task/N/comm), sorted. */
    public static java.util.List<String> threadNameList() {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) s::iterator) {
                try {
                    out.add(Files.readString(t.resolve("comm")).trim());
                } catch (IOException ignored) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/task", e);
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** Open sockets of this process now (file descriptors pointing at "socket:[...]"). */
    public static int sockets() {
        return dev.vahost.gst.OpenSockets.count();
    }

    /**
     * The most common thread names of this process now, "name x count", most first (at most
     * {@code top}): what is left after a close, by who made it (GStreamer's "nvh264dec" tasks,
     * GLib pools "pool-N", the CUDA driver's, the JVM's).
     */
    public static String threadNames(int top) {
        Map<String, Integer> byName = new HashMap<>();
        for (String key : cpuTicksByThread().keySet()) {
            String name = key.substring(key.indexOf(' ') + 1).replaceAll("[0-9]+$", "N");
            byName.merge(name, 1, Integer::sum);
        }
        return summary(byName, top);
    }

    /**
     * Open file descriptors of this process by what they point to ("/dev/nvidia0", "socket",
     * "anon_inode:[eventfd]", "pipe", a file's directory), most first (at most {@code top}).
     */
    public static String fdKinds(int top) {
        Map<String, Integer> byKind = new HashMap<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    String kind = target.startsWith("socket:") ? "socket" : target.startsWith("pipe:") ? "pipe"
                            : target.startsWith("/dev/") || target.startsWith("anon_inode:") ? target
                            : Path.of(target).getParent() == null ? target : Path.of(target).getParent() + "/*";
                    byKind.merge(kind, 1, Integer::sum);
                } catch (IOException | RuntimeException ignored) {
                    // closed meanwhile (the listing's own descriptor among them)
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
        return summary(byKind, top);
    }

    private static String summary(Map<String, Integer> counts, int top) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .map(e -> e.getKey() + " x" + e.getValue()).collect(java.util.stream.Collectors.joining(", "));
    }

    /** CPU time (user + system) per thread id, in clock ticks, with the thread's name. */
    public static Map<String, long[]> cpuTicksByThread() {
        Map<String, long[]> out = new HashMap<>();
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) s::iterator) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    int close = stat.lastIndexOf(')');
                    String name = stat.substring(stat.indexOf('(') + 1, close);
                    String[] f = stat.substring(close + 2).split(" ");
                    // fields after "(comm) ": state=0 ... utime=11, stime=12 (proc(5): 14 and 15, 1-based)
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    out.put(task.getFileName() + " " + name, new long[] {ticks});
                } catch (IOException | RuntimeException ignored) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/task", e);
        }
        return out;
    }

    /** The busiest thread over {@code millis}: "name: share of one core". */
    public record Busiest(String thread, double coreShare, double processCoreShare) {}

    public static Busiest busiestOver(long millis) throws InterruptedException {
        Map<String, long[]> a = cpuTicksByThread();
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        Map<String, long[]> b = cpuTicksByThread();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double hz = 100; // USER_HZ: 100 on Linux x86-64
        String worst = "none";
        double worstShare = 0, total = 0;
        for (Map.Entry<String, long[]> e : b.entrySet()) {
            long before = a.containsKey(e.getKey()) ? a.get(e.getKey())[0] : 0;
            double share = (e.getValue()[0] - before) / hz / seconds;
            total += share;
            if (share > worstShare) {
                worstShare = share;
                worst = e.getKey();
            }
        }
        return new Busiest(worst, worstShare, total);
    }
}
