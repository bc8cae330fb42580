package io.cairn.chaos;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses {@code 500ms}, {@code 90s}, {@code 2m}, {@code 1h}, or a bare number of seconds. */
final class Durations {
    private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private Durations() {}

    static Duration parse(String s) {
        Matcher m = P.matcher(s.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("bad duration '" + s + "': use e.g. 500ms, 90s, 2m, 1h");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }
}
