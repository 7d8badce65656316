package org.parley.infra.stack;

/**
 * A refusal or failure of a stack command, with the message {@code ./parley} prints after "parley: " (exit 1), or the
 * exit code given (2 for bad usage, 130 for an interrupted up).
 */
public class StackException extends RuntimeException {
    private final int exitCode;
    private final boolean reported;

    public StackException(String message) {
        this(message, 1);
    }

    public StackException(String message, int exitCode) {
        this(message, exitCode, false);
    }

    /** reported: the supervisor has printed the reason already (with the log tail), the command only exits. */
    public StackException(String message, int exitCode, boolean reported) {
        super(message);
        this.exitCode = exitCode;
        this.reported = reported;
    }

    public boolean reported() {
        return reported;
    }

    public int exitCode() {
        return exitCode;
    }
}
