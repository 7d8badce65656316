package org.parley.edge;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Makes client frames for fuzzing from a corpus of valid ones (one or more of each frame type), mutated one to three
 * times: fields dropped, set to values of the wrong type, huge, negative or overflowing numbers, long strings,
 * control characters and lone surrogates, unknown and renamed types, deep nesting, repeated keys, and text cut,
 * spliced or padded. Deterministic for a seed.
 */
final class FrameFuzzer {
    private final Random random;
    /** Longest string a mutation adds, so a frame stays under the edge's frame limit when that matters. */
    private final int maxString;

    FrameFuzzer(long seed, int maxString) {
        this.random = new Random(seed);
        this.maxString = maxString;
    }

    private static final List<JsonObject> CORPUS = corpus();

    static List<JsonObject> corpus() {
        String b64 = Base64.getEncoder().encodeToString("hello".getBytes());
        List<JsonObject> c = new ArrayList<>();
        c.add(new JsonObject().put("type", "send").put("clientMessageId", "m1").put("to", "bob").put("payload", b64));
        c.add(new JsonObject().put("type", "send").put("clientMessageId", "m2").put("conversationId", "dm:alice:bob")
                .put("payload", b64).put("mediaType", "image/jpeg").put("replyToSeq", 1));
        c.add(new JsonObject().put("type", "send").put("clientMessageId", "m3").put("to", "carol").put("payload", b64)
                .put("forwardOf", new JsonObject().put("conversationId", "dm:alice:bob").put("seq", 2)));
        c.add(act("react", "g:abcdefgh").put("targetSeq", 1).put("reaction", "\ud83d\udc4d"));
        c.add(act("edit", "dm:alice:bob").put("targetSeq", 1).put("payload", b64));
        c.add(act("delete", "dm:alice:bob").put("targetSeq", 1).put("scope", "everyone"));
        c.add(act("delete", "dm:alice:bob").put("targetSeq", 1).put("scope", "me"));
        c.add(new JsonObject().put("type", "createGroup").put("clientMessageId", "g1").put("name", "Friends")
                .put("description", "weekend plans").put("members", new JsonArray().add("bob").add("carol"))
                .put("onlyAdminsEditInfo", false).put("historySharing", true));
        c.add(new JsonObject().put("type", "createGroup").put("clientMessageId", "g2").put("name", "Named")
                .put("groupId", "g:named-group-1"));
        c.add(act("updateGroup", "g:abcdefgh").put("name", "New name").put("description", "d"));
        c.add(act("addMembers", "g:abcdefgh").put("userIds", new JsonArray().add("dave")));
        c.add(act("removeMember", "g:abcdefgh").put("userId", "dave"));
        c.add(act("promoteAdmin", "g:abcdefgh").put("userId", "bob"));
        c.add(act("demoteAdmin", "g:abcdefgh").put("userId", "bob"));
        c.add(act("leaveGroup", "g:abcdefgh"));
        c.add(act("mute", "dm:alice:bob").put("until", 4_102_444_800_000L));
        c.add(act("mute", "g:abcdefgh").put("until", "forever"));
        c.add(new JsonObject().put("type", "ack").put("inboxSeq", 0));
        c.add(new JsonObject().put("type", "read").put("conversationId", "dm:alice:bob").put("seq", 1));
        c.add(new JsonObject().put("type", "history").put("requestId", "h1").put("conversationId", "dm:alice:bob")
                .put("beforeSeq", 10).put("limit", 5));
        c.add(new JsonObject().put("type", "chats").put("requestId", "c1"));
        c.add(new JsonObject().put("type", "group").put("requestId", "q1").put("conversationId", "g:abcdefgh"));
        c.add(new JsonObject().put("type", "settings").put("requestId", "s1").put("readReceipts", true)
                .put("lastSeen", "contacts").put("online", "everyone").put("pushSound", "bell")
                .put("contacts", new JsonArray().add("bob")));
        c.add(new JsonObject().put("type", "ping"));
        c.add(new JsonObject().put("type", "typing").put("conversationId", "dm:alice:bob").put("state", "start"));
        c.add(new JsonObject().put("type", "presence").put("op", "subscribe").put("userId", "bob"));
        return c;
    }

    private static JsonObject act(String type, String conversationId) {
        return new JsonObject().put("type", type).put("clientMessageId", type + "-1").put("conversationId", conversationId);
    }

    private static final List<String> TYPES = List.of("send", "ack", "read", "history", "ping", "react", "edit",
            "delete", "createGroup", "updateGroup", "addMembers", "removeMember", "promoteAdmin", "demoteAdmin",
            "leaveGroup", "mute", "chats", "group", "settings", "typing", "presence");

    /** One generated frame: a corpus frame, mutated. */
    String next() {
        JsonObject frame = CORPUS.get(random.nextInt(CORPUS.size())).copy();
        int structural = random.nextInt(3);
        for (int i = 0; i < structural; i++) {
            mutate(frame);
        }
        String text = frame.encode();
        if (random.nextInt(3) == 0) {
            text = mutateText(text, frame);
        }
        return text;
    }

