package org.parley.edge.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.parley.edge.protocol.ClientFrame;
import org.parley.edge.protocol.ErrorCode;
import org.parley.events.ActionOutcome;
import org.parley.events.ActionResult;
import org.parley.events.ActionType;
import org.parley.metrics.ProcessMetrics;

/**
 * The edge's meters (docs/operations.md, "Metrics and logs"), all tagged {@code role=edge}:
 * <ul>
 *   <li>{@code parley.edge.connections}: open device WebSocket sessions (gauge);</li>
 *   <li>{@code parley.edge.pending.actions}: actions appended that await their result (gauge);</li>
 *   <li>{@code parley.edge.frames.in{type}}: frames received, by type ({@code send}, {@code ack}, an action's type such
 *       as {@code react}, ..., {@code invalid} when not decodable, {@code refused} when refused before decoding);</li>
 *   <li>{@code parley.edge.frames.out{type}}: frames sent, by their {@code type} ({@code message}, {@code sent}, ...);</li>
 *   <li>{@code parley.edge.errors{code}}: error frames sent, by error code;</li>
 *   <li>{@code parley.edge.action.latency{outcome}}: from an action's append to its result from the sequencer (the
 *       client's send → sent), by outcome ({@code accepted}, {@code rejected}, {@code unknown}, {@code timeout}),
 *       with a histogram for quantiles.</li>
 * </ul>
 * Every counter and timer is made once, here: the per-frame work is a class lookup or a prefix match on the frame
 * and one increment. No tag holds a user, device or conversation.
 */
public final class EdgeMetrics {
    private static volatile EdgeMetrics process;

    /** The outbound frame types the edge sends (an unknown one is counted as {@code other}). */
    static final String[] OUT_TYPES = {"message", "receipt", "sent", "error", "ready", "synced", "history", "chats",
            "messageInfo", "group", "settings", "pong", "search", "keysLow", "presence", "typing"};
    private static final ErrorCode[] CODES = ErrorCode.values(); // values() copies the array on every call
    private static final String TYPE_PREFIX = "{\"type\":\"";
    private static final String CODE_FIELD = ",\"code\":\"";
    private static final String MESSAGE_TAIL = "\"type\":\"message\",\"inboxSeq\":";

    private final MeterRegistry registry;
    private final Tags tags = ProcessMetrics.role("edge");
    private final ClassValue<Counter> inByClass;
    private final Map<ActionType, Counter> inByAction = new EnumMap<>(ActionType.class);
    private final Counter inInvalid;
    private final Counter inRefused;
    private final Counter[] out = new Counter[OUT_TYPES.length];
    private final Counter outOther;
    private final Counter[] errors = new Counter[ErrorCode.values().length];
    private final Counter errorsOther;
    private final Map<ActionOutcome, Timer> latency = new EnumMap<>(ActionOutcome.class);
    private final Timer latencyTimeout;

    public EdgeMetrics(MeterRegistry registry) {
        this.registry = registry;
        Map<Class<?>, Counter> byClass = new ConcurrentHashMap<>();
        this.inByClass = new ClassValue<>() {
            @Override
            protected Counter computeValue(Class<?> type) {
                return byClass.computeIfAbsent(type, t -> framesIn(lowerFirst(t.getSimpleName())));
            }
        };
        for (ActionType t : ActionType.values()) {
            inByAction.put(t, framesIn(lowerCamel(t.name())));
        }
        inInvalid = framesIn("invalid");
        inRefused = framesIn("refused");
        for (int i = 0; i < OUT_TYPES.length; i++) {
            out[i] = framesOut(OUT_TYPES[i]);
        }
        outOther = framesOut("other");
        for (ErrorCode c : ErrorCode.values()) {
            errors[c.ordinal()] = error(c.name());
        }
        errorsOther = error("OTHER");
        for (ActionOutcome o : ActionOutcome.values()) {
            latency.put(o, latency(o.name().toLowerCase(Locale.ROOT)));
        }
        latencyTimeout = latency("timeout");
    }

    /** The edge meters of this process's registry ({@link ProcessMetrics#registry()}). */
    public static EdgeMetrics get() {
        EdgeMetrics m = process;
        if (m == null) {
            synchronized (EdgeMetrics.class) {
                if (process == null) {
                    process = new EdgeMetrics(ProcessMetrics.registry());
                }
                m = process;
            }
        }
        return m;
    }

    private Counter framesIn(String type) {
        return Counter.builder("parley.edge.frames.in").description("WebSocket frames received from devices, by type")
                .tags(tags).tag("type", type).register(registry);
    }

    private Counter framesOut(String type) {
        return Counter.builder("parley.edge.frames.out").description("WebSocket frames sent to devices, by type")
                .tags(tags).tag("type", type).register(registry);
    }

    private Counter error(String code) {
        return Counter.builder("parley.edge.errors").description("error frames sent to devices, by error code")
                .tags(tags).tag("code", code).register(registry);
    }

