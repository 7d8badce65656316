package org.parley.fanout;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.parley.events.DeviceItem;
import org.parley.events.DeviceRecord;
import org.parley.serde.TrustedEventClasses;

/**
 * The fan-out's device directory, keyed by user id. Its one input is the {@code user-items} log read back: the user's
 * {@link MemberItem}s and the changes of the user's devices, in the one order that log gives them (ADR 0006). An item
 * is emitted once per device known at that point of the log as a {@link DeviceItem}, except the item's
 * {@link MemberItem#excludeDeviceId} (the sending device); a device change is emitted to nobody.
 *
 * <p>Why the device changes come through the same log: read from their own topic, a device's registration and the
 * user's items would meet in an order that depends on timing, and after a restore a replayed item could reach the
 * directory before the replayed registration of a device that had it the first time; that device would never get it.
 *
 * <p>State: {@code devices}, a MapState deviceId → registeredAt (epoch ms) of the user's devices; a revoked device
 * stays as {@link #REVOKED}, so that a registration record replayed after its revocation (a restore of the job's
 * first half writes device records again, behind the originals) does not bring it back. Device ids are never
 * reused. No timers.
 */
public class UserDeviceDirectory extends KeyedProcessFunction<String, MemberItem, DeviceItem> {
    private static final long serialVersionUID = 1L;
    /** The {@code devices} value of a revoked device. */
    static final long REVOKED = -1L;

    static {
        TrustedEventClasses.install();
    }

    /** Keyed state: the user's devices, deviceId → registeredAt (epoch ms), {@link #REVOKED} once revoked. */
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
    public void processElement(MemberItem item, Context ctx, Collector<DeviceItem> out) throws Exception {
        if (item.device != null) {
            change(item.device);
            return;
        }
        boolean any = false;
        for (var device : devices.entries()) {
            if (device.getValue() == REVOKED) {
                continue;
            }
            any = true;
            if (device.getKey().equals(item.excludeDeviceId)) {
                continue;
            }
            out.collect(item.forDevice(device.getKey()));
            deviceItems.inc();
        }
        if (!any) {
            itemsWithoutDevice.inc();
        }
    }

    private void change(DeviceRecord record) throws Exception {
        Long known = devices.get(record.getDeviceId());
        if (record.getRevoked()) {
            devices.put(record.getDeviceId(), REVOKED);
        } else if (known == null || known != REVOKED) {
            devices.put(record.getDeviceId(), record.getRegisteredAt().toEpochMilli());
        }
    }
}
