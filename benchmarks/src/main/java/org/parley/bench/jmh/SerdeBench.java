package org.parley.bench.jmh;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.parley.events.ClientAction;
import org.parley.events.ConversationEvent;
import org.parley.events.EventType;
import org.parley.registry.InMemorySchemaRegistry;
import org.parley.serde.AvroWireDeserializer;
import org.parley.serde.AvroWireSerializer;

/**
 * The log's serde on the hot path: a 100-byte-payload SEND_MESSAGE action and its conversation event through
 * {@link AvroWireSerializer} / {@link AvroWireDeserializer} (Confluent wire format, schema ids cached).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SerdeBench {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private AvroWireSerializer<ClientAction> actionSer;
    private AvroWireDeserializer<ClientAction> actionDe;
    private AvroWireSerializer<ConversationEvent> eventSer;
    private AvroWireDeserializer<ConversationEvent> eventDe;
    private ClientAction action;
    private ConversationEvent event;
    private byte[] actionBytes;
    private byte[] eventBytes;

    @Setup
    public void setUp() {
        actionSer = new AvroWireSerializer<>(registry, true);
        actionDe = new AvroWireDeserializer<>(registry, ClientAction.getClassSchema());
        eventSer = new AvroWireSerializer<>(registry, true);
        eventDe = new AvroWireDeserializer<>(registry, ConversationEvent.getClassSchema());
        action = MicroFixtures.sendAction("dm:alice:bob", "alice", "cm-1", 0);
        event = ConversationEvent.newBuilder().setEventId("dm:alice:bob/1").setConversationId("dm:alice:bob").setSeq(1)
                .setType(EventType.MESSAGE).setSenderUserId("alice").setSenderDeviceId("alice-1").setClientMessageId("cm-1")
                .setMemberUserIds(List.of("alice", "bob")).setSentAt(Instant.now()).setMediaType(null)
                .setPayload(ByteBuffer.wrap(new byte[100])).build();
        actionBytes = actionSer.serialize("actions", action);
        eventBytes = eventSer.serialize("conversation-events", event);
    }

    @Benchmark
    public byte[] serializeAction() {
        return actionSer.serialize("actions", action);
    }

    @Benchmark
    public ClientAction deserializeAction() {
        return actionDe.deserialize("actions", actionBytes);
    }

    @Benchmark
    public byte[] serializeEvent() {
        return eventSer.serialize("conversation-events", event);
    }

    @Benchmark
    public ConversationEvent deserializeEvent() {
        return eventDe.deserialize("conversation-events", eventBytes);
    }
}
