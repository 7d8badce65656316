package org.parley.edge;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;

/**
 * A WebSocket client on a plain socket, for tests that must send what a well-behaved client library refuses to (a
 * frame above any limit, invalid UTF-8 in a text frame, fragments) and see exactly what the server answers: which
 * frames, which close code, or a connection cut without one.
 */
final class RawWebSocket implements AutoCloseable {
    static final int TEXT = 1;
    static final int BINARY = 2;
    static final int CONTINUATION = 0;
    static final int CLOSE = 8;
    /** {@link #awaitClose()}: the connection ended without a close frame. */
    static final int NO_CLOSE_FRAME = -1;

    /** A frame from the server. */
    record Frame(int opcode, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;
    private final Random masks = new Random(7);
    /** Response headers of the upgrade. */
    final String handshake;

    private RawWebSocket(Socket socket, String handshake) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
        this.handshake = handshake;
    }

    /** Upgrades {@code path}; {@code extraHeaders} are "Name: value\r\n" lines. */
    static RawWebSocket connect(int port, String path, String extraHeaders) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        String key = Base64.getEncoder().encodeToString("parley-raw-test!".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the upgrade: " + head);
            }
            head.write(b);
        }
        String response = head.toString(StandardCharsets.US_ASCII);
        if (!response.startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("upgrade refused: " + response);
        }
        return new RawWebSocket(socket, response);
    }

    void sendText(String text) throws IOException {
        send(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    /** One frame, masked as a client's must be. */
    void send(int opcode, boolean fin, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = header(opcode, fin, payload.length);
        frame.write(masked(payload));
        out.write(frame.toByteArray());
        out.flush();
    }

    /** Only a frame's header, announcing {@code length} bytes that are never sent (a frame refused at its header). */
    void sendHeader(int opcode, boolean fin, long length) throws IOException {
        out.write(header(opcode, fin, length).toByteArray());
        out.flush();
    }

    private ByteArrayOutputStream header(int opcode, boolean fin, long length) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            h.write(0x80 | (int) length);
        } else if (length < 65536) {
            h.write(0x80 | 126);
            h.write((int) (length >> 8));
            h.write((int) length);
        } else {
            h.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                h.write((int) (length >> (8 * i)));
            }
        }
        h.write(mask, 0, 4);
        return h;
    }

    private final byte[] mask = new byte[4];

    private byte[] masked(byte[] payload) {
        byte[] m = new byte[payload.length];
        for (int i = 0; i < payload.length; i++) {
            m[i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        masks.nextBytes(mask); // the next frame's mask
        return m;
    }

    /** The next frame from the server, or null if the connection ended. */
    Frame next() throws IOException {
        int b0;
        try {
            b0 = in.read();
        } catch (SocketException e) {
            return null; // reset
        }
        if (b0 < 0) {
            return null;
        }
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return new Frame(b0 & 0x0F, payload);
    }

    /** The next text frame's content, skipping nothing: fails if the next frame is anything else. */
    String nextText() throws IOException {
        Frame f = next();
        if (f == null || f.opcode() != TEXT) {
            throw new IOException("expected a text frame, got " + (f == null ? "the end" : "opcode " + f.opcode()
                    + (f.opcode() == CLOSE ? " code " + f.closeCode() : "")));
        }
        return f.text();
    }

    /** Reads until the server's close frame (answering it) and returns its code, or NO_CLOSE_FRAME. */
    int awaitClose() throws IOException {
        while (true) {
            Frame f;
            try {
                f = next();
            } catch (EOFException | SocketException e) {
                return NO_CLOSE_FRAME;
            }
            if (f == null) {
                return NO_CLOSE_FRAME;
            }
            if (f.opcode() == CLOSE) {
                try {
                    send(CLOSE, true, f.payload().length >= 2 ? new byte[] {f.payload()[0], f.payload()[1]} : new byte[0]);
                } catch (IOException e) {
                    // the server may have gone already
                }
                return f.closeCode();
            }
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
