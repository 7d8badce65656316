package org.parley.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.StateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.formats.avro.typeutils.AvroSerializer;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.junit.jupiter.api.Test;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceDelivery;
import org.parley.events.DeviceSession;

/** The hot-path types and the state have Flink serializers of their own: Avro and POJO, never Kryo. */
class FanoutTypesTest {

    @Test
    void intermediateItemsArePojosWhoseFieldsAreAvroOrBasicTypes() {
        for (TypeInformation<?> t : List.of(FanoutTopology.MEMBER_ITEM, FanoutTopology.DEVICE_ITEM)) {
            assertThat(t).isInstanceOf(PojoTypeInfo.class);
            PojoTypeInfo<?> pojo = (PojoTypeInfo<?>) t;
            for (int i = 0; i < pojo.getArity(); i++) {
                assertThat(pojo.getPojoFieldAt(i).getTypeInformation())
                        .as(pojo.getPojoFieldAt(i).getField().getName())
                        .isNotInstanceOf(GenericTypeInfo.class);
            }
        }
        assertThat(TypeInformation.of(ConversationEvent.class)).isInstanceOf(AvroTypeInfo.class);
        assertThat(FanoutTopology.DEVICE_DELIVERY).isInstanceOf(AvroTypeInfo.class);
    }

    @Test
    void aMemberItemRoundTripsThroughItsFlinkSerializerWithKryoDisabled() throws Exception {
        ExecutionConfig config = new ExecutionConfig();
        Fixtures.disableGenericTypes(config);
        TypeSerializer<MemberItem> serializer =
                FanoutTopology.MEMBER_ITEM.createSerializer(config.getSerializerConfig());
        MemberItem item = MemberItem.ofEvent("bob", "bob-phone",
                Fixtures.event("c1", 3, "bob", "bob-phone", "alice", "bob"));

        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(item, out);
        MemberItem back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(back).isEqualTo(item).isNotSameAs(item);
        assertThat(back.receipt).isNull();
    }

    @Test
    void stateDescriptorsUseAvroAndBasicSerializers() {
        ExecutionConfig config = new ExecutionConfig();
        Fixtures.disableGenericTypes(config);
        for (StateDescriptor<?, ?> d : List.of(DeviceInboxSequencer.lastInboxSeqDescriptor(),
                DeviceInboxSequencer.sessionDescriptor(), UserDeviceDirectory.devicesDescriptor())) {
            d.initializeSerializerUnlessSet(config);
            assertThat(d.getSerializer()).as(d.getName()).isNotInstanceOf(KryoSerializer.class);
        }
        ValueStateDescriptor<DeviceSession> session = DeviceInboxSequencer.sessionDescriptor();
        session.initializeSerializerUnlessSet(config);
        assertThat(session.getSerializer()).isInstanceOf(AvroSerializer.class);
        assertThat(TypeInformation.of(DeviceDelivery.class).createSerializer(config.getSerializerConfig()))
                .isInstanceOf(AvroSerializer.class);
    }
}
