package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client-side frame handling that the accounting rests on, without sockets (devices not connected). */
class LoadRunTest {
    private final List<BenchDevice> devices = new ArrayList<>();
    private final Accounting accounting = new Accounting(100);
    private final LoadRun run;

    LoadRunTest() {
        for (int i = 0; i < 6; i++) { // 3 users with 2 devices each
            devices.add(new BenchDevice(i, i / 2, new BenchDevice.Credentials("u" + (i / 2), "d" + i, "t" + i)));
        }
        run = new LoadRun("Lrun1", null, null, devices, 3, accounting, 0, 60, 10, 0);
    }

    private JsonObject message(long inboxSeq, int index) {
        return new JsonObject().put("type", "message").put("inboxSeq", inboxSeq).put("clientMessageId", "Lrun1." + index);
    }

    @Test
    void aDirectMessageGoesToThePartnersDevicesAndTheSendersOtherDevices() {
        assertThat(run.directRecipients(devices.get(0), 1)).containsExactlyInAnyOrder(2, 3, 1);
    }

    @Test
    void clientMessageIdsOfOtherRunsAreNotOurs() {
        assertThat(run.indexOf("Lrun1.42")).isEqualTo(42);
        assertThat(run.indexOf("Lrun2.42")).isEqualTo(-1);
        assertThat(run.indexOf("Lrun1x42")).isEqualTo(-1);
        assertThat(run.indexOf("Lrun1.")).isEqualTo(-1);
        assertThat(run.indexOf(null)).isEqualTo(-1);
    }

    @Test
    void deliveriesAreCountedOncePerDeviceAndARedeliveryAfterReconnectIsNotADuplicate() {
        run.sendDirect("one-to-one", 7, devices.get(0), 1, 1_000, true);
        BenchDevice b1 = devices.get(2);
        BenchDevice b2 = devices.get(3);
        BenchDevice a2 = devices.get(1);
        run.onFrame(b1, new JsonObject().put("type", "ready").put("fromInboxSeq", 0));
        run.onFrame(b1, message(1, 7));
        run.onFrame(b1, message(1, 7)); // the same inbox seq again (reconnect): recognised, not shown
        run.onFrame(b2, message(5, 7));
        assertThat(accounting.tally().lost()).isEqualTo(1); // a2 has not got it
        run.onFrame(a2, message(3, 7));
        run.onFrame(a2, message(4, 7)); // the same message under a new inbox seq: shown twice
        Accounting.Tally t = accounting.tally();
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isEqualTo(1);
        assertThat(b1.inbox.redeliveries()).isEqualTo(1);
        assertThat(run.inboxTotals().getLong("redeliveriesRecognised")).isEqualTo(1);
        assertThat(run.stats("one-to-one.delivered").count()).isEqualTo(3);
    }

    @Test
    void sentConfirmsOnceAndTheSendIsRememberedUntilThen() {
        BenchDevice a = devices.get(0);
        run.sendDirect("one-to-one", 3, a, 2, 0, true);
        assertThat(a.unconfirmed).containsKey(3); // not connected: kept for the re-send after the reconnect
        assertThat(a.unconfirmed.get(3)).contains("\"clientMessageId\":\"Lrun1.3\"").contains("\"to\":\"u2\"");
        run.onFrame(a, new JsonObject().put("type", "sent").put("clientMessageId", "Lrun1.3").put("conversationId", "dm:u0:u2")
                .put("seq", 9).put("duplicate", false));
        run.onFrame(a, new JsonObject().put("type", "sent").put("clientMessageId", "Lrun1.3").put("conversationId", "dm:u0:u2")
                .put("seq", 9).put("duplicate", true));
        assertThat(a.unconfirmed).isEmpty();
        assertThat(accounting.tally().unconfirmed()).isZero();
        assertThat(accounting.tally().extraSentFrames()).isEqualTo(1);
        assertThat(run.stats("one-to-one.sent").count()).isEqualTo(1);
        assertThat(run.counters()).containsEntry("sent-duplicate-true", 1L);
        // its delivered receipt is matched by conversation and seq
        run.onFrame(a, new JsonObject().put("type", "receipt").put("inboxSeq", 1).put("status", "delivered")
                .put("conversationId", "dm:u0:u2").put("seq", 9));
        assertThat(run.stats("one-to-one.receipt").count()).isEqualTo(1);
    }

    @Test
    void aGroupMessagesReceiptBackIsItsDeliveredToAllWhichIsCumulative() {
        BenchDevice a = devices.get(0);
        run.sendDirect("group", 4, a, 1, 0, true);
        run.sendDirect("group", 5, a, 1, 0, true);
        run.sendDirect("group", 6, a, 1, 0, true);
        for (int i = 4; i <= 6; i++) {
            run.onFrame(a, new JsonObject().put("type", "sent").put("clientMessageId", "Lrun1." + i)
                    .put("conversationId", "g:bench-grp0").put("seq", 10 + i).put("duplicate", false));
        }
        // Every member holds the sender's messages up to seq 15 (ADR 0014): messages 4 and 5 are delivered to all.
        run.onFrame(a, new JsonObject().put("type", "receipt").put("inboxSeq", 1).put("status", "delivered_to_all")
                .put("conversationId", "g:bench-grp0").put("seq", 15));
        assertThat(run.stats("group.receipt").count()).isEqualTo(2);
        run.onFrame(a, new JsonObject().put("type", "receipt").put("inboxSeq", 2).put("status", "delivered_to_all")
                .put("conversationId", "g:bench-grp0").put("seq", 16));
        run.onFrame(devices.get(1), new JsonObject().put("type", "receipt").put("inboxSeq", 1).put("status", "delivered_to_all")
                .put("conversationId", "g:bench-grp0").put("seq", 16)); // the sender's other device: already counted
        assertThat(run.stats("group.receipt").count()).isEqualTo(3);
    }

    @Test
    void liveDeviceSkipsDisconnectedOnes() {
        assertThat(run.liveDevice(0)).isNull();
        devices.get(4).live = true;
        assertThat(run.liveDevice(1).index()).isEqualTo(4);
        assertThat(run.liveDevice(5).index()).isEqualTo(4);
    }

    @Test
    void typingSignalsAreMatchedByConversationAndSendingDeviceOncePerOnlineRecipient() {
        BenchDevice a = devices.get(0);
        run.sendSignal("typing", 11, a, "dm:u0:u1", new int[] {2, 3}, 500, true, "{}");
        run.sendSignal("typing", 12, a, "dm:u0:u1", new int[] {2}, 600, true, "{}");
        JsonObject start = new JsonObject().put("type", "typing").put("conversationId", "dm:u0:u1").put("userId", "u0")
                .put("deviceId", "d0").put("state", "start");
        run.onFrame(devices.get(2), start);
        run.onFrame(devices.get(2), start.copy().put("state", "stop")); // the server's own stop: not a display
        run.onFrame(devices.get(3), start);
        assertThat(accounting.tally().lost()).isEqualTo(1); // device 2 has not had the second start yet
        run.onFrame(devices.get(2), start);
        run.onFrame(devices.get(2), start); // nothing outstanding any more
        Accounting.Tally t = accounting.tally();
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(t.unconfirmed()).isZero();
        assertThat(run.counters()).containsEntry("typing-unmatched", 1L);
        assertThat(run.stats("typing.delivered").count()).isEqualTo(3);
        assertThat(Scenarios.create("typing").name()).isEqualTo("typing");
    }
}
