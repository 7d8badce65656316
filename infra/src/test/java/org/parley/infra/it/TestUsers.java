package org.parley.infra.it;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.UUID;
import org.parley.client.ParleyClient;

/** What the end-to-end tests share: unique user ids (the stack is shared) and frame matching. */
final class TestUsers {
    private TestUsers() {
    }

    /** A user id no other test (or earlier run) uses. */
    static String user(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Another device of {@code primary}'s user: only the primary may add one (POST /v1/devices/link). */
    static ParleyClient.Device linkedDevice(String edge, ParleyClient.Device primary) throws IOException, InterruptedException {
        return ParleyClient.link(edge, primary);
    }

    /** A frame of this type about this client message id. */
    static boolean is(JsonObject frame, String type, String clientMessageId) {
        return type.equals(frame.getString("type")) && clientMessageId.equals(frame.getString("clientMessageId"));
    }
}
