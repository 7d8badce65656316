package org.parley.client.crypto;

import org.signal.libsignal.protocol.IdentityKey;

/**
 * What became of a received envelope. Every case but {@link Plaintext} leaves the stores as they were, so the caller
 * may act (ask for a reset, confirm a new identity) and try the same envelope again.
 */
public sealed interface Decrypted {
    /** Decrypted; the ratchet moved on. */
    record Plaintext(byte[] content) implements Decrypted {
        public Plaintext {
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }
    }

    /** Already decrypted once: a redelivery or a replay. Show nothing; acknowledge it. */
    record Duplicate() implements Decrypted {
    }

    /**
     * The sender's identity key is not the one this device trusts (a re-registration, or an attack): the user must
     * see the new safety number and accept the key ({@link DeviceStore#trustIdentity}) before anything of it is shown.
     */
    record UntrustedIdentity(IdentityKey identityKey) implements Decrypted {
    }

    /**
     * No session (one-to-one) or no sender key (group) to decrypt it with: this device lost its state, or the
     * sender's setup never arrived. The session reset path: fetch the sender's bundle and start a new session, or ask
     * the group sender for its distribution message.
     */
    record NoSession() implements Decrypted {
    }

    /** Not decryptable: corrupt, forged, for another device, or naming a prekey this device no longer has. */
    record Invalid(String reason) implements Decrypted {
    }
}
