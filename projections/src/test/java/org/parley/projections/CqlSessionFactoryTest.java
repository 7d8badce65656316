package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.parley.config.Settings;

class CqlSessionFactoryTest {

    /**
     * The writer starts a whole group event's writes before its window waits (GroupDirectory: one per member, plus the
     * group row) on top of up to {@link ProjectionWriter#MAX_IN_FLIGHT} others: all of them must fit on the one
     * connection, or the driver refuses the surplus and the batch is retried (seen in a replay of 627k records).
     */
    @Test
    void oneConnectionHoldsTheLargestGroupsWritesAndTheWritersWindow() {
        int maxGroupMembers = Integer.parseInt(Settings.load().get("conversations.max-group-members"));

        assertThat(CqlSessionFactory.MAX_REQUESTS_PER_CONNECTION)
                .isGreaterThan(maxGroupMembers + 1 + ProjectionWriter.MAX_IN_FLIGHT)
                .isLessThanOrEqualTo(32_768); // the native protocol's stream ids per connection (v4+)
    }

    @Test
    void everyContactPointOfTheListIsUsedAndABadOneIsNamed() {
        assertThat(CqlSessionFactory.contactPoints("127.0.0.1:29042, 127.0.0.1:29043,127.0.0.1:29044"))
                .containsExactly(new InetSocketAddress("127.0.0.1", 29042), new InetSocketAddress("127.0.0.1", 29043),
                        new InetSocketAddress("127.0.0.1", 29044));
        assertThat(CqlSessionFactory.contactPoints("127.0.0.1:29042")).hasSize(1);
        assertThatThrownBy(() -> CqlSessionFactory.contactPoints("127.0.0.1:29042,127.0.0.1"))
                .hasMessageContaining("'127.0.0.1' is not host:port");
        assertThatThrownBy(() -> CqlSessionFactory.contactPoints("127.0.0.1:x"))
                .hasMessageContaining("port of '127.0.0.1:x' is not a number");
    }

    @Test
    void theConsistencyLevelIsASettingCheckedAtStart() {
        assertThat(CqlSessionFactory.consistency(Settings.load())).isEqualTo("LOCAL_ONE");
        assertThat(CqlSessionFactory.consistency(Settings.load().with(Map.of("cql.consistency", "quorum"))))
                .isEqualTo("QUORUM");
        assertThatThrownBy(() -> CqlSessionFactory.consistency(Settings.load().with(Map.of("cql.consistency", "most"))))
                .hasMessageContaining("cql.consistency must be a consistency level").hasMessageContaining("'MOST'");
    }
}
