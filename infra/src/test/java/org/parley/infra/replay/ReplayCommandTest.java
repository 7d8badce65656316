package org.parley.infra.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import picocli.CommandLine;

/** {@code ./parley replay}'s usage errors: each refused with exit 2 and a precise message, before any connection. */
class ReplayCommandTest {
    /** Ports nothing listens on: a command that got past its checks would fail to connect, not exit 2. */
    private static final Settings NOWHERE = Settings.of(Map.of("kafka.port", "1", "cql.port", "1", "registry.port", "1"));

    private static String run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = new CommandLine(new ReplayCommand(NOWHERE, print, print)).execute(args);
        return code + " " + out.toString(StandardCharsets.UTF_8).trim();
    }

    @Test
    void theLiveKeyspaceIsNeverTheReplaysTarget() {
        assertThat(run("--keyspace", "parley")).isEqualTo("2 parley replay: --keyspace and --against name the same keyspace 'parley'");
        assertThat(run("--keyspace", "other", "--against", "other", "--compare-only"))
                .startsWith("2 parley replay: --keyspace and --against name the same keyspace");
        assertThatThrownBy(() -> new ReadModelRebuild(NOWHERE, "parley", "g", System.out, 1000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be the live one");
    }

    @Test
    void keyspaceNamesAreCheckedBeforeTheyReachACqlStatement() {
        assertThat(run("--keyspace", "x; DROP KEYSPACE parley")).startsWith("2 parley replay: keyspace 'x; DROP KEYSPACE parley'");
        assertThat(run("--keyspace", "Replay")).startsWith("2 parley replay: keyspace 'Replay': use lower-case letters");
        assertThat(run("--against", "9lives", "--compare-only")).startsWith("2 parley replay: keyspace '9lives'");
    }

    @Test
    void optionsOfTheOtherModeAreRefused() {
        assertThat(run("--compare-only", "--fresh")).isEqualTo("2 parley replay: --compare-only replays nothing: drop --no-compare and --fresh");
        assertThat(run("--from", "0")).isEqualTo("2 parley replay: --from, --to, --partition and --out go with --topic");
        assertThat(run("--topic", "receipts")).isEqualTo("2 parley replay: --topic needs --out FILE (or --out - for standard output)");
        assertThat(run("--topic", "receipts", "--out", "-", "--fresh"))
                .isEqualTo("2 parley replay: --topic exports a topic; the keyspace options do not apply");
        assertThat(run("--topic", "receipts", "--out", "-", "--to", "yesterday"))
                .isEqualTo("2 parley replay: 'yesterday' is neither an offset nor an ISO-8601 time (e.g. 2026-01-31T12:00:00Z, 2026-01-31)");
    }

    @Test
    void boundsAreOffsetsOrTimes() {
        assertThat(TopicRangeExport.Bound.parse("1200")).isEqualTo(new TopicRangeExport.Bound(1200L, null));
        assertThat(TopicRangeExport.Bound.parse("2026-12-06")).isEqualTo(
                new TopicRangeExport.Bound(null, Instant.parse("2026-12-06T00:00:00Z")));
        assertThat(TopicRangeExport.Bound.parse("2026-12-06T08:30")).isEqualTo(
                new TopicRangeExport.Bound(null, Instant.parse("2026-12-06T08:30:00Z")));
    }
}
