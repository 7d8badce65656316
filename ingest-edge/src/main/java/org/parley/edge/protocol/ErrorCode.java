package org.parley.edge.protocol;

/** Error codes of the client protocol (docs/protocol.md lists when each is sent). */
public enum ErrorCode {
    BAD_FRAME,
    UNKNOWN_TYPE,
    MISSING_FIELD,
    INVALID_FIELD,
    PAYLOAD_TOO_LARGE,
    NOT_A_MEMBER,
    NOT_AN_ADMIN,
    NOT_THE_SENDER,
    NOT_A_GROUP,
    GROUP_FULL,
    ALREADY_A_MEMBER,
    LAST_ADMIN,
    CONVERSATION_EXISTS,
    WINDOW_PASSED,
    RATE_LIMITED,
    UNKNOWN_ACTION,
    UNKNOWN_CONVERSATION,
    TARGET_UNKNOWN,
    INVALID_ACK,
    UNAVAILABLE,
    TIMEOUT,
    SYNC_TIMEOUT,
    INTERNAL
}
