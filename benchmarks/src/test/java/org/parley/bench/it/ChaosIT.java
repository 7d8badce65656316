package org.parley.bench.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chaos under load (docs/performance.md, "Chaos"), short and bounded: the load tool's chaos mode on the test stack,
 * one-to-one, group and offline-push traffic, and one SIGKILL of each kind of component the stack has (on the split
 * layout: broker, cql, sequencer, presence, fanout, projections, push, edge), each restarted through the supervisor
 * before the next; the sends end a few seconds after the last restart. The accounting must end with nothing lost,
 * nothing shown twice, no inbox gap, every push delivered and every send confirmed, and every kill must have been
 * followed by a restart. A push sent twice is printed, not asserted: ADR 0007 allows a second request for a push id
 * when a dispatcher fails between a claim and its recorded answer, as a CQL kill mid-batch makes it (the load tool's
 * verdict still counts it). No timing is asserted: the per-kill figures are printed and kept in the result file.
 */
class ChaosIT {
    @RegisterExtension
    static final ChaosStack STACK = new ChaosStack();

    @Test
    void oneKillOfEachKindUnderLoadLosesNothingAndShowsNothingTwice() throws Exception {
        Path out = STACK.repoRoot().resolve("benchmarks/target/chaos-it-" + System.currentTimeMillis());
        ChaosStack.Result bench = STACK.parley("bench", "--scenario", "load", "--devices", "200", "--rate", "15",
                "--warmup", "5", "--duration", "600", "--drain-seconds", "180", "--floor-seconds", "0",
                "--mix", "one-to-one=3,group=1,push=1", "--groups", "10", "--group-size", "5", "--push-users", "5",
                "--chaos-every", "8", "--chaos-kinds", "all", "--chaos-rounds", "1", "--label", "ChaosIT",
                "--out", out.toString());
        Path resultFile = out.resolve("result.json");
        assertThat(resultFile).as("the load tool's result (exit %d): %s", bench.exitCode(), bench.output()).exists();
        JsonObject result = new JsonObject(Files.readString(resultFile));
        JsonObject chaos = result.getJsonObject("chaos");
        JsonArray kills = chaos.getJsonArray("kills");

        List<String> kinds = new ArrayList<>();
        for (int i = 0; i < kills.size(); i++) {
            JsonObject k = kills.getJsonObject(i);
            System.out.println("[chaos] " + k.encode());
            kinds.add(k.getString("kind"));
            assertThat(k.getBoolean("restarted")).as("kill %s: restarted", k.encode()).isTrue();
        }
        List<String> stackKinds = new ArrayList<>();
        chaos.getJsonArray("kinds").forEach(k -> stackKinds.add(((JsonObject) k).getString("kind")));
        // on the split layout: broker, cql, sequencer, presence, fanout, projections, push, edge
        assertThat(stackKinds).as("the kinds this stack has").contains("broker", "cql");
        assertThat(kinds).as("one kill of each kind of the stack").containsExactlyElementsOf(stackKinds);

        JsonObject accounting = result.getJsonObject("accounting");
        JsonObject counters = accounting.getJsonObject("counters");
        assertThat(accounting.getLong("messages")).as("messages sent").isPositive();
        assertThat(accounting.getLong("lost")).as("(message, device) pairs never shown").isZero();
        JsonObject byScenario = accounting.getJsonObject("byScenario");
        for (String scenario : byScenario.fieldNames()) {
            if (!scenario.equals("push")) { // pushes below
                assertThat(byScenario.getJsonObject(scenario).getLong("duplicates")).as("%s shown twice", scenario).isZero();
            }
        }
        assertThat(accounting.getLong("unconfirmedSends")).as("sends never confirmed").isZero();
        assertThat(accounting.getJsonObject("inbox").getLong("gaps")).as("inbox gaps").isZero();
        JsonObject push = byScenario.getJsonObject("push");
        assertThat(push.getLong("messages")).as("pushed messages").isPositive();
        assertThat(push.getLong("displayed")).as("every push arrived").isEqualTo(push.getLong("expected"));
        assertThat(counters.getLong("push-not-a-recipient", 0L)).as("a push to a device not addressed").isZero();
        // A second request for a push id is what ADR 0007 allows when a dispatcher's batch fails between a claim and
        // its recorded answer (here: CQL killed mid-batch): same pushId and Topic, one notification on the device.
        // Counted and printed, not asserted; the load tool's own verdict (exit status) counts it as a failure.
        System.out.printf("[chaos] push requests beyond one per (device, message): %d (ADR 0007's window)%n",
                counters.getLong("push-duplicates", 0L));
        for (int i = 0; i < kills.size(); i++) {
            assertThat(kills.getJsonObject(i).getLong("lost")).as("lost in the window of %s", kills.getJsonObject(i)
                    .getString("kind")).isZero();
        }
    }
}
