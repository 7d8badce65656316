package org.parley.edge.identity;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.log.ActionLog;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.readmodel.EdgeReadModel;
import org.parley.events.ActionType;
import org.parley.events.ClientAction;
import org.parley.projections.UserConversations;
import org.parley.schemas.Conversations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proof of identity for registering a primary device: {@code POST /v1/registration/code} sends a one-time code to a
 * phone number or e-mail address; {@code POST /v1/devices} with that code proves control of it. The first proof of
 * an identifier binds it to the user id the client chose, for good; later proofs re-register that same user (a new
 * phone): its history from before is no longer readable, and its conversations get an {@code IDENTITY_CHANGED}
 * event so the peers learn it. Every refusal is answered here with a precise code and nothing internal.
 */
public final class IdentityRegistration {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityRegistration.class);
    private static final Pattern DIGITS = Pattern.compile("[0-9]{6,10}");

    /** A proven registration: the user it is for, and whether that user existed before (a re-registration). */
    public record Proof(String userId, Identifier identifier, boolean reRegistration) {
    }

    private final VerificationCodes codes;
    private final IdentityStore identities;
    private final AddressLimiter sendsByAddress;
    private final AddressLimiter checksByAddress;
    private final ActionLog log;
    private final EdgeReadModel readModel;
    private final int edgeId;
    private final int announceParallelism;
    private final Clock clock;
    private final RegistrationLock lock;

    public IdentityRegistration(VerificationCodes codes, IdentityStore identities, AddressLimiter sendsByAddress,
                                AddressLimiter checksByAddress, ActionLog log, EdgeReadModel readModel, int edgeId,
                                int announceParallelism, Clock clock, RegistrationLock lock) {
        this.lock = lock;
        this.codes = codes;
        this.identities = identities;
        this.sendsByAddress = sendsByAddress;
        this.checksByAddress = checksByAddress;
        this.log = log;
        this.readModel = readModel;
        this.edgeId = edgeId;
        this.announceParallelism = Math.max(1, announceParallelism);
        this.clock = clock;
    }

    /** {@code POST /v1/registration/code {"identifier"}}: 202 whether or not the identifier is registered. */
    public void requestCode(RoutingContext ctx) {
        JsonObject body = body(ctx);
        if (body == null) {
            return;
        }
        Optional<Identifier> id = identifier(ctx, body);
        if (id.isEmpty()) {
            return;
        }
        Optional<Duration> limited = sendsByAddress.acquire(address(ctx));
        if (limited.isPresent()) {
            rateLimited(ctx, limited.get(), "too many code requests from your address");
            return;
        }
        codes.issue(id.get()).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("registration code for {} not sent: {}", id.get().kind(), ar.cause().toString());
                HttpErrors.send(ctx, 503, ErrorCode.UNAVAILABLE, "the code could not be sent now; retry later");
            } else if (ar.result() instanceof VerificationCodes.Limited l) {
                rateLimited(ctx, l.retryAfter(), l.reason());
            } else {
                VerificationCodes.Sent sent = (VerificationCodes.Sent) ar.result();
                ctx.response().setStatusCode(202);
                ctx.json(new JsonObject().put("identifier", id.get().value())
                        .put("channel", id.get().kind() == Identifier.Kind.PHONE ? "sms" : "email")
                        .put("expiresInSeconds", sent.validFor().toSeconds())
                        .put("resendAfterSeconds", codes.limits().resendInterval().toSeconds()));
            }
        });
    }

    /**
     * Checks the code of a registration body {@code {"identifier", "code", "userId"?}}, then which user it is for; uses
     * the code up and binds a new identifier to its user id. Empty after answering the refusal.
     */
    public Future<Optional<Proof>> prove(RoutingContext ctx, JsonObject body) {
        Optional<Identifier> parsed = identifier(ctx, body);
        if (parsed.isEmpty()) {
            return none();
        }
        Identifier id = parsed.get();
        Object code = body.getValue("code");
        if (code == null) {
            HttpErrors.send(ctx, 400, ErrorCode.MISSING_FIELD, "code is required: the code sent to "
                    + id.value() + " (request one with POST /v1/registration/code)");
            return none();
        }
        if (!(code instanceof String c) || !DIGITS.matcher(c).matches() || c.length() != codes.limits().digits()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "code must be the " + codes.limits().digits()
                    + " digits that were sent, as a string");
            return none();
        }
        Object user = body.getValue("userId");
        if (user != null && (!(user instanceof String u) || !Conversations.USER_ID.matcher(u).matches())) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "userId must be 1-64 of [A-Za-z0-9_.-]");
            return none();
        }
        String requested = (String) user;
        Optional<Duration> limited = checksByAddress.acquire(address(ctx));
        if (limited.isPresent()) {
            rateLimited(ctx, limited.get(), "too many verification attempts from your address");
            return none();
        }
        return codes.check(id, (String) code).compose(check -> {
            if (check instanceof VerificationCodes.Valid valid) {
                return userFor(ctx, id, requested, valid, body.getValue("pin"));
            }
            if (check instanceof VerificationCodes.Wrong w) {
                return refuse(ctx, 403, ErrorCode.CODE_INVALID, "wrong code; " + w.attemptsLeft() + " attempt"
                        + (w.attemptsLeft() == 1 ? "" : "s") + " left for this code");
            }
            if (check instanceof VerificationCodes.Expired) {
                return refuse(ctx, 410, ErrorCode.CODE_EXPIRED, "the code expired: request a new one with"
                        + " POST /v1/registration/code");
            }
            if (check instanceof VerificationCodes.AttemptsExceeded) {
                return refuse(ctx, 429, ErrorCode.CODE_ATTEMPTS_EXCEEDED, "this code had "
                        + codes.limits().maxAttempts() + " wrong attempts: request a new one");
            }
            if (check instanceof VerificationCodes.Limited l) {
                rateLimited(ctx, l.retryAfter(), l.reason());
                return none();
            }
            return refuse(ctx, 403, ErrorCode.CODE_INVALID, "no code is pending for " + id.value() + " (none was"
                    + " requested, or it was used): request one with POST /v1/registration/code");
        }).recover(err -> {
            LOG.warn("identity store unavailable: {}", err.toString());
            HttpErrors.send(ctx, 503, ErrorCode.UNAVAILABLE, "registration unavailable; no device was"
                    + " registered: retry (with a new code if this one is refused)");
            return none();
        });
    }

    /** Which user the proven identifier registers; the code is used up only once that is settled. */
    private Future<Optional<Proof>> userFor(RoutingContext ctx, Identifier id, String requested,
                                            VerificationCodes.Valid valid, Object pin) {
        return identities.byIdentifier(id.value()).compose(bound -> {
            if (bound.isPresent()) {
                String userId = bound.get().userId();
                if (requested != null && !requested.equals(userId)) {
                    return refuse(ctx, 409, ErrorCode.IDENTIFIER_BOUND, id.value() + " is registered as user " + userId
                            + "; register it again without userId (or with that one)");
                }
                String locked = bound.get().registrationLock();
                Future<Boolean> unlocked = locked == null ? Future.succeededFuture(true) : unlock(ctx, userId, locked, pin, valid);
                return unlocked.compose(open -> !open ? none() : consume(ctx, valid)
                        .map(ok -> ok ? Optional.of(new Proof(userId, id, true)) : Optional.empty()));
            }
            if (requested == null) {
                return refuse(ctx, 400, ErrorCode.MISSING_FIELD, "userId is required: " + id.value()
                        + " has no user yet, choose its user id (1-64 of [A-Za-z0-9_.-])");
            }
            return identities.byUser(requested).compose(owner -> owner.isPresent() ? Future.succeededFuture(true)
                    : identities.everUsed(requested)).compose(taken -> {
                if (taken) {
                    return userIdTaken(ctx, requested);
                }
                return consume(ctx, valid).compose(ok -> !ok ? none()
                        : identities.bind(id.value(), requested, clock.instant()).compose(outcome -> {
                            if (outcome == IdentityStore.BindOutcome.BOUND) {
                                return Future.succeededFuture(Optional.of(new Proof(requested, id, false)));
                            }
                            if (outcome == IdentityStore.BindOutcome.USER_ID_TAKEN) {
                                return userIdTaken(ctx, requested);
                            }
                            return refuse(ctx, 409, ErrorCode.IDENTIFIER_BOUND, id.value() + " was just registered"
                                    + " as another user: register it again without userId");
                        }));
            });
        });
    }

    /**
     * A re-registration of a locked user: true if it may go on (the right PIN, or a lock lapsed by inactivity, which is
     * then dropped); false after answering 423 (no PIN: the code stays usable) or 403 (wrong PIN: the code is used up
     * and counts as a wrong guess, so PIN guesses are as limited as codes).
     */
    private Future<Boolean> unlock(RoutingContext ctx, String userId, String locked, Object pin,
                                   VerificationCodes.Valid valid) {
        return lock.presence().find(userId).compose(seen -> {
            Instant now = clock.instant();
            boolean active = seen.map(p -> p.getOnline() || p.getLastSeenAt() == null
                    || p.getLastSeenAt().isAfter(now.minus(lock.inactiveAfter()))).orElse(true);
            if (!active) {
                LOG.info("registration lock of {} lapsed ({} without activity): dropped", userId, lock.inactiveAfter());
                return identities.registrationLock(userId, null).map(true);
            }
            if (pin == null) {
                HttpErrors.send(ctx, 423, ErrorCode.REGISTRATION_LOCKED, userId + " has a registration lock:"
                        + " send its PIN as \"pin\" with this code (the lock lapses after " + lock.inactiveAfter().toDays()
                        + " days without any device of the user online)");
                return Future.succeededFuture(false);
            }
            if (!RegistrationLock.validPin(pin)) {
                HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, "pin must be a string of "
                        + RegistrationLock.MIN_PIN + "-" + RegistrationLock.MAX_PIN + " characters");
                return Future.succeededFuture(false);
            }
            return ctx.vertx().executeBlocking(() -> RegistrationLock.matches(locked, (String) pin), false)
                    .compose(right -> right ? Future.succeededFuture(true) : codes.penalize(valid).map(v -> {
                        HttpErrors.send(ctx, 403, ErrorCode.PIN_INVALID, "wrong PIN; this code is used up:"
                                + " request a new one to try again");
                        return false;
                    }));
        });
    }

    /** {@code PUT /v1/registration-lock {"pin"}} by the user's primary: sets or changes the lock. */
    public void setLock(RoutingContext ctx, String userId) {
        JsonObject body = body(ctx);
        if (body == null) {
            return;
        }
        Object pin = body.getValue("pin");
        if (!RegistrationLock.validPin(pin)) {
            HttpErrors.send(ctx, 400, pin == null ? ErrorCode.MISSING_FIELD
                    : ErrorCode.INVALID_FIELD, "pin must be a string of " + RegistrationLock.MIN_PIN + "-"
                    + RegistrationLock.MAX_PIN + " characters");
            return;
        }
        changeLock(ctx, userId, ctx.vertx().executeBlocking(() -> lock.encode((String) pin), false));
    }

    /** {@code DELETE /v1/registration-lock} by the user's primary. */
    public void removeLock(RoutingContext ctx, String userId) {
        changeLock(ctx, userId, Future.succeededFuture(null));
    }

    private void changeLock(RoutingContext ctx, String userId, Future<String> encoded) {
        identities.byUser(userId).compose(binding -> {
            if (binding.isEmpty()) {
                HttpErrors.send(ctx, 409, ErrorCode.IDENTIFIER_REQUIRED, userId + " was registered before"
                        + " identifiers were bound: it has no identifier a lock could protect");
                return Future.succeededFuture();
            }
            return encoded.compose(e -> identities.registrationLock(userId, e))
                    .onSuccess(v -> ctx.response().setStatusCode(204).end());
        }).onFailure(err -> {
            LOG.warn("registration lock of {} not changed: {}", userId, err.toString());
            HttpErrors.send(ctx, 503, ErrorCode.UNAVAILABLE, "registration lock unavailable; nothing changed, retry");
        });
    }

    private Future<Boolean> consume(RoutingContext ctx, VerificationCodes.Valid valid) {
        return codes.consume(valid).map(ok -> {
            if (!ok) {
                HttpErrors.send(ctx, 403, ErrorCode.CODE_INVALID, "this code was just used by another"
                        + " registration: request a new one");
            }
            return ok;
        });
    }

    /** A re-registered user reads nothing from before {@code from}; set before its new device exists. */
    public Future<Void> historyFrom(String userId, Instant from) {
        return identities.historyFrom(userId, from);
    }

    /**
     * Appends an {@code ANNOUNCE_IDENTITY} action to each conversation the user is a member of: the sequencer turns it
     * into an {@code IDENTITY_CHANGED} event every member's devices receive. Best effort per conversation (a failed
     * append is logged, the registration stands); completes with the number of conversations announced to.
     */
    public Future<Integer> announce(String userId, String deviceId) {
        return announce(userId, deviceId, ActionType.ANNOUNCE_IDENTITY, "identity-changed:");
    }

    /**
     * Appends an {@code ANNOUNCE_DEVICE_LINKED} or {@code ANNOUNCE_DEVICE_UNLINKED} action (sender device: the device
     * linked or unlinked) to each conversation the user is a member of, one-to-one and group: the sequencer turns it
     * into a {@code DEVICE_LINKED}/{@code DEVICE_UNLINKED} event every member's devices receive, so a peer sees every
     * change of the user's device list, and a group's senders give a new device their sender keys (docs/e2e.md). Best
     * effort per conversation, like {@link #announce(String, String)}.
     */
    public Future<Integer> announceDevice(String userId, String deviceId, boolean linked) {
        return linked ? announce(userId, deviceId, ActionType.ANNOUNCE_DEVICE_LINKED, "device-linked:")
                : announce(userId, deviceId, ActionType.ANNOUNCE_DEVICE_UNLINKED, "device-unlinked:");
    }

    private Future<Integer> announce(String userId, String deviceId, ActionType type, String idPrefix) {
        return readModel.conversations(userId).compose(all -> {
            List<String> current = all.stream().filter(UserConversations.Membership::isMember)
                    .map(UserConversations.Membership::conversationId).toList();
            List<Future<Integer>> lanes = new ArrayList<>();
            for (int lane = 0; lane < announceParallelism && lane < current.size(); lane++) {
                lanes.add(announceLane(current, lane, userId, deviceId, type, idPrefix, 0));
            }
            return Future.all(lanes).map(done -> lanes.stream().mapToInt(Future::result).sum());
        }).recover(err -> {
            LOG.warn("{} of {} not announced: its conversations could not be read: {}", type, userId,
                    err.toString());
            return Future.succeededFuture(0);
        });
    }

    /** Conversations lane, lane + parallelism, ... one after the other. */
    private Future<Integer> announceLane(List<String> conversations, int index, String userId, String deviceId,
            ActionType type, String idPrefix, int done) {
        if (index >= conversations.size()) {
            return Future.succeededFuture(done);
        }
        String conversation = conversations.get(index);
        ClientAction action = ClientAction.newBuilder().setActionId(UUID.randomUUID().toString())
                .setType(type).setConversationId(conversation).setSenderUserId(userId)
                .setSenderDeviceId(deviceId).setClientMessageId(idPrefix + deviceId).setEdgeId(edgeId)
                .setReceivedAt(clock.instant()).setPayload(ByteBuffer.allocate(0)).build();
        return log.append(action).map(v -> 1).recover(err -> {
            LOG.warn("{} of {} not announced in {}: {}", type, userId, conversation, err.toString());
            return Future.succeededFuture(0);
        }).compose(n -> announceLane(conversations, index + announceParallelism, userId, deviceId, type, idPrefix,
                done + n));
    }

    private Future<Optional<Proof>> userIdTaken(RoutingContext ctx, String userId) {
        return refuse(ctx, 409, ErrorCode.USER_ID_TAKEN, "user id " + userId + " belongs to someone else: choose another");
    }

    private Optional<Identifier> identifier(RoutingContext ctx, JsonObject body) {
        Object raw = body.getValue("identifier");
        if (raw == null) {
            HttpErrors.send(ctx, 400, ErrorCode.MISSING_FIELD, "identifier is required: " + Identifier.FORMAT);
            return Optional.empty();
        }
        Optional<Identifier> id = raw instanceof String s ? Identifier.parse(s) : Optional.empty();
        if (id.isEmpty()) {
            HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, Identifier.FORMAT);
        }
        return id;
    }

    /** The request body as a JSON object, or null after answering 400. */
    public static JsonObject body(RoutingContext ctx) {
        try {
            JsonObject body = ctx.body().asJsonObject();
            if (body != null) {
                return body;
            }
        } catch (RuntimeException e) {
            // answered below
        }
        HttpErrors.send(ctx, 400, ErrorCode.BAD_FRAME, "body must be a JSON object like"
                + " {\"identifier\":\"+14155550100\"}");
        return null;
    }

    private static String address(RoutingContext ctx) {
        return ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
    }

    private static void rateLimited(RoutingContext ctx, Duration retryAfter, String reason) {
        long seconds = Math.max(1, retryAfter.toSeconds() + (retryAfter.toMillisPart() > 0 ? 1 : 0));
        ctx.response().putHeader("Retry-After", Long.toString(seconds));
        HttpErrors.send(ctx, 429, ErrorCode.RATE_LIMITED, reason + "; retry in " + seconds + " s");
    }

    private static <T> Future<Optional<T>> refuse(RoutingContext ctx, int status, ErrorCode code, String message) {
        HttpErrors.send(ctx, status, code, message);
        return none();
    }

    private static <T> Future<Optional<T>> none() {
        return Future.succeededFuture(Optional.empty());
    }
}
