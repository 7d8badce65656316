package org.parley.streams;

/** An action the sequencer refuses: the code and message go back to the client as its error. */
final class Rejection extends RuntimeException {
    private final String code;

    Rejection(String code, String message) {
        super(message, null, false, false); // control flow, not a fault: no stack trace
        this.code = code;
    }

    String code() {
        return code;
    }
}
