package org.parley.serde;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes it does not trust; Parley's generated event classes are trusted here
 * once per JVM, so no process needs {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES}.
 */
public final class TrustedEventClasses {
    public static final String PACKAGE = "org.parley.events.";
    private static volatile boolean installed;

    private TrustedEventClasses() {
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
                c -> c.getName().startsWith(PACKAGE)));
        installed = true;
    }
}
