package org.parley.fanout;

import java.util.Objects;
import org.parley.events.ConversationEvent;
import org.parley.events.Receipt;

/**
 * One thing to deliver to one device: the output of {@link UserDeviceDirectory}, keyed by {@link #deviceId}.
 * Exactly one of {@link #event} and {@link #receipt} is set. A Flink POJO (see {@link MemberItem}).
 */
public class DeviceItem {
    public String deviceId;
    public String userId;
    public ConversationEvent event;
    public Receipt receipt;

    public DeviceItem() {
    }

    public static DeviceItem of(String deviceId, MemberItem item) {
        DeviceItem d = new DeviceItem();
        d.deviceId = deviceId;
        d.userId = item.userId;
        d.event = item.event;
        d.receipt = item.receipt;
        return d;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeviceItem d && Objects.equals(deviceId, d.deviceId) && Objects.equals(userId, d.userId)
                && Objects.equals(event, d.event) && Objects.equals(receipt, d.receipt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(deviceId, userId, event, receipt);
    }

    @Override
    public String toString() {
        return "DeviceItem{device=" + deviceId + ", user=" + userId + ", "
                + (event != null ? "event=" + event.getEventId() : "receipt=" + receipt) + '}';
    }
}
