package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.is;
import static org.parley.infra.it.TestUsers.user;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.parley.client.ParleyClient;
import org.parley.client.SecureMessenger;
import org.parley.client.crypto.DeviceKeys;
import org.parley.config.Settings;
import org.parley.push.testing.LocalWebPushEndpoint;
import org.parley.push.testing.ReceivedPush;
import org.parley.push.testing.WebPushSubscriber;
import org.parley.push.webpush.VapidKeys;
import org.parley.schemas.CodeOutbox;
import org.parley.schemas.Conversations;

/**
 * The server cannot read (DESIGN.md invariant 6, docs/e2e.md): a marker unique to the run is sent end-to-end encrypted
 * through the real stack, one-to-one, in a group, in a group edit and as an attachment key (with the attachment,
 * encrypted under it, uploaded to S3); then Cassandra is flushed and every file of the stack's data folder (Kafka log
 * segments, Cassandra data and commit log, S3 objects, Flink's state) and logs folder is searched for the marker in
 * plain bytes, hex and base64 at every alignment: no hit. A control marker sent in the same conversation with a plain
 * payload is found by the same search, which proves the search sees what an unencrypted message leaves behind (the
 * test would fail with encryption switched off). The push an offline device receives names no content.
 */
class ServerCannotReadIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @RegisterExtension
    static final LocalStackExtension STACK = LocalStackExtension.full();

    @TempDir
    static Path stores;

    private static Vertx vertx;
    private static String edge;
    private static LocalWebPushEndpoint pushEndpoint;
    private final List<ParleyClient> open = new ArrayList<>();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        edge = STACK.edgeHttpUrl(0).toString();
        pushEndpoint = LocalWebPushEndpoint.start();
    }

    @AfterAll
    static void stop() {
        if (pushEndpoint != null) {
            pushEndpoint.close();
        }
        if (vertx != null) {
            vertx.close();
        }
    }

    record Phone(ParleyClient client, SecureMessenger messenger) {
    }

    private Phone device(ParleyClient.Device d, DeviceKeys keys) throws Exception {
        SecureDevices.Connected c = SecureDevices.connect(vertx, edge, stores, d, keys, WAIT);
        open.add(c.client());
        return new Phone(c.client(), c.messenger());
    }

    private static String read(Phone p, String clientMessageId) throws Exception {
        return SecureDevices.read(p.client(), p.messenger(), clientMessageId, WAIT);
    }

    private static long bobFrameSeq(Phone p, String clientMessageId) throws Exception {
        return p.client().awaitFrame(f -> TestUsers.is(f, "message", clientMessageId), WAIT).getLong("seq");
    }

    /** The delivery of {@code kind} for this client message id, opened with the device's keys, as text. */
    private static String readKind(Phone p, String clientMessageId, String kind) throws Exception {
        JsonObject frame = p.client().awaitFrame(f -> TestUsers.is(f, "message", clientMessageId)
                && kind.equals(f.getString("kind")), WAIT);
        assertThat(frame.getBoolean("encrypted", false)).as("%s", frame).isTrue();
        assertThat(frame.containsKey("payload")).as("%s", frame).isFalse();
        assertThat(frame.containsKey("reaction")).as("%s", frame).isFalse();
        SecureMessenger.Opened opened = p.messenger().open(frame);
        assertThat(opened).isInstanceOf(SecureMessenger.Opened.Content.class);
        org.parley.client.crypto.Decrypted d = ((SecureMessenger.Opened.Content) opened).decrypted();
        assertThat(d).isInstanceOf(org.parley.client.crypto.Decrypted.Plaintext.class);
        return new String(((org.parley.client.crypto.Decrypted.Plaintext) d).content(), StandardCharsets.UTF_8);
    }

    private static JsonObject sent(JsonObject answer) {
        assertThat(answer.getString("type")).as("%s", answer).isEqualTo("sent");
        return answer;
    }

    /**
     * 40 random letters from an alphabet that ids, hex and field names do not use: Cassandra compresses SSTables with
     * LZ4, which stores a run of bytes verbatim unless a 4-byte sequence of it occurred earlier in the block, so a
     * marker must share no 4 bytes with its surroundings (a word like "secret" or a hex digit run in a block full of
     * UUIDs would be split into back-references and escape a byte search).
     */
    private static String randomMarker() {
        String alphabet = "GHJKLMNPQRSTUVWXYZ";
        SecureRandom random = new SecureRandom();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    @Test
    void noStoreNoLogAndNoPushHoldsTheContentOfEncryptedMessages() throws Exception {
        String marker = randomMarker();
        String control = randomMarker();
        Settings settings = STACK.settings();

        ParleyClient.Device a1 = ParleyClient.register(edge, user("alice"), CodeOutbox::latest);
        ParleyClient.Device b1 = ParleyClient.register(edge, user("bob"), CodeOutbox::latest);
        ParleyClient.Device b2 = TestUsers.linkedDevice(edge, b1);
        ParleyClient.Device c1 = ParleyClient.register(edge, user("carol"), CodeOutbox::latest);
        DeviceKeys bobKeys = DeviceKeys.generate(10, 0);
        Phone alice = device(a1, DeviceKeys.generate(10, 0));
        Phone bob = device(b1, bobKeys);
        Phone carol = device(c1, DeviceKeys.generate(10, 0));
        // bob's laptop publishes its keys, then goes offline for good: it is pushed to.
        Phone laptop = device(b2, DeviceKeys.generate(bobKeys.identity(), 10, 0));
        laptop.client().close();
        WebPushSubscriber laptopPush = pushEndpoint.subscribe(VapidKeys.load(settings).publicKeyBase64Url());
        int subscribed = HTTP.send(HttpRequest.newBuilder(URI.create(edge + "/v1/push-subscription"))
                .header("Authorization", "Bearer " + b2.token()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(new JsonObject().put("endpoint", laptopPush.endpoint())
                        .put("keys", new JsonObject().put("p256dh", laptopPush.p256dh()).put("auth", laptopPush.auth()))
                        .encode())).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        assertThat(subscribed).as("push subscription (the stack must run in the local push test mode)").isEqualTo(204);

        // 1. One to one.
        sent(alice.messenger().send(b1.userId(), "sec-1", ("one to one: " + marker).getBytes(StandardCharsets.UTF_8), WAIT));
        assertThat(read(bob, "sec-1")).contains(marker);
        // 1b. One to one: an edit of it, a reply to it and a reaction to it, each with its content in envelopes.
        long oneToOneSeq = bobFrameSeq(bob, "sec-1");
        sent(alice.messenger().edit(b1.userId(), oneToOneSeq, "sec-1e", ("edited one to one: " + marker)
                .getBytes(StandardCharsets.UTF_8), WAIT));
        assertThat(readKind(bob, "sec-1e", "message_edited")).isEqualTo("edited one to one: " + marker);
        sent(bob.messenger().send(a1.userId(), "sec-1r", ("reply: " + marker).getBytes(StandardCharsets.UTF_8),
                SecureMessenger.SendOptions.replyTo(oneToOneSeq), WAIT));
        assertThat(readKind(alice, "sec-1r", "message")).isEqualTo("reply: " + marker);
        sent(bob.messenger().react(a1.userId(), oneToOneSeq, "sec-1x", "reaction " + marker, WAIT));
        assertThat(readKind(alice, "sec-1x", "reaction")).isEqualTo("reaction " + marker);

        // 2. A group message, and 3. an edit of it: both under alice's sender key.
        String g = sent(alice.client().actRetrying(new JsonObject().put("type", "createGroup").put("clientMessageId", "grp")
                .put("name", "Vault").put("members", new JsonArray().add(b1.userId()).add(c1.userId())), WAIT, 5))
                .getString("conversationId");
        await().atMost(WAIT).untilAsserted(() -> assertThat(alice.client().request(new JsonObject().put("type", "group")
                .put("requestId", "g-" + System.nanoTime()).put("conversationId", g), WAIT).getJsonArray("members", new JsonArray()))
                .hasSize(3));
        List<String> members = List.of(a1.userId(), b1.userId(), c1.userId());
        long groupSeq = sent(alice.messenger().sendToGroup(g, members, "sec-2",
                ("in the group: " + marker).getBytes(StandardCharsets.UTF_8), WAIT)).getLong("seq");
        assertThat(read(bob, "sec-2")).contains(marker);
        assertThat(read(carol, "sec-2")).contains(marker);
        sent(alice.messenger().editInGroup(g, groupSeq, "sec-3", ("edited: " + marker).getBytes(StandardCharsets.UTF_8), WAIT));
        assertThat(read(bob, "sec-3")).isEqualTo("edited: " + marker);
        assertThat(read(carol, "sec-3")).isEqualTo("edited: " + marker);

        // 4. An attachment: its content encrypted under a fresh key (AES-256-GCM) and uploaded; the key, with the
        //    marker beside it, travels inside an encrypted message only.
        byte[] mediaKey = new byte[32];
        new SecureRandom().nextBytes(mediaKey);
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
        Cipher aes = Cipher.getInstance("AES/GCM/NoPadding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(mediaKey, "AES"), new GCMParameterSpec(128, nonce));
        byte[] attachment = aes.doFinal(("attachment: " + marker).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> upload = HTTP.send(HttpRequest.newBuilder(URI.create(edge + "/v1/media"))
                .header("Authorization", "Bearer " + a1.token()).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(attachment)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
        String pointer = new JsonObject().put("mediaKey", marker + ":" + Base64.getEncoder().encodeToString(mediaKey))
                .put("nonce", HexFormat.of().formatHex(nonce)).put("object", new JsonObject(upload.body()).getString("key"))
                .encode();
        sent(alice.messenger().send(b1.userId(), "sec-4", pointer.getBytes(StandardCharsets.UTF_8), WAIT));
        assertThat(read(bob, "sec-4")).contains(marker);

        // 5. The control: a plain payload in the same one-to-one conversation, after everything else.
        alice.client().send("ctl-1", b1.userId(), ("control: " + control).getBytes(StandardCharsets.UTF_8));
        JsonObject plain = bob.client().awaitFrame(f -> is(f, "message", "ctl-1"), WAIT);
        assertThat(new String(Base64.getDecoder().decode(plain.getString("payload")), StandardCharsets.UTF_8)).contains(control);

        // The offline laptop was pushed to: a conversation and a count, no content.
        await().atMost(WAIT).until(() -> !pushEndpoint.received(laptopPush).isEmpty());
        for (ReceivedPush push : pushEndpoint.received(laptopPush)) {
            JsonNode json = push.json();
            List<String> fields = new ArrayList<>();
            json.fieldNames().forEachRemaining(fields::add);
            assertThat(fields).isSubsetOf("type", "pushId", "conversationId", "unread", "sound");
            assertThat(push.text()).doesNotContain(marker).doesNotContain(control);
        }

        // Everything is stored: the group's edit reached the projection, and the control (sent last in the one-to-one
        // conversation, same partition) is in Cassandra once flushed.
        Path data = STACK.dataDir().resolve("data");
        Path logs = STACK.dataDir().resolve("logs");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonObject page = alice.client().request(new JsonObject().put("type", "history").put("requestId", "h-" + System.nanoTime())
                    .put("conversationId", g).put("limit", 10), WAIT);
            assertThat(page.getJsonArray("events", new JsonArray()).stream().map(JsonObject.class::cast)
                    .anyMatch(e -> "sec-2".equals(e.getString("clientMessageId")) && e.getValue("editedSeq") != null))
                    .as("%s", page).isTrue();
        });
        await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            flushCassandra(settings);
            assertThat(MarkerScan.scan(control, data.resolve("cql")).hitsUnder("/data/cql/data/"))
                    .as("the control message in Cassandra's SSTables").isPositive();
        });
        // Fresh from the flush: the memtables of every table are on disk (the commit log held them already).
        flushCassandra(settings);

        MarkerScan.Result secret = MarkerScan.scan(marker, data, logs);
        MarkerScan.Result plainControl = MarkerScan.scan(control, data, logs);
        System.out.printf("marker scan, encrypted marker: %s%n", secret.summary());
        System.out.printf("marker scan, plain control: %s%n", plainControl.summary());
        plainControl.hits().stream().map(h -> h.form() + " " + STACK.dataDir().relativize(h.file()))
                .distinct().sorted().forEach(h -> System.out.println("  control hit: " + h));

        assertThat(secret.files()).isGreaterThan(50);
        assertThat(secret.hits()).as("the encrypted marker, anywhere on the server's disk").isEmpty();
        // The same search finds the unencrypted control in the log, in Cassandra and beside it: it can fail.
        assertThat(plainControl.hitsUnder("/data/kafka/")).as("control in Kafka's segments").isPositive();
        assertThat(plainControl.hitsUnder("/data/cql/")).as("control in Cassandra").isPositive();
        assertThat(Conversations.isGroup(g)).isTrue();
    }

    /** {@code StorageService.forceKeyspaceFlush(keyspace)} over the local JMX port the stack opens ({@code cql.jmx-port}). */
    private static void flushCassandra(Settings s) throws Exception {
        String url = "service:jmx:rmi:///jndi/rmi://" + s.get("bind.host") + ":" + s.get("cql.jmx-port") + "/jmxrmi";
        try (JMXConnector jmx = JMXConnectorFactory.connect(new JMXServiceURL(url))) {
            MBeanServerConnection c = jmx.getMBeanServerConnection();
            c.invoke(new ObjectName("org.apache.cassandra.db:type=StorageService"), "forceKeyspaceFlush",
                    new Object[] {s.get("cql.keyspace"), new String[0]},
                    new String[] {String.class.getName(), String[].class.getName()});
        }
    }
}
