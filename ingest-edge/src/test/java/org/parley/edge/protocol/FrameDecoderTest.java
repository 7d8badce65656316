package org.parley.edge.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The decoder's bounds: every string field bounded, integers exact, one unambiguous JSON object per frame. */
class FrameDecoderTest {
    private final FrameDecoder decoder = new FrameDecoder(1024, 100);

    private ClientFrame decode(String text) {
        return decoder.decode(text, "alice");
    }

    private ProtocolException refusal(String text) {
        try {
            ClientFrame f = decode(text);
            String shown = String.valueOf(f);
            throw new AssertionError("accepted: " + (shown.length() > 300 ? shown.substring(0, 300) + "…" : shown));
        } catch (ProtocolException e) {
            return e;
        }
    }

    private void refused(String text, ErrorCode code) {
        assertThat(refusal(text).code()).as("reply to %s", text.length() > 200 ? text.substring(0, 200) : text)
                .isEqualTo(code);
    }

    private static String send(String extra) {
        return "{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\"" + extra + "}";
    }

    // ---- strings ----

    @Test
    void mediaTypeIsAMediaTypeOfAtMost255Characters() {
        refused(send(",\"mediaType\":\"" + "x".repeat(600_000) + "\""), ErrorCode.INVALID_FIELD);
        refused(send(",\"mediaType\":\"image/" + "x".repeat(250) + "\""), ErrorCode.INVALID_FIELD);
        refused(send(",\"mediaType\":\"not a media type\""), ErrorCode.INVALID_FIELD);
        refused(send(",\"mediaType\":\"image/jpeg\\n\""), ErrorCode.INVALID_FIELD);
        assertThat(((ClientFrame.Send) decode(send(",\"mediaType\":\"image/jpeg\""))).mediaType()).isEqualTo("image/jpeg");
        assertThat(((ClientFrame.Send) decode(send(",\"mediaType\":\"text/plain; charset=utf-8\""))).mediaType())
                .isEqualTo("text/plain; charset=utf-8");
        assertThat(((ClientFrame.Send) decode(send(",\"mediaType\":\"application/vnd.parley+json\""))).mediaType())
                .isEqualTo("application/vnd.parley+json");
    }

    @Test
    void conversationIdsAreCheckedInEveryFrameThatNamesOne() {
        String huge = "g:" + "a".repeat(191_000);
        refused("{\"type\":\"typing\",\"conversationId\":\"" + huge + "\",\"state\":\"start\"}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"typing\",\"conversationId\":\"nope\",\"state\":\"start\"}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"read\",\"conversationId\":\"" + huge + "\",\"seq\":1}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"read\",\"conversationId\":\"dm:bob:alice\",\"seq\":1}", ErrorCode.INVALID_FIELD);
        assertThat(decode("{\"type\":\"typing\",\"conversationId\":\"g:abcdefgh\",\"state\":\"stop\"}"))
                .isEqualTo(new ClientFrame.Typing("g:abcdefgh", false));
    }

    @Test
    void clientIdsAreVisibleAsciiOfAtMost128Characters() {
        refused("{\"type\":\"chats\",\"requestId\":\"" + "r".repeat(10_000) + "\"}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"chats\",\"requestId\":\"a b\"}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"history\",\"requestId\":\"r\\u0000\",\"conversationId\":\"dm:alice:bob\"}",
                ErrorCode.INVALID_FIELD);
        refused(send("").replace("\"m1\"", "\"m\\u00e9\""), ErrorCode.INVALID_FIELD);
        refused(send("").replace("\"m1\"", "\"" + "m".repeat(129) + "\""), ErrorCode.INVALID_FIELD);
        assertThat(((ClientFrame.Send) decode(send("").replace("\"m1\"", "\"" + "m".repeat(128) + "\"")))
                .clientMessageId()).hasSize(128);
        assertThat(decode("{\"type\":\"chats\",\"requestId\":\"c-1.2_3\"}")).isEqualTo(new ClientFrame.Chats("c-1.2_3"));
    }

