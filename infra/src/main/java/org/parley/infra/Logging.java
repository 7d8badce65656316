package org.parley.infra;

/** Points logback at this module's tool config (other jars on the classpath ship their own logback.xml). */
public final class Logging {
    static final String CONFIG = "parley-infra-logback.xml";

    private Logging() {
    }

    /** Call first thing in main, before any logger exists. An explicit -Dlogback.configurationFile wins. */
    public static void useToolConfig() {
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", CONFIG);
        }
    }
}
