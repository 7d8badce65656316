package org.parley.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 instantiates only classes it trusts (CVE-2024-47561 hardening): without this, decoding refuses
 * {@code org.parley.events.*} ("Forbidden ... not trusted to be included in Avro schemas"). Parley's generated event
 * classes are trusted here once per class loader, so no process needs
 * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES=org.parley.events}. Trust is global to the Avro classes of one class
 * loader, so in Flink every class that makes Avro decode our records (the functions, the Kafka serdes, the main)
 * calls {@link #install()} from a static initializer: class initialization happens when a task deserializes the
 * function, before it restores any state.
 */
public final class TrustedEventClasses {
    /** The package of the generated event classes. */
    public static final String PACKAGE = "org.parley.events.";
    private static volatile boolean installed;

    private TrustedEventClasses() {
    }

    public static void install() {
        if (installed) {
            return;
        }
        synchronized (TrustedEventClasses.class) {
            if (!installed) {
                ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
                ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                        c -> c.getName().startsWith(PACKAGE)));
                installed = true;
            }
        }
    }
}