    @Test
    void groupTextIsBoundedAndFreeOfControlCharacters() {
        String create = "{\"type\":\"createGroup\",\"clientMessageId\":\"g1\",\"members\":[\"bob\"],";
        refused(create + "\"name\":\"" + "n".repeat(101) + "\"}", ErrorCode.INVALID_FIELD);
        refused(create + "\"name\":\"a\\u0000b\"}", ErrorCode.INVALID_FIELD);
        refused(create + "\"name\":\"a\\ud800\"}", ErrorCode.INVALID_FIELD);
        refused(create + "\"name\":\"ok\",\"description\":\"" + "d".repeat(2049) + "\"}", ErrorCode.INVALID_FIELD);
        ClientFrame.Act ok = (ClientFrame.Act) decode(create + "\"name\":\"" + "n".repeat(100)
                + "\",\"description\":\"line 1\\nline 2 \\ud83d\\ude00\"}");
        assertThat(ok.groupInfo().getDescription()).isEqualTo("line 1\nline 2 \ud83d\ude00");
        refused("{\"type\":\"react\",\"clientMessageId\":\"r1\",\"conversationId\":\"dm:alice:bob\",\"targetSeq\":1,"
                + "\"reaction\":\"\\udc00\"}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"settings\",\"pushSound\":\"bell\\u0007\"}", ErrorCode.INVALID_FIELD);
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", ".", "-x", "_x", "a:b", ""})
    void userIdsStartWithALetterOrDigit(String userId) {
        refused(send("").replace("\"bob\"", "\"" + userId + "\""), ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"presence\",\"op\":\"subscribe\",\"userId\":\"" + userId + "\"}", ErrorCode.INVALID_FIELD);
    }

    @Test
    void anUnknownTypeIsNotEchoedWhenLong() {
        ProtocolException e = refusal("{\"type\":\"" + "t".repeat(100_000) + "\"}");
        assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_TYPE);
        assertThat(e.getMessage()).hasSizeLessThan(500);
        refused("{\"type\":5}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":[\"ping\"]}", ErrorCode.INVALID_FIELD);
    }

    // ---- integers ----

    @ParameterizedTest
    @ValueSource(strings = {"18446744073709551616", "18446744073709551617", "9223372036854775808", "-1", "1e300",
            "1e400000", "1e999999999999999999", "1.5", "-0.5", "123456789012345678901234567890"})
    void integersOutsideZeroToLongMaxAreRefusedNotWrapped(String number) {
        refused("{\"type\":\"ack\",\"inboxSeq\":" + number + "}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"read\",\"conversationId\":\"dm:alice:bob\",\"seq\":" + number + "}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"react\",\"clientMessageId\":\"r1\",\"conversationId\":\"dm:alice:bob\",\"targetSeq\":"
                + number + ",\"reaction\":\"+\"}", ErrorCode.INVALID_FIELD);
        refused("{\"type\":\"history\",\"requestId\":\"h\",\"conversationId\":\"dm:alice:bob\",\"beforeSeq\":" + number
                + "}", ErrorCode.INVALID_FIELD);
        refused(send(",\"replyToSeq\":" + number), ErrorCode.INVALID_FIELD);
    }

    @Test
    void integersInRangeAreExact() {
        assertThat(decode("{\"type\":\"ack\",\"inboxSeq\":9223372036854775807}"))
                .isEqualTo(new ClientFrame.Ack(Long.MAX_VALUE));
        assertThat(decode("{\"type\":\"ack\",\"inboxSeq\":0}")).isEqualTo(new ClientFrame.Ack(0));
        assertThat(decode("{\"type\":\"ack\",\"inboxSeq\":7.0}")).isEqualTo(new ClientFrame.Ack(7));
        assertThat(decode("{\"type\":\"ack\",\"inboxSeq\":9007199254740992}")).isEqualTo(new ClientFrame.Ack(1L << 53));
        // Parsed as an exact decimal, not a double (which would round it to 2^53).
        assertThat(decode("{\"type\":\"ack\",\"inboxSeq\":9007199254740993.0}"))
                .isEqualTo(new ClientFrame.Ack((1L << 53) + 1));
        assertThat(decode("{\"type\":\"ack\",\"inboxSeq\":1.2e3}")).isEqualTo(new ClientFrame.Ack(1200));
    }

    // ---- JSON ----

    @Test
    void aRepeatedKeyIsRefusedRatherThanResolved() {
        refused("{\"type\":\"ping\",\"type\":\"ack\",\"inboxSeq\":1}", ErrorCode.BAD_FRAME);
        refused(send(",\"to\":\"carol\""), ErrorCode.BAD_FRAME);
        refused("{\"type\":\"send\",\"clientMessageId\":\"m1\",\"to\":\"bob\",\"payload\":\"AA==\",\"forwardOf\":"
                + "{\"conversationId\":\"dm:alice:bob\",\"seq\":1,\"seq\":2}}", ErrorCode.BAD_FRAME);
    }

    @Test
    void nestingKeyLengthAndTrailingContentAreBounded() {
        refused("{\"type\":\"ping\",\"x\":" + "[".repeat(20) + "]".repeat(20) + "}", ErrorCode.BAD_FRAME);
        refused("{\"type\":\"ping\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", ErrorCode.BAD_FRAME);
        refused("{\"type\":\"ping\",\"" + "k".repeat(65) + "\":1}", ErrorCode.BAD_FRAME);
        refused("{\"type\":\"ping\"} {\"type\":\"ping\"}", ErrorCode.BAD_FRAME);
        refused("{\"type\":\"ping\"} x", ErrorCode.BAD_FRAME);
        assertThat(decode("{\"type\":\"ping\",\"x\":" + "[".repeat(10) + "]".repeat(10) + "}"))
                .isInstanceOf(ClientFrame.Ping.class);
    }
}
