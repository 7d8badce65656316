package org.parley.client.crypto;

import java.util.UUID;
import org.signal.libsignal.protocol.DuplicateMessageException;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.InvalidVersionException;
import org.signal.libsignal.protocol.LegacyMessageException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.groups.GroupCipher;
import org.signal.libsignal.protocol.groups.GroupSessionBuilder;
import org.signal.libsignal.protocol.message.SenderKeyDistributionMessage;
import org.signal.libsignal.protocol.state.SignalProtocolStore;

/**
 * Group messages with Sender Keys: each member device has its own sending chain per group, and tells the other
 * members its chain key once, in a distribution message sent to each of them over the pairwise cipher. A group
 * message is then encrypted once, whatever the group's size: one ciphertext per group message.
 *
 * <p>A distribution id names one sender key of this device. Rotation is a new distribution id: after a member leaves
 * or is removed, each remaining sender starts a new one and distributes it to the remaining members only, so the
 * former member holds no key to what follows. The application keeps the current distribution id of each group.
 */
public final class GroupSenderKeys {
    private final SignalProtocolStore store;
    private final DeviceAddress self;

    public GroupSenderKeys(SignalProtocolStore store, DeviceAddress self) {
        this.store = store;
        this.self = self;
    }

    /** A new distribution id: for a new group, and to rotate after a member left. */
    public static UUID newDistributionId() {
        return UUID.randomUUID();
    }

    /** This device's distribution message for {@code distributionId} (its sender key is created on first use). */
    public byte[] distributionMessage(UUID distributionId) {
        return new GroupSessionBuilder(store).create(self.signal(), distributionId).serialize();
    }

    /** Takes a sender's distribution message, received over the pairwise cipher from that device. */
    public void acceptDistribution(DeviceAddress sender, byte[] distributionMessage) throws InvalidMessageException {
        try {
            new GroupSessionBuilder(store).process(sender.signal(),
                    new SenderKeyDistributionMessage(distributionMessage));
        } catch (InvalidVersionException | LegacyMessageException | InvalidKeyException e) {
            throw new InvalidMessageException("not a sender key distribution message: " + e.getMessage());
        }
    }

    /** Encrypts a group message under this device's sender key {@code distributionId}. */
    public Envelope encrypt(UUID distributionId, byte[] plaintext) throws NoSessionException {
        return Envelope.of(new GroupCipher(store, self.signal()).encrypt(distributionId, plaintext));
    }

    /** Decrypts a group message from {@code sender}; {@link Decrypted.NoSession}: its sender key never arrived. */
    public Decrypted decrypt(DeviceAddress sender, Envelope envelope) {
        if (envelope.type() != Envelope.SENDER_KEY) {
            return new Decrypted.Invalid("not a group envelope");
        }
        try {
            return new Decrypted.Plaintext(new GroupCipher(store, sender.signal()).decrypt(envelope.body()));
        } catch (DuplicateMessageException e) {
            return new Decrypted.Duplicate();
        } catch (NoSessionException e) {
            return new Decrypted.NoSession();
        } catch (InvalidMessageException | LegacyMessageException e) {
            return new Decrypted.Invalid(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
