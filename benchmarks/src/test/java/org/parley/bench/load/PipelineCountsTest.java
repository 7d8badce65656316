package org.parley.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PipelineCountsTest {
    @Test
    void perMessageSplitsKafkaRecordsCqlWritesAndCqlReads() {
        Map<String, Long> before = Map.of("kafka:actions", 100L, "cql:inbox", 10L, "cql-read:inbox", 5L);
        Map<String, Long> after = Map.of("kafka:actions", 300L, "kafka:receipts", 50L, "cql:inbox", 210L,
                "cql:member_receipts", 100L, "cql-read:inbox", 55L, "cql-read:device_cursors", 0L);

        JsonObject per = PipelineCounts.perOperation(before, after, 100);

        assertThat(per.getDouble("kafkaRecords")).isEqualTo(2.5);
        assertThat(per.getDouble("cqlWrites")).as("reads are not writes").isEqualTo(3.0);
        assertThat(per.getDouble("cqlReads")).isEqualTo(0.5);
        assertThat(per.getJsonObject("byCounter").getDouble("cql-read:inbox")).isEqualTo(0.5);
        assertThat(per.getJsonObject("byCounter").containsKey("cql-read:device_cursors")).as("no growth").isFalse();
    }
}
