package org.parley.client.crypto;

import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.InvalidVersionException;
import org.signal.libsignal.protocol.LegacyMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.ReusedBaseKeyException;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.UntrustedIdentityException;
import org.signal.libsignal.protocol.message.PreKeySignalMessage;
import org.signal.libsignal.protocol.message.SignalMessage;
import org.signal.libsignal.protocol.state.PreKeyBundle;
import org.signal.libsignal.protocol.state.SignalProtocolStore;

/**
 * One-to-one encryption between two devices (Signal's PQXDH, then the Double Ratchet): one envelope per recipient
 * device. The first envelopes to a device are PreKey messages (they carry what the recipient needs to build the same
 * session); once the recipient answers, they are plain Signal messages.
 */
public final class PairwiseCipher {
    /** What {@link #startSession} did. */
    public sealed interface SessionStart {
    }

    /** A session to the device exists now; {@link #encrypt} works. */
    public record Started() implements SessionStart {
    }

    /** The bundle's identity key differs from the one trusted for that device: nothing was changed. */
    public record IdentityChanged(IdentityKey identityKey) implements SessionStart {
    }

    /** The bundle is unusable: a signature that does not verify, or a key of the wrong kind. */
    public record InvalidBundle(String reason) implements SessionStart {
    }

    private final SignalProtocolStore store;

    public PairwiseCipher(SignalProtocolStore store) {
        this.store = store;
    }

    /**
     * Starts (or restarts) a session to a device from its bundle: PQXDH, checking both prekey signatures. Any earlier
     * session to the device is kept as a previous state, so its late messages still decrypt.
     */
    public SessionStart startSession(KeyBundle.Device device) {
        return startSession(device.address(), device.preKeyBundle());
    }

    public SessionStart startSession(DeviceAddress address, PreKeyBundle bundle) {
        try {
            new SessionBuilder(store, address.signal()).process(bundle);
            return new Started();
        } catch (UntrustedIdentityException e) {
            return new IdentityChanged(bundle.getIdentityKey());
        } catch (InvalidKeyException e) {
            return new InvalidBundle(e.getMessage());
        }
    }

    public boolean hasSession(DeviceAddress address) {
        return store.containsSession(address.signal());
    }

    /**
     * Encrypts for one device.
     *
     * @throws NoSessionException no session yet: fetch the device's bundle and {@link #startSession} first
     * @throws UntrustedIdentityException the device's identity changed since the session began
     */
    public Envelope encrypt(DeviceAddress to, byte[] plaintext) throws NoSessionException, UntrustedIdentityException {
        return Envelope.of(new SessionCipher(store, to.signal()).encrypt(plaintext));
    }

    /** Decrypts an envelope from one device. Never throws for what a peer or the network can do to the bytes. */
    public Decrypted decrypt(DeviceAddress from, Envelope envelope) {
        SessionCipher cipher = new SessionCipher(store, from.signal());
        PreKeySignalMessage preKeyMessage = null;
        try {
            switch (envelope.type()) {
                case Envelope.PREKEY -> {
                    preKeyMessage = new PreKeySignalMessage(envelope.body());
                    return new Decrypted.Plaintext(cipher.decrypt(preKeyMessage));
                }
                case Envelope.SIGNAL -> {
                    return new Decrypted.Plaintext(cipher.decrypt(new SignalMessage(envelope.body())));
                }
                default -> {
                    return new Decrypted.Invalid("a group envelope is not for the pairwise cipher");
                }
            }
        } catch (DuplicateMessageException | ReusedBaseKeyException e) {
            return new Decrypted.Duplicate();
        } catch (UntrustedIdentityException e) {
            // libsignal does not always say which key it refused: a PreKey message carries it, else the session has it.
            IdentityKey refused = e.getUntrustedIdentity() != null ? e.getUntrustedIdentity()
                    : preKeyMessage != null ? preKeyMessage.getIdentityKey()
                    : store.loadSession(from.signal()) != null
                            ? store.loadSession(from.signal()).getRemoteIdentityKey() : null;
            return new Decrypted.UntrustedIdentity(refused);
        } catch (NoSessionException e) {
            return new Decrypted.NoSession();
        } catch (InvalidKeyIdException e) {
            return new Decrypted.Invalid("names a prekey this device does not have: " + e.getMessage());
        } catch (InvalidMessageException | InvalidVersionException | LegacyMessageException | InvalidKeyException e) {
            return new Decrypted.Invalid(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
