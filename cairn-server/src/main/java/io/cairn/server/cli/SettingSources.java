package io.cairn.server.cli;

import io.cairn.server.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Supplies option values that were not given as flags: first the environment
 * ({@code --data-dir} → {@code CAIRN_DATA_DIR}), then the properties file
 * ({@code data.dir}, or {@code data-dir}), then the option's own default. Picocli asks this
 * provider only for options absent from the command line, which gives flag > env > file > default.
 * Remembers where each value came from so an invalid value's error names its source.
 */
final class SettingSources implements CommandLine.IDefaultValueProvider {
    static final String DEFAULT_FILE = "cairn.properties";

    private final Map<String, String> env;
    private final Properties file;
    private final String fileName;
    private final Map<String, String> origin = new HashMap<>();

    private SettingSources(Map<String, String> env, Properties file, String fileName) {
        this.env = env;
        this.file = file;
        this.fileName = fileName;
    }

    /**
     * Loads the properties file: {@code configFlag} (from {@code --config}, else CAIRN_CONFIG) must
     * exist when given; otherwise {@code ./cairn.properties} is read when present.
     */
    static SettingSources load(String configFlag, Map<String, String> env) {
        String named = configFlag != null ? configFlag : env.get("CAIRN_CONFIG");
        Path path = Path.of(named != null ? named : DEFAULT_FILE);
        var props = new Properties();
        if (named != null && !Files.isRegularFile(path)) {
            throw new ConfigException("config file " + path.toAbsolutePath() + " does not exist");
        }
        if (Files.isRegularFile(path)) {
            try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                props.load(r);
            } catch (IOException | IllegalArgumentException e) {
                throw new ConfigException("cannot read config file " + path.toAbsolutePath() + ": " + e.getMessage());
            }
        }
        return new SettingSources(env, props, path.toString());
    }

    /** Rejects keys that name no option, so a typo in the file is an error rather than ignored. */
    void checkFileKeys(Set<String> optionNames) {
        var known = new TreeSet<String>();
        for (String o : optionNames) {
            known.add(o.replace('-', '.'));
        }
        for (String key : file.stringPropertyNames()) {
            if (!known.contains(key.replace('-', '.'))) {
                throw new ConfigException(fileName + ": unknown key '" + key + "'; known keys: " + String.join(", ", known));
            }
        }
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !option.longestName().startsWith("--")) {
            return null;
        }
        String name = option.longestName().substring(2);
        String envKey = envKey(name);
        String v = env.get(envKey);
        if (v != null) {
            origin.put(option.longestName(), "environment variable " + envKey);
            return v;
        }
        for (String key : new String[] {name.replace('-', '.'), name}) {
            v = file.getProperty(key);
            if (v != null) {
                origin.put(option.longestName(), fileName + " key " + key);
                return v.trim();
            }
        }
        return null;
    }

    static String envKey(String optionName) {
        return "CAIRN_" + optionName.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** "environment variable CAIRN_PORT" or "cairn.properties key port", or null for a flag/default. */
    String originOf(String longName) {
        return origin.get(longName);
    }
}
