package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class CqlScriptTest {

    @Test
    void substitutesEveryPlaceholder() {
        String out = CqlScript.substitute("CREATE KEYSPACE ${keyspace} WITH rf ${replication}; USE ${keyspace};",
                Map.of("keyspace", "ks", "replication", "3"));
        assertThat(out).isEqualTo("CREATE KEYSPACE ks WITH rf 3; USE ks;");
    }

    @Test
    void unknownPlaceholderIsAnError() {
        assertThatThrownBy(() -> CqlScript.substitute("SELECT ${nope}", Map.of("keyspace", "ks")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("${nope}");
    }

    @Test
    void valuesAreInsertedLiterally() {
        assertThat(CqlScript.substitute("x ${keyspace}", Map.of("keyspace", "a$1\\b"))).isEqualTo("x a$1\\b");
    }

    @Test
    void splitsAtTopLevelSemicolonsAndDropsComments() {
        String script = """
                -- a comment; with a semicolon
                CREATE TABLE a (x int PRIMARY KEY);   // trailing comment;
                /* block; comment */
                INSERT INTO a (x, s) VALUES (1, 'it''s; fine');
                INSERT INTO a (x, s) VALUES (2, $$dollar; quoted$$)
                """;
        List<String> statements = CqlScript.split(script);
        assertThat(statements).containsExactly(
                "CREATE TABLE a (x int PRIMARY KEY)",
                "INSERT INTO a (x, s) VALUES (1, 'it''s; fine')",
                "INSERT INTO a (x, s) VALUES (2, $$dollar; quoted$$)");
    }

    @Test
    void collapsesWhitespaceOutsideLiteralsOnly() {
        assertThat(CqlScript.split("SELECT   *\n\tFROM t WHERE s = 'a  b';"))
                .containsExactly("SELECT * FROM t WHERE s = 'a  b'");
    }

    @Test
    void emptyStatementsAreSkipped() {
        assertThat(CqlScript.split(" ; ;\n-- only a comment\n")).isEmpty();
    }

    @Test
    void unterminatedLiteralIsAnError() {
        assertThatThrownBy(() -> CqlScript.split("INSERT INTO t (s) VALUES ('oops);"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theShippedSchemaResolvesFromSettings() {
        Settings settings = Settings.of(Map.of("cql.keyspace", "parley_test", "cql.replication-factor", "3"));
        List<String> statements = CqlScript.schemaStatements(settings);

        assertThat(statements).isNotEmpty();
        assertThat(statements.get(0)).isEqualTo("CREATE KEYSPACE IF NOT EXISTS parley_test WITH replication = "
                + "{'class': 'SimpleStrategy', 'replication_factor': 3}");
        assertThat(statements).noneMatch(s -> s.contains("${") || s.contains("--"));
        // Every statement is an idempotent CREATE ... IF NOT EXISTS in the configured keyspace.
        assertThat(statements).allSatisfy(s -> {
            assertThat(CqlSchemaApplier.Target.of(s)).as(s).isPresent();
            assertThat(CqlSchemaApplier.Target.of(s).get().keyspace()).isEqualTo("parley_test");
        });
    }
}
