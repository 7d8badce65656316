package org.parley.fanout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceRecord;
import org.parley.events.DeviceSession;
import org.parley.events.EventType;
import org.parley.events.Receipt;
import org.parley.events.ReceiptStatus;

/** Test records. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Fixtures() {
    }

    static ConversationEvent event(String conversationId, long seq, String senderUser, String senderDevice,
            String... members) {
        return ConversationEvent.newBuilder()
                .setEventId(conversationId + "/" + seq)
                .setConversationId(conversationId)
                .setSeq(seq)
                .setType(EventType.MESSAGE)
                .setSenderUserId(senderUser)
                .setSenderDeviceId(senderDevice)
                .setClientMessageId("cm-" + seq)
                .setMemberUserIds(List.of(members))
                .setSentAt(T0.plusMillis(seq))
                .setMediaType(null)
                .setPayload(ByteBuffer.wrap(("ciphertext " + seq).getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    /** A group's "delivered to all" for {@code toUser}'s messages up to seq: a receipt that still reaches devices. */
    static Receipt toAll(String conversationId, long seq, String toUser) {
        Receipt r = receipt(conversationId, seq, "*", "*", toUser);
        r.setStatus(ReceiptStatus.DELIVERED_TO_ALL);
        return r;
    }

    static Receipt receipt(String conversationId, long seq, String byUser, String byDevice, String toUser) {
        return Receipt.newBuilder()
                .setConversationId(conversationId)
                .setSeq(seq)
                .setStatus(ReceiptStatus.READ)
                .setByUserId(byUser)
                .setByDeviceId(byDevice)
                .setToUserId(toUser)
                .setAt(T0.plusSeconds(seq))
                .build();
    }

    static DeviceRecord device(String userId, String deviceId) {
        return DeviceRecord.newBuilder()
                .setDeviceId(deviceId)
                .setUserId(userId)
                .setTokenHash("hash-" + deviceId)
                .setRegisteredAt(T0)
                .setRevoked(false)
                .build();
    }

    static DeviceRecord revoked(String userId, String deviceId) {
        DeviceRecord r = device(userId, deviceId);
        r.setRevoked(true);
        return r;
    }

    static DeviceSession open(String userId, String deviceId, String sessionId, int edgeId) {
        return DeviceSession.newBuilder()
                .setDeviceId(deviceId)
                .setUserId(userId)
                .setSessionId(sessionId)
                .setEdgeId(edgeId)
                .setAt(T0)
                .build();
    }

    static DeviceSession close(String userId, String deviceId, String sessionId) {
        return DeviceSession.newBuilder()
                .setDeviceId(deviceId)
                .setUserId(userId)
                .setSessionId(sessionId)
                .setEdgeId(null)
                .setAt(T0)
                .build();
    }

    static DeviceItem eventItem(String userId, String deviceId, ConversationEvent event) {
        return MemberItem.ofEvent(userId, null, event).forDevice(deviceId);
    }

    static DeviceItem receiptItem(String userId, String deviceId, Receipt receipt) {
        return MemberItem.ofReceipt(userId, null, receipt).forDevice(deviceId);
    }

    /** Makes the harness refuse Kryo, as the job does ({@code pipeline.generic-types: false}). */
    static void disableGenericTypes(ExecutionConfig config) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        config.getSerializerConfig().configure(conf, Fixtures.class.getClassLoader());
    }
}
