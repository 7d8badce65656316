package org.parley.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.parley.config.Settings;

/**
 * The log encoder of every Parley process: the configuration's text {@code pattern}, or one JSON object per line
 * when the setting {@code log.format} is {@code json} (docs/operations.md, "Metrics and logs"):
 * <pre>{"time":"2026-12-07T05:01:02.345Z","level":"INFO","logger":"org.parley.edge.EdgeApp","thread":"main",
 *  "message":"...","exception":"java.lang...."}</pre>
 * ({@code exception} only with a throwable, {@code mdc} only when the event has MDC entries). {@code log.format} is
 * read like every setting ({@code -Dparley.log.format}, {@code PARLEY_LOG_FORMAT}, the {@code PARLEY_CONFIG} file);
 * a value other than {@code text} or {@code json} is reported on the console and the text format is used, so nothing
 * is lost. The {@code format} property of the encoder, if given in the configuration, wins over the setting.
 */
public class ParleyLogEncoder extends PatternLayoutEncoder {
    private static final JsonFactory JSON = new JsonFactory();
    private String format;
    private boolean json;

    /** {@code text} or {@code json}; unset: the setting {@code log.format} (default text). */
    public void setFormat(String format) {
        this.format = format;
    }

    @Override
    public void start() {
        String chosen = format;
        if (chosen == null) {
            try {
                chosen = Settings.load().find("log.format").orElse("text");
            } catch (RuntimeException e) {
                addError("log.format not read (" + e.getMessage() + "): logging as text", e);
                chosen = "text";
            }
        }
        String f = chosen.trim().toLowerCase(Locale.ROOT);
        if (f.equals("json")) {
            json = true;
        } else if (!f.equals("text")) {
            // The status printer shows errors on the console; say it here too, once, in plain words.
            String why = "log.format must be 'text' or 'json', got '" + chosen + "': logging as text";
            addError(why);
            System.err.println("PARLEY LOGGING: " + why);
        }
        super.start();
    }

    public boolean isJson() {
        return json;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return json ? jsonLine(event) : super.encode(event);
    }

    /** One event as one line of JSON, newline-terminated. */
    public static byte[] jsonLine(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
            g.writeStringField("level", event.getLevel().toString());
            g.writeStringField("logger", event.getLoggerName());
            g.writeStringField("thread", event.getThreadName());
            g.writeStringField("message", event.getFormattedMessage());
            IThrowableProxy thrown = event.getThrowableProxy();
            if (thrown != null) {
                g.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
            }
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null && !mdc.isEmpty()) {
                g.writeObjectFieldStart("mdc");
                for (Map.Entry<String, String> e : mdc.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }
}
