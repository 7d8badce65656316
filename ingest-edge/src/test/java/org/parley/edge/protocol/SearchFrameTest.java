package org.parley.edge.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The {@code search} frame: its defaults, its bounds and the precise error of each bad field. */
class SearchFrameTest {
    private final FrameDecoder decoder = new FrameDecoder(1024, 100);

    private ClientFrame.Search decode(String fields) {
        return (ClientFrame.Search) decoder.decode("{\"type\":\"search\"" + fields + "}", "alice");
    }

    private void refused(String fields, ErrorCode code, String says) {
        assertThatThrownBy(() -> decode(fields)).isInstanceOfSatisfying(ProtocolException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(says);
            if (fields.contains("requestId\":\"r1")) {
                assertThat(e.ref()).isEqualTo("r1");
            }
        });
    }

    @Test
    void aSearchNeedsOnlyARequestIdAndPagesFromTheNewest() {
        ClientFrame.Search s = decode(",\"requestId\":\"r1\"");
        assertThat(s).isEqualTo(new ClientFrame.Search("r1", null, null, null, null, null, 50, null));
        ClientFrame.Search full = decode(",\"requestId\":\"r1\",\"conversationId\":\"g:abcdefgh\",\"fromTime\":10,"
                + "\"untilTime\":20,\"senderUserId\":\"bob\",\"mediaType\":\"Image/JPEG\",\"limit\":100,\"cursor\":\""
                + new SearchCursor(15, "g:abcdefgh", 7).encode() + "\"");
        assertThat(full).isEqualTo(new ClientFrame.Search("r1", "g:abcdefgh", 10L, 20L, "bob", "image/jpeg", 100,
                new SearchCursor(15, "g:abcdefgh", 7)));
    }

    @Test
    void eachBadFieldIsRefusedWithItsOwnMessage() {
        refused("", ErrorCode.MISSING_FIELD, "requestId");
        refused(",\"requestId\":\"r1\",\"conversationId\":\"chat\"", ErrorCode.INVALID_FIELD, "conversationId");
        refused(",\"requestId\":\"r1\",\"fromTime\":-1", ErrorCode.INVALID_FIELD, "fromTime");
        refused(",\"requestId\":\"r1\",\"untilTime\":1.5", ErrorCode.INVALID_FIELD, "untilTime");
        refused(",\"requestId\":\"r1\",\"fromTime\":20,\"untilTime\":20", ErrorCode.INVALID_FIELD, "before 'untilTime'");
        refused(",\"requestId\":\"r1\",\"senderUserId\":\"bo b\"", ErrorCode.INVALID_FIELD, "senderUserId");
        refused(",\"requestId\":\"r1\",\"mediaType\":\"image/jpeg; q=1\"", ErrorCode.INVALID_FIELD, "mediaType");
        refused(",\"requestId\":\"r1\",\"limit\":0", ErrorCode.INVALID_FIELD, "from 1 to 100");
        refused(",\"requestId\":\"r1\",\"limit\":101", ErrorCode.INVALID_FIELD, "from 1 to 100");
        refused(",\"requestId\":\"r1\",\"cursor\":\"bm9wZQ\"", ErrorCode.INVALID_FIELD, "cursor");
        refused(",\"requestId\":\"r1\",\"cursor\":17", ErrorCode.INVALID_FIELD, "cursor");
    }

    @Test
    void cursorsOrderNewestFirstAndSurviveTheirEncoding() {
        SearchCursor newer = new SearchCursor(20, "dm:alice:bob", 1);
        SearchCursor sameTimeLaterChat = new SearchCursor(10, "g:b", 1);
        SearchCursor sameTimeEarlierChat = new SearchCursor(10, "g:a", 9);
        assertThat(newer.before(sameTimeLaterChat)).isTrue();
        assertThat(sameTimeLaterChat.before(sameTimeEarlierChat)).isTrue();
        assertThat(sameTimeEarlierChat.before(newer)).isFalse();
        assertThat(SearchCursor.decode(sameTimeEarlierChat.encode())).isEqualTo(sameTimeEarlierChat);
        assertThat(SearchCursor.decode("x".repeat(SearchCursor.MAX_LENGTH + 1))).isNull();
    }

    @Test
    void mediaFilters() {
        assertThat(SearchFrames.mediaMatches("none", null)).isTrue();
        assertThat(SearchFrames.mediaMatches("none", "image/png")).isFalse();
        assertThat(SearchFrames.mediaMatches("any", "image/png")).isTrue();
        assertThat(SearchFrames.mediaMatches("any", null)).isFalse();
        assertThat(SearchFrames.mediaMatches("image", "image/png")).isTrue();
        assertThat(SearchFrames.mediaMatches("image", "imagex/png")).isFalse();
        assertThat(SearchFrames.mediaMatches("image/png", "image/png")).isTrue();
        assertThat(SearchFrames.mediaMatches("image/png", "image/jpeg")).isFalse();
        assertThat(SearchFrames.mediaMatches(null, null)).isTrue();
    }
}
