package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Latency figures, the mix, /proc parsing, ratios and the HTML report. */
class ReportPartsTest {
    @Test
    void latencyIsRecordedFromTheScheduledTimeAndOnlyMeasuredOnesCount() {
        LatencyStats s = new LatencyStats("x", 0, 10);
        for (int i = 1; i <= 100; i++) {
            s.record(1_000_000_000L, 1_000_000_000L + i * 1_000_000L, true); // 1..100 ms
        }
        s.record(0, 5_000_000_000L, false); // warm-up: timeline only
        JsonObject sum = s.summary();
        assertThat(sum.getLong("count")).isEqualTo(100);
        assertThat(sum.getDouble("p50")).isBetween(49.9, 50.1);
        assertThat(sum.getDouble("p99")).isBetween(98.9, 99.1);
        assertThat(sum.getDouble("max")).isBetween(99.9, 100.1);
        assertThat(sum.getJsonArray("curve").size()).isEqualTo(LatencyStats.CURVE.length);
        JsonArray tl = s.timeline();
        assertThat(tl.size()).isEqualTo(2);
        assertThat(tl.getJsonArray(0).getInteger(0)).isZero(); // by scheduled second
        assertThat(tl.getJsonArray(1).getInteger(0)).isEqualTo(1);
        assertThat(tl.getJsonArray(1).getLong(1)).isEqualTo(100);
        double[] iv = s.takeInterval();
        assertThat(iv[0]).isEqualTo(101);
        assertThat(s.takeInterval()[0]).isZero();
    }

