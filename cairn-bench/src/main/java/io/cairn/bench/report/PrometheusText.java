package io.cairn.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small parser for the Prometheus text exposition format (version 0.0.4), enough to read a
 * node's {@code /metrics}: comment lines are skipped, label values may contain escaped quotes,
 * backslashes and newlines, and values may be {@code NaN} or {@code ±Inf}. A malformed line is
 * an error naming the line, never skipped silently.
 */
public final class PrometheusText {
    /** One sample: metric name, labels (sorted by name), value. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public Sample {
            labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        }

        /** The labels without the given one, as {@code {a="1",b="2"}} or "" when none remain. */
        public String labelsWithout(String skip) {
            StringBuilder sb = new StringBuilder();
            labels.forEach((k, v) -> {
                if (!k.equals(skip)) {
                    sb.append(sb.isEmpty() ? "{" : ",").append(k).append("=\"").append(v).append('"');
                }
            });
            return sb.isEmpty() ? "" : sb.append('}').toString();
        }
    }

    private PrometheusText() {}

    public static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                out.add(parseLine(line));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("metrics line " + (i + 1) + " is malformed: " + line, e);
            }
        }
        return out;
    }

    private static Sample parseLine(String line) {
        int p = 0;
        while (p < line.length() && line.charAt(p) != '{' && line.charAt(p) != ' ' && line.charAt(p) != '\t') {
            p++;
        }
        String name = line.substring(0, p);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("no metric name");
        }
        Map<String, String> labels = new TreeMap<>();
        if (p < line.length() && line.charAt(p) == '{') {
            p++;
            while (true) {
                while (line.charAt(p) == ' ' || line.charAt(p) == ',') {
                    p++;
                }
                if (line.charAt(p) == '}') {
                    p++;
                    break;
                }
                int eq = line.indexOf('=', p);
                String key = line.substring(p, eq).strip();
                p = eq + 1;
                if (line.charAt(p) != '"') {
                    throw new IllegalArgumentException("label value not quoted");
                }
                p++;
                StringBuilder v = new StringBuilder();
                while (line.charAt(p) != '"') {
                    char c = line.charAt(p);
                    if (c == '\\') {
                        char n = line.charAt(++p);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                    p++;
                }
                p++;
                labels.put(key, v.toString());
            }
        }
        String[] rest = line.substring(p).strip().split("\\s+");
        if (rest.length < 1 || rest[0].isEmpty()) {
            throw new IllegalArgumentException("no value");
        }
        return new Sample(name, labels, parseValue(rest[0]));
    }

    static double parseValue(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }
}
