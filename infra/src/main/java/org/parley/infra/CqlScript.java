package org.parley.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.parley.config.Settings;

/**
 * A CQL script with {@code ${name}} placeholders, as shipped in projections ({@code /cql/schema.cql}): placeholder
 * substitution and splitting into single statements (comments dropped, semicolons inside string literals kept).
 */
public final class CqlScript {
    public static final String SCHEMA_RESOURCE = "/cql/schema.cql";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_.-]+)}");

    private CqlScript() {
    }

    /** The read-model schema with {@code ${keyspace}} and {@code ${replication}} (the replication map) filled from settings. */
    public static List<String> schemaStatements(Settings settings) {
        return split(substitute(load(SCHEMA_RESOURCE), variables(settings)));
    }

    public static Map<String, String> variables(Settings settings) {
        return Map.of(
                "keyspace", settings.get("cql.keyspace"),
                "replication", replication(settings));
    }

    /**
     * The keyspace's replication map: {@code cql.replication-strategy} SimpleStrategy (the local stack) or
     * NetworkTopologyStrategy ({@code cql.replication-factor} replicas in {@code cql.datacenter}, spread over its racks).
     */
    public static String replication(Settings settings) {
        int factor = settings.getInt("cql.replication-factor");
        if (factor < 1) {
            throw new IllegalArgumentException("cql.replication-factor must be >= 1, got " + factor);
        }
        String strategy = settings.get("cql.replication-strategy");
        return switch (strategy) {
            case "SimpleStrategy" -> "{'class': 'SimpleStrategy', 'replication_factor': " + factor + "}";
            case "NetworkTopologyStrategy" -> {
                String dc = settings.get("cql.datacenter");
                if (!dc.matches("[A-Za-z0-9_.-]+")) {
                    throw new IllegalArgumentException("cql.datacenter must be a datacenter name (letters, digits, "
                            + "'_', '.', '-'), got '" + dc + "'");
                }
                yield "{'class': 'NetworkTopologyStrategy', '" + dc + "': " + factor + "}";
            }
            default -> throw new IllegalArgumentException("cql.replication-strategy must be SimpleStrategy or "
                    + "NetworkTopologyStrategy, got '" + strategy + "'");
        };
    }

    public static String load(String resource) {
        try (InputStream in = CqlScript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("CQL script " + resource + " is not on the classpath (parley-projections jar)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces every {@code ${name}}; an unknown name is an error, never silently left in the CQL. */
    public static String substitute(String script, Map<String, String> variables) {
        Matcher m = PLACEHOLDER.matcher(script);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = variables.get(m.group(1));
            if (value == null) {
                throw new IllegalArgumentException("CQL script placeholder ${" + m.group(1) + "} has no value; known: "
                        + variables.keySet());
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * Splits a script into statements at top-level semicolons. Drops {@code --} and {@code //} line comments and
     * {@code /* *}{@code /} block comments; keeps quoted text ('...', "...", $$...$$) intact. Whitespace is collapsed.
     */
    public static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int n = script.length();
        int i = 0;
        while (i < n) {
            char c = script.charAt(i);
            char next = i + 1 < n ? script.charAt(i + 1) : '\0';
            if ((c == '-' && next == '-') || (c == '/' && next == '/')) {
                while (i < n && script.charAt(i) != '\n') {
                    i++;
                }
                space(current);
            } else if (c == '/' && next == '*') {
                int end = script.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                space(current);
            } else if (c == '\'' || c == '"') {
                int j = i + 1;
                while (j < n) {
                    if (script.charAt(j) == c) {
                        if (j + 1 < n && script.charAt(j + 1) == c) {
                            j += 2; // doubled quote inside a literal
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                if (j >= n) {
                    throw new IllegalArgumentException("unterminated " + c + " literal in CQL script");
                }
                current.append(script, i, j + 1);
                i = j + 1;
            } else if (c == '$' && next == '$') {
                int end = script.indexOf("$$", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated $$ literal in CQL script");
                }
                current.append(script, i, end + 2);
                i = end + 2;
            } else if (c == ';') {
                add(statements, current);
                i++;
            } else if (Character.isWhitespace(c)) {
                space(current);
                i++;
            } else {
                current.append(c);
                i++;
            }
        }
        add(statements, current);
        return statements;
    }

    /** Whitespace outside literals collapses to one space. */
    private static void space(StringBuilder current) {
        if (current.length() > 0 && current.charAt(current.length() - 1) != ' ') {
            current.append(' ');
        }
    }

    private static void add(List<String> statements, StringBuilder current) {
        String s = current.toString().trim();
        if (!s.isEmpty()) {
            statements.add(s);
        }
        current.setLength(0);
    }
}
