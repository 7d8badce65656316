package org.parley.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.parley.edge.config.EdgeConfig;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FrameDecoder;
import org.parley.edge.protocol.ProtocolException;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ClientAction;

/**
 * Fuzzes the frame decoder and the edge with frames made from valid ones by {@link FrameFuzzer} (fixed seeds): every
 * frame is either accepted or refused with a precise protocol error, nothing is ever answered as a server fault, no
 * handler throws, and the connection and the edge keep working afterwards. Prints the frames by outcome.
 */
@ExtendWith(VertxExtension.class)
class FrameFuzzTest {
    private static final int MAX_FRAME = 64 * 1024;
    /** What a client's frame alone can earn from the decoder. */
    private static final Set<ErrorCode> DECODER_CODES = EnumSet.of(ErrorCode.BAD_FRAME, ErrorCode.UNKNOWN_TYPE,
            ErrorCode.MISSING_FIELD, ErrorCode.INVALID_FIELD, ErrorCode.PAYLOAD_TOO_LARGE);

    private EdgeHarness edge;
    private final List<Throwable> unhandled = new CopyOnWriteArrayList<>();

    @BeforeEach
    void deploy(Vertx vertx) throws Exception {
        vertx.exceptionHandler(unhandled::add);
        // No fan-out confirms the session (a long sync timeout); a short result timeout: fuzzed actions the
        // sequencer never answers end as TIMEOUT quickly.
        // The per-user frame limits and the per-device reconnect limit are lifted: this test is about the decoder
        // and the connection surviving bad input, and it sends thousands of frames and reconnects as one user.
        java.util.Map<String, String> unlimited = new java.util.HashMap<>();
        for (String kind : new String[] {"frames", "actions", "receipts", "history", "chats", "settings", "presence",
                "typing"}) {
            unlimited.put("limits.user." + kind, "1000000/1s");
        }
        unlimited.put("limits.device.connects", "1000000/1s");
        unlimited.put("limits.device.requests", "1000000/1s");
        edge = new EdgeHarness(vertx, EdgeConfig.builder().edgeId(1).maxPayloadBytes(1024).maxFrameBytes(MAX_FRAME)
                .historyPageMax(100).syncTimeoutMs(120_000).resultTimeoutMs(300).resultWaitMs(300).rateLimitPerSecond(1_000_000)
                .rateLimitBurst(1_000_000).maxMediaBytes(4096).build(),
                org.parley.edge.limits.EdgeLimits.with(unlimited), System::currentTimeMillis, m -> m);
    }

    @AfterEach
    void undeploy() throws Exception {
        edge.undeploy();
    }

    @Test
    void theDecoderRefusesTwentyThousandMutatedFramesPrecisely() {
        FrameDecoder decoder = new FrameDecoder(1024, 100);
        FrameFuzzer fuzzer = new FrameFuzzer(20_240_601L, 70_000);
        Map<String, Integer> outcomes = new TreeMap<>();
        int frames = 20_000;
        for (int i = 0; i < frames; i++) {
            String text = fuzzer.next();
            String outcome;
            try {
                ClientFrame f = decoder.decode(text, "alice");
                outcome = "accepted " + f.getClass().getSimpleName();
            } catch (ProtocolException e) {
                assertThat(e.code()).as("refusal of %s", abbreviated(text)).isIn(DECODER_CODES);
                assertThat(e.getMessage()).as("message for %s", abbreviated(text)).isNotBlank().hasSizeLessThan(400);
                outcome = "refused " + e.code();
            } catch (RuntimeException e) {
                throw new AssertionError("decoder threw " + e + " for " + abbreviated(text), e);
            }
            outcomes.merge(outcome, 1, Integer::sum);
        }
        report("decoder", frames, outcomes);
        assertThat(outcomes.keySet()).anyMatch(o -> o.startsWith("accepted")).anyMatch(o -> o.startsWith("refused"));
    }

    @Test
    void theEdgeAnswersTenThousandMutatedFramesAndKeepsServing() throws Exception {
        JsonObject alice = edge.register("alice");
        edge.register("bob");
        FrameFuzzer fuzzer = new FrameFuzzer(7_031_977L, 20_000); // under the 64 KiB frame limit
        int frames = 10_000;
        try (TestClient c = edge.connect(alice)) {
            for (int i = 0; i < frames; i++) {
                c.send(fuzzer.next());
            }
            c.send("{\"type\":\"chats\",\"requestId\":\"fuzz-end\"}");
            Map<String, Integer> outcomes = new TreeMap<>();
            while (true) {
                JsonObject f = c.next();
                if ("fuzz-end".equals(f.getString("requestId"))) {
                    break;
                }
                count(f, outcomes);
            }
            // Actions appended during the batch: the sequencer never answers them, so each ends as TIMEOUT.
            await().until(() -> edge.pending.size() == 0);
            c.send("{\"type\":\"ping\"}");
            for (JsonObject f = c.next(); !"pong".equals(f.getString("type")); f = c.next()) {
                count(f, outcomes);
            }
            report("edge", frames, outcomes);

            // The connection still works: a valid send is stored and answered.
            int before = edge.log.actions.size();
            c.send("{\"type\":\"send\",\"clientMessageId\":\"after-fuzz\",\"to\":\"bob\",\"payload\":\"AA==\"}");
            await().until(() -> edge.log.actions.size() > before);
            ClientAction a = edge.log.actions.get(edge.log.actions.size() - 1);
            assertThat(a.getClientMessageId()).isEqualTo("after-fuzz");
            edge.pending.complete(ActionResult.newBuilder().setActionId(a.getActionId())
                    .setDeviceId(a.getSenderDeviceId()).setClientMessageId("after-fuzz")
                    .setConversationId(a.getConversationId()).setOutcome(ActionOutcome.ACCEPTED).setSeq(1L).build());
            assertThat(c.next("sent").getString("clientMessageId")).isEqualTo("after-fuzz");
            assertThat(c.closed).isFalse();
        }
        assertThat(unhandled).isEmpty();
        try (TestClient again = edge.connect(alice)) {
            again.send("{\"type\":\"ping\"}");
            again.next("pong");
        }
    }