    private void mutate(JsonObject frame) {
        List<String> keys = new ArrayList<>(frame.fieldNames());
        String key = keys.isEmpty() ? "type" : keys.get(random.nextInt(keys.size()));
        switch (random.nextInt(6)) {
            case 0 -> frame.remove(key);
            case 1, 2 -> frame.put(key, weird());
            case 3 -> frame.put("x" + random.nextInt(1000), weird());
            case 4 -> frame.put("type", random.nextBoolean() ? TYPES.get(random.nextInt(TYPES.size())) : weirdString());
            default -> frame.put(key, nest(frame.getValue(key), 1 + random.nextInt(40)));
        }
    }

    private String mutateText(String text, JsonObject frame) {
        return switch (random.nextInt(7)) {
            case 0 -> text.substring(0, random.nextInt(text.length() + 1));                         // truncated
            case 1 -> {                                                                                // a key repeated
                List<String> keys = new ArrayList<>(frame.fieldNames());
                String key = keys.isEmpty() ? "type" : keys.get(random.nextInt(keys.size()));
                yield "{" + Json.encode(key) + ":" + Json.encode(weird()) + "," + text.substring(1);
            }
            case 2 -> {                                                                                // garbage inside
                int at = random.nextInt(text.length() + 1);
                yield text.substring(0, at) + garbage() + text.substring(at);
            }
            case 3 -> {                                                                                // a character changed
                char[] chars = text.toCharArray();
                if (chars.length > 0) {
                    chars[random.nextInt(chars.length)] = (char) (random.nextInt(0x80));
                }
                yield new String(chars);
            }
            case 4 -> text + (random.nextBoolean() ? "}" : " {\"type\":\"ping\"}");                  // trailing content
            case 5 -> List.of("", " ", "[]", "[{\"type\":\"ping\"}]", "1", "\"ping\"", "null", "true", "{",
                    "{\"type\":}", "{\"type\" \"ping\"}", "{'type':'ping'}", "{\"type\":\"ping\",}",
                    "{\"type\":NaN}", "{\"type\":\"ping\"/*c*/}").get(random.nextInt(15));
            default -> garbage();
        };
    }

    private String garbage() {
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(20);
        String alphabet = "{}[]:,\"\\ 0123456789-+.eEtrufalsn\u0000\u001f\u00e9\ud83d\ude00\ud800";
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }

    private Object nest(Object value, int depth) {
        Object v = value;
        for (int i = 0; i < depth; i++) {
            v = random.nextBoolean() ? new JsonArray().add(v) : new JsonObject().put("v", v);
        }
        return v;
    }

    private Object weird() {
        return switch (random.nextInt(24)) {
            case 0 -> null;
            case 1 -> random.nextBoolean();
            case 2 -> 0;
            case 3 -> -1;
            case 4 -> Long.MAX_VALUE;
            case 5 -> BigInteger.ONE.shiftLeft(63);
            case 6 -> BigInteger.ONE.shiftLeft(64).add(BigInteger.valueOf(random.nextInt(3)));
            case 7 -> BigInteger.ONE.shiftLeft(63).negate().subtract(BigInteger.ONE);
            case 8 -> 1e300;
            case 9 -> -1e-300;
            case 10 -> 1.5;
            case 11 -> new BigInteger("123456789012345678901234567890123456789");
            case 12 -> new BigDecimal("7.000");
            case 13 -> new JsonArray();
            case 14 -> new JsonArray().add(1).add("bob").add(new JsonObject());
            case 15 -> new JsonObject().put("a", 1);
            case 16 -> {
                JsonArray many = new JsonArray();
                for (int i = 0; i < 1100; i++) {
                    many.add("u" + i);
                }
                yield many;
            }
            case 17 -> Base64.getEncoder().encodeToString(new byte[2000 + random.nextInt(2000)]);
            case 18 -> random.nextInt();
            case 19 -> random.nextLong();
            default -> weirdString();
        };
    }

    private String weirdString() {
        return switch (random.nextInt(16)) {
            case 0 -> "";
            case 1 -> "x".repeat(1 + random.nextInt(maxString));
            case 2 -> "a\u0000b";
            case 3 -> "\ud800";
            case 4 -> "\udc00x";
            case 5 -> "\ud83d\ude00".repeat(1 + random.nextInt(40));
            case 6 -> "..";
            case 7 -> "dm:alice:bob";
            case 8 -> "dm:bob:alice";
            case 9 -> "g:abcdefgh";
            case 10 -> "g:" + "a".repeat(random.nextInt(maxString));
            case 11 -> "image/" + "x".repeat(random.nextInt(maxString));
            case 12 -> "line\nbreak\ttab";
            case 13 -> "teleport";
            case 14 -> "-1";
            default -> "e\u0301\u202e\u2028";
        };
    }
}
