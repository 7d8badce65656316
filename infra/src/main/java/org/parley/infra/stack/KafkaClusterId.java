package org.parley.infra.stack;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Supplier;

/**
 * A Kafka cluster id for formatting the storage: a base64url UUID (16 random bytes, no padding), generated here to
 * spare one JVM start (StorageTool random-uuid). Never one that starts with '-' (1 in 64 of them): the format tool
 * reads "-t -xyz" as a missing argument, and a fresh stack failed to start.
 */
public final class KafkaClusterId {
    private static final SecureRandom RANDOM = new SecureRandom();

    private KafkaClusterId() {
    }

    public static String random() {
        return from(() -> {
            byte[] b = new byte[16];
            RANDOM.nextBytes(b);
            return b;
        });
    }

    /** The first id from the byte source that does not start with '-'. */
    static String from(Supplier<byte[]> bytes) {
        while (true) {
            String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.get());
            if (!id.startsWith("-")) {
                return id;
            }
        }
    }
}
