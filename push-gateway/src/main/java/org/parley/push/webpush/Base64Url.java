package org.parley.push.webpush;

import java.util.Base64;

/** base64url without padding, as Web Push keys, JWTs and subscriptions spell binary (decoding accepts padding). */
public final class Base64Url {
    private Base64Url() {
    }

    public static String encode(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static byte[] decode(String text) {
        return Base64.getUrlDecoder().decode(text.strip().replace("=", ""));
    }
}
