package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * A self-contained HTML report of a load run's JSON result: tables and inline SVG plots (latency over time,
 * percentile distribution against the floors, CPU and RSS per process). No script, no external resource: it opens
 * offline in any browser.
 */
public final class HtmlReport {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
        "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};

    private HtmlReport() {
    }

    /** A named polyline: points [x, y]. */
    record Series(String name, List<double[]> points) {
    }

    public static String render(JsonObject r) {
        StringBuilder h = new StringBuilder(64 * 1024);
        String title = "Parley load run " + r.getString("runId", "");
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
                .append("</title>\n<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1000px;color:#222}"
                        + "table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;"
                        + "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}"
                        + ".bad{color:#b00;font-weight:bold}.ok{color:#070;font-weight:bold}svg{background:#fff}"
                        + "code{background:#f6f6f6;padding:1px 4px}</style></head><body>\n");
        h.append("<h1>").append(esc(title)).append("</h1>\n");
        h.append("<p>").append(esc(r.getString("startedAt", ""))).append(" &middot; <code>")
                .append(esc(r.getString("command", ""))).append("</code></p>\n");

        JsonObject machine = r.getJsonObject("machine", new JsonObject());
        h.append("<p>Machine: ").append(machine.getInteger("cores", 0)).append(" cores, load average at start ")
                .append(esc(machine.getString("loadAverageAtStart", "?"))).append(", at end ")
                .append(esc(machine.getString("loadAverageAtEnd", "?"))).append(" (the machine is shared). Connected: ")
                .append(esc(String.valueOf(r.getJsonObject("connect", new JsonObject()).encode()))).append("</p>\n");
        JsonArray steps = r.getJsonArray("steps");
        if (steps == null) {
            body(h, r, machine);
        } else {
            JsonObject summary = r.getJsonObject("summary", new JsonObject());
            h.append("<h2>Steps</h2><p>Highest rate with one-to-one p99 under 100 ms: <b>")
                    .append(summary.getValue("maxRateP99Under100ms", "none")).append("</b>/s, under 50 ms: <b>")
                    .append(summary.getValue("maxRateP99Under50ms", "none")).append("</b>/s (0 lost and 0 duplicates required).</p>")
                    .append("<table><tr><th>rate</th><th>achieved</th><th>delivered p50</th><th>p99</th><th>max</th>"
                            + "<th>lost</th><th>duplicates</th></tr>");
            JsonArray rows = summary.getJsonArray("steps", new JsonArray());
            for (int i = 0; i < rows.size(); i++) {
                JsonObject x = rows.getJsonObject(i);
                h.append("<tr><td>").append(fmt(x.getValue("rate"))).append("</td><td>").append(fmt(x.getValue("achievedSendRate")))
                        .append("</td><td>").append(fmt(x.getValue("deliveredP50"))).append("</td><td>").append(fmt(x.getValue("deliveredP99")))
                        .append("</td><td>").append(fmt(x.getValue("deliveredMax"))).append("</td><td>").append(x.getValue("lost"))
                        .append("</td><td>").append(x.getValue("duplicates")).append("</td></tr>");
            }
            h.append("</table>\n");
            for (int i = 0; i < steps.size(); i++) {
                JsonObject st = steps.getJsonObject(i);
                h.append("<hr><h1>Step ").append(i + 1).append(": ")
                        .append(fmt(st.getJsonObject("options", new JsonObject()).getValue("rate"))).append(" /s</h1>\n");
                body(h, st, machine);
            }
        }
        h.append("<p style=\"color:#777\">The JSON result next to this file holds every number shown here.</p>\n");
        h.append("</body></html>\n");
        return h.toString();
    }

