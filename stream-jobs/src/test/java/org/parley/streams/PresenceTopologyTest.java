package org.parley.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.parley.config.Settings;
import org.parley.events.DeviceSession;
import org.parley.events.EdgeHeartbeat;
import org.parley.events.Presence;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.schemas.TopicCatalog;
import org.parley.serde.AvroWireSerde;

class PresenceTopologyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final TopicCatalog topics = TopicCatalog.from(Settings.of(Map.of()));
    private TopologyTestDriver driver;
    private TestInputTopic<String, DeviceSession> sessions;
    private TestInputTopic<String, EdgeHeartbeat> heartbeats;
    private TestOutputTopic<String, Presence> presence;

    @BeforeEach
    void setUp() {
        StreamsBuilder builder = new StreamsBuilder();
        PresenceTopology.build(builder, topics, registry, TIMEOUT, Duration.ofSeconds(1));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "presence-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        driver = new TopologyTestDriver(builder.build(), props, T0);
        sessions = driver.createInputTopic(topics.deviceSessions().name(), Serdes.String().serializer(),
                new AvroWireSerde<DeviceSession>(registry, DeviceSession.getClassSchema(), true).serializer());
        heartbeats = driver.createInputTopic(topics.edgeHeartbeats().name(), Serdes.String().serializer(),
                new AvroWireSerde<EdgeHeartbeat>(registry, EdgeHeartbeat.getClassSchema(), true).serializer());
        presence = driver.createOutputTopic(topics.presence().name(), Serdes.String().deserializer(),
                new AvroWireSerde<Presence>(registry, Presence.getClassSchema(), true).deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private void open(String user, String device, String session, int edge, long atSec) {
        sessions.pipeInput(device, DeviceSession.newBuilder().setUserId(user).setDeviceId(device).setSessionId(session)
                .setEdgeId(edge).setAt(T0.plusSeconds(atSec)).build());
    }

    private void close(String user, String device, String session, long atSec) {
        sessions.pipeInput(device, DeviceSession.newBuilder().setUserId(user).setDeviceId(device).setSessionId(session)
                .setEdgeId(null).setAt(T0.plusSeconds(atSec)).build());
    }

    private void beat(int edge, long startedSec, long atSec) {
        heartbeats.pipeInput(String.valueOf(edge), EdgeHeartbeat.newBuilder().setEdgeId(edge)
                .setStartedAt(T0.plusSeconds(startedSec)).setAt(T0.plusSeconds(atSec)).build());
    }

    @Test
    void onlineWhileAnyDeviceIsConnectedThenLastSeenWhenTheLastLeaves() {
        beat(0, -100, 0);
        open("alice", "phone", "s1", 0, 1);
        open("alice", "laptop", "s2", 0, 2);
        close("alice", "phone", "s1", 3);
        assertThat(presence.readKeyValuesToList()).singleElement().satisfies(kv -> {
            assertThat(kv.key).isEqualTo("alice");
            assertThat(kv.value.getOnline()).isTrue();
        });
        close("alice", "laptop", "s2", 4);
        Presence off = presence.readValue();
        assertThat(off.getOnline()).isFalse();
        assertThat(off.getLastSeenAt()).isEqualTo(T0.plusSeconds(4));
        assertThat(presence.isEmpty()).isTrue();
    }

    @Test
    void aLateCloseOfAnOlderSessionDoesNotEndTheCurrentOne() {
        beat(0, -100, 0);
        beat(1, -100, 0);
        open("bob", "phone", "old", 0, 1);
        open("bob", "phone", "new", 1, 2); // moved to edge 1
        close("bob", "phone", "old", 3);   // edge 0's late close
        assertThat(presence.readValuesToList()).extracting(Presence::getOnline).containsExactly(true);
    }

    @Test
    void aSilentEdgeEndsItsSessionsAfterTheTimeout() {
        beat(0, -100, 0);
        open("carol", "phone", "s1", 0, 1);
        assertThat(presence.readValue().getOnline()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(presence.isEmpty()).as("edge 0 beat 5 s ago: still alive").isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        Presence off = presence.readValue();
        assertThat(off.getOnline()).isFalse();
        assertThat(off.getLastSeenAt()).as("the edge's last heartbeat").isEqualTo(T0);
        try (var left = driver.getKeyValueStore(PresenceTracker.SESSIONS_STORE).all()) {
            assertThat(left.hasNext()).isFalse();
        }
    }

    @Test
    void aSessionOpenedAfterQuietSweepsIsStillEndedWhenItsEdgeDies() {
        beat(0, -100, 0);
        open("fred", "phone", "s1", 0, 0);
        for (int i = 1; i <= 3; i++) { // sweeps that find every edge alive: no scan needed after the first
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            beat(0, -100, i);
        }
        open("gina", "phone", "s2", 7, 3); // edge 7 never beats
        driver.advanceWallClockTime(Duration.ofSeconds(5));
        beat(0, -100, 8);
        assertThat(presence.readValuesToList()).extracting(Presence::getUserId).containsExactly("fred", "gina");
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        beat(0, -100, 14);
        assertThat(presence.readValuesToList()).singleElement().satisfies(p -> {
            assertThat(p.getUserId()).isEqualTo("gina");
            assertThat(p.getOnline()).isFalse();
            assertThat(p.getLastSeenAt()).as("its own start: the edge never beat").isEqualTo(T0.plusSeconds(3));
        });
    }

    @Test
    void aBeatingEdgeKeepsItsSessions() {
        beat(0, -100, 0);
        open("dan", "phone", "s1", 0, 1);
        presence.readValue();
        for (int i = 1; i <= 5; i++) {
            driver.advanceWallClockTime(Duration.ofSeconds(5));
            beat(0, -100, 5L * i);
        }
        assertThat(presence.isEmpty()).isTrue();
    }

    @Test
    void anEdgeThatRestartedEndsTheSessionsOfItsPreviousLife() {
        beat(0, -100, 0);
        open("erin", "phone", "s1", 0, 1);
        presence.readValue();
        beat(0, 5, 5); // edge 0 crashed and came back at +5 s: s1 cannot exist any more
        driver.advanceWallClockTime(Duration.ofSeconds(6));
        Presence off = presence.readValue();
        assertThat(off.getOnline()).isFalse();
        assertThat(off.getLastSeenAt()).isEqualTo(T0.plusSeconds(5));
    }

    @Test
    void comingBackOnlineAfterwardsIsAnotherTransition() {
        beat(0, -100, 0);
        open("fay", "phone", "s1", 0, 1);
        close("fay", "phone", "s1", 2);
        open("fay", "phone", "s2", 0, 3);
        assertThat(presence.readValuesToList()).extracting(Presence::getOnline).containsExactly(true, false, true);
    }
}
