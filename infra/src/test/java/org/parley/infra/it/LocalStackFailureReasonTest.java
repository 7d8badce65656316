package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a failed {@code ./parley up} leaves in the exception: the CI summary shows that line, not the test log. */
class LocalStackFailureReasonTest {

    @Test
    void keepsTheScriptsFailureLineAndTheLogTailAfterIt() {
        var up = new LocalStackExtension.Result(1, String.join("\n",
                "[  3.0s] cql starting", "[ 9.0s] kafka ready",
                "parley: sequencer not ready after 180s (stack.ready-timeout-seconds)",
                "parley: log: .parley/logs/sequencer.log (last 20 lines follow)",
                "ERROR TimeoutException: topic metadata", "") + "\n");

        assertThat(LocalStackExtension.failureReason(up))
                .startsWith("parley: sequencer not ready after 180s")
                .contains("ERROR TimeoutException: topic metadata")
                .doesNotContain("cql starting");
    }

    @Test
    void withoutAFailureLineKeepsTheLastLines() {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= 40; i++) {
            out.append("line ").append(i).append('\n');
        }
        String reason = LocalStackExtension.failureReason(new LocalStackExtension.Result(1, out.toString()));

        assertThat(reason).startsWith("line 31 |").endsWith("line 40").doesNotContain("line 30 ");
    }
}
