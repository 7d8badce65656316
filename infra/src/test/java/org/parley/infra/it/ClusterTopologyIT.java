package org.parley.infra.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.parley.infra.it.TestUsers.user;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.parley.client.ParleyClient;
import org.parley.config.Settings;
import org.parley.infra.stack.Console;
import org.parley.infra.stack.StackSettings;
import org.parley.infra.stack.StackSupervisor;
import org.parley.schemas.CodeOutbox;

/**
 * The cluster topology ({@code ./parley up --topology cluster}) end to end, on a stack of its own: its own data folder
 * ({@code <data.dir>/cluster-it}, the libraries shared with the main one) and its own ports (every port of the
 * worktree's settings + {@code cluster.it.port-offset}, 110 unless set: clear of the stack of the same settings, which may run too), started and stopped through the supervisor API
 * as {@code ./parley} does.
 *
 * <ol>
 *   <li>One-to-one and group messages between clients of edge-0 and edge-1.</li>
 *   <li>A sequencer instance SIGKILLed under traffic: the other instance takes its partitions (Streams rebalance) and
 *       every conversation's seqs stay 1..N, each message shown once.</li>
 *   <li>The Flink TaskManager running the fan-out job SIGKILLed under traffic: the job restarts from its checkpoint on
 *       the other TaskManager and every message is shown once, with contiguous inbox seqs.</li>
 *   <li>The Flink JobManager SIGKILLed under traffic and restarted: the job is resubmitted from the killed job's latest
 *       checkpoint and every message is shown once, with contiguous inbox seqs.</li>
 *   <li>A Kafka broker and a CQL node SIGKILLed together under traffic: with replication 3, min ISR 2 and QUORUM
 *       nothing stops, every message is shown once.</li>
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTopologyIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int PER_SENDER = 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static StackSupervisor supervisor;
    private static Settings settings;
    private static Vertx vertx;
    private static String edge0;
    private static String edge1;

    @BeforeAll
    static void upTheCluster() throws IOException {
        Path root = repoRoot();
        StackSettings base = StackSettings.load(root, System.getenv());
        int offset = Integer.getInteger("cluster.it.port-offset", 110);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PARLEY_STACK_TOPOLOGY", "cluster");
        Path dataDir = base.dataDir().resolve("cluster-it");
        env.put("PARLEY_DATA_DIR", dataDir.toString());
        for (String key : List.of("kafka.port", "kafka.controller-port", "cql.port", "cql.storage-port", "cql.jmx-port",
                "s3.port", "registry.port", "registry.management-port", "flink.rest-port", "flink.blob-port", "edge.port",
                "metrics.port")) {
            env.put(Settings.envName(key), String.valueOf(base.getInt(key) + offset));
        }
        Files.createDirectories(dataDir);
        Path lib = dataDir.resolve("lib");
        if (!Files.exists(lib) && Files.isDirectory(base.lib())) {
            Files.createSymbolicLink(lib, base.lib()); // the servers' libraries, fetched once
        }
        StackSettings cluster = StackSettings.load(root, env);
        supervisor = new StackSupervisor(cluster, new Console(System.out, System.err));
        supervisor.down(List.of()); // what an interrupted earlier run left
        long start = System.nanoTime();
        supervisor.up(new StackSupervisor.UpOptions(true, false, List.of()));
        System.out.printf("[cluster] up in %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        settings = Settings.load(Map.of("PARLEY_CONFIG", cluster.run().resolve("effective.conf").toString()), null, false);
        vertx = Vertx.vertx();
        edge0 = "http://" + settings.host() + ":" + settings.edgePort(0);
        edge1 = "http://" + settings.host() + ":" + settings.edgePort(1);
    }

    @AfterAll
    static void downTheCluster() {
        if (vertx != null) {
            vertx.close();
        }
        if (supervisor != null) {
            supervisor.down(List.of());
        }
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isExecutable(dir.resolve("parley")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no repository root (a folder with ./parley) above " + Path.of("").toAbsolutePath());
    }

    private static ParleyClient.Device register(String edge, String name) throws Exception {
        Path outbox = CodeOutbox.dir(settings);
        return ParleyClient.register(edge, user(name), id -> CodeOutbox.read(outbox, id)
                .orElseThrow(() -> new IOException("no code for " + id + " in " + outbox)));
    }

    @Test
    @Order(1)
    void oneToOneAndGroupMessagesCrossBothEdges() throws Exception {
        ParleyClient.Device a = register(edge0, "alice");
        ParleyClient.Device b = register(edge1, "bob");
        ParleyClient.Device c = register(edge1, "carol");
        try (ParleyClient alice = ParleyClient.connect(vertx, edge0, a, null, WAIT);
             ParleyClient bob = ParleyClient.connect(vertx, edge1, b, null, WAIT);
             ParleyClient carol = ParleyClient.connect(vertx, edge1, c, null, WAIT)) {
            long seq = sent(alice, send("hello-bob").put("to", b.userId()));
            JsonObject got = bob.awaitFrame(f -> "message".equals(f.getString("type"))
                    && "hello-bob".equals(f.getString("clientMessageId")), WAIT);
            assertThat(got.getLong("seq")).isEqualTo(seq);
            bob.ack(got.getLong("inboxSeq"));

            JsonObject created = alice.actRetrying(new JsonObject().put("type", "createGroup").put("clientMessageId", "g")
                    .put("name", "Cluster").put("members", new JsonArray(List.of(b.userId(), c.userId()))), WAIT, 5);
            assertThat(created.getString("type")).as(created.encode()).isEqualTo("sent");
            String group = created.getString("conversationId");
            long hello = sent(alice, send("hello-group").put("conversationId", group));
            for (ParleyClient member : List.of(bob, carol)) {
                JsonObject m = member.awaitFrame(f -> "message".equals(f.getString("type"))
                        && group.equals(f.getString("conversationId")) && f.getLong("seq") == hello, WAIT);
                member.ack(m.getLong("inboxSeq"));
            }
            long reply = sent(carol, send("reply-from-edge-1").put("conversationId", group));
            alice.awaitFrame(f -> "message".equals(f.getString("type")) && group.equals(f.getString("conversationId"))
                    && f.getLong("seq") == reply, WAIT);
            assertThat(reply).isGreaterThan(hello);
        }
    }

    @Test
    @Order(2)
    void aSigkilledSequencerInstanceHandsItsPartitionsToTheOtherAndSeqsStayGapFree() throws Exception {
        storm(List.of("sequencer-1"), false, () -> {
            // The survivor holds every partition of the actions topic now (its group has one member).
            Properties p = new Properties();
            p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.kafkaBootstrap());
            try (Admin admin = Admin.create(p)) {
                String group = settings.get("streams.application-id");
                int partitions = admin.describeTopics(List.of(settings.get("topic.actions"))).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(settings.get("topic.actions")).partitions().size();
                await("sequencer-2 owns every actions partition").atMost(WAIT).untilAsserted(() -> {
                    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all()
                            .get(30, TimeUnit.SECONDS).get(group);
                    List<TopicPartition> owned = d.members().stream().map(MemberDescription::assignment)
                            .flatMap(x -> x.topicPartitions().stream())
                            .filter(tp -> tp.topic().equals(settings.get("topic.actions"))).toList();
                    assertThat(d.members()).hasSize(1);
                    assertThat(owned).hasSize(partitions);
                });
            }
        });
        supervisor.up(new StackSupervisor.UpOptions(false, false, List.of("sequencer-1")));
    }

    @Test
    @Order(3)
    void aSigkilledTaskManagerRestoresTheFanoutOnTheOtherAndEveryMessageIsShownOnce() throws Exception {
        String busy = busyTaskManagers().stream().findFirst()
                .orElseThrow(() -> new AssertionError("no TaskManager runs the fan-out job"));
        storm(List.of(busy), false, () -> await("the fan-out job runs on the other TaskManager").atMost(WAIT)
                .untilAsserted(() -> {
                    assertThat(busyTaskManagers()).isNotEmpty().doesNotContain(busy);
                    assertThat(jobState()).isEqualTo("RUNNING");
                }));
        supervisor.up(new StackSupervisor.UpOptions(false, false, List.of(busy)));
    }

    @Test
    @Order(4)
    void aSigkilledJobManagerIsRestartedAndTheJobResumesFromItsLatestCheckpoint() throws Exception {
        // No JobManager HA locally: the job dies with it. What must hold is that a restart ("./parley up", as the chaos
        // mode and an operator do it) resubmits the job from its latest retained checkpoint, so inbox seqs go on.
        String killedJob = liveJobId();
        await("a completed checkpoint of the running job").atMost(WAIT)
                .until(() -> flink("/jobs/" + killedJob + "/checkpoints").path("counts").path("completed").asInt() > 0);
        storm(List.of("flink-jobmanager"), true, () -> await("the fan-out job runs again").atMost(WAIT)
                .untilAsserted(() -> assertThat(jobState()).isEqualTo("RUNNING")));
        String job = liveJobId();
        assertThat(job).as("a resubmitted job").isNotEqualTo(killedJob);
        JsonNode restored = flink("/jobs/" + job + "/checkpoints").path("latest").path("restored");
        assertThat(restored.path("external_path").asText()).as("restored from the killed job's checkpoint: %s", restored)
                .contains(killedJob);
    }

    @Test
    @Order(5)
    void aSigkilledKafkaBrokerAndCqlNodeLoseNothing() throws Exception {
        // Replication 3, min ISR 2, QUORUM of 3: one broker and one CQL node may be down; nothing stops or is lost.
        storm(List.of("kafka-3", "cql-3"), false, () -> { });
    }

    /**
     * Three senders (two on edge-0, one on edge-1) send {@link #PER_SENDER} messages each to a recipient on edge-1, one
     * at a time, while the component is SIGKILLed once the recipient has seen a quarter; then every sender's seqs must
     * be 1..N and the recipient must have been shown each message once, with contiguous inbox seqs. With
     * {@code restart}, the victims are started again through the supervisor right after the kill.
     */
    private void storm(List<String> victims, boolean restart, ThrowingRunnable afterKill) throws Exception {
        String victim = String.join(" and ", victims);
        ParleyClient.Device r = register(edge1, "rcpt");
        List<ParleyClient.Device> senders = new ArrayList<>();
        senders.add(register(edge0, "s1"));
        senders.add(register(edge0, "s2"));
        senders.add(register(edge1, "s3"));
        List<ParleyClient> senderClients = new ArrayList<>();
        try (ParleyClient rcpt = ParleyClient.connect(vertx, edge1, r, null, WAIT)) {
            rcpt.onFrame(f -> {
                if ("message".equals(f.getString("type"))) {
                    rcpt.ack(f.getLong("inboxSeq"));
                }
            });
            for (int i = 0; i < senders.size(); i++) {
                senderClients.add(ParleyClient.connect(vertx, i < 2 ? edge0 : edge1, senders.get(i), null, WAIT));
            }
            List<CompletableFuture<List<Long>>> sending = new ArrayList<>();
            for (ParleyClient s : senderClients) {
                sending.add(CompletableFuture.supplyAsync(() -> sendAll(s, r.userId())));
            }
            int total = senders.size() * PER_SENDER;
            rcpt.awaitFrame(f -> rcpt.frames("message").size() >= total / 4, WAIT);
            for (String v : victims) {
                ProcessHandle process = supervisor.processes().live(v)
                        .orElseThrow(() -> new AssertionError(v + " is not running"));
                assertThat(process.destroyForcibly()).isTrue(); // SIGKILL: no leave-group, no savepoint, no flush
                process.onExit().get(30, TimeUnit.SECONDS);
            }
            long killedAt = System.nanoTime();
            int seenAtKill = rcpt.frames("message").size();
            System.out.printf("[cluster] killed %s after %d of %d messages were shown%n", victim, seenAtKill, total);
            if (restart) {
                supervisor.up(new StackSupervisor.UpOptions(false, false, victims));
                System.out.printf("[cluster] %s restarted %d ms after the kill%n", victim,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            }
            // Figures, not assertions: how long the recipient saw nothing new, and until it had everything.
            CompletableFuture.runAsync(() -> {
                await().atMost(WAIT).until(() -> rcpt.frames("message").size() > seenAtKill);
                System.out.printf("[cluster] after killing %s: first message shown %d ms after the kill%n", victim,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            });

            for (int i = 0; i < sending.size(); i++) {
                List<Long> seqs = sending.get(i).get(2 * WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(seqs).as("seqs answered to %s", senders.get(i).userId())
                        .containsExactlyElementsOf(LongStream.rangeClosed(1, PER_SENDER).boxed().toList());
            }
            await("every message shown").atMost(WAIT).until(() -> rcpt.frames("message").size() >= total);
            System.out.printf("[cluster] after killing %s: every message shown %d ms after the kill%n", victim,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt));
            afterKill.run();

            Map<Long, String> inbox = new LinkedHashMap<>();
            for (JsonObject m : rcpt.frames("message")) {
                String before = inbox.put(m.getLong("inboxSeq"), m.getString("clientMessageId"));
                assertThat(before).as("inbox seq %d shown twice", m.getLong("inboxSeq")).isNull();
            }
            assertThat(inbox.values()).as("each message shown once").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(senders.stream().flatMap(s -> ids(s.userId()).stream()).toList());
            assertThat(inbox.keySet()).as("contiguous inbox seqs")
                    .containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
            Map<String, Long> perConversation = rcpt.frames("message").stream()
                    .collect(Collectors.groupingBy(f -> f.getString("conversationId"), Collectors.counting()));
            assertThat(perConversation).hasSize(senders.size()).allSatisfy((k, v) -> assertThat(v).isEqualTo(PER_SENDER));
            System.out.printf("[cluster] OK after killing %s: %d messages in %d conversations, each shown once%n", victim,
                    inbox.size(), perConversation.size());
        } finally {
            senderClients.forEach(ParleyClient::close);
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static List<String> ids(String sender) {
        return Stream.iterate(1, i -> i + 1).limit(PER_SENDER).map(i -> sender + "-m" + i).toList();
    }

    /** One sender, one message at a time (each waits for its "sent", retrying with the same id); returns the seqs. */
    private static List<Long> sendAll(ParleyClient sender, String to) {
        List<Long> seqs = new ArrayList<>();
        for (String id : ids(sender.device().userId())) {
            try {
                seqs.add(sent(sender, new JsonObject().put("type", "send").put("clientMessageId", id).put("to", to)
                        .put("payload", Base64.getEncoder().encodeToString(id.getBytes(StandardCharsets.UTF_8)))));
            } catch (Exception e) {
                throw new IllegalStateException(id, e);
            }
        }
        return seqs;
    }

    private static JsonObject send(String clientMessageId) {
        return new JsonObject().put("type", "send").put("clientMessageId", clientMessageId)
                .put("payload", Base64.getEncoder().encodeToString(clientMessageId.getBytes(StandardCharsets.UTF_8)));
    }

    private static long sent(ParleyClient c, JsonObject frame) throws Exception {
        // Retried for as long as the test waits for anything (not a count of tries): while a killed broker's
        // partitions and the sequencer's transactions move, one message can take over a minute (seen in CI: 82 s).
        JsonObject r = c.actRetryingWithin(frame, WAIT, WAIT);
        assertThat(r.getString("type")).as("answer to %s: %s", frame, r).isEqualTo("sent");
        return r.getLong("seq");
    }

    // ---- the Flink session cluster, through its REST API

    private static JsonNode flink(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://"
                + settings.host() + ":" + settings.get("flink.rest-port") + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The TaskManagers (resource id = component name) with a slot in use. */
    private static Set<String> busyTaskManagers() throws Exception {
        Set<String> busy = new java.util.TreeSet<>();
        for (JsonNode tm : flink("/taskmanagers").path("taskmanagers")) {
            if (tm.path("freeSlots").asInt() < tm.path("slotsNumber").asInt()) {
                busy.add(tm.path("id").asText());
            }
        }
        return busy;
    }

    /** The id of the fan-out job the JobManager runs. */
    private static String liveJobId() throws Exception {
        for (JsonNode j : flink("/jobs/overview").path("jobs")) {
            if ("parley-fanout".equals(j.path("name").asText()) && "RUNNING".equals(j.path("state").asText())) {
                return j.path("jid").asText();
            }
        }
        throw new AssertionError("no running fan-out job: " + flink("/jobs/overview"));
    }

    private static String jobState() throws Exception {
        for (JsonNode j : flink("/jobs/overview").path("jobs")) {
            if ("parley-fanout".equals(j.path("name").asText()) && !"FAILED".equals(j.path("state").asText())
                    && !"CANCELED".equals(j.path("state").asText()) && !"FINISHED".equals(j.path("state").asText())) {
                return j.path("state").asText() + (j.path("tasks").path("running").asInt()
                        == j.path("tasks").path("total").asInt() ? "" : " (tasks not all running)");
            }
        }
        return "none";
    }
}
