package org.parley.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/** The Confluent wire format: magic byte 0, 4-byte big-endian schema id, then Avro binary. */
public final class WireFormat {
    public static final byte MAGIC = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** The schema id of a framed record; fails on anything that is not the Confluent wire format. */
    public static int schemaId(byte[] data) {
        if (data == null || data.length < HEADER_SIZE) {
            throw new SerializationException("record too short for the Confluent wire format ("
                    + (data == null ? "null" : data.length + " bytes") + ")");
        }
        if (data[0] != MAGIC) {
            throw new SerializationException("unknown magic byte " + data[0] + " (expected 0)");
        }
        return ByteBuffer.wrap(data, 1, 4).getInt();
    }
}
