package org.parley.edge.settings;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.parley.edge.http.BearerAuthentication;
import org.parley.edge.http.Failures;
import org.parley.edge.http.HttpErrors;
import org.parley.edge.http.RouteModule;
import org.parley.edge.protocol.AutoDownloadSettings;
import org.parley.edge.protocol.ErrorCode;
import org.parley.edge.protocol.FieldBounds;
import org.parley.events.UserSettings;
import org.parley.events.Visibility;
import org.parley.schemas.Conversations;

/**
 * {@code PUT /v1/settings} (bearer token): changes the fields given, keeps the others. The minimal write path
 * presence privacy needs: {@code lastSeenVisibility}, {@code onlineVisibility} (everyone|contacts|nobody),
 * {@code contactUserIds}, {@code readReceipts}, {@code pushSound}, {@code mediaAutoDownload}
 * ({@link AutoDownloadSettings}). Answers the whole settings object. {@code GET /v1/settings} reads it.
 */
public class SettingsEndpoint implements RouteModule {
    static final int MAX_CONTACTS = 10_000;

    private final SettingsStore store;

    public SettingsEndpoint(SettingsStore store) {
        this.store = store;
    }

    @Override
    public void mount(Router router, BearerAuthentication auth) {
        router.put("/v1/settings").handler(BodyHandler.create().setBodyLimit(256 * 1024)).handler(auth).handler(this::put);
        router.get("/v1/settings").handler(auth).handler(this::get);
    }

    void put(RoutingContext ctx) {
        JsonObject body;
        try {
            body = ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            body = null;
        }
        if (body == null) {
            HttpErrors.send(ctx, 400, ErrorCode.BAD_FRAME, "body must be a JSON object of settings");
            return;
        }
        JsonObject changes = body;
        String userId = BearerAuthentication.device(ctx).userId();
        store.find(userId).compose(current -> {
            UserSettings.Builder next = current.map(UserSettings::newBuilder)
                    .orElseGet(() -> UserSettings.newBuilder().setUserId(userId));
            try {
                apply(changes, next);
            } catch (IllegalArgumentException e) {
                HttpErrors.send(ctx, 400, ErrorCode.INVALID_FIELD, e.getMessage());
                return io.vertx.core.Future.succeededFuture();
            }
            UserSettings saved = next.setUpdatedAt(Instant.now()).build();
            return store.save(saved).onSuccess(v -> ctx.json(json(saved)));
        }).onFailure(err -> Failures.http(ctx, err, "settings not stored", "retry"));
    }

    /** Applies the fields present; a bad one refuses the whole change. */
    static void apply(JsonObject changes, UserSettings.Builder next) {
        if (changes.containsKey("lastSeenVisibility")) {
            next.setLastSeenVisibility(visibility(changes.getValue("lastSeenVisibility"), "lastSeenVisibility"));
        }
        if (changes.containsKey("onlineVisibility")) {
            next.setOnlineVisibility(visibility(changes.getValue("onlineVisibility"), "onlineVisibility"));
        }
        if (changes.containsKey("readReceipts")) {
            if (!(changes.getValue("readReceipts") instanceof Boolean b)) {
                throw new IllegalArgumentException("'readReceipts' must be true or false");
            }
            next.setReadReceipts(b);
        }
        if (changes.containsKey("pushSound")) {
            Object v = changes.getValue("pushSound");
            if (v != null && (!(v instanceof String s) || s.isEmpty()
                    || !FieldBounds.isText(s, FieldBounds.MAX_PUSH_SOUND, false))) {
                throw new IllegalArgumentException("'pushSound' must be null or a name of 1-64 characters without"
                        + " control characters");
            }
            next.setPushSound((String) v);
        }
        if (changes.containsKey("mediaAutoDownload")) {
            next.setMediaAutoDownload(AutoDownloadSettings.merge(next.getMediaAutoDownload(),
                    changes.getValue("mediaAutoDownload")));
        }
        if (changes.containsKey("contactUserIds")) {
            if (!(changes.getValue("contactUserIds") instanceof JsonArray a) || a.size() > MAX_CONTACTS) {
                throw new IllegalArgumentException("'contactUserIds' must be an array of at most " + MAX_CONTACTS
                        + " user ids");
            }
            List<String> contacts = new ArrayList<>();
            for (int i = 0; i < a.size(); i++) {
                Object o = a.getValue(i);
                if (!(o instanceof String u) || !Conversations.USER_ID.matcher(u).matches()) {
                    throw new IllegalArgumentException("'contactUserIds' item " + i + " is not a user id (1-64 of"
                            + " [A-Za-z0-9_.-], starting with a letter or digit)");
                }
                contacts.add(u);
            }
            next.setContactUserIds(contacts);
        }
    }

    private static Visibility visibility(Object v, String field) {
        if (v instanceof String s) {
            try {
                return Visibility.valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through to the precise error
            }
        }
        throw new IllegalArgumentException("'" + field + "' must be one of everyone, contacts, nobody");
    }

    static JsonObject json(UserSettings s) {
        return new JsonObject().put("userId", s.getUserId()).put("readReceipts", s.getReadReceipts())
                .put("lastSeenVisibility", s.getLastSeenVisibility().name().toLowerCase(Locale.ROOT))
                .put("onlineVisibility", s.getOnlineVisibility().name().toLowerCase(Locale.ROOT))
                .put("pushSound", s.getPushSound()).put("contactUserIds", new JsonArray(s.getContactUserIds()))
                .put("mediaAutoDownload", AutoDownloadSettings.json(s.getMediaAutoDownload()));
    }

    /** {@code GET /v1/settings}: the user's settings (defaults where never set), e.g. for a newly linked device. */
    void get(RoutingContext ctx) {
        String userId = BearerAuthentication.device(ctx).userId();
        store.find(userId).onSuccess(found -> ctx.json(json(found.orElseGet(() -> UserSettings.newBuilder()
                .setUserId(userId).setUpdatedAt(Instant.EPOCH).build()))))
                .onFailure(err -> Failures.http(ctx, err, "settings not read", "retry"));
    }
}