    private static void body(StringBuilder h, JsonObject r, JsonObject machine) {
        JsonObject o = r.getJsonObject("options", new JsonObject());
        h.append("<h2>Run</h2>\n<table>");
        o.forEach(e -> row(h, e.getKey(), String.valueOf(e.getValue())));
        JsonObject achieved = r.getJsonObject("achieved", new JsonObject());
        achieved.forEach(e -> row(h, "achieved " + e.getKey(), String.valueOf(e.getValue())));
        h.append("</table>\n");

        JsonObject acc = r.getJsonObject("accounting", new JsonObject());
        h.append("<h2>Accounting</h2>\n<p>Every message checked against every device that must show it.</p><table>");
        for (String k : List.of("messages", "expectedDisplays", "displayed", "lost", "duplicates", "unconfirmedSends")) {
            if (acc.containsKey(k)) {
                Object v = acc.getValue(k);
                boolean bad = ("lost".equals(k) || "duplicates".equals(k) || "unconfirmedSends".equals(k))
                        && v instanceof Number num && num.longValue() != 0;
                h.append("<tr><td>").append(k).append("</td><td class=\"")
                        .append(("lost".equals(k) || "duplicates".equals(k)) ? (bad ? "bad" : "ok") : "")
                        .append("\">").append(v).append("</td></tr>");
            }
        }
        h.append("</table>\n");
        JsonObject byScenario = acc.getJsonObject("byScenario", new JsonObject());
        if (!byScenario.isEmpty()) {
            h.append("<h3>By scenario</h3><p>Presence: one entry per transition, each watcher device told once; push:"
                    + " each offline device pushed once (duplicates: a second push request reached the endpoint).</p>"
                    + "<table><tr><th>scenario</th><th>messages</th><th>expected</th><th>displayed</th><th>lost</th>"
                    + "<th>duplicates</th></tr>");
            byScenario.forEach(e -> {
                JsonObject t = (JsonObject) e.getValue();
                h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(t.getValue("messages"))
                        .append("</td><td>").append(t.getValue("expected")).append("</td><td>").append(t.getValue("displayed"));
                for (String k : List.of("lost", "duplicates")) {
                    long v = t.getLong(k, 0L);
                    h.append("</td><td class=\"").append(v == 0 ? "ok" : "bad").append("\">").append(v);
                }
                h.append("</td></tr>");
            });
            h.append("</table>\n");
        }
        h.append("<table>");
        JsonObject inbox = acc.getJsonObject("inbox", new JsonObject());
        inbox.forEach(e -> row(h, "inbox " + e.getKey(), String.valueOf(e.getValue())));
        acc.getJsonObject("errors", new JsonObject()).forEach(e -> row(h, "error " + e.getKey(), String.valueOf(e.getValue())));
        acc.getJsonObject("counters", new JsonObject()).forEach(e -> row(h, e.getKey(), String.valueOf(e.getValue())));
        h.append("</table>\n");

        // latency table: figures and floors
        JsonObject figures = r.getJsonObject("figures", new JsonObject());
        JsonObject floors = r.getJsonObject("floors", new JsonObject());
        h.append("<h2>Latency (ms, measured window, from the scheduled send time)</h2>\n<table><tr><th>figure</th>"
                + "<th>count</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>");
        figures.forEach(e -> latencyRow(h, e.getKey(), (JsonObject) e.getValue()));
        JsonObject kafka = floors.getJsonObject("kafka");
        if (kafka != null && kafka.containsKey("produceToConsume")) {
            latencyRow(h, "floor: Kafka produce→consume", kafka.getJsonObject("produceToConsume"));
        }
        JsonObject echo = floors.getJsonObject("echo");
        if (echo != null && echo.containsKey("roundTrip")) {
            latencyRow(h, "floor: WebSocket echo via the edge", echo.getJsonObject("roundTrip"));
        } else if (echo != null) {
            row(h, "floor: WebSocket echo", echo.getString("reason", "not run"));
        }
        h.append("</table>\n");
        JsonObject ratios = r.getJsonObject("ratios", new JsonObject());
        if (!ratios.isEmpty()) {
            h.append("<h3>Parley as a multiple of the floors</h3><table><tr><th>ratio</th><th>p50</th><th>p99</th></tr>");
            ratios.forEach(e -> {
                JsonObject x = (JsonObject) e.getValue();
                h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(fmt(x.getValue("p50")))
                        .append("×</td><td>").append(fmt(x.getValue("p99"))).append("×</td></tr>");
            });
            h.append("</table>\n");
        }

        // latency over time
        List<Series> overTime = new ArrayList<>();
        figures.forEach(e -> {
            JsonArray tl = ((JsonObject) e.getValue()).getJsonArray("timeline", new JsonArray());
            if (e.getKey().endsWith(".delivered") || e.getKey().endsWith(".received")) {
                overTime.add(new Series(e.getKey() + " p50", column(tl, 0, 2)));
            }
            overTime.add(new Series(e.getKey() + " p99", column(tl, 0, 3)));
        });
        if (!overTime.isEmpty()) {
            h.append("<h2>Latency over time</h2><p>Per second of the run, by scheduled send time; the warm-up is left of the"
                    + " dashed line. Log scale.</p>\n");
            h.append(chart(overTime, "seconds since start", "ms", true, o.getDouble("warmupSeconds", 0.0), null));
        }

        // percentile distribution
        List<Series> curves = new ArrayList<>();
        figures.forEach(e -> curves.add(new Series(e.getKey(), nines(((JsonObject) e.getValue()).getJsonArray("curve")))));
        if (kafka != null && kafka.containsKey("produceToConsume")) {
            curves.add(new Series("floor: Kafka", nines(kafka.getJsonObject("produceToConsume").getJsonArray("curve"))));
        }
        if (echo != null && echo.containsKey("roundTrip")) {
            curves.add(new Series("floor: WS echo", nines(echo.getJsonObject("roundTrip").getJsonArray("curve"))));
        }
        curves.removeIf(s -> s.points().isEmpty());
        if (!curves.isEmpty()) {
            h.append("<h2>Percentile distribution</h2><p>x: percentile (0, 90, 99, 99.9, 99.99, 99.999, max), y: ms,"
                    + " log scale.</p>\n");
            h.append(chart(curves, "percentile", "ms", true, -1, HtmlReport::ninesLabel));
        }

        // processes
        JsonObject procs = r.getJsonObject("processes", new JsonObject()).getJsonObject("processes", new JsonObject());
        if (!procs.isEmpty()) {
            h.append("<h2>Processes (measured window)</h2><p>CPU in % of one core (this machine has ")
                    .append(machine.getInteger("cores", 0))
                    .append(" cores); RSS from /proc.</p><table><tr><th>process</th><th>pid</th><th>CPU avg %</th>"
                            + "<th>CPU max %</th><th>RSS avg MB</th><th>RSS max MB</th></tr>");
            procs.forEach(e -> {
                JsonObject p = (JsonObject) e.getValue();
                h.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(p.getValue("pid", ""))
                        .append("</td><td>").append(p.getValue("cpuAvgPct")).append("</td><td>").append(p.getValue("cpuMaxPct"))
                        .append("</td><td>").append(p.getValue("rssAvgMb")).append("</td><td>").append(p.getValue("rssMaxMb"))
                        .append("</td></tr>");
            });
            JsonObject m = r.getJsonObject("processes").getJsonObject("machine", new JsonObject());
            h.append("<tr><td>whole machine (% of all cores)</td><td></td><td>").append(m.getValue("cpuAvgPct", ""))
                    .append("</td><td>").append(m.getValue("cpuMaxPct", "")).append("</td><td></td><td></td></tr></table>\n");
            List<Series> cpu = new ArrayList<>();
            List<Series> rss = new ArrayList<>();
            procs.forEach(e -> {
                JsonArray s = ((JsonObject) e.getValue()).getJsonArray("series", new JsonArray());
                cpu.add(new Series(e.getKey(), column(s, 0, 1)));
                rss.add(new Series(e.getKey(), column(s, 0, 2)));
            });
            h.append("<h3>CPU % of one core</h3>\n").append(chart(cpu, "seconds since start", "% of a core", false, -1, null));
            h.append("<h3>RSS MB</h3>\n").append(chart(rss, "seconds since start", "MB", false, -1, null));
        }
        JsonArray background = r.getJsonArray("background", new JsonArray());
        if (!background.isEmpty()) {
            h.append("<h2>Background scenarios</h2><pre>").append(esc(background.encodePrettily())).append("</pre>\n");
        }
    }

