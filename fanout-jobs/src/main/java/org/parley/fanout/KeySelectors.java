package org.parley.fanout;

import org.apache.flink.api.java.functions.KeySelector;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceSession;
import org.parley.events.PushRequest;

/** The job's key selectors, as named classes (no lambdas: type extraction stays exact, names stay readable). */
public final class KeySelectors {
    private KeySelectors() {
    }

    public static final class MemberItemUser implements KeySelector<MemberItem, String> {
        @Override
        public String getKey(MemberItem item) {
            return item.userId;
        }
    }

    public static final class DeviceItemDevice implements KeySelector<DeviceItem, String> {
        @Override
        public String getKey(DeviceItem item) {
            return item.getDeviceId();
        }
    }

    public static final class DeliveryDevice implements KeySelector<DeviceDelivery, String> {
        @Override
        public String getKey(DeviceDelivery delivery) {
            return delivery.getDeviceId();
        }
    }

    public static final class DeviceSessionDevice implements KeySelector<DeviceSession, String> {
        @Override
        public String getKey(DeviceSession session) {
            return session.getDeviceId();
        }
    }

    public static final class PushRequestDevice implements KeySelector<PushRequest, String> {
        @Override
        public String getKey(PushRequest request) {
            return request.getDeviceId();
        }
    }
}
