package org.parley.push.webpush;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * RFC 8291 message encryption for Web Push: the {@code aes128gcm} content coding of RFC 8188, one record, keyed by
 * ECDH (P-256) between a fresh application-server key pair and the subscription's {@code p256dh}, mixed with the
 * subscription's 16-byte {@code auth} secret through HKDF-SHA-256.
 *
 * <pre>
 * PRK_key = HMAC(auth, ecdh_secret); IKM = HKDF-Expand(PRK_key, "WebPush: info" 0x00 ua_public as_public, 32)
 * PRK = HMAC(salt, IKM); CEK = HKDF-Expand(PRK, "Content-Encoding: aes128gcm" 0x00, 16);
 * NONCE = HKDF-Expand(PRK, "Content-Encoding: nonce" 0x00, 12)
 * body = salt(16) || rs(4) || idlen(1)=65 || as_public(65) || AES-128-GCM(CEK, NONCE, plaintext || 0x02)
 * </pre>
 */
public final class WebPushEncryption {
    /** The record size advertised in the header (RFC 8291 §4: any value >= 18; 4096 as the RFC's example). */
    public static final int RECORD_SIZE = 4096;
    /** RFC 8030 §7.2: push services must accept payloads of at least 4096 bytes (after encryption). */
    public static final int MAX_PLAINTEXT = RECORD_SIZE - 86 - 16 - 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebPushEncryption() {
    }

    /** Encrypts for a subscription with a fresh key pair and salt. */
    public static byte[] encrypt(byte[] plaintext, ECPublicKey uaPublic, byte[] authSecret) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return encrypt(plaintext, uaPublic, authSecret, P256.generate(), salt);
    }

    /** Encrypts with a given application-server key pair and salt (the RFC 8291 Appendix A vector fixes both). */
    public static byte[] encrypt(byte[] plaintext, ECPublicKey uaPublic, byte[] authSecret, KeyPair asKeys,
            byte[] salt) {
        if (plaintext.length > MAX_PLAINTEXT) {
            throw new IllegalArgumentException("push payload of " + plaintext.length + " bytes; at most "
                    + MAX_PLAINTEXT + " fit one record");
        }
        checkSecrets(authSecret, salt);
        byte[] asPublic = P256.encode((ECPublicKey) asKeys.getPublic());
        byte[] uaPublicBytes = P256.encode(uaPublic);
        byte[] ecdh = P256.agree((ECPrivateKey) asKeys.getPrivate(), uaPublic);
        Keys keys = derive(ecdh, authSecret, uaPublicBytes, asPublic, salt);
        byte[] padded = Arrays.copyOf(plaintext, plaintext.length + 1);
        padded[plaintext.length] = 0x02; // delimiter of the last (only) record, no padding
        byte[] ciphertext = gcm(Cipher.ENCRYPT_MODE, keys, padded);
        ByteBuffer body = ByteBuffer.allocate(16 + 4 + 1 + asPublic.length + ciphertext.length);
        body.put(salt).putInt(RECORD_SIZE).put((byte) asPublic.length).put(asPublic).put(ciphertext);
        return body.array();
    }

    /** What a user agent does: decrypts a body with the subscription's private key and auth secret. */
    public static byte[] decrypt(byte[] body, ECPrivateKey uaPrivate, ECPublicKey uaPublic, byte[] authSecret) {
        ByteBuffer in = ByteBuffer.wrap(body);
        if (body.length < 21) {
            throw new IllegalArgumentException("too short for an aes128gcm header");
        }
        byte[] salt = new byte[16];
        in.get(salt);
        int recordSize = in.getInt();
        int idLength = Byte.toUnsignedInt(in.get());
        if (idLength != 65 || in.remaining() < idLength + 17) {
            throw new IllegalArgumentException("keyid must be the 65-byte application server key, then a record");
        }
        byte[] asPublic = new byte[idLength];
        in.get(asPublic);
        byte[] ciphertext = new byte[in.remaining()];
        in.get(ciphertext);
        if (ciphertext.length > recordSize) {
            throw new IllegalArgumentException("more than one record (" + ciphertext.length + " > rs " + recordSize
                    + "): Web Push messages have one");
        }
        checkSecrets(authSecret, salt);
        byte[] ecdh = P256.agree(uaPrivate, P256.publicKey(asPublic));
        byte[] padded = gcm(Cipher.DECRYPT_MODE, derive(ecdh, authSecret, P256.encode(uaPublic), asPublic, salt),
                ciphertext);
        int end = padded.length - 1;
        while (end >= 0 && padded[end] == 0) {
            end--; // padding
        }
        if (end < 0 || padded[end] != 0x02) {
            throw new IllegalArgumentException("the last record must end with the 0x02 delimiter");
        }
        return Arrays.copyOf(padded, end);
    }

    private record Keys(byte[] cek, byte[] nonce) {
    }

    private static Keys derive(byte[] ecdh, byte[] auth, byte[] uaPublic, byte[] asPublic, byte[] salt) {
        byte[] prkKey = hmac(auth, ecdh);
        byte[] ikm = expand(prkKey, concat(ascii("WebPush: info\0"), uaPublic, asPublic), 32);
        byte[] prk = hmac(salt, ikm);
        return new Keys(expand(prk, ascii("Content-Encoding: aes128gcm\0"), 16),
                expand(prk, ascii("Content-Encoding: nonce\0"), 12));
    }

    /** HKDF-Expand for L <= 32 (one block): T(1) = HMAC(PRK, info || 0x01). */
    private static byte[] expand(byte[] prk, byte[] info, int length) {
        return Arrays.copyOf(hmac(prk, concat(info, new byte[] {1})), length);
    }

    private static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gcm(int mode, Keys keys, byte[] input) {
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, new SecretKeySpec(keys.cek(), "AES"), new GCMParameterSpec(128, keys.nonce()));
            return c.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("AES-GCM " + (mode == Cipher.DECRYPT_MODE ? "decryption" : "encryption")
                    + " failed: " + e.getMessage(), e);
        }
    }

    private static void checkSecrets(byte[] auth, byte[] salt) {
        if (auth.length != 16) {
            throw new IllegalArgumentException("the auth secret is 16 bytes, got " + auth.length);
        }
        if (salt.length != 16) {
            throw new IllegalArgumentException("the salt is 16 bytes, got " + salt.length);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
