package org.parley.edge.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses one client frame strictly: exactly one JSON object, no duplicate keys (two parsers must never read two
 * different frames out of one text), nesting, key and number lengths bounded. Every refusal is a
 * {@link ErrorCode#BAD_FRAME} with a fixed message that names the rule broken.
 */
public final class FrameJson {
    /** Objects/arrays inside one another: a valid frame needs 2 ({@code forwardOf}, id lists); room for newer ones. */
    public static final int MAX_DEPTH = 16;
    /** A key's length: every known key is under 32 characters. */
    public static final int MAX_KEY_LENGTH = 64;
    /** Digits of one number: 2^63 has 19; more is refused as out of range by the field, not parsed at length. */
    public static final int MAX_NUMBER_LENGTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                    .maxNameLength(MAX_KEY_LENGTH).maxNumberLength(MAX_NUMBER_LENGTH).build())
            .build();

    private FrameJson() {
    }

    /** The frame as a JSON object, or a {@link ProtocolException} (BAD_FRAME) saying why it is not one. */
    public static JsonObject parse(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw bad("frame is not a JSON object");
            }
            JsonObject frame = new JsonObject(object(p));
            if (p.nextToken() != null) {
                throw bad("frame holds more than one JSON value");
            }
            return frame;
        } catch (StreamConstraintsException e) {
            throw bad("frame exceeds a JSON bound: nesting deeper than " + MAX_DEPTH + ", a key longer than "
                    + MAX_KEY_LENGTH + " or a number longer than " + MAX_NUMBER_LENGTH + " characters");
        } catch (IOException | RuntimeException e) {
            if (e instanceof ProtocolException p) {
                throw p;
            }
            throw bad("frame is not a JSON object");
        }
    }

    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            if (out.containsKey(name)) {
                throw bad("frame repeats the key '" + name + "'");
            }
            out.put(name, value(p, p.nextToken()));
        }
        return out;
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            throw bad("frame is not a JSON object");
        }
        return switch (t) {
            case START_OBJECT -> new JsonObject(object(p));
            case START_ARRAY -> {
                List<Object> items = new ArrayList<>();
                for (JsonToken next = p.nextToken(); next != JsonToken.END_ARRAY; next = p.nextToken()) {
                    items.add(value(p, next));
                }
                yield new JsonArray(items);
            }
            case VALUE_STRING -> p.getText();
            // Integer, Long or BigInteger by magnitude: a field checks the range itself (no silent wrap).
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> decimal(p);
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw bad("frame is not a JSON object");
        };
    }

    /**
     * Exact, so that {@code 9007199254740993.0} stays the integer it says (a double would round it); an exponent
     * beyond any decimal's range is an infinity, which no field takes.
     */
    private static Number decimal(JsonParser p) throws IOException {
        try {
            return p.getDecimalValue();
        } catch (NumberFormatException e) {
            return p.getText().startsWith("-")
                    ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
    }

    private static ProtocolException bad(String message) {
        return new ProtocolException(ErrorCode.BAD_FRAME, message, null);
    }
}
