package org.parley.bench.jmh;

import java.nio.ByteBuffer;
import java.time.Instant;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;

/** Records the microbenchmarks feed in. */
final class MicroFixtures {
    private MicroFixtures() {
    }

    static ClientAction sendAction(String conversationId, String user, String clientMessageId, int edgeId) {
        return ClientAction.newBuilder().setActionId("a-" + clientMessageId).setType(ActionType.SEND_MESSAGE)
                .setConversationId(conversationId).setSenderUserId(user).setSenderDeviceId(user + "-1")
                .setClientMessageId(clientMessageId).setEdgeId(edgeId).setReceivedAt(Instant.now())
                .setPayload(ByteBuffer.wrap(new byte[100])).build();
    }
}
