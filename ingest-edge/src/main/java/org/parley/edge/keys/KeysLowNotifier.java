package org.parley.edge.keys;

import io.vertx.core.json.JsonObject;
import org.parley.edge.session.ConnectedDevices;
import org.parley.events.KeyDirectoryFact;
import org.parley.events.KeyFactKind;

/**
 * Tells a device connected to this edge that it is running out of one-time prekeys: every edge tails the key
 * directory topic, and a claim that left the device below {@code keys.low-threshold} sends it
 * {@code {"type":"keysLow","oneTimePreKeys":n}}, whichever edge handed the key out. A device that was offline gets the
 * frame when it next connects ({@link KeyDirectoryEndpoint#onConnected}).
 */
public class KeysLowNotifier {
    private final ConnectedDevices connected;
    private final int threshold;

    public KeysLowNotifier(ConnectedDevices connected, int threshold) {
        this.connected = connected;
        this.threshold = threshold;
    }

    public static String frame(int oneTimePreKeys) {
        return new JsonObject().put("type", "keysLow").put("oneTimePreKeys", oneTimePreKeys).encode();
    }

    /** Called from the tail's thread. */
    public void onFact(KeyDirectoryFact fact) {
        Integer left = fact.getRemainingOneTimePreKeys();
        if (fact.getKind() == KeyFactKind.PREKEY_CLAIMED && left != null && left < threshold) {
            connected.find(fact.getDeviceId()).ifPresent(c -> c.push(frame(left)));
        }
    }
}
