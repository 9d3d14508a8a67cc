package dev.vahost.pipelines.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --config FILE}: the options in FILE, one per line as they would be typed ({@code --batch-size 8},
 * {@code --all-frames}; the value is the rest of the line, spaces included; blank lines and lines
 * starting with '#' are skipped), take the place of {@code --config FILE}, so options after it win.
 * A file may name another with --config, up to 4 deep.
 */
public final class ConfigFiles {
    private static final int MAX_DEPTH = 4;

    private ConfigFiles() {}

    /** The arguments with every {@code --config FILE} (or {@code --config=FILE}) replaced by its options. */
    public static List<String> expand(String[] args) {
        List<String> out = new ArrayList<>();
        expand(List.of(args), out, 0);
        return out;
    }

    private static void expand(List<String> args, List<String> out, int depth) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String file;
            if (a.equals("--config")) {
                if (i + 1 >= args.size()) {
                    throw new ServiceCommand.BadOption("--config", "Missing required parameter for option '--config' (FILE)");
                }
                file = args.get(++i);
            } else if (a.startsWith("--config=")) {
                file = a.substring("--config=".length());
            } else {
                out.add(a);
                continue;
            }
            if (depth >= MAX_DEPTH) {
                throw new ServiceCommand.BadOption("--config", "--config " + file + ": files nested more than " + MAX_DEPTH
                        + " deep");
            }
            expand(read(Path.of(file)), out, depth + 1);
        }
    }

    private static List<String> read(Path p) {
        List<String> lines;
        try {
            lines = Files.readAllLines(p);
        } catch (IOException e) {
            throw new ServiceCommand.BadOption("--config", "--config " + p + ": cannot read (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")");
        }
        List<String> words = new ArrayList<>();
        for (String line : lines) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            int sp = t.indexOf(' ');
            if (sp < 0) {
                words.add(t);
            } else {
                words.add(t.substring(0, sp));
                words.add(t.substring(sp + 1).strip());
            }
        }
        return words;
    }
}
