package org.parley.edge.protocol;

/** Error codes of the client protocol (docs/protocol.md lists when each is sent). */
public enum ErrorCode {
    BAD_FRAME,
    UNKNOWN_TYPE,
    MISSING_FIELD,
    INVALID_FIELD,
    PAYLOAD_TOO_LARGE,
    NOT_A_MEMBER,
    UNKNOWN_CONVERSATION,
    TARGET_UNKNOWN,
    INVALID_ACK,
    UNAVAILABLE,
    TIMEOUT,
    SYNC_TIMEOUT,
    INTERNAL
}
