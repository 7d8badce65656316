package org.parley.client.crypto;

import java.util.Arrays;
import org.signal.libsignal.protocol.IdentityKey;

/**
 * Who this user has verified, kept in the {@link DeviceStore} (docs/e2e.md, "Verification"). Per peer user:
 * <ul>
 *   <li>{@link State#UNVERIFIED}: its identity key is trusted on first use (or after an accepted change) but the safety
 *   numbers were not compared;</li>
 *   <li>{@link State#VERIFIED}: the safety numbers matched for its current identity key;</li>
 *   <li>{@link State#CHANGED}: its identity key differs from the one trusted (a bundle or message carried another, or
 *   the server announced a re-registration). Nothing is encrypted to or decrypted from its devices until
 *   {@link #acceptIdentityChange} (after the user saw the new safety number), which makes it UNVERIFIED.</li>
 * </ul>
 * Identity keys are per user (every device of a user has the same), so the state is per user.
 */
public final class Verification {
    /** What this user knows of a peer's identity. */
    public enum State {
        UNVERIFIED, VERIFIED, CHANGED
    }

    private final DeviceStore store;
    private final String localUserId;

    public Verification(DeviceStore store, String localUserId) {
        this.store = store;
        this.localUserId = localUserId;
    }

    public State state(String peerUserId) {
        if (store.isChanged(peerUserId)) {
            return State.CHANGED;
        }
        IdentityKey verified = store.verifiedIdentity(peerUserId);
        IdentityKey trusted = store.trustedIdentity(peerUserId);
        return verified != null && trusted != null && Arrays.equals(verified.serialize(), trusted.serialize())
                ? State.VERIFIED : State.UNVERIFIED;
    }

    /**
     * The safety number with the peer: for its trusted identity key, or, once it CHANGED, for the new key (what the user
     * compares before accepting it).
     *
     * @throws IllegalStateException no identity key of the peer is known yet (no session, or only the server's notice
     *                               of a change: fetch its bundle first)
     */
    public SafetyNumber safetyNumber(String peerUserId) {
        IdentityKey key = peerIdentity(peerUserId);
        if (key == null) {
            throw new IllegalStateException("no identity key of " + peerUserId + " is known yet");
        }
        return SafetyNumber.of(localUserId, store.getIdentityKeyPair().getPublicKey(), peerUserId, key);
    }

    /** The peer's identity key the safety number is computed from (see {@link #safetyNumber}), or null. */
    public IdentityKey peerIdentity(String peerUserId) {
        return store.isChanged(peerUserId) ? store.changedIdentity(peerUserId) : store.trustedIdentity(peerUserId);
    }

    /**
     * Verifies the peer with what this side scanned from the peer's screen: VERIFIED if it matches the safety number of
     * the two current identity keys. A change must be accepted first (a CHANGED peer is not verified by scanning).
     *
     * @return whether the peer is verified now
     */
    public boolean verify(String peerUserId, byte[] scanned) {
        if (store.isChanged(peerUserId) || !safetyNumber(peerUserId).matchesScanned(scanned)) {
            return false;
        }
        store.markVerified(peerUserId, store.trustedIdentity(peerUserId));
        return true;
    }

    /**
     * Verifies the peer because the user confirmed that the 60 digits shown on both screens are equal
     * ({@code confirmed}); {@code false} removes the verification.
     *
     * @return whether the peer is verified now
     */
    public boolean verify(String peerUserId, boolean confirmed) {
        IdentityKey trusted = store.trustedIdentity(peerUserId);
        if (store.isChanged(peerUserId) || trusted == null) {
            return false;
        }
        if (confirmed) {
            store.markVerified(peerUserId, trusted);
        } else {
            store.unverify(peerUserId);
        }
        return confirmed;
    }

    /**
     * The peer's identity changed: CHANGED, and its sessions are dropped (the next send fetches its bundles again).
     *
     * @param newKey the new key if known (from a bundle or a message), else null (the server's notice only)
     */
    public void identityChanged(String peerUserId, IdentityKey newKey) {
        store.markChanged(peerUserId, newKey);
        store.deleteSessionsOf(peerUserId);
    }

    /**
     * The user accepted the peer's new identity key (after seeing the new safety number): trusted from now on,
     * UNVERIFIED, and no session of the old identity is kept.
     */
    public void acceptIdentityChange(String peerUserId, IdentityKey newKey) {
        store.deleteSessionsOf(peerUserId);
        store.trustIdentity(peerUserId, newKey);
        store.unverify(peerUserId);
    }
}
