package org.parley.consume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.internals.AutoOffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BatchRetryTest {
    private static final TopicPartition P0 = new TopicPartition("events", 0);
    private static final TopicPartition P1 = new TopicPartition("events", 1);

    private final List<Long> waits = new ArrayList<>();
    private final BatchRetry retry = new BatchRetry(100, 1_000, waits::add);

    @Test
    void aFailedBatchIsReadAgainFromItsFirstRecordOfEveryPartition() throws Exception {
        MockConsumer<String, String> consumer = consumer();
        ConsumerRecords<String, String> batch = consumer.poll(java.time.Duration.ZERO);
        assertThat(batch.count()).isEqualTo(5);
        assertThat(consumer.position(P0)).isEqualTo(13);

        retry.rewind(consumer, batch);

        assertThat(consumer.position(P0)).isEqualTo(10);
        assertThat(consumer.position(P1)).isEqualTo(7);
    }

    @Test
    void theBackOffDoublesUpToItsCeilingAndStartsOverAfterASuccess() throws Exception {
        MockConsumer<String, String> consumer = consumer();
        ConsumerRecords<String, String> batch = consumer.poll(java.time.Duration.ZERO);
        for (int i = 0; i < 6; i++) {
            retry.rewind(consumer, batch);
        }
        assertThat(waits).containsExactly(100L, 200L, 400L, 800L, 1_000L, 1_000L);
        assertThat(retry.failuresInARow()).isEqualTo(6);

        retry.succeeded();
        retry.rewind(consumer, batch);
        assertThat(waits).endsWith(100L);
        assertThat(retry.failuresInARow()).isEqualTo(1);
    }

    @Test
    void aBackOffThatCannotWorkIsRefused() {
        assertThatThrownBy(() -> new BatchRetry(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchRetry(100, 10)).isInstanceOf(IllegalArgumentException.class);
    }

    private static MockConsumer<String, String> consumer() {
        MockConsumer<String, String> consumer = new MockConsumer<>(AutoOffsetResetStrategy.EARLIEST.name());
        consumer.assign(List.of(P0, P1));
        consumer.updateBeginningOffsets(Map.of(P0, 10L, P1, 7L));
        consumer.seek(P0, 10);
        consumer.seek(P1, 7);
        for (long o = 10; o < 13; o++) {
            consumer.addRecord(new ConsumerRecord<>("events", 0, o, "k", "v" + o));
        }
        for (long o = 7; o < 9; o++) {
            consumer.addRecord(new ConsumerRecord<>("events", 1, o, "k", "v" + o));
        }
        return consumer;
    }
}
