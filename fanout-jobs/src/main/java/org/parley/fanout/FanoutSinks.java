package org.parley.fanout;

import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.parley.events.DeviceDelivery;
import org.parley.events.PushRequest;

/**
 * The job's outputs. Production: {@link org.parley.fanout.kafka.KafkaFanoutSinks}; tests stub them. Each method
 * attaches its sink; {@link FanoutTopology} names it and gives it its uid.
 */
public interface FanoutSinks {
    /** Every member item and device change: topic {@code user-items}, key user id (read back by the job). */
    DataStreamSink<MemberItem> userItems(DataStream<MemberItem> items);

    /** Every inbox entry (no sync markers): topic {@code deliveries}, key device id. */
    DataStreamSink<DeviceDelivery> inbox(DataStream<DeviceDelivery> inboxEntries);

    /** Every delivery routed to an edge (incl. sync markers): topic {@code edge-deliveries}, partition = edgeId. */
    DataStreamSink<DeviceDelivery> edges(DataStream<DeviceDelivery> routed);

    /** Every push decision: topic {@code push-requests}, key device id. */
    DataStreamSink<PushRequest> pushRequests(DataStream<PushRequest> requests);
}
