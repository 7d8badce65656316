package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pushes matched to messages by conversation and seq, once per offline device (no sockets, no endpoint). */
class PushMatchingTest {
    private static final long MS = 1_000_000L;
    private final List<BenchDevice> devices = TestDevices.of(3, 2); // u2's devices d4, d5 are the offline ones
    private final Accounting accounting = new Accounting(100);
    private final LoadRun run = new LoadRun("Lq1", null, null, devices, 3, accounting, 0, 60, 10, 0);

    private void sent(int index, String conversation, long seq) {
        run.onFrame(devices.get(0), new JsonObject().put("type", "sent").put("clientMessageId", "Lq1." + index)
                .put("conversationId", conversation).put("seq", seq).put("duplicate", false));
    }

    @Test
    void eachOfflineDeviceGetsOnePushPerMessage() {
        run.sendDirect("push", 4, devices.get(0), 2, 10 * MS, true); // recipients d4, d5 (pushed) and d1 (online)
        sent(4, "dm:u0:u2", 17);
        run.push().onPush(4, "dm:u0:u2", 17, 30 * MS);
        run.onFrame(devices.get(1), new JsonObject().put("type", "message").put("inboxSeq", 1)
                .put("clientMessageId", "Lq1.4"));
        assertThat(accounting.tally().lost()).isEqualTo(1); // d5 not pushed yet
        run.push().onPush(5, "dm:u0:u2", 17, 40 * MS);

        Accounting.Tally t = accounting.tally();
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(run.stats("push.received").count()).isEqualTo(2);
        assertThat(run.stats("push.received").percentileMs(0)).isCloseTo(20.0, within(0.1)); // from the scheduled send
        assertThat(run.stats("push.delivered").count()).isEqualTo(1); // the sender's other device, live
    }

    @Test
    void aSecondPushForTheSameMessageAndDeviceIsADuplicate() {
        run.sendDirect("push", 1, devices.get(0), 2, 0, true);
        sent(1, "dm:u0:u2", 3);
        run.push().onPush(4, "dm:u0:u2", 3, MS);
        run.push().onPush(5, "dm:u0:u2", 3, MS);
        run.push().onPush(5, "dm:u0:u2", 3, 2 * MS); // the dispatcher's crash window, or a dedup bug

        assertThat(accounting.tallyByScenario().get("push").duplicates()).isEqualTo(1);
        assertThat(accounting.tally().duplicates()).isEqualTo(1);
        assertThat(run.counters()).containsEntry("push-duplicates", 1L).containsEntry("push-arrivals", 3L);
    }

    @Test
    void aPushThatOvertakesTheSendersSentIsMatchedWhenTheSeqIsKnown() {
        run.sendDirect("push", 2, devices.get(0), 2, 0, true);
        run.push().onPush(4, "dm:u0:u2", 8, 5 * MS);
        assertThat(run.counters()).containsEntry("push-unmatched", 1L);
        assertThat(accounting.tally().displayed()).isZero();

        sent(2, "dm:u0:u2", 8);

        assertThat(run.counters()).doesNotContainKey("push-unmatched");
        assertThat(accounting.tally().displayed()).isEqualTo(1);
        assertThat(run.stats("push.received").percentileMs(100)).isCloseTo(5.0, within(0.1)); // its arrival, not the match
    }

    @Test
    void aPushForAnotherMessageOrDeviceIsNotCounted() {
        run.sendDirect("push", 6, devices.get(0), 2, 0, true);
        sent(6, "dm:u0:u2", 9);
        run.push().onPush(3, "dm:u0:u2", 9, MS); // d3 is not a recipient
        run.push().onPush(4, "dm:u0:u2", 99, MS); // a seq this run never sent
        assertThat(run.counters()).containsEntry("push-not-a-recipient", 1L).containsEntry("push-unmatched", 1L);
        assertThat(accounting.tally().displayed()).isZero();
    }

    @Test
    void thePayloadNamesDeviceConversationAndSeq() {
        PushScenario.Payload p = PushScenario.Payload.parse("{\"type\":\"message\",\"pushId\":\"dev-1/dm:a:b/42\","
                + "\"conversationId\":\"dm:a:b\",\"unread\":3,\"sound\":\"default\"}");
        assertThat(p).isEqualTo(new PushScenario.Payload("dev-1", "dm:a:b", 42));
        assertThat(PushScenario.Payload.parse("{\"type\":\"message\",\"pushId\":\"d/g:x/y/7\",\"conversationId\":\"g:x/y\"}"))
                .isEqualTo(new PushScenario.Payload("d", "g:x/y", 7));
        assertThat(PushScenario.Payload.parse("{\"type\":\"message\",\"pushId\":\"dev-1/dm:a:c/42\",\"conversationId\":\"dm:a:b\"}"))
                .isNull();
        assertThat(PushScenario.Payload.parse("{\"type\":\"other\"}")).isNull();
        assertThat(PushScenario.Payload.parse("not json")).isNull();
    }

    @Test
    void theScenarioTakesUsersOfItsOwn() {
        assertThat(Scenarios.create("push").name()).isEqualTo("push");
        assertThat(new PushScenario(7, null).reservedUsers()).isEqualTo(7);
        assertThatThrownBy(() -> new PushScenario(0, null)).isInstanceOf(IllegalArgumentException.class);
    }
}
