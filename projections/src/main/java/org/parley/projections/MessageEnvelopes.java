package org.parley.projections;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.parley.events.ConversationEvent;
import org.parley.events.DeviceEnvelope;
import org.parley.events.EnvelopeType;
import org.parley.events.EventType;
import org.parley.schemas.Envelopes;

/**
 * The {@code message_envelopes} table (docs/adr/0011): the per-device content of end-to-end encrypted one-to-one
 * messages, one partition per (conversation, bucket, device), so that a device's history page reads its own
 * envelopes and nothing else. Each encrypted message also writes a row for device {@link #ENCRYPTED_MARKER} (no
 * body): history knows the message was encrypted even for a device that has no envelope of it.
 */
public class MessageEnvelopes {
    /** The device id of the marker rows: never a device id (those are UUIDs). */
    public static final String ENCRYPTED_MARKER = "*";

    /** One row: a device's envelope of message {@code seq}, or the marker (type and body null). */
    public record Row(String conversationId, long bucket, String deviceId, long seq, EnvelopeType type, byte[] body) {
    }

    /** What a device may read of a page: the encrypted seqs, and its own envelope of each (when it has one). */
    public record ForDevice(Set<Long> encryptedSeqs, Map<Long, DeviceEnvelope> own) {
        public static final ForDevice NONE = new ForDevice(Set.of(), Map.of());
    }

    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement read;

    public MessageEnvelopes(CqlSession session) {
        this.session = session;
        this.insert = session.prepare("INSERT INTO message_envelopes (conversation_id, bucket, device_id, seq, type,"
                + " body) VALUES (?,?,?,?,?,?) USING TIMESTAMP ?");
        this.read = session.prepare("SELECT device_id, seq, type, body FROM message_envelopes WHERE conversation_id = ?"
                + " AND bucket = ? AND device_id IN ? AND seq >= ? AND seq <= ?");
    }

    /** The rows an event writes: none unless it is an encrypted message; then the marker and one per envelope. */
    public static List<Row> rowsOf(ConversationEvent e) {
        if (e.getType() != EventType.MESSAGE || !Envelopes.isEncrypted(e)) {
            return List.of();
        }
        long bucket = Buckets.of(e.getSeq());
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(e.getConversationId(), bucket, ENCRYPTED_MARKER, e.getSeq(), null, null));
        for (DeviceEnvelope env : Envelopes.of(e)) {
            ByteBuffer b = env.getBody().duplicate();
            byte[] body = new byte[b.remaining()];
            b.get(body);
            rows.add(new Row(e.getConversationId(), bucket, env.getDeviceId(), e.getSeq(), env.getType(), body));
        }
        return rows;
    }

    /** Idempotent: the same event writes the same rows, at its seq as cell timestamp. */
    public CompletionStage<Void> write(ConversationEvent e) {
        List<Row> rows = rowsOf(e);
        if (rows.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (Row r : rows) {
            writes.add(session.executeAsync(insert.bind(r.conversationId(), r.bucket(), r.deviceId(), r.seq(),
                    r.type() == null ? null : r.type().name(), r.body() == null ? null : ByteBuffer.wrap(r.body()),
                    r.seq())).toCompletableFuture());
        }
        return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
    }

    /** The encrypted messages with seq in [from, to] and {@code deviceId}'s own envelopes of them. */
    public CompletionStage<ForDevice> forDevice(String conversationId, String deviceId, long from, long to) {
        Set<Long> encrypted = new HashSet<>();
        Map<Long, DeviceEnvelope> own = new HashMap<>();
        List<CompletableFuture<Void>> reads = new ArrayList<>();
        for (long b = Buckets.of(from); b <= Buckets.of(to); b++) {
            reads.add(session.executeAsync(read.bind(conversationId, b, List.of(ENCRYPTED_MARKER, deviceId), from, to))
                    .thenCompose(rs -> collect(rs, encrypted, own)).toCompletableFuture());
        }
        return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                .thenApply(v -> new ForDevice(Set.copyOf(encrypted), Map.copyOf(own)));
    }

    private static CompletionStage<Void> collect(AsyncResultSet rs, Set<Long> encrypted, Map<Long, DeviceEnvelope> own) {
        synchronized (own) {
            for (com.datastax.oss.driver.api.core.cql.Row row : rs.currentPage()) {
                String device = row.getString("device_id");
                long seq = row.getLong("seq");
                if (ENCRYPTED_MARKER.equals(device)) {
                    encrypted.add(seq);
                } else {
                    ByteBuffer body = row.getByteBuffer("body");
                    own.put(seq, DeviceEnvelope.newBuilder().setDeviceId(device)
                            .setType(EnvelopeType.valueOf(row.getString("type")))
                            .setBody(body == null ? ByteBuffer.allocate(0) : body).build());
                }
            }
        }
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> collect(next, encrypted, own))
                : CompletableFuture.completedFuture(null);
    }
}