    private Timer latency(String outcome) {
        return Timer.builder("parley.edge.action.latency")
                .description("from an action's append to the sequencer's result for it (send -> sent)")
                .tags(tags).tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    }

    /** Gauges of the open sessions and the actions awaiting results. */
    public void gauges(Supplier<Number> connections, Supplier<Number> pendingActions) {
        Gauge.builder("parley.edge.connections", connections, s -> s.get().doubleValue())
                .description("open device WebSocket sessions").tags(tags).strongReference(true).register(registry);
        Gauge.builder("parley.edge.pending.actions", pendingActions, s -> s.get().doubleValue())
                .description("actions appended that await the sequencer's result").tags(tags).strongReference(true)
                .register(registry);
    }

    /** Binds a Kafka client of the edge (producer or consumer) to the process's registry, tagged role=edge. */
    public static void bindKafka(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer) {
        ProcessMetrics.bindKafka(consumer, "edge");
    }

    /** Binds a Kafka producer of the edge to the process's registry, tagged role=edge. */
    public static void bindKafka(org.apache.kafka.clients.producer.Producer<?, ?> producer) {
        ProcessMetrics.bindKafka(producer, "edge");
    }

    /** A decoded frame from a device. */
    public void frameIn(ClientFrame frame) {
        if (frame instanceof ClientFrame.Act a && a.type() != null) {
            inByAction.get(a.type()).increment();
        } else {
            inByClass.get(frame.getClass()).increment();
        }
    }

    /** A frame that could not be decoded. */
    public void frameInvalid() {
        inInvalid.increment();
    }

    /** A frame refused (rate limit) before it was decoded. */
    public void frameRefused() {
        inRefused.increment();
    }

    /** A frame written to a device (its JSON text). */
    public void frameOut(String frame) {
        int type = outType(frame);
        if (type < 0) {
            outOther.increment();
            return;
        }
        out[type].increment();
        if (OUT_TYPES[type].equals("error")) {
            errorCode(frame);
        }
    }

    /** The sequencer's result for an action appended {@code startNanos} ({@link System#nanoTime()}) ago. */
    public void actionCompleted(long startNanos, ActionResult result) {
        ActionOutcome o = result.getOutcome() == null ? ActionOutcome.UNKNOWN : result.getOutcome();
        latency.get(o).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /** No result within edge.result-wait-ms (the client was answered TIMEOUT after edge.result-timeout-ms). */
    public void actionTimedOut(long startNanos) {
        latencyTimeout.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The index in {@link #OUT_TYPES} of a frame's top-level {@code type}, or -1. The edge writes {@code type} first,
     * except in a delivered message, which ends with {@code "type":"message","inboxSeq":<n>}; anything else is
     * looked up by a scan of the top level.
     */
    static int outType(String frame) {
        int at;
        if (frame.startsWith(TYPE_PREFIX)) {
            at = TYPE_PREFIX.length();
        } else if (endsAsMessage(frame)) {
            return 0;
        } else {
            at = topLevelTypeValue(frame);
            if (at < 0) {
                return -1;
            }
        }
        for (int i = 0; i < OUT_TYPES.length; i++) {
            String t = OUT_TYPES[i];
            if (frame.startsWith(t, at) && frame.length() > at + t.length() && frame.charAt(at + t.length()) == '"') {
                return i;
            }
        }
        return -1;
    }

    private static boolean endsAsMessage(String frame) {
        int i = frame.length() - 1;
        if (i < 0 || frame.charAt(i) != '}') {
            return false;
        }
        i--;
        while (i >= 0 && Character.isDigit(frame.charAt(i))) {
            i--;
        }
        int start = i - MESSAGE_TAIL.length() + 1;
        return start > 0 && frame.startsWith(MESSAGE_TAIL, start) && (frame.charAt(start - 1) == ','
                || frame.charAt(start - 1) == '{');
    }

    /** Where the value of the top-level key "type" starts (after its opening quote), or -1. */
    private static int topLevelTypeValue(String json) {
        int depth = 0;
        boolean inString = false;
        boolean key = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '{', '[' -> {
                    depth++;
                    key = c == '{';
                }
                case '}', ']' -> depth--;
                case ',' -> key = true;
                case ':' -> key = false;
                case '"' -> {
                    if (depth == 1 && key && json.startsWith("\"type\":\"", i)) {
                        return i + 8;
                    }
                    inString = true;
                }
                default -> {
                }
            }
        }
        return -1;
    }

    private void errorCode(String frame) {
        int at = frame.indexOf(CODE_FIELD);
        if (at >= 0) {
            at += CODE_FIELD.length();
            for (ErrorCode c : CODES) {
                String n = c.name();
                if (frame.startsWith(n, at) && frame.length() > at + n.length() && frame.charAt(at + n.length()) == '"') {
                    errors[c.ordinal()].increment();
                    return;
                }
            }
        }
        errorsOther.increment();
    }

    private static String lowerFirst(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /** EDIT_MESSAGE → editMessage. */
    static String lowerCamel(String enumName) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : enumName.toLowerCase(Locale.ROOT).toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}
