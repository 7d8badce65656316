package org.parley.infra.analytics;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits SQL text into statements at the semicolons that end them: not inside 'strings', "identifiers",
 * $$dollar quotes$$, -- line comments or block comments. Statements that hold only comments and blanks are dropped.
 */
public final class SqlScript {
    private SqlScript() {
    }

    public static List<String> split(String sql) {
        Scan scan = scan(sql);
        List<String> out = new ArrayList<>(scan.statements());
        if (scan.pending() != null) {
            out.add(scan.pending());
        }
        return out;
    }

    /**
     * Whether the text ends with a terminated statement and nothing but blanks or comments after it: the prompt
     * runs what it has read then.
     */
    public static boolean complete(String sql) {
        Scan scan = scan(sql);
        return !scan.statements().isEmpty() && scan.pending() == null;
    }

    private record Scan(List<String> statements, String pending) {
    }

    private static Scan scan(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean meaningful = false;
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                current.append(sql, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                current.append(sql, i, end);
                i = end;
            } else if (c == '\'' || c == '"') {
                int end = i + 1;
                while (end < n) {
                    if (sql.charAt(end) == c) {
                        if (end + 1 < n && sql.charAt(end + 1) == c) {
                            end += 2; // a doubled quote inside
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                end = Math.min(n, end + 1);
                current.append(sql, i, end);
                meaningful = true;
                i = end;
            } else if (c == '$' && i + 1 < n && sql.charAt(i + 1) == '$') {
                int end = sql.indexOf("$$", i + 2);
                end = end < 0 ? n : end + 2;
                current.append(sql, i, end);
                meaningful = true;
                i = end;
            } else if (c == ';') {
                if (meaningful) {
                    out.add(current.toString().strip());
                }
                current.setLength(0);
                meaningful = false;
                i++;
            } else {
                current.append(c);
                meaningful |= !Character.isWhitespace(c);
                i++;
            }
        }
        return new Scan(out, meaningful ? current.toString().strip() : null);
    }
}
