package org.parley.fanout.kafka;

import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.parley.events.DeviceDelivery;
import org.parley.events.PushRequest;
import org.parley.fanout.FanoutConfig;
import org.parley.fanout.FanoutSinks;
import org.parley.fanout.KeySelectors;
import org.parley.fanout.MemberItem;
import org.parley.fanout.kafka.DeliveryRecordSerializer.Routing;

/**
 * The Kafka outputs, all at-least-once (flushed on every checkpoint; no transactions, so no reader waits for
 * a checkpoint to see a delivery) with {@code acks=all}, an idempotent producer and {@code linger.ms=0}.
 * After a crash the records since the last checkpoint are written again (see docs/fanout.md, "Restore").
 */
public final class KafkaFanoutSinks implements FanoutSinks {
    private final FanoutConfig config;

    public KafkaFanoutSinks(FanoutConfig config) {
        this.config = config;
    }

    @Override
    public DataStreamSink<MemberItem> userItems(DataStream<MemberItem> items) {
        return items.sinkTo(sink(new UserItemSerializer(config.userItemsTopic(),
                RegistryClientFactory.forUrl(config.registryUrl()), config.autoRegisterSchemas())));
    }

    @Override
    public DataStreamSink<DeviceDelivery> inbox(DataStream<DeviceDelivery> inboxEntries) {
        return inboxEntries.sinkTo(sink(config.deliveriesTopic(), Routing.BY_DEVICE));
    }

    @Override
    public DataStreamSink<DeviceDelivery> edges(DataStream<DeviceDelivery> routed) {
        return routed.sinkTo(sink(config.edgeDeliveriesTopic(), Routing.BY_EDGE));
    }

    @Override
    public DataStreamSink<PushRequest> pushRequests(DataStream<PushRequest> requests) {
        return requests.sinkTo(deviceKeyed(config.pushRequestsTopic(), new KeySelectors.PushRequestDevice()));
    }

    /** The sink of one delivery topic (public for tests and tools). */
    public KafkaSink<DeviceDelivery> sink(String topic, Routing routing) {
        return sink(new DeliveryRecordSerializer(topic, routing, RegistryClientFactory.forUrl(config.registryUrl()),
                config.autoRegisterSchemas()));
    }

    private <T extends SpecificRecordBase> KafkaSink<T> deviceKeyed(String topic, KeySelector<T, String> device) {
        return sink(new KeyedRecordSerializer<>(topic, device,
                RegistryClientFactory.forUrl(config.registryUrl()), config.autoRegisterSchemas()));
    }

    private <T> KafkaSink<T> sink(KafkaRecordSerializationSchema<T> records) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(config.kafkaBootstrap())
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .setRecordSerializer(records)
                .setProperty(ProducerConfig.LINGER_MS_CONFIG, "0")
                .setProperty(ProducerConfig.ACKS_CONFIG, "all")
                .setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                .build();
    }
}
