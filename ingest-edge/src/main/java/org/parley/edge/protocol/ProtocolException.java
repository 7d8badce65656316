package org.parley.edge.protocol;

/** A client frame the edge refuses; becomes an error frame, the connection stays open. */
public class ProtocolException extends RuntimeException {
    private final ErrorCode code;
    private final String ref;

    public ProtocolException(ErrorCode code, String message, String ref) {
        super(message, null, false, false);
        this.code = code;
        this.ref = ref;
    }

    public ErrorCode code() {
        return code;
    }

    /** The client's id of the refused frame (clientMessageId / requestId), if it had one. */
    public String ref() {
        return ref;
    }
}
