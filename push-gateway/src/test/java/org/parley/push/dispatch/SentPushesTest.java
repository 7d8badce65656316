package org.parley.push.dispatch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SentPushesTest {
    @Test
    void aSentPushIsRememberedUntilItsAnswerIsRecorded() {
        SentPushes sent = new SentPushes(10);
        sent.sent("dev-1/e-1", PushDispatcher.Result.SENT, "201 created");

        assertThat(sent.unrecorded("dev-1/e-1"))
                .contains(new SentPushes.Answer(PushDispatcher.Result.SENT, "201 created"));
        assertThat(sent.unrecorded("dev-1/e-2")).isEmpty();
        sent.recorded("dev-1/e-1");
        assertThat(sent.unrecorded("dev-1/e-1")).isEmpty();
        assertThat(sent.size()).isZero();
    }

    @Test
    void theMemoryIsBoundedOldestFirst() {
        SentPushes sent = new SentPushes(2);
        sent.sent("a", PushDispatcher.Result.SENT, "201");
        sent.sent("b", PushDispatcher.Result.GONE, "410");
        sent.sent("c", PushDispatcher.Result.SENT, "201");

        assertThat(sent.unrecorded("a")).isEmpty();
        assertThat(sent.unrecorded("b")).isPresent();
        assertThat(sent.unrecorded("c")).isPresent();
        assertThat(sent.size()).isEqualTo(2);
    }
}
