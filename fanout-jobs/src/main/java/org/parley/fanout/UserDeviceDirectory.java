package org.parley.fanout;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.parley.serde.TrustedEventClasses;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceRecord;

/**
 * The second fan-out step, keyed by user id: input 1 is {@link MemberItem}s for the user, input 2 the user's
 * {@link DeviceRecord}s from the compacted {@code devices} topic.
 *
 * <p>State: {@code devices}, a MapState deviceId → registeredAt (epoch ms) of the user's live devices. A revoked
 * record removes the device. An item is emitted once per known device as a {@link DeviceItem}, except the item's
 * {@link MemberItem#excludeDeviceId} (the sending device). No timers.
 */
public class UserDeviceDirectory extends KeyedCoProcessFunction<String, MemberItem, DeviceRecord, DeviceItem> {
    private static final long serialVersionUID = 1L;

    static {
        TrustedEventClasses.install();
    }

    /** Keyed state: the user's live devices, deviceId → registeredAt (epoch ms). */
    static MapStateDescriptor<String, Long> devicesDescriptor() {
        return new MapStateDescriptor<>("devices", Types.STRING, Types.LONG);
    }

    private transient MapState<String, Long> devices;
    private transient Counter itemsWithoutDevice;
    private transient Counter deviceItems;

    @Override
    public void open(OpenContext openContext) {
        devices = getRuntimeContext().getMapState(devicesDescriptor());
        itemsWithoutDevice = getRuntimeContext().getMetricGroup().counter("itemsForUsersWithoutDevices");
        deviceItems = getRuntimeContext().getMetricGroup().counter("deviceItems");
    }

    @Override
    public void processElement1(MemberItem item, Context ctx, Collector<DeviceItem> out) throws Exception {
        boolean any = false;
        for (String deviceId : devices.keys()) {
            any = true;
            if (deviceId.equals(item.excludeDeviceId)) {
                continue;
            }
            out.collect(item.forDevice(deviceId));
            deviceItems.inc();
        }
        if (!any) {
            itemsWithoutDevice.inc();
        }
    }

    @Override
    public void processElement2(DeviceRecord record, Context ctx, Collector<DeviceItem> out) throws Exception {
        if (record.getRevoked()) {
            devices.remove(record.getDeviceId());
        } else {
            devices.put(record.getDeviceId(), record.getRegisteredAt().toEpochMilli());
        }
    }
}
