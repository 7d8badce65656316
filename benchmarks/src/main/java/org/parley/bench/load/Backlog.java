package org.parley.bench.load;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.parley.config.Settings;
import org.parley.infra.ConsumerLagReport;

/**
 * The backlog of a run: every consumer group's lag (records committed offsets are behind the partitions' ends, as
 * {@code ./parley status} shows it: {@link ConsumerLagReport}) at the load's start and at its end, and the growth.
 * A pipeline that keeps up ends with the lag it started with (give or take what is in flight).
 */
final class Backlog {
    private Backlog() {
    }

    /** Lag by group now; empty if the broker does not answer within a few seconds (then said in the result). */
    static Map<String, Long> snapshot(Settings settings) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        Map<String, Long> out = new LinkedHashMap<>();
        try (Admin admin = Admin.create(p)) {
            for (ConsumerLagReport.GroupLag g : ConsumerLagReport.fetch(admin, Duration.ofSeconds(10))) {
                out.put(g.group(), g.total());
            }
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LoadBench.log("backlog: consumer lag not read (%s)", e.toString());
        }
        return out;
    }

    /** {start: {group: lag}, end: {...}, growth: {group: end - start}, totalGrowth}. */
    static JsonObject compare(Map<String, Long> start, Map<String, Long> end) {
        JsonObject growth = new JsonObject();
        long total = 0;
        for (Map.Entry<String, Long> e : end.entrySet()) {
            long g = e.getValue() - start.getOrDefault(e.getKey(), 0L);
            growth.put(e.getKey(), g);
            total += g;
        }
        return new JsonObject().put("start", new JsonObject(new LinkedHashMap<>(start)))
                .put("end", new JsonObject(new LinkedHashMap<>(end))).put("growth", growth).put("totalGrowth", total)
                .put("read", !start.isEmpty() && !end.isEmpty());
    }
}
