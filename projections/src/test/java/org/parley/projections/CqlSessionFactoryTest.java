package org.parley.projections;

import static org.assertj.core.api.Assertions.assertThat;

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
}
