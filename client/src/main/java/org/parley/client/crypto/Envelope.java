package org.parley.client.crypto;

import java.util.Arrays;
import org.signal.libsignal.protocol.message.CiphertextMessage;

/**
 * What travels in a message's opaque {@code payload}: one type byte (libsignal's: 3 PreKey, 2 Signal, 7 Sender Key)
 * and the serialised libsignal message. The type byte is needed because a PreKey message and a steady-state message
 * cannot be told apart from their bytes alone, and the server must not be asked which is which.
 */
public record Envelope(int type, byte[] body) {
    public static final int PREKEY = CiphertextMessage.PREKEY_TYPE;
    public static final int SIGNAL = CiphertextMessage.WHISPER_TYPE;
    public static final int SENDER_KEY = CiphertextMessage.SENDERKEY_TYPE;

    public Envelope {
        if (type != PREKEY && type != SIGNAL && type != SENDER_KEY) {
            throw new IllegalArgumentException("unknown envelope type " + type);
        }
        body = body.clone();
    }

    static Envelope of(CiphertextMessage message) {
        return new Envelope(message.getType(), message.serialize());
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The payload bytes: type, then body. */
    public byte[] encode() {
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) type;
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /** Reads {@link #encode()}'s form; an empty payload or an unknown type is refused. */
    public static Envelope decode(byte[] payload) {
        if (payload.length < 2) {
            throw new IllegalArgumentException("not an envelope: " + payload.length + " bytes");
        }
        return new Envelope(payload[0] & 0xff, Arrays.copyOfRange(payload, 1, payload.length));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e && e.type == type && Arrays.equals(e.body, body);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "Envelope[type=" + type + ", " + body.length + " bytes]";
    }
}
