package org.parley.fanout;

import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.Receipt;

/**
 * The job's inputs: four topics from the rest of the system, and {@code user-items}, which the job writes itself
 * ({@link FanoutSinks#userItems}) and reads back so that each user's items and device changes have one order in a
 * log (ADR 0006).
 * Production: {@link org.parley.fanout.kafka.KafkaFanoutSources}; tests stub them. Each
 * method adds its source to the environment and returns it; {@link FanoutTopology} gives it its name and uid.
 */
public interface FanoutSources {
    SingleOutputStreamOperator<ConversationEvent> conversationEvents(StreamExecutionEnvironment env);

    SingleOutputStreamOperator<Receipt> receipts(StreamExecutionEnvironment env);

    SingleOutputStreamOperator<DeviceRecord> devices(StreamExecutionEnvironment env);

    SingleOutputStreamOperator<DeviceSession> deviceSessions(StreamExecutionEnvironment env);

    /** The {@code user-items} log read back (each record as a {@link MemberItem}). */
    SingleOutputStreamOperator<MemberItem> userItems(StreamExecutionEnvironment env);
}
