package org.parley.push.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import org.junit.jupiter.api.Test;

class WebPushEncryptionTest {
    // RFC 8291 Appendix A.
    static final String PLAINTEXT = "When I grow up, I want to be a watermelon";
    static final String AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    static final String AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    static final String UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    static final String UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";
    static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";
    static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocIn"
            + "mYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    private static ECPublicKey pub(String b64) {
        return P256.publicKey(Base64Url.decode(b64));
    }

    private static ECPrivateKey priv(String b64) {
        return P256.privateKey(Base64Url.decode(b64));
    }

    @Test
    void reproducesTheRfc8291AppendixAExampleByteForByte() {
        byte[] body = WebPushEncryption.encrypt(PLAINTEXT.getBytes(StandardCharsets.US_ASCII), pub(UA_PUBLIC),
                Base64Url.decode(AUTH), new KeyPair(pub(AS_PUBLIC), priv(AS_PRIVATE)), Base64Url.decode(SALT));

        assertThat(Base64Url.encode(body)).isEqualTo(BODY);
    }

    @Test
    void decryptsTheRfc8291AppendixAExampleAsTheUserAgent() {
        byte[] plaintext = WebPushEncryption.decrypt(Base64Url.decode(BODY), priv(UA_PRIVATE), pub(UA_PUBLIC),
                Base64Url.decode(AUTH));

        assertThat(new String(plaintext, StandardCharsets.US_ASCII)).isEqualTo(PLAINTEXT);
    }

    @Test
    void roundTripsWithFreshKeysAndSaltEachTime() {
        KeyPair ua = P256.generate();
        byte[] auth = new byte[16];
        byte[] message = "{\"conversationId\":\"dm:a:b\"}".getBytes(StandardCharsets.UTF_8);

        byte[] one = WebPushEncryption.encrypt(message, (ECPublicKey) ua.getPublic(), auth);
        byte[] two = WebPushEncryption.encrypt(message, (ECPublicKey) ua.getPublic(), auth);

        assertThat(one).isNotEqualTo(two);
        assertThat(WebPushEncryption.decrypt(one, (ECPrivateKey) ua.getPrivate(), (ECPublicKey) ua.getPublic(), auth))
                .isEqualTo(message);
    }

    @Test
    void aTamperedBodyOrAnotherAuthSecretDoesNotDecrypt() {
        byte[] body = Base64Url.decode(BODY);
        body[body.length - 1] ^= 1;

        assertThatThrownBy(() -> WebPushEncryption.decrypt(body, priv(UA_PRIVATE), pub(UA_PUBLIC),
                Base64Url.decode(AUTH))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebPushEncryption.decrypt(Base64Url.decode(BODY), priv(UA_PRIVATE), pub(UA_PUBLIC),
                new byte[16])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesPayloadsThatDoNotFitOneRecordAndMalformedKeys() {
        KeyPair ua = P256.generate();
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[WebPushEncryption.MAX_PLAINTEXT + 1],
                (ECPublicKey) ua.getPublic(), new byte[16])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> P256.publicKey(new byte[65])).isInstanceOf(IllegalArgumentException.class);
    }
}
