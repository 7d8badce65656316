package org.parley.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParleyLogEncoderTest {
    private final LoggerContext context = new LoggerContext();

    {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }
    private final Logger logger = context.getLogger("org.parley.edge.EdgeApp");

    private ParleyLogEncoder encoder(String format) {
        ParleyLogEncoder e = new ParleyLogEncoder();
        e.setContext(context);
        e.setPattern("%-5level [%thread] %logger{36} - %msg%n");
        e.setFormat(format);
        e.start();
        return e;
    }

    private LoggingEvent event(String message, Throwable thrown, Object... args) {
        LoggingEvent e = new LoggingEvent(Logger.class.getName(), logger, Level.WARN, message, thrown, args);
        e.setThreadName("vert.x-eventloop-thread-1");
        e.setTimeStamp(Instant.parse("2026-12-07T05:01:02.345Z").toEpochMilli());
        return e;
    }

    @Test
    void jsonIsOneObjectPerLineWithTimeLevelLoggerThreadAndMessage() throws Exception {
        String out = new String(encoder("json").encode(event("device {} closed:\n{}", null, "d-1", "\"why\"")),
                StandardCharsets.UTF_8);
        assertThat(out).endsWith("\n");
        assertThat(out.substring(0, out.length() - 1)).doesNotContain("\n"); // a multi-line message stays one line
        JsonNode line = new ObjectMapper().readTree(out);
        assertThat(line.get("time").asText()).isEqualTo("2026-12-07T05:01:02.345Z");
        assertThat(line.get("level").asText()).isEqualTo("WARN");
        assertThat(line.get("logger").asText()).isEqualTo("org.parley.edge.EdgeApp");
        assertThat(line.get("thread").asText()).isEqualTo("vert.x-eventloop-thread-1");
        assertThat(line.get("message").asText()).isEqualTo("device d-1 closed:\n\"why\"");
        assertThat(line.has("exception")).isFalse();
    }

    @Test
    void jsonCarriesTheStackTraceAndMdc() throws Exception {
        LoggingEvent e = event("failed", new IllegalStateException("boom"));
        e.setMDCPropertyMap(Map.of("conversation", "c-1"));
        JsonNode line = new ObjectMapper().readTree(encoder("json").encode(e));
        assertThat(line.get("exception").asText()).startsWith("java.lang.IllegalStateException: boom")
                .contains("at org.parley.logging.ParleyLogEncoderTest");
        assertThat(line.get("mdc").get("conversation").asText()).isEqualTo("c-1");
    }

    @Test
    void textIsThePattern() {
        ParleyLogEncoder text = encoder("text");
        assertThat(text.isJson()).isFalse();
        assertThat(new String(text.encode(event("hello {}", null, "world")), StandardCharsets.UTF_8))
                .isEqualTo("WARN  [vert.x-eventloop-thread-1] org.parley.edge.EdgeApp - hello world" + System.lineSeparator());
    }

    @Test
    void anUnknownFormatIsReportedAndLogsAsText() {
        ParleyLogEncoder e = encoder("xml");
        assertThat(e.isJson()).isFalse();
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .anyMatch(s -> s.getLevel() == Status.ERROR && s.getMessage().contains("log.format must be 'text' or 'json'")
                        && s.getMessage().contains("'xml'"));
        assertThat(new String(e.encode(event("still here", null)), StandardCharsets.UTF_8)).contains("still here");
    }

    @Test
    void theSettingChoosesTheFormatWhenTheConfigurationDoesNot() {
        System.setProperty("parley.log.format", "json");
        try {
            assertThat(encoder(null).isJson()).isTrue();
        } finally {
            System.clearProperty("parley.log.format");
        }
        assertThat(encoder(null).isJson()).isFalse(); // default: text
    }
}
