package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AccountingTest {
    @Test
    void everyRecipientOnceIsNeitherLostNorDuplicated() {
        Accounting a = new Accounting(10);
        a.register(0, "one-to-one", 1, 100, true, new int[] {2});
        a.register(1, "group", 1, 200, true, new int[] {5, 3, 4});
        assertThat(a.sent(0, 150)).isTrue();
        assertThat(a.sent(1, 250)).isTrue();
        assertThat(a.displayed(0, 2)).isEqualTo(Accounting.Display.FIRST);
        assertThat(a.displayed(1, 3)).isEqualTo(Accounting.Display.FIRST);
        assertThat(a.displayed(1, 4)).isEqualTo(Accounting.Display.FIRST);
        assertThat(a.displayed(1, 5)).isEqualTo(Accounting.Display.FIRST);
        Accounting.Tally t = a.tally();
        assertThat(t.messages()).isEqualTo(2);
        assertThat(t.expected()).isEqualTo(4);
        assertThat(t.displayed()).isEqualTo(4);
        assertThat(t.lost()).isZero();
        assertThat(t.duplicates()).isZero();
        assertThat(t.unconfirmed()).isZero();
    }

    @Test
    void aMissingRecipientIsLostAndASecondDisplayIsADuplicate() {
        Accounting a = new Accounting(10);
        a.register(3, "group", 0, 100, true, new int[] {1, 2, 3});
        a.displayed(3, 1);
        assertThat(a.displayed(3, 1)).isEqualTo(Accounting.Display.DUPLICATE);
        assertThat(a.displayed(3, 9)).isEqualTo(Accounting.Display.NOT_A_RECIPIENT);
        assertThat(a.displayed(4, 1)).isEqualTo(Accounting.Display.UNKNOWN_MESSAGE);
        Accounting.Tally t = a.tally();
        assertThat(t.lost()).isEqualTo(2);
        assertThat(t.lostMessages()).isEqualTo(1);
        assertThat(t.duplicates()).isEqualTo(1);
        assertThat(t.unconfirmed()).isEqualTo(1);
        assertThat(a.missing(3)).containsExactly(2, 3);
    }

    @Test
    void retriedSendsCountExtraSentFramesButOneMessage() {
        Accounting a = new Accounting(2);
        a.register(0, "one-to-one", 0, 0, true, new int[] {1});
        assertThat(a.sent(0, 10)).isTrue();
        assertThat(a.sent(0, 20)).isFalse();
        assertThat(a.tally().extraSentFrames()).isEqualTo(1);
        assertThat(a.tally().messages()).isEqualTo(1);
    }

    @Test
    void errorsAreCountedByCode() {
        Accounting a = new Accounting(1);
        a.error("TIMEOUT");
        a.error("TIMEOUT");
        a.error("UNAVAILABLE");
        assertThat(a.tally().errors()).containsEntry("TIMEOUT", 2L).containsEntry("UNAVAILABLE", 1L);
    }

    @Test
    void aMessageIsRegisteredOnce() {
        Accounting a = new Accounting(2);
        a.register(0, "one-to-one", 0, 0, true, new int[] {1});
        assertThatThrownBy(() -> a.register(0, "one-to-one", 0, 0, true, new int[] {1}))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void inboxTrackerTellsRedeliveriesAndGapsApart() {
        InboxTracker t = new InboxTracker();
        t.reset(10);
        assertThat(t.accept(11)).isEqualTo(InboxTracker.Kind.NEXT);
        assertThat(t.accept(11)).isEqualTo(InboxTracker.Kind.REDELIVERY);
        assertThat(t.accept(9)).isEqualTo(InboxTracker.Kind.REDELIVERY);
        assertThat(t.accept(14)).isEqualTo(InboxTracker.Kind.AFTER_GAP);
        assertThat(t.highest()).isEqualTo(14);
        assertThat(t.gaps()).isEqualTo(1);
        assertThat(t.missingInGaps()).isEqualTo(2);
        assertThat(t.redeliveries()).isEqualTo(2);
    }
}
