package org.parley.fanout;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 instantiates only classes it trusts (CVE-2024-47561 hardening): without this, Flink's AvroSerializer
 * refuses {@code org.parley.events.*} ("Forbidden ... not trusted to be included in Avro schemas"). Trust is
 * global to the Avro classes of one class loader, so every class that makes Avro decode our records (the
 * functions, the Kafka serdes, the main) calls {@link #ensure()} from a static initializer; class initialization
 * happens when a task deserializes the function, before it restores any state. Equivalent to
 * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.parley.events}.
 */
public final class AvroTrust {
    /** The package of the generated event classes. */
    public static final String EVENTS_PACKAGE = "org.parley.events.";
    private static volatile boolean done;

    private AvroTrust() {
    }

    public static void ensure() {
        if (done) {
            return;
        }
        synchronized (AvroTrust.class) {
            if (!done) {
                ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
                ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                        c -> c.getName().startsWith(EVENTS_PACKAGE)));
                done = true;
            }
        }
    }
}
