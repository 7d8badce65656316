package org.parley.edge.session;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads a device's WebSocket messages frame by frame and enforces what RFC 6455 and docs/protocol.md say before
 * anything is decoded: a message (all its fragments) larger than {@code edge.max-frame-bytes} closes the connection
 * with 1009 as soon as it is seen to be too big (nothing of it is buffered beyond the limit); a text message that is
 * not valid UTF-8 closes it with 1007; a frame the WebSocket decoder itself refuses closes it with the decoder's code
 * (1009 for a frame above {@code edge.max-frame-read-bytes}, 1002 for a protocol error). Vert.x's own message
 * aggregation is not used: it drops an oversized message silently and decodes invalid UTF-8 to U+FFFD.
 */
public final class InboundMessages {
    public static final short PROTOCOL_ERROR = 1002;
    public static final short INVALID_UTF8 = 1007;
    public static final short TOO_BIG = 1009;

    private final ServerWebSocket ws;
    private final int maxBytes;
    private final Consumer<String> onText;
    private final Runnable onBinary;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    /** The text message being read (its fragments so far), or null. */
    private Buffer text;
    /** Bytes of the binary message being read, or -1: its content is never kept, only counted. */
    private long binaryBytes = -1;
    private boolean failed;

    private InboundMessages(ServerWebSocket ws, int maxBytes, Consumer<String> onText, Runnable onBinary) {
        this.ws = ws;
        this.maxBytes = maxBytes;
        this.onText = onText;
        this.onBinary = onBinary;
    }

    /**
     * Installs the reader on {@code ws}: each complete, valid text message goes to {@code onText}, each complete
     * binary message (within the limit) to {@code onBinary}; {@code onError} sees socket errors.
     */
    public static void read(ServerWebSocket ws, int maxBytes, Consumer<String> onText, Runnable onBinary,
                            Consumer<Throwable> onError) {
        InboundMessages reader = new InboundMessages(ws, maxBytes, onText, onBinary);
        ws.frameHandler(reader::onFrame);
        ws.exceptionHandler(err -> {
            if (err instanceof CorruptedWebSocketFrameException c && !reader.failed) {
                // The decoder refused a frame (above edge.max-frame-read-bytes, or malformed): say why if we still can.
                reader.fail(c.closeStatus().code() == TOO_BIG ? TOO_BIG : PROTOCOL_ERROR,
                        c.closeStatus().code() == TOO_BIG ? "message too big" : "protocol error");
            }
            onError.accept(err);
        });
    }

    private void onFrame(WebSocketFrame frame) {
        if (failed) {
            return;
        }
        switch (frame.type()) {
            case TEXT -> {
                text = Buffer.buffer();
                binaryBytes = -1;
                appendText(frame);
            }
            case BINARY -> {
                text = null;
                binaryBytes = 0;
                countBinary(frame);
            }
            case CONTINUATION -> {
                if (text != null) {
                    appendText(frame);
                } else if (binaryBytes >= 0) {
                    countBinary(frame);
                }
            }
            default -> {
                // ping, pong and close are Vert.x's to answer
            }
        }
    }

    private void appendText(WebSocketFrame frame) {
        Buffer data = frame.binaryData();
        if ((long) text.length() + data.length() > maxBytes) {
            text = null;
            fail(TOO_BIG, "message larger than " + maxBytes + " bytes");
            return;
        }
        text.appendBuffer(data);
        if (frame.isFinal()) {
            Buffer message = text;
            text = null;
            String decoded;
            try {
                decoded = utf8.reset().decode(ByteBuffer.wrap(message.getBytes())).toString();
            } catch (CharacterCodingException e) {
                fail(INVALID_UTF8, "text message is not valid UTF-8");
                return;
            }
            onText.accept(decoded);
        }
    }

    private void countBinary(WebSocketFrame frame) {
        binaryBytes += frame.binaryData().length();
        if (binaryBytes > maxBytes) {
            binaryBytes = -1;
            fail(TOO_BIG, "message larger than " + maxBytes + " bytes");
            return;
        }
        if (frame.isFinal()) {
            binaryBytes = -1;
            onBinary.run();
        }
    }

    private void fail(short code, String reason) {
        failed = true;
        ws.close(code, reason);
    }
}
