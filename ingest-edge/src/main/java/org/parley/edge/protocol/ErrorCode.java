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
    /** Too many frames of a kind (conversation actions, typing) in a short time. */
    RATE_LIMITED,
    UNKNOWN_ACTION,
    UNKNOWN_CONVERSATION,
    TARGET_UNKNOWN,
    INVALID_ACK,
    UNAVAILABLE,
    TIMEOUT,
    SYNC_TIMEOUT,
    INTERNAL,
    /** More presence subscriptions than presence.max-subscriptions on one connection. */
    SUBSCRIPTION_LIMIT,
    /** Device registration (HTTP): the user has a primary device already; link new devices from it. */
    PRIMARY_EXISTS,
    /** Device linking (HTTP): only the user's primary device may link a companion. */
    NOT_PRIMARY,
    /** Device linking (HTTP): the user has devices.max-companions companions already. */
    DEVICE_LIMIT,
    /** Device unlinking (HTTP): no such device of this user. */
    DEVICE_UNKNOWN,
    /** The edge has more reads waiting than it queues (edge.cql-max-queued, edge.connection-cql-max-queued); retry. */
    BUSY
}
