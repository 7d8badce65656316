package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.limits.EdgeLimits;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.edge.session.DeviceConnection;
import org.parley.events.ConversationEvent;
import org.parley.events.DeliveryKind;
import org.parley.events.DeviceDelivery;
import org.parley.events.EventType;
import org.parley.serde.AvroWireSerializer;

/** Deadlines and back-pressure of the edge's connections, through real sockets. */
@ExtendWith(VertxExtension.class)
class EdgeTimeoutsTest {
    private static final EdgeConfig CONFIG = EdgeHarness.config();

    private Vertx vertx;
    private EdgeHarness edge;

    @BeforeEach
    void setUp(Vertx vertx) {
        this.vertx = vertx;
    }

    @AfterEach
    void undeploy() throws Exception {
        if (edge != null) {
            edge.undeploy();
        }
    }

    private EdgeHarness edge(Map<String, String> settings) throws Exception {
        return edge(settings, m -> m);
    }

    private EdgeHarness edge(Map<String, String> settings, java.util.function.UnaryOperator<EdgeReadModel> reads)
            throws Exception {
        edge = new EdgeHarness(vertx, CONFIG, EdgeLimits.with(settings), System::currentTimeMillis, reads);
        return edge;
    }

    /** Whether the server closed the socket: end of stream, or a reset. */
    private static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            while (true) {
                if (in.read() < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void aClientSendingItsHeadersByteByByteIsCutOff() throws Exception {
        edge(Map.of("edge.request-header-timeout-ms", "500"));
        try (Socket s = new Socket("127.0.0.1", edge.port)) {
            s.setSoTimeout(50);
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: edge\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                try {
                    out.write('x'); // one more header byte each poll: never idle, never done
                    out.flush();
                } catch (IOException e) {
                    return true;
                }
                return closedByServer(s);
            });
        }
    }

    @Test
    void aClientTricklingItsBodyIsCutOff() throws Exception {
        edge(Map.of("edge.request-timeout-ms", "500"));
        try (Socket s = new Socket("127.0.0.1", edge.port)) {
            s.setSoTimeout(50);
            OutputStream out = s.getOutputStream();
            out.write(("PUT /v1/settings HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(15)).until(() -> {
                try {
                    out.write(' '); // one more body byte each poll: never idle, never done
                    out.flush();
                } catch (IOException e) {
                    return true;
                }
                return closedByServer(s);
            });
        }
    }

