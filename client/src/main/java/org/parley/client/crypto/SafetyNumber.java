package org.parley.client.crypto;

import java.nio.charset.StandardCharsets;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.fingerprint.Fingerprint;
import org.signal.libsignal.protocol.fingerprint.FingerprintParsingException;
import org.signal.libsignal.protocol.fingerprint.FingerprintVersionMismatchException;
import org.signal.libsignal.protocol.fingerprint.NumericFingerprintGenerator;

/**
 * The safety number of two users: 60 digits both see alike (compared aloud or side by side), and a scannable form
 * (a QR code's content) that one side scans from the other. It changes when either identity key changes, which is
 * what the "security code changed" notice ({@code identity_changed} events) points users to.
 */
public final class SafetyNumber {
    /** Signal's iteration count: slow enough to make finding a colliding key expensive, fast enough to show. */
    static final int ITERATIONS = 5200;
    /** The fingerprint format version in the scannable form; both sides must use the same. */
    static final int VERSION = 2;

    private final Fingerprint fingerprint;

    private SafetyNumber(Fingerprint fingerprint) {
        this.fingerprint = fingerprint;
    }

    /** The stable identifiers are Parley user ids, which are bound to their owner for good. */
    public static SafetyNumber of(String localUserId, IdentityKey localIdentity, String remoteUserId,
            IdentityKey remoteIdentity) {
        return new SafetyNumber(new NumericFingerprintGenerator(ITERATIONS).createFor(VERSION,
                localUserId.getBytes(StandardCharsets.UTF_8), localIdentity,
                remoteUserId.getBytes(StandardCharsets.UTF_8), remoteIdentity));
    }

    /** 60 digits, the same on both sides. Shown in groups of five. */
    public String displayText() {
        return fingerprint.getDisplayableFingerprint().getDisplayText();
    }

    /** What this side shows as a QR code. */
    public byte[] scannable() {
        return fingerprint.getScannableFingerprint().getSerialized();
    }

    /** Whether what this side scanned from the other's screen matches: the same two users and identity keys. */
    public boolean matchesScanned(byte[] scanned) {
        try {
            return fingerprint.getScannableFingerprint().compareTo(scanned);
        } catch (FingerprintVersionMismatchException | FingerprintParsingException e) {
            return false;
        }
    }
}