    @Test
    void mixFollowsTheWeightsInEveryWindow() {
        ScenarioMix m = ScenarioMix.parse("one-to-one=3, group=1");
        assertThat(m.names()).containsExactly("one-to-one", "group");
        int[] counts = new int[2];
        for (int n = 0; n < 1000; n++) {
            counts[m.pick(n)]++;
        }
        assertThat(counts[0]).isBetween(740, 760);
        assertThat(m.pick(17)).isEqualTo(m.pick(17));
        assertThat(ScenarioMix.parse("one-to-one").names()).containsExactly("one-to-one");
        assertThat(ScenarioMix.parse("one-to-one=1,group=0").names()).containsExactly("one-to-one");
        assertThatThrownBy(() -> ScenarioMix.parse("group=0")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ScenarioMix.parse("a=x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Scenarios.create("nonsense")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Scenarios.create("one-to-one").name()).isEqualTo("one-to-one");
    }

    @Test
    void procParsers() {
        String stat = "1234 (java (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 40 0 100 0 0";
        assertThat(ProcessSampler.cpuTicks(stat)).hasValue(300);
        assertThat(ProcessSampler.rssKb("Name:\tjava\nVmRSS:\t  204800 kB\nThreads: 4\n")).hasValue(204800);
        assertThat(ProcessSampler.rssKb("Name:\tjava\n")).isEmpty();
        long[] m = ProcessSampler.machineTicks("cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3\n");
        assertThat(m).containsExactly(150, 850);
        assertThat(ProcessSampler.cpuPercent(150, 1_000_000_000L)).isEqualTo(150.0); // 1.5 cores busy
    }

    @Test
    void samplerReportsThisProcess() {
        Map<String, Long> pids = ProcessSampler.stackPids(null);
        assertThat(pids).containsKey("bench-tool");
        ProcessSampler s = new ProcessSampler(pids, 1000, System.nanoTime());
        s.sampleOnce();
        s.sampleOnce();
        JsonObject r = s.result(0, 1e9).getJsonObject("processes").getJsonObject("bench-tool");
        assertThat(r.getInteger("samples")).isEqualTo(1);
        assertThat(r.getDouble("rssMaxMb")).isGreaterThan(1.0);
    }

    @Test
    void ratiosDivideParleyByEachFloor() {
        JsonObject figures = new JsonObject().put("one-to-one.delivered", new JsonObject().put("p50", 40.0).put("p99", 90.0));
        JsonObject floors = new JsonObject()
                .put("kafka", new JsonObject().put("produceToConsume", new JsonObject().put("p50", 4.0).put("p99", 30.0)))
                .put("echo", new JsonObject().put("available", true).put("roundTrip", new JsonObject().put("p50", 1.0).put("p99", 9.0)));
        JsonObject r = LoadBench.ratios(figures, floors);
        assertThat(r.getJsonObject("one-to-one.delivered / Kafka floor").getDouble("p50")).isEqualTo(10.0);
        assertThat(r.getJsonObject("one-to-one.delivered / Kafka floor").getDouble("p99")).isEqualTo(3.0);
        assertThat(r.getJsonObject("one-to-one.delivered / WebSocket echo floor").getDouble("p99")).isEqualTo(10.0);
    }

    @Test
    void htmlReportIsSelfContainedWithPlotsAndTables() {
        LatencyStats d = new LatencyStats("one-to-one.delivered", 0, 5);
        for (int i = 0; i < 300; i++) {
            d.record(i * 10_000_000L, i * 10_000_000L + (5 + i % 50) * 1_000_000L, i > 50);
        }
        JsonObject result = new JsonObject().put("runId", "L1<script>").put("startedAt", "now").put("command", "./parley bench")
                .put("options", new JsonObject().put("rate", 100.0).put("warmupSeconds", 1.0))
                .put("figures", new JsonObject().put("one-to-one.delivered", d.summary().put("timeline", d.timeline())))
                .put("floors", new JsonObject().put("kafka", new JsonObject().put("produceToConsume", d.summary()))
                        .put("echo", new JsonObject().put("available", false).put("reason", "not enabled")))
                .put("accounting", new JsonObject().put("messages", 300).put("lost", 0).put("duplicates", 2))
                .put("ratios", new JsonObject().put("a / b", new JsonObject().put("p50", 2.0).put("p99", 3.0)))
                .put("machine", new JsonObject().put("cores", 2))
                .put("processes", new JsonObject().put("processes", new JsonObject().put("edge-0", new JsonObject()
                        .put("pid", 1).put("cpuAvgPct", 10.0).put("cpuMaxPct", 20.0).put("rssAvgMb", 100.0).put("rssMaxMb", 110.0)
                        .put("series", new JsonArray().add(new JsonArray().add(0).add(10).add(100)).add(new JsonArray().add(1).add(20).add(110)))))
                        .put("machine", new JsonObject().put("cpuAvgPct", 50.0)));
        String html = HtmlReport.render(result);
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        assertThat(html).contains("Latency over time").contains("Percentile distribution").contains("CPU % of one core");
        assertThat(html.split("<svg", -1)).hasSize(5); // 4 plots
        assertThat(html).contains("<polyline").contains("floor: Kafka");
        assertThat(html).doesNotContain("<script").contains("L1&lt;script&gt;");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://").doesNotContain("https://");
        assertThat(html).contains("class=\"bad\">2<"); // duplicates flagged
    }

    @Test
    void theAccountingIsSplitByScenarioInTheResultAndTheReport() {
        Accounting a = new Accounting(10);
        a.register(0, "presence", 0, 0, true, new int[] {1, 2});
        a.register(1, "push", 0, 0, true, new int[] {3});
        a.displayed(0, 1);
        a.displayed(0, 2);
        JsonObject by = LoadBench.byScenario(a);
        assertThat(by.getJsonObject("presence").getLong("lost")).isZero();
        assertThat(by.getJsonObject("push").getLong("expected")).isEqualTo(1);
        assertThat(by.getJsonObject("push").getLong("lost")).isEqualTo(1);
        String html = HtmlReport.render(new JsonObject().put("runId", "L3")
                .put("accounting", new JsonObject().put("lost", 1).put("duplicates", 0).put("byScenario", by)));
        assertThat(html).contains("By scenario").contains("<td>push</td><td>1</td><td>1</td><td>0</td><td class=\"bad\">1<");
    }

    @Test
    void ninesAxis() {
        assertThat(HtmlReport.ninesX(0)).isZero();
        assertThat(HtmlReport.ninesX(90)).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(HtmlReport.ninesX(99.9)).isCloseTo(3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(HtmlReport.ninesX(100)).isEqualTo(5.5);
    }

    private static JsonObject step(double rate, double p99, long lost) {
        return new JsonObject().put("options", new JsonObject().put("rate", rate))
                .put("achieved", new JsonObject().put("sendRate", rate))
                .put("figures", new JsonObject().put("one-to-one.delivered", new JsonObject().put("p50", p99 / 3).put("p99", p99)
                        .put("max", p99 * 2)))
                .put("accounting", new JsonObject().put("lost", lost).put("duplicates", 0L));
    }

    @Test
    void stepSummaryFindsTheHighestCleanRatesUnderEachBound() {
        JsonArray steps = new JsonArray().add(step(500, 40, 0)).add(step(1000, 80, 0)).add(step(1500, 45, 3)).add(step(2000, 300, 0));
        JsonObject s = LoadBench.stepSummary(steps);
        assertThat(s.getDouble("maxRateP99Under100ms")).isEqualTo(1000.0);
        assertThat(s.getDouble("maxRateP99Under50ms")).isEqualTo(500.0); // 1500 had losses
        assertThat(s.getJsonArray("steps")).hasSize(4);
        String html = HtmlReport.render(new JsonObject().put("runId", "L2").put("steps", steps).put("summary", s));
        assertThat(html).contains("Step 4: 2000 /s").contains("Highest rate with one-to-one p99 under 100 ms: <b>1000.0</b>");
        assertThat(LoadBench.stepSummary(new JsonArray().add(step(100, 500, 0))).getValue("maxRateP99Under100ms")).isNull();
    }
}