    /**
     * What a client library would not send: random bytes as text (mostly invalid UTF-8), binary frames, fragments,
     * messages over the limit. Each is refused with an error frame (connection open) or a close with 1002, 1007 or
     * 1009; after each close the device connects again, and the edge serves it.
     */
    @Test
    void theEdgeRefusesRawFramesWithErrorsOrRfcCloseCodes() throws Exception {
        JsonObject alice = edge.register("alice");
        Random random = new Random(424_242L);
        Map<String, Integer> outcomes = new TreeMap<>();
        int frames = 400;
        RawWebSocket ws = rawConnect(alice);
        try {
            for (int i = 0; i < frames; i++) {
                int kind = random.nextInt(6);
                byte[] bytes = new byte[kind == 5 ? MAX_FRAME + 1 + random.nextInt(MAX_FRAME) : random.nextInt(200)];
                random.nextBytes(bytes);
                if (kind == 0) {
                    // a valid frame's text with one byte replaced
                    byte[] ok = "{\"type\":\"ping\",\"x\":\"abc\"}".getBytes(StandardCharsets.UTF_8);
                    ok[random.nextInt(ok.length)] = (byte) random.nextInt(256);
                    bytes = ok;
                }
                switch (kind) {
                    case 0, 1 -> ws.send(RawWebSocket.TEXT, true, bytes);
                    case 2 -> ws.send(RawWebSocket.BINARY, true, bytes);
                    case 3 -> {
                        ws.send(RawWebSocket.TEXT, false, Arrays.copyOf(bytes, bytes.length / 2));
                        ws.send(RawWebSocket.CONTINUATION, true, Arrays.copyOfRange(bytes, bytes.length / 2, bytes.length));
                    }
                    case 4 -> ws.send(RawWebSocket.CONTINUATION, true, bytes); // no message to continue: 1002
                    default -> ws.send(random.nextBoolean() ? RawWebSocket.TEXT : RawWebSocket.BINARY, true, bytes);
                }
                String probe = "probe-" + i;
                try {
                    ws.sendText("{\"type\":\"chats\",\"requestId\":\"" + probe + "\"}");
                } catch (java.io.IOException e) {
                    // closed already: its close frame is read below
                }
                String outcome = "answered";
                while (true) {
                    RawWebSocket.Frame f = ws.next();
                    if (f == null) {
                        throw new AssertionError("connection cut without a close frame (kind " + kind + ")");
                    }
                    if (f.opcode() == RawWebSocket.CLOSE) {
                        assertThat(f.closeCode()).as("close code (kind %s)", kind).isIn(1002, 1007, 1009);
                        outcome = "closed " + f.closeCode();
                        ws.close();
                        ws = rawConnect(alice);
                        break;
                    }
                    JsonObject reply = new JsonObject(f.text());
                    if (probe.equals(reply.getString("requestId"))) {
                        break;
                    }
                    if ("error".equals(reply.getString("type"))) {
                        assertThat(ErrorCode.valueOf(reply.getString("code"))).isIn(DECODER_CODES);
                        outcome = "error " + reply.getString("code");
                    }
                }
                outcomes.merge(outcome, 1, Integer::sum);
            }
            ws.sendText("{\"type\":\"ping\"}");
            assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("pong");
        } finally {
            ws.close();
        }
        report("raw frames", frames, outcomes);
        assertThat(outcomes.keySet()).contains("closed 1007", "closed 1009");
        assertThat(unhandled).isEmpty();
    }

    private RawWebSocket rawConnect(JsonObject device) throws Exception {
        RawWebSocket ws = RawWebSocket.connect(edge.port, "/v1/ws?token=" + device.getString("token"), "");
        assertThat(new JsonObject(ws.nextText()).getString("type")).isEqualTo("ready");
        return ws;
    }

    private static void count(JsonObject f, Map<String, Integer> outcomes) {
        String type = f.getString("type");
        if ("error".equals(type)) {
            ErrorCode code = ErrorCode.valueOf(f.getString("code"));
            assertThat(code).as("error %s", f).isNotIn(ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE);
            assertThat(f.getString("message")).isNotBlank().hasSizeLessThan(400);
            outcomes.merge("error " + code, 1, Integer::sum);
        } else {
            assertThat(type).as("reply %s", f).isIn("sent", "history", "chats", "group", "settings", "pong", "presence",
                    "typing");
            outcomes.merge("reply " + type, 1, Integer::sum);
        }
    }

    private static void report(String what, int frames, Map<String, Integer> outcomes) {
        System.out.println("FUZZ " + what + ": " + frames + " frames; " + outcomes.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", ")));
    }

    private static String abbreviated(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "…(" + text.length() + " chars)" : text;
    }
}
