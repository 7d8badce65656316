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
    /**
     * A send's envelopes do not name exactly the current devices of the recipient and the sender's other devices; the
     * frame lists missingDevices and extraDevices. Fetch the bundles, re-encrypt, resend with the same clientMessageId.
     */
    MISMATCHED_DEVICES,
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
    /** Provisioning relay (HTTP): no entry for the link id (never put, taken already, or expired). */
    PROVISIONING_UNKNOWN,
    /** Provisioning relay (HTTP): the link id has an entry already (each link code is used once). */
    PROVISIONING_EXISTS,
    /** Registration (HTTP): wrong code, or no code pending for the identifier. */
    CODE_INVALID,
    /** Registration (HTTP): the code's time ran out; request a new one. */
    CODE_EXPIRED,
    /** Registration (HTTP): the code had identity.code-max-attempts wrong guesses; request a new one. */
    CODE_ATTEMPTS_EXCEEDED,
    /** Registration (HTTP): the user id is bound to another identifier (or was used before identities were bound). */
    USER_ID_TAKEN,
    /** Registration (HTTP): the identifier is bound to another user id than the one asked for. */
    IDENTIFIER_BOUND,
    /** Registration (HTTP, 423): the user has a registration lock; send its PIN. */
    REGISTRATION_LOCKED,
    /** Registration (HTTP): wrong registration-lock PIN; the code is used up. */
    PIN_INVALID,
    /** Registration lock (HTTP): the user registered before identifiers were bound, so it has nothing to lock. */
    IDENTIFIER_REQUIRED,
    /** The edge has more reads waiting than it queues (edge.cql-max-queued, edge.connection-cql-max-queued); retry. */
    BUSY,
    /** A prekey signature does not verify with the device's identity key (PUT /v1/keys). */
    INVALID_SIGNATURE,
    /** An upload names another identity key than the device published (PUT /v1/keys): re-register the device. */
    IDENTITY_KEY_CHANGED,
    /** More one-time prekeys than a device may store (keys.max-one-time-prekeys). */
    TOO_MANY_PREKEYS,
    /** No current device of the user published keys (GET /v1/keys/{userId}). */
    NO_KEYS,
    /** An upload would take the user's stored media past media.quota-bytes (POST /v1/uploads): 413. */
    QUOTA_EXCEEDED,
    /** No upload of the caller by that id (GET /v1/uploads/{id}, POST .../complete): 404. */
    UPLOAD_UNKNOWN,
    /** Complete was asked before every part (or the whole object) arrived with the declared size: 409. */
    UPLOAD_INCOMPLETE,
    /** The media object was removed by the media sweeper (POST /v1/downloads): 410; the message says when and why. */
    MEDIA_GONE
}
