package org.parley.infra.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlScriptTest {
    @Test
    void splitsAtTerminatingSemicolonsOnly() {
        assertThat(SqlScript.split("SELECT 1; SELECT 'a;b'; SELECT \"x;\" FROM t -- c;omment\n; SELECT /* ; */ 2"))
                .containsExactly("SELECT 1", "SELECT 'a;b'", "SELECT \"x;\" FROM t -- c;omment", "SELECT /* ; */ 2");
        assertThat(SqlScript.split("SELECT 'it''s; fine'; SELECT $$a;b$$;"))
                .containsExactly("SELECT 'it''s; fine'", "SELECT $$a;b$$");
        assertThat(SqlScript.split("-- only a comment\n;  ;\n")).isEmpty();
    }

    @Test
    void aStatementIsCompleteOnceItsSemicolonIsOutsideQuotesAndComments() {
        assertThat(SqlScript.complete("SELECT 1")).isFalse();
        assertThat(SqlScript.complete("SELECT 1;")).isTrue();
        assertThat(SqlScript.complete("SELECT 1; -- done\n")).isTrue();
        assertThat(SqlScript.complete("SELECT 'a;")).isFalse();
        assertThat(SqlScript.complete("SELECT 1 -- ;")).isFalse();
        assertThat(SqlScript.complete("SELECT 1; SELECT")).isFalse();
    }
}