    @Test
    void aConnectionNothingIsReadFromIsClosed() throws Exception {
        edge(Map.of("edge.idle-timeout-ms", "500", "edge.request-header-timeout-ms", "60000"));
        try (Socket s = new Socket("127.0.0.1", edge.port)) {
            s.setSoTimeout(50);
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: edge\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(15)).until(() -> closedByServer(s));
        }
    }

    @Test
    void anIdleButLiveWebSocketIsKeptOpenByPings() throws Exception {
        edge(Map.of("edge.idle-timeout-ms", "600", "edge.ws-ping-interval-ms", "150"));
        try (TestClient c = edge.connect(edge.register("alice"))) {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> !c.closed);
            c.send(new JsonObject().put("type", "ping"));
            c.next("pong");
        }
    }

    @Test
    void anUpgradeWhoseTokenCannotBeCheckedInTimeIsRefused() throws Exception {
        edge(Map.of("edge.ws-handshake-timeout-ms", "300"), reads -> new ForwardingReadModel(reads) {
            @Override
            <T> Future<T> call(String method, Supplier<Future<T>> read) {
                return method.equals("device") ? Promise.<T>promise().future() : read.get(); // CQL never answers
            }
        });
        JsonObject alice = edge.register("alice");
        assertThatThrownBy(() -> edge.connect(alice)).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOfSatisfying(UpgradeRejectedException.class, e -> assertThat(e.getStatus()).isEqualTo(503));
    }

    // ---- back-pressure ----

    private static final int MESSAGES = 2_000;
    private static final byte[] PAYLOAD = new byte[16 * 1024];

    static {
        new Random(7).nextBytes(PAYLOAD);
    }

    private String sessionOf(JsonObject device, int nth) {
        await().until(() -> edge.log.sessions.stream()
                .filter(s -> s.getDeviceId().equals(device.getString("deviceId")) && s.getEdgeId() != null).count() >= nth);
        return edge.log.sessions.stream().filter(s -> s.getDeviceId().equals(device.getString("deviceId"))
                && s.getEdgeId() != null).skip(nth - 1).findFirst().orElseThrow().getSessionId();
    }

    private DeviceDelivery delivery(JsonObject device, String sessionId, long inboxSeq) {
        ConversationEvent e = ConversationEvent.newBuilder().setEventId("dm:alice:bob/" + inboxSeq)
                .setConversationId("dm:alice:bob").setSeq(inboxSeq).setType(EventType.MESSAGE).setSenderUserId("alice")
                .setSenderDeviceId("dev-alice").setClientMessageId("m" + inboxSeq).setMemberUserIds(List.of("alice", "bob"))
                .setSentAt(Instant.ofEpochMilli(1000)).setPayload(ByteBuffer.wrap(PAYLOAD)).build();
        return DeviceDelivery.newBuilder().setDeviceId(device.getString("deviceId")).setUserId(device.getString("userId"))
                .setInboxSeq(inboxSeq).setKind(DeliveryKind.EVENT).setSessionId(sessionId).setEdgeId(1).setEvent(e).build();
    }

    private static DeviceDelivery marker(JsonObject device, String sessionId, long upTo) {
        return DeviceDelivery.newBuilder().setDeviceId(device.getString("deviceId")).setUserId(device.getString("userId"))
                .setInboxSeq(0).setKind(DeliveryKind.SYNC_MARKER).setSessionId(sessionId).setEdgeId(1)
                .setMarkerInboxSeq(upTo).build();
    }

    /** Bob's client stops reading; the fan-out keeps routing messages to him (also into his inbox). */
    private TestClient stopReadingWhileMessagesArrive(JsonObject bob) throws Exception {
        TestClient c = edge.connect(bob);
        c.ws.pause();
        String session = sessionOf(bob, 1);
        edge.devices.deliver(marker(bob, session, 0));
        AvroWireSerializer<DeviceDelivery> writer = new AvroWireSerializer<>(edge.registry, true);
        for (long i = 1; i <= MESSAGES; i++) {
            DeviceDelivery d = delivery(bob, session, i);
            edge.readModel.inbox.computeIfAbsent(d.getDeviceId(), k -> new ConcurrentSkipListMap<>())
                    .put(i, writer.serialize("deliveries", d));
            edge.devices.deliver(d);
        }
        return c;
    }

    private boolean closing(JsonObject device) {
        return edge.devices.find(device.getString("deviceId")).map(DeviceConnection::closing).orElse(true);
    }

    @Test
    void aClientThatStopsReadingIsClosedOnceTooMuchWaitsForItAndLosesNothing() throws Exception {
        edge(Map.of("edge.ws-write-queue-bytes", "65536", "edge.ws-max-unsent-bytes", "2097152",
                "edge.ws-slow-reader-timeout-ms", "600000"));
        JsonObject bob = edge.register("bob");
        TestClient stuck = stopReadingWhileMessagesArrive(bob);
        await().atMost(Duration.ofSeconds(30)).until(() -> closing(bob));

        stuck.ws.resume(); // reads what was sent before the close, then the close frame
        await().atMost(Duration.ofSeconds(30)).until(() -> stuck.closed);
        assertThat(stuck.ws.closeStatusCode()).isEqualTo((short) 4008);
        List<Long> seen = new ArrayList<>();
        for (JsonObject f : stuck.frames) {
            if ("message".equals(f.getString("type"))) {
                seen.add(f.getLong("inboxSeq"));
            }
        }
        assertThat(seen.size()).as("the close came long before the end").isLessThan(MESSAGES);
        stuck.close();
        String first = sessionOf(bob, 1);
        await("the session ended: its close was announced and the device left the edge").until(() ->
                edge.log.sessions.stream().anyMatch(s -> s.getSessionId().equals(first) && s.getEdgeId() == null)
                        && edge.devices.find(bob.getString("deviceId")).isEmpty());

        // Nothing was acknowledged, so the cursor did not move: the reconnect gets every message, in order.
        assertThat(edge.readModel.cursors.getOrDefault(bob.getString("deviceId"), 0L)).isZero();
        try (TestClient again = edge.connect(bob)) {
            edge.devices.deliver(marker(bob, sessionOf(bob, 2), MESSAGES));
            long expected = 1;
            while (true) {
                JsonObject f = again.next();
                if ("synced".equals(f.getString("type"))) {
                    break;
                }
                assertThat(f.getString("type")).isEqualTo("message");
                assertThat(f.getLong("inboxSeq")).isEqualTo(expected++);
            }
            assertThat(expected - 1).isEqualTo(MESSAGES);
            assertThat(again.closed).isFalse();
        }
    }

    @Test
    void aClientThatDoesNotReadForTooLongIsClosed() throws Exception {
        edge(Map.of("edge.ws-write-queue-bytes", "65536", "edge.ws-max-unsent-bytes", "1073741824",
                "edge.ws-slow-reader-timeout-ms", "500"));
        JsonObject bob = edge.register("bob");
        TestClient stuck = stopReadingWhileMessagesArrive(bob);
        await().atMost(Duration.ofSeconds(30)).until(() -> closing(bob));
        stuck.ws.resume();
        await().atMost(Duration.ofSeconds(30)).until(() -> stuck.closed);
        assertThat(stuck.ws.closeStatusCode()).isEqualTo((short) 4008);
        stuck.close();
        await().until(() -> edge.devices.find(bob.getString("deviceId")).isEmpty());
    }

    @Test
    void aClientThatNeverReadsAgainIsCutOffAndItsSessionEnds() throws Exception {
        edge(Map.of("edge.ws-write-queue-bytes", "65536", "edge.ws-max-unsent-bytes", "2097152",
                "edge.ws-slow-reader-timeout-ms", "600000", "edge.idle-timeout-ms", "3000",
                "edge.ws-ping-interval-ms", "1000"));
        JsonObject bob = edge.register("bob");
        TestClient stuck = stopReadingWhileMessagesArrive(bob);
        await().atMost(Duration.ofSeconds(30)).until(() -> closing(bob));
        String session = sessionOf(bob, 1);
        // The client never reads again, so not even the close frame can be written: the idle timeout drops it.
        await().atMost(Duration.ofSeconds(60)).until(() -> edge.devices.find(bob.getString("deviceId")).isEmpty()
                && edge.log.sessions.stream().anyMatch(s -> s.getSessionId().equals(session) && s.getEdgeId() == null));
        stuck.close();
    }
}
