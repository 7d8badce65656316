package org.parley.fanout;

import java.util.Objects;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceItem;
import org.parley.events.Receipt;
import org.parley.schemas.Envelopes;

/**
 * One thing to deliver to all devices of one user: the output of {@link MemberExpansion}, keyed by {@link #userId}.
 * Exactly one of {@link #event} and {@link #receipt} is set.
 *
 * <p>A Flink POJO (public fields, public no-arg constructor): Flink serializes it with its PojoSerializer and the
 * Avro fields with flink-avro's AvroSerializer, never with Kryo.
 */
public class MemberItem {
    /** The recipient user. */
    public String userId;
    /** A device of {@link #userId} that must not receive this item (the sender's own device), or null. */
    public String excludeDeviceId;
    /** The item's place in its conversation's stream ({@link DeviceItem#getPosition()}): event seq, receipt offset. */
    public long position;
    public ConversationEvent event;
    public Receipt receipt;

    public MemberItem() {
    }

    public static MemberItem ofEvent(String userId, String excludeDeviceId, ConversationEvent event) {
        MemberItem item = new MemberItem();
        item.userId = userId;
        item.excludeDeviceId = excludeDeviceId;
        item.position = event.getSeq();
        item.event = event;
        return item;
    }

    public static MemberItem ofReceipt(String userId, String excludeDeviceId, Receipt receipt) {
        MemberItem item = new MemberItem();
        item.userId = userId;
        item.excludeDeviceId = excludeDeviceId;
        // Set by the receipts source from the record's offset; a receipt from elsewhere is never deduplicated.
        item.position = receipt.getLogOffset() == null ? Long.MIN_VALUE : receipt.getLogOffset();
        item.receipt = receipt;
        return item;
    }

    /**
     * This item for one of the user's devices: a record of the {@code device-items} topic. An end-to-end encrypted
     * message keeps only the device's own envelope (or none, marked encrypted: a device the sender did not encrypt
     * for, e.g. one linked after the send); no device ever receives another device's ciphertext.
     */
    public DeviceItem forDevice(String deviceId) {
        return DeviceItem.newBuilder()
                .setDeviceId(deviceId)
                .setUserId(userId)
                .setPosition(position)
                .setEvent(Envelopes.forDevice(event, deviceId))
                .setReceipt(receipt)
                .build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemberItem m && Objects.equals(userId, m.userId)
                && Objects.equals(excludeDeviceId, m.excludeDeviceId) && position == m.position
                && Objects.equals(event, m.event)
                && Objects.equals(receipt, m.receipt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, excludeDeviceId, position, event, receipt);
    }

    @Override
    public String toString() {
        return "MemberItem{user=" + userId + ", exclude=" + excludeDeviceId + ", "
                + (event != null ? "event=" + event.getEventId() : "receipt=" + receipt) + '}';
    }
}
