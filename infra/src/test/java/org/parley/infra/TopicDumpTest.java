package org.parley.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.parley.registry.SchemaRegistryClient;
import org.parley.serde.GenericJsonDecoder;

class TopicDumpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    // Never called: these records fail before any registry lookup.
    private final GenericJsonDecoder decoder = new GenericJsonDecoder(new SchemaRegistryClient("http://127.0.0.1:9"));

    @Test
    void parsesIsoTimesInSeveralForms() {
        assertThat(TopicDump.parseTime("2026-01-31T12:00:00Z")).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(TopicDump.parseTime("2026-01-31T13:00:00+01:00")).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(TopicDump.parseTime("2026-01-31T12:00")).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
        assertThat(TopicDump.parseTime("2026-01-31")).isEqualTo(Instant.parse("2026-01-31T00:00:00Z"));
        assertThatThrownBy(() -> TopicDump.parseTime("yesterday")).isInstanceOf(DateTimeParseException.class);
    }

    @Test
    void undecodableValueIsPrintedAsErrorAndHex() throws Exception {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 3, 42L,
                "conv-1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, (byte) 0xff});
        JsonNode line = JSON.readTree(TopicDump.toJson(record, decoder));

        assertThat(line.get("topic").asText()).isEqualTo("t");
        assertThat(line.get("partition").asInt()).isEqualTo(3);
        assertThat(line.get("offset").asLong()).isEqualTo(42L);
        assertThat(line.get("key").asText()).isEqualTo("conv-1");
        assertThat(line.get("value").isNull()).isTrue();
        assertThat(line.get("error").asText()).contains("cannot decode");
        assertThat(line.get("valueHex").asText()).isEqualTo("0102ff");
    }

    @Test
    void tombstonesAndNullKeysAreJsonNulls() throws Exception {
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("t", 0, 0L, null, null);
        JsonNode line = JSON.readTree(TopicDump.toJson(record, decoder));
        assertThat(line.get("key").isNull()).isTrue();
        assertThat(line.get("value").isNull()).isTrue();
        assertThat(line.has("error")).isFalse();
    }
}
