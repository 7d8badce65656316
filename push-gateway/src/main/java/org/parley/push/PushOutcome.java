package org.parley.push;

/**
 * What a push service answered.
 *
 * @param status the class of answer, which decides what the dispatcher does next
 * @param httpStatus the push service's HTTP status (0 when no answer arrived)
 * @param detail a short text for logs
 */
public record PushOutcome(Status status, int httpStatus, String detail) {
    public enum Status {
        /** Accepted for delivery (Web Push: 201). Recorded as sent; never sent again. */
        ACCEPTED,
        /** The subscription no longer exists (404/410): deleted, not retried. */
        GONE,
        /** Refused for good (other 4xx: bad request, payload too large, VAPID refused): not retried. */
        REJECTED,
        /** Maybe later (429, 5xx, no answer): retried with back-off, then given up. */
        RETRY
    }

    public static PushOutcome ofHttp(int status, String detail) {
        Status s;
        if (status >= 200 && status < 300) {
            s = Status.ACCEPTED;
        } else if (status == 404 || status == 410) {
            s = Status.GONE;
        } else if (status == 429 || status >= 500) {
            s = Status.RETRY;
        } else {
            s = Status.REJECTED;
        }
        return new PushOutcome(s, status, detail);
    }
}
