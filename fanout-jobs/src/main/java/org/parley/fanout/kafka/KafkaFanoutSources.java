package org.parley.fanout.kafka;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.Receipt;
import org.parley.fanout.FanoutConfig;
import org.parley.fanout.FanoutSources;
import org.parley.fanout.MemberItem;

/**
 * The five Kafka inputs (the fifth, {@code user-items}, is the job's own log between its two halves). Each is a {@link KafkaSource} in group {@code parley-fanout} that starts from the group's
 * committed offsets, else from the earliest offset (a checkpoint, when restored, overrides both), and reads with
 * {@code isolation.level=read_committed}: the sequencer writes its topics transactionally, so an aborted
 * transaction's records are never fanned out. Offsets are committed back to Kafka on each completed checkpoint
 * (for monitoring: the checkpoint, not the group offset, is what a restore resumes from). No watermarks: the job is
 * not event-time driven.
 */
public final class KafkaFanoutSources implements FanoutSources {
    private final FanoutConfig config;

    public KafkaFanoutSources(FanoutConfig config) {
        this.config = config;
    }

    @Override
    public SingleOutputStreamOperator<ConversationEvent> conversationEvents(StreamExecutionEnvironment env) {
        return add(env, config.conversationEventsTopic(), ConversationEvent.class, config.fetchMaxWaitMs());
    }

    @Override
    public SingleOutputStreamOperator<Receipt> receipts(StreamExecutionEnvironment env) {
        return env.fromSource(source(config.receiptsTopic(),
                        new ReceiptLogDeserializer(RegistryClientFactory.forUrl(config.registryUrl())),
                        config.fetchMaxWaitMs()),
                WatermarkStrategy.noWatermarks(), config.receiptsTopic());
    }

    @Override
    public SingleOutputStreamOperator<DeviceRecord> devices(StreamExecutionEnvironment env) {
        return add(env, config.devicesTopic(), DeviceRecord.class, config.fetchMaxWaitMs());
    }

    @Override
    public SingleOutputStreamOperator<DeviceSession> deviceSessions(StreamExecutionEnvironment env) {
        return add(env, config.deviceSessionsTopic(), DeviceSession.class, config.fetchMaxWaitMs());
    }

    @Override
    public SingleOutputStreamOperator<MemberItem> userItems(StreamExecutionEnvironment env) {
        return env.fromSource(source(config.userItemsTopic(),
                        new UserItemDeserializer(RegistryClientFactory.forUrl(config.registryUrl())),
                        config.fetchMaxWaitMs()),
                WatermarkStrategy.noWatermarks(), config.userItemsTopic());
    }

    private <T extends SpecificRecordBase> SingleOutputStreamOperator<T> add(StreamExecutionEnvironment env,
            String topic, Class<T> type, int fetchMaxWaitMs) {
        return env.fromSource(source(topic, new AvroWireRecordDeserializer<>(type,
                RegistryClientFactory.forUrl(config.registryUrl())), fetchMaxWaitMs),
                WatermarkStrategy.noWatermarks(), topic);
    }

    /** The source of one topic (public for tests and tools). */
    public <T extends SpecificRecordBase> KafkaSource<T> source(String topic, Class<T> type) {
        return source(topic, new AvroWireRecordDeserializer<>(type, RegistryClientFactory.forUrl(config.registryUrl())),
                config.fetchMaxWaitMs());
    }

    private <T> KafkaSource<T> source(String topic, KafkaRecordDeserializationSchema<T> values, int fetchMaxWaitMs) {
        return KafkaSource.<T>builder()
                .setBootstrapServers(config.kafkaBootstrap())
                .setTopics(topic)
                .setGroupId(config.groupId())
                .setClientIdPrefix(config.groupId() + "-" + topic)
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(values)
                .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
                // A fetch parked at the broker is woken by an append and by a committed transaction's marker, so a
                // long wait costs no latency; a short one costs the broker an empty fetch every few ms per source.
                .setProperty(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(fetchMaxWaitMs))
                .setProperty("commit.offsets.on.checkpoint", "true")
                // New partitions (e.g. more edge or conversation partitions) are picked up within 30 s.
                .setProperty("partition.discovery.interval.ms", "30000")
                .build();
    }
}