    private static void row(StringBuilder h, String k, String v) {
        h.append("<tr><td>").append(esc(k)).append("</td><td>").append(esc(v)).append("</td></tr>");
    }

    private static void latencyRow(StringBuilder h, String name, JsonObject s) {
        h.append("<tr><td>").append(esc(name)).append("</td><td>").append(s.getValue("count", 0));
        for (String k : List.of("p50", "p90", "p99", "p999", "max")) {
            h.append("</td><td>").append(fmt(s.getValue(k)));
        }
        h.append("</td></tr>");
    }

    private static String fmt(Object v) {
        if (v instanceof Number n) {
            double d = n.doubleValue();
            return d >= 100 ? String.format(Locale.ROOT, "%.0f", d) : String.format(Locale.ROOT, "%.2f", d);
        }
        return v == null ? "–" : esc(String.valueOf(v));
    }

    static List<double[]> column(JsonArray rows, int xi, int yi) {
        List<double[]> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonArray row = rows.getJsonArray(i);
            out.add(new double[] {row.getDouble(xi), row.getDouble(yi)});
        }
        return out;
    }

    /** x of a percentile on the "nines" axis: 0 → 0, 90 → 1, 99 → 2, 99.9 → 3 ...; 100 (max) one step past 99.999. */
    static double ninesX(double p) {
        return p >= 100 ? 5.5 : Math.min(5, -Math.log10(1 - p / 100));
    }

    private static String ninesLabel(double x) {
        if (x >= 5.5) {
            return "max";
        }
        double p = 100 * (1 - Math.pow(10, -x));
        return String.format(Locale.ROOT, p >= 99.9 ? "%.3f" : "%.0f", p).replaceAll("\\.?0+$", "");
    }

    private static List<double[]> nines(JsonArray curve) {
        List<double[]> out = new ArrayList<>();
        if (curve != null) {
            for (int i = 0; i < curve.size(); i++) {
                JsonArray pt = curve.getJsonArray(i);
                out.add(new double[] {ninesX(pt.getDouble(0)), pt.getDouble(1)});
            }
        }
        return out;
    }

    /** An SVG line chart; logY plots log10(y) with 1-2-5 ticks; marker > 0 draws a dashed vertical line there. */
    static String chart(List<Series> series, String xLabel, String yLabel, boolean logY, double marker,
                        java.util.function.DoubleFunction<String> xTickLabel) {
        int w = 900, hgt = 340, left = 60, right = 220, top = 10, bottom = 40;
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (Series s : series) {
            for (double[] p : s.points()) {
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                double y = logY ? Math.max(p[1], 0.01) : p[1];
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        if (minX == Double.MAX_VALUE) {
            return "<p>(no data)</p>";
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        DoubleUnaryOperator ty = logY ? Math::log10 : y -> y;
        double y0, y1;
        if (logY) {
            y0 = Math.floor(Math.log10(minY));
            y1 = Math.ceil(Math.log10(maxY));
            if (y1 == y0) {
                y1 = y0 + 1;
            }
        } else {
            y0 = 0;
            y1 = niceCeil(maxY <= 0 ? 1 : maxY);
        }
        final double fx0 = minX, fx1 = maxX, fy0 = y0, fy1 = y1;
        int pw = w - left - right, ph = hgt - top - bottom;
        DoubleUnaryOperator sx = x -> left + (x - fx0) / (fx1 - fx0) * pw;
        DoubleUnaryOperator sy = y -> top + ph - (ty.applyAsDouble(logY ? Math.max(y, 0.01) : y) - fy0) / (fy1 - fy0) * ph;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-size=\"11\">", w, hgt, w, hgt));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>",
                left, top, pw, ph));
        // y ticks
        List<Double> yt = new ArrayList<>();
        if (logY) {
            for (double e = y0; e <= y1; e++) {
                for (double m : new double[] {1, 2, 5}) {
                    double v = m * Math.pow(10, e);
                    if (Math.log10(v) <= y1 + 1e-9) {
                        yt.add(v);
                    }
                }
            }
        } else {
            for (int i = 0; i <= 5; i++) {
                yt.add(y1 * i / 5);
            }
        }
        for (double v : yt) {
            double y = sy.applyAsDouble(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", left, left + pw, y, y, left - 4, y + 4, num(v)));
        }
        // x ticks
        List<Double> xt = new ArrayList<>();
        if (xTickLabel != null) {
            for (double x = Math.ceil(minX); x <= 5; x++) {
                xt.add(x);
            }
            if (maxX >= 5.5) {
                xt.add(5.5);
            }
        } else {
            double step = niceCeil((maxX - minX) / 8);
            for (double x = Math.ceil(minX / step) * step; x <= maxX + 1e-9; x += step) {
                xt.add(x);
            }
        }
        for (double v : xt) {
            double x = sx.applyAsDouble(v);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>", x, x, top, top + ph, x, top + ph + 14,
                    xTickLabel != null ? xTickLabel.apply(v) : num(v)));
        }
        if (marker > 0 && marker >= minX && marker <= maxX) {
            double x = sx.applyAsDouble(marker);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#555\" "
                    + "stroke-dasharray=\"4 3\"/>", x, x, top, top + ph));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", left + pw / 2,
                hgt - 6, esc(xLabel)));
        s.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" text-anchor=\"middle\">%s</text>",
                top + ph / 2, top + ph / 2, esc(yLabel)));
        for (int i = 0; i < series.size(); i++) {
            Series se = series.get(i);
            String color = COLORS[i % COLORS.length];
            StringBuilder pts = new StringBuilder();
            for (double[] p : se.points()) {
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", sx.applyAsDouble(p[0]), sy.applyAsDouble(p[1])));
            }
            s.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\" points=\"")
                    .append(pts.toString().trim()).append("\"><title>").append(esc(se.name())).append("</title></polyline>");
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>", left + pw + 10, top + 8 + i * 16, color, left + pw + 26,
                    top + 12 + i * 16, esc(se.name())));
        }
        return s.append("</svg>\n").toString();
    }

    private static double niceCeil(double v) {
        double e = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * e >= v) {
                return m * e;
            }
        }
        return 10 * e;
    }

    private static String num(double v) {
        if (v >= 1 && v == Math.rint(v)) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
