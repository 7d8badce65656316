package org.parley.bench.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-kill figures of a chaos run (docs/performance.md, "Chaos"), from each message's due and completion times
 * (the moment its last recipient showed it; a push counts at its arrival) and the kills' times. For kill i, its window
 * is [kill i, kill i+1) (the last one's ends with the last send):
 * <ul>
 * <li><b>pre-kill p99</b>: p99 of the messages due in the {@code baselineSeconds} before the kill (not before the
 * previous kill's recovery);</li>
 * <li><b>threshold</b>: max(2 × pre-kill p99, {@code floorMs});</li>
 * <li><b>recovery time</b>: from the kill to the due time of the first message after which every message due in the
 * window was complete within the threshold (0: none was over it); none (not recovered) if the window's last message
 * was still over it or lost;</li>
 * <li><b>during</b>: p99 and max latency of the messages due from the kill to the later of the recovery and the
 * restarted component's readiness;</li>
 * <li><b>lost, duplicates</b>: of the messages due in the window (pairs never shown, extra displays).</li>
 * </ul>
 * Presence transitions and typing signals are left out: their "latency" is not a message's.
 */
public final class ChaosReport {
    static final Set<String> NOT_MESSAGES = Set.of("presence", "typing");

    private ChaosReport() {
    }

    /** Latency in ms of a complete message; +inf for one some recipient never showed. */
    static double latencyMs(Accounting.Timing t) {
        return t.complete() ? (t.completedNanos() - t.scheduledNanos()) / 1e6 : Double.POSITIVE_INFINITY;
    }

    /** Nearest-rank percentile of finite values (NaN for none). */
    static double percentile(List<Double> values, double p) {
        List<Double> finite = new ArrayList<>(values.stream().filter(Double::isFinite).toList());
        if (finite.isEmpty()) {
            return Double.NaN;
        }
        finite.sort(null);
        int rank = (int) Math.ceil(p / 100.0 * finite.size());
        return finite.get(Math.max(0, Math.min(finite.size() - 1, rank - 1)));
    }

    public static JsonObject analyse(List<ChaosMonkey.Kill> kills, List<Accounting.Timing> all, long runStartNanos,
                                     long sendEndNanos, double floorMs, double baselineSeconds) {
        List<Accounting.Timing> timings = all.stream().filter(t -> !NOT_MESSAGES.contains(t.scenario())).toList();
        JsonArray rows = new JsonArray();
        Map<String, JsonObject> byKind = new LinkedHashMap<>();
        long previousRecovered = runStartNanos;
        boolean allRestarted = true;
        int collateralTotal = 0;
        for (int i = 0; i < kills.size(); i++) {
            ChaosMonkey.Kill k = kills.get(i);
            allRestarted &= k.restarted();
            collateralTotal += k.collateral().size();
            long kill = k.killNanos();
            long windowEnd = i + 1 < kills.size() ? kills.get(i + 1).killNanos() : sendEndNanos;
            long baselineFrom = Math.max(previousRecovered, kill - (long) (baselineSeconds * 1e9));
            List<Double> before = new ArrayList<>();
            List<Accounting.Timing> window = new ArrayList<>();
            for (Accounting.Timing t : timings) {
                long due = t.scheduledNanos();
                if (due >= baselineFrom && due < kill) {
                    before.add(latencyMs(t));
                } else if (due >= kill && due < windowEnd) {
                    window.add(t);
                }
            }
            double preP99 = percentile(before, 99);
            double threshold = Double.isNaN(preP99) ? floorMs : Math.max(2 * preP99, floorMs);
            int lastBad = -1;
            for (int j = 0; j < window.size(); j++) {
                if (latencyMs(window.get(j)) > threshold) {
                    lastBad = j;
                }
            }
            boolean recovered = lastBad < window.size() - 1 || window.isEmpty();
            long recoveredAt = lastBad < 0 ? kill : recovered ? window.get(lastBad + 1).scheduledNanos() : windowEnd;
            long duringEnd = recovered ? Math.max(recoveredAt, k.readyNanos()) : windowEnd;
            List<Double> during = new ArrayList<>();
            long lost = 0, lostMessages = 0, dups = 0, lostDuring = 0;
            for (Accounting.Timing t : window) {
                if (t.scheduledNanos() <= duringEnd) {
                    during.add(latencyMs(t));
                    if (!t.complete()) {
                        lostDuring++;
                    }
                }
                lost += t.lost();
                lostMessages += t.lost() > 0 ? 1 : 0;
                dups += t.duplicates();
            }
            JsonObject row = new JsonObject().put("number", k.number()).put("kind", k.kind()).put("component", k.component())
                    .put("pid", k.pid()).put("killAtSeconds", round((kill - runStartNanos) / 1e9))
                    .put("goneAfterMs", round((k.goneNanos() - kill) / 1e6))
                    .put("restarted", k.restarted())
                    .put("readyAfterSeconds", k.restarted() ? round((k.readyNanos() - kill) / 1e9) : null)
                    .put("restartAttempts", k.restartAttempts()).put("error", k.error())
                    .put("foundStopped", k.pid() < 0).put("collateral", new JsonArray(k.collateral()))
                    .put("preKillMessages", before.size()).put("preKillP99Ms", nullIfNaN(preP99))
                    .put("thresholdMs", round(threshold))
                    .put("recovered", recovered)
                    .put("recoveryMs", recovered ? round((recoveredAt - kill) / 1e6) : null)
                    .put("duringMessages", during.size()).put("duringP99Ms", nullIfNaN(percentile(during, 99)))
                    .put("duringMaxMs", nullIfNaN(during.stream().filter(Double::isFinite).mapToDouble(d -> d).max().orElse(Double.NaN)))
                    .put("windowMessages", window.size()).put("lost", lost).put("lostMessages", lostMessages)
                    .put("duplicates", dups);
            rows.add(row);
            JsonObject kind = byKind.computeIfAbsent(k.kind(), x -> new JsonObject().put("kills", 0).put("restarted", 0)
                    .put("lost", 0L).put("duplicates", 0L).put("notRecovered", 0));
            kind.put("kills", kind.getInteger("kills") + 1)
                    .put("restarted", kind.getInteger("restarted") + (k.restarted() ? 1 : 0))
                    .put("lost", kind.getLong("lost") + lost).put("duplicates", kind.getLong("duplicates") + dups)
                    .put("notRecovered", kind.getInteger("notRecovered") + (recovered ? 0 : 1));
            maxInto(kind, "maxRecoveryMs", row.getDouble("recoveryMs"));
            maxInto(kind, "maxDuringP99Ms", row.getDouble("duringP99Ms"));
            maxInto(kind, "maxDuringMaxMs", row.getDouble("duringMaxMs"));
            maxInto(kind, "maxReadyAfterSeconds", row.getDouble("readyAfterSeconds"));
            previousRecovered = recovered ? Math.max(recoveredAt, k.readyNanos()) : windowEnd;
        }
        JsonObject kinds = new JsonObject();
        byKind.forEach(kinds::put);
        return new JsonObject().put("floorMs", floorMs).put("baselineSeconds", baselineSeconds).put("kills", rows)
                .put("byKind", kinds).put("allRestarted", allRestarted).put("collateralRestarts", collateralTotal);
    }

    private static void maxInto(JsonObject o, String key, Double v) {
        if (v != null) {
            Double old = o.getDouble(key);
            o.put(key, old == null ? v : Math.max(old, v));
        }
    }

    private static Double nullIfNaN(double v) {
        return Double.isNaN(v) ? null : round(v);
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** One line per kill for the console. */
    static List<String> lines(JsonObject report) {
        List<String> out = new ArrayList<>();
        out.add(String.format("%-3s %-12s %-12s %8s %8s %8s %10s %10s %10s %6s %5s  %s", "#", "kind", "component",
                "kill s", "ready s", "pre p99", "recovery", "p99 dur.", "max dur.", "lost", "dups", "found stopped"));
        for (int i = 0; i < report.getJsonArray("kills").size(); i++) {
            JsonObject r = report.getJsonArray("kills").getJsonObject(i);
            List<String> stoppedToo = new ArrayList<>();
            if (r.getBoolean("foundStopped")) {
                stoppedToo.add("itself");
            }
            r.getJsonArray("collateral").forEach(c -> stoppedToo.add((String) c));
            out.add(String.format("%-3d %-12s %-12s %8.1f %8s %8s %10s %10s %10s %6d %5d  %s", r.getInteger("number"),
                    r.getString("kind"), r.getString("component"), r.getDouble("killAtSeconds"),
                    str(r.getDouble("readyAfterSeconds"), "NO"), str(r.getDouble("preKillP99Ms"), "-"),
                    r.getBoolean("recovered") ? str(r.getDouble("recoveryMs"), "-") + " ms" : "not recov.",
                    str(r.getDouble("duringP99Ms"), "-"), str(r.getDouble("duringMaxMs"), "-"), r.getLong("lost"),
                    r.getLong("duplicates"), stoppedToo.isEmpty() ? "-" : String.join(",", stoppedToo)));
        }
        return out;
    }

    private static String str(Double v, String none) {
        return v == null ? none : String.format("%.1f", v);
    }
}
