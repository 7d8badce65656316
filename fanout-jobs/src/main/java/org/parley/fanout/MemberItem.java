package org.parley.fanout;

import java.util.Objects;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceRecord;
import org.parley.events.Receipt;
import org.parley.events.UserItem;
import org.parley.schemas.Envelopes;

/**
 * One thing to deliver to all devices of one user (the output of {@link MemberExpansion}), or a change of the user's
 * devices, keyed by {@link #userId}. Exactly one of {@link #event}, {@link #receipt} and {@link #device} is set. In
 * Kafka ({@code user-items}) it is a {@link UserItem}: {@link #toRecord()}, {@link #of(UserItem)}.
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
    /** A record of the {@code devices} topic for {@link #userId}: the directory's input, delivered to no device. */
    public DeviceRecord device;

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

    /** A change of the user's devices, in the same log as the user's items (ADR 0006: one order on every replay). */
    public static MemberItem ofDevice(DeviceRecord device) {
        MemberItem item = new MemberItem();
        item.userId = device.getUserId();
        item.device = device;
        return item;
    }

    /** The Kafka form ({@code user-items}). */
    public UserItem toRecord() {
        return UserItem.newBuilder().setUserId(userId).setExcludeDeviceId(excludeDeviceId).setPosition(position)
                .setEvent(event).setReceipt(receipt).setDevice(device).build();
    }

    /** Back from the Kafka form. */
    public static MemberItem of(UserItem record) {
        MemberItem item = new MemberItem();
        item.userId = record.getUserId();
        item.excludeDeviceId = record.getExcludeDeviceId();
        item.position = record.getPosition();
        item.event = record.getEvent();
        item.receipt = record.getReceipt();
        item.device = record.getDevice();
        return item;
    }

    /**
     * This item for one of the user's devices, the input of {@link DeviceInboxSequencer}. An end-to-end encrypted
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
                && Objects.equals(receipt, m.receipt) && Objects.equals(device, m.device);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, excludeDeviceId, position, event, receipt, device);
    }

    @Override
    public String toString() {
        return "MemberItem{user=" + userId + ", exclude=" + excludeDeviceId + ", "
                + (event != null ? "event=" + event.getEventId() : receipt != null ? "receipt=" + receipt
                : "device=" + device) + '}';
    }
}
