package org.parley.config;

/** How every Parley process starts: a failed start exits the JVM with status 1. */
public final class Startup {
    /** One process's start-up. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private Startup() {
    }

    /**
     * Runs the start-up; on any failure prints it and exits with status 1. Kafka, CQL and Vert.x threads would
     * otherwise keep a half-started process alive, and ./parley would wait out its readiness timeout.
     */
    public static void orExit(Step step) {
        try {
            step.run();
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
    }
}
