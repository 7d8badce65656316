package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.parley.infra.CqlSchemaApplier.Target;

class CqlSchemaApplierTest {

    @Test
    void recognisesWhatAStatementCreates() {
        assertThat(Target.of("CREATE KEYSPACE IF NOT EXISTS parley WITH replication = {}"))
                .contains(new Target("KEYSPACE", "parley", "parley"));
        assertThat(Target.of("create table if not exists parley.Messages (a int primary key)"))
                .contains(new Target("TABLE", "parley", "messages"));
        assertThat(Target.of("CREATE TYPE IF NOT EXISTS ks.\"Point\" (x int)"))
                .contains(new Target("TYPE", "ks", "Point"));
        assertThat(Target.of("CREATE INDEX IF NOT EXISTS by_user ON ks.t (user_id)"))
                .contains(new Target("INDEX", null, "by_user"));
        assertThat(Target.of("CREATE CUSTOM INDEX IF NOT EXISTS ks.sai ON ks.t (x) USING 'StorageAttachedIndex'"))
                .contains(new Target("CUSTOM INDEX", "ks", "sai"));
    }

    @Test
    void otherStatementsHaveNoTarget() {
        assertThat(Target.of("ALTER TABLE ks.t ADD x int")).isEmpty();
        assertThat(Target.of("CREATE TABLE ks.t (a int primary key)")).isEmpty(); // not idempotent: no IF NOT EXISTS
    }

    @Test
    void describesTargets() {
        assertThat(new Target("TABLE", "parley", "inbox").describe()).isEqualTo("table parley.inbox");
        assertThat(new Target("KEYSPACE", "parley", "parley").describe()).isEqualTo("keyspace parley");
    }
}
