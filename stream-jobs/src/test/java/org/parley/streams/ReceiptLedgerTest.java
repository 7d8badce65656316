package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.parley.events.ActionType;

class ReceiptLedgerTest {
    private static final String DM = "dm:alice:bob";
    private static final String G = "g:book-club";
    private final SequencerFixture f = new SequencerFixture();

    @AfterEach
    void close() {
        f.close();
    }

    private void delivered(String conversation, String user, long seq, String sender) {
        f.pipe(f.onTarget(ActionType.DELIVERY_RECEIPT, conversation, user, seq).setTargetUserId(sender));
    }

    private void read(String conversation, String user, long seq) {
        f.pipe(f.onTarget(ActionType.READ_RECEIPT, conversation, user, seq));
    }

    private List<String> receipts() {
        return f.receipts.readValuesToList().stream()
                .map(r -> r.getStatus() + " " + r.getSeq() + " by " + r.getByUserId() + " to " + r.getToUserId()).toList();
    }

    @Test
    void aReadIsToldToTheSenderAndSyncedToTheReadersOwnDevices() {
        f.accepted(f.message(DM, "alice", "1"));
        f.accepted(f.message(DM, "alice", "2"));
        read(DM, "bob", 2);
        assertThat(receipts()).containsExactly("READ 2 by bob to bob", "READ 2 by bob to alice");
        read(DM, "bob", 1); // behind the watermark: nothing new
        assertThat(f.receipts.isEmpty()).isTrue();
    }

    @Test
    void readReceiptsOffMeansNeitherSendingNorSeeingThemInOneToOneChats() {
        f.accepted(f.message(DM, "alice", "1"));
        f.accepted(f.message(DM, "bob", "2"));
        f.setReadReceipts("bob", false);
        read(DM, "bob", 1);   // bob's read is not told to alice
        read(DM, "alice", 2); // and bob does not see alice's
        assertThat(receipts()).containsExactly("READ 1 by bob to bob", "READ 2 by alice to alice");
        f.setReadReceipts("bob", true);
        f.accepted(f.message(DM, "bob", "3"));
        read(DM, "alice", 3);
        assertThat(receipts()).containsExactly("READ 3 by alice to alice", "READ 3 by alice to bob");
    }

    @Test
    void deliveryIsToldOncePerMemberNotOncePerDevice() {
        f.accepted(f.message(DM, "alice", "1"));
        delivered(DM, "bob", 1, "alice");
        f.pipe(f.onTarget(ActionType.DELIVERY_RECEIPT, DM, "bob", 1).setTargetUserId("alice").setSenderDeviceId("bob-laptop"));
        assertThat(receipts()).containsExactly("DELIVERED 1 by bob to alice");
    }

    @Test
    void groupSendersGetTheAllMembersAggregatesAndNoPerMemberReads() {
        f.accepted(f.createGroup(G, "alice", "Books", "bob", "carol")); // 1
        f.accepted(f.message(G, "alice", "a1"));                        // 2
        f.accepted(f.message(G, "bob", "b1"));                          // 3
        f.receipts.readValuesToList();

        delivered(G, "bob", 2, "alice");
        assertThat(receipts()).containsExactly("DELIVERED 2 by bob to alice");
        delivered(G, "carol", 3, "bob");
        // carol holds 2 and 3 and bob holds 2: all have alice's 2; alice has not acked bob's 3 yet
        assertThat(receipts()).containsExactly("DELIVERED 3 by carol to bob", "DELIVERED_TO_ALL 2 by * to alice");
        delivered(G, "alice", 3, "bob");
        assertThat(receipts()).containsExactly("DELIVERED 3 by alice to bob", "DELIVERED_TO_ALL 3 by * to bob");

        // A group member's read is its own read-sync (its per-member mark for the read model, docs/adr/0014): the
        // senders of what it read hear only "read by all", never one READ per member.
        read(G, "carol", 3);
        assertThat(receipts()).containsExactly("READ 3 by carol to carol");
        read(G, "bob", 3);
        assertThat(receipts()).containsExactly("READ 3 by bob to bob", "READ_BY_ALL 2 by * to alice");
        read(G, "alice", 3);
        assertThat(receipts()).containsExactly("READ 3 by alice to alice", "READ_BY_ALL 3 by * to bob");
    }

    @Test
    void aMemberWhoJoinedLaterDoesNotHoldBackEarlierMessages() {
        f.accepted(f.createGroup(G, "alice", "Books", "bob"));    // 1
        f.accepted(f.message(G, "alice", "a1"));                  // 2
        f.accepted(f.subjects(ActionType.ADD_MEMBERS, G, "alice", "dave")); // 3
        f.receipts.readValuesToList();
        delivered(G, "bob", 2, "alice");
        assertThat(receipts()).containsExactly("DELIVERED 2 by bob to alice", "DELIVERED_TO_ALL 2 by * to alice");
    }

    @Test
    void aLaggardLeavingReleasesTheAggregate() {
        f.accepted(f.createGroup(G, "alice", "Books", "bob", "carol")); // 1
        f.accepted(f.message(G, "alice", "a1"));                        // 2
        delivered(G, "bob", 2, "alice");
        f.receipts.readValuesToList();
        f.accepted(f.subjects(ActionType.REMOVE_MEMBER, G, "alice", "carol"));
        assertThat(receipts()).containsExactly("DELIVERED_TO_ALL 2 by * to alice");
    }

    @Test
    void receiptsForMessagesThatDoNotExistAreRefused() {
        f.accepted(f.message(DM, "alice", "1"));
        assertThat(f.refused(f.onTarget(ActionType.DELIVERY_RECEIPT, DM, "bob", 2).setTargetUserId("alice")))
                .isEqualTo("TARGET_UNKNOWN");
        assertThat(f.refused(f.onTarget(ActionType.READ_RECEIPT, DM, "bob", 0))).isEqualTo("TARGET_UNKNOWN");
        assertThat(f.refused(f.onTarget(ActionType.READ_RECEIPT, DM, "mallory", 1))).isEqualTo("NOT_A_MEMBER");
        assertThat(f.receipts.isEmpty()).isTrue();
    }
}
