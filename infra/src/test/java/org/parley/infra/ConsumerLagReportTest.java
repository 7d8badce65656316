package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ConsumerLagReportTest {
    private static final TopicPartition A0 = new TopicPartition("actions", 0);
    private static final TopicPartition A1 = new TopicPartition("actions", 1);
    private static final TopicPartition E0 = new TopicPartition("conversation-events", 0);

    @Test
    void lagIsTheEndMinusTheCommittedOffsetPerPartitionSummedAndMaxed() {
        ConsumerLagReport.GroupLag g = ConsumerLagReport.compute("parley-sequencer", "Stable",
                Map.of(A0, 10L, A1, 40L, E0, 7L), Map.of(A0, 15L, A1, 40L, E0, 107L, new TopicPartition("x", 0), 5L));
        assertThat(g.total()).isEqualTo(105);
        assertThat(g.max()).isEqualTo(100);
        // only the committed partitions, in topic and partition order
        assertThat(g.partitions()).extracting(ConsumerLagReport.PartitionLag::topic, ConsumerLagReport.PartitionLag::partition,
                ConsumerLagReport.PartitionLag::lag)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("actions", 0, 5L),
                        org.assertj.core.groups.Tuple.tuple("actions", 1, 0L),
                        org.assertj.core.groups.Tuple.tuple("conversation-events", 0, 100L));
    }

    @Test
    void aCommittedOffsetPastTheEndIsNoLag() {
        assertThat(ConsumerLagReport.compute("g", "Empty", Map.of(A0, 20L), Map.of(A0, 15L)).total()).isZero();
    }

    @Test
    void aGroupWithNothingCommittedHasNoLag() {
        ConsumerLagReport.GroupLag g = ConsumerLagReport.compute("g", "Empty", Map.of(), Map.of(A0, 15L));
        assertThat(g.total()).isZero();
        assertThat(g.max()).isZero();
        assertThat(g.partitions()).isEmpty();
    }

    @Test
    void aMissingEndOrANegativeOffsetIsRefusedNamingThePartition() {
        assertThatThrownBy(() -> ConsumerLagReport.compute("g", "Stable", Map.of(A0, 1L), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("actions-0").hasMessageContaining("g");
        assertThatThrownBy(() -> ConsumerLagReport.compute("g", "Stable", Map.of(A0, -1L), Map.of(A0, 3L)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    }
}
