package dev.vahost.pipelines.stage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * One stage as the deployment asks for it: its type, instance name and configuration section.
 * On the command line: {@code --stage TYPE[:NAME][=CONFIG]}, where CONFIG is inline JSON
 * ({@code {"block": 16}}) or a .json/.yaml file holding the section.
 *
 * @param config the section (an object node; empty when none was given)
 */
public record StageSpec(String type, String name, JsonNode config) {
    private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9_.-]{0,63}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final Pattern ARG = Pattern.compile("([^:=]+)(?::([^=]+))?(?:=(.*))?", Pattern.DOTALL);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    public StageSpec {
        if (type == null || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("stage type '" + type + "': expected lower case letters, digits, '-', '_' or '.'");
        }
        if (name == null) name = type;
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("stage name '" + name + "': expected letters, digits, '-', '_' or '.' (at most 64)");
        }
        if (config == null || config.isNull() || config.isMissingNode()) config = JsonNodeFactory.instance.objectNode();
        if (!config.isObject()) {
            throw new IllegalArgumentException("stage '" + name + "' (" + type + "): its config must be a mapping of keys, not "
                    + config.getNodeType().name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Parses {@code TYPE[:NAME][=CONFIG]}.
     *
     * @throws IllegalArgumentException naming what is wrong (syntax, unreadable file, bad JSON/YAML)
     */
    public static StageSpec parse(String arg) {
        Matcher m = ARG.matcher(arg.strip());
        if (!m.matches()) throw new IllegalArgumentException("expected TYPE[:NAME][=CONFIG], got '" + arg + "'");
        String type = m.group(1).strip(), name = m.group(2) == null ? null : m.group(2).strip(), config = m.group(3);
        JsonNode node = null;
        if (config != null && !config.isBlank()) {
            String c = config.strip();
            String who = "stage " + (name == null ? type : name) + " (" + type + ")";
            try {
                if (c.startsWith("{")) {
                    node = JSON.readTree(c);
                } else {
                    Path file = Path.of(c);
                    if (!Files.isRegularFile(file)) throw new IllegalArgumentException(who + ": no config file " + file);
                    String lower = c.toLowerCase(Locale.ROOT);
                    node = (lower.endsWith(".json") ? JSON : YAML).readTree(file.toFile());
                }
            } catch (IOException e) {
                String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
                throw new IllegalArgumentException(who + ": cannot read its config " + c + " (" + msg + ")", e);
            }
        }
        return new StageSpec(type, name, node);
    }

    /** The command-line form, {@code TYPE:NAME={...}} (the config as one line of JSON). */
    public String argument() {
        return type + ":" + name + (config.isEmpty() ? "" : "=" + config.toString());
    }
}
