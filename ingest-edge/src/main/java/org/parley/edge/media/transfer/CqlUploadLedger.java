package org.parley.edge.media.transfer;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** {@link UploadLedger} on the CQL {@code media_uploads} table (one partition per user). */
public final class CqlUploadLedger implements UploadLedger {
    private final Vertx vertx;
    private final CqlSession session;
    private final PreparedStatement insert;
    private final PreparedStatement find;
    private final PreparedStatement sizes;
    private final PreparedStatement complete;
    private final PreparedStatement swept;

    public CqlUploadLedger(Vertx vertx, CqlSession session) {
        this.vertx = vertx;
        this.session = session;
        this.insert = session.prepare("INSERT INTO media_uploads (user_id, upload_id, media_key, kind, bytes, part_bytes,"
                + " s3_upload_id, content_type, completed, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)");
        this.find = session.prepare("SELECT media_key, kind, bytes, part_bytes, s3_upload_id, content_type, completed"
                + " FROM media_uploads WHERE user_id = ? AND upload_id = ?");
        this.sizes = session.prepare("SELECT bytes FROM media_uploads WHERE user_id = ?");
        this.complete = session.prepare("UPDATE media_uploads SET completed = true WHERE user_id = ? AND upload_id = ?");
        this.swept = session.prepare("SELECT swept_at, reason FROM media_swept WHERE media_key = ?");
    }

    @Override
    public Future<Void> start(Upload u) {
        return Future.fromCompletionStage(session.executeAsync(insert.bind(u.userId(), u.uploadId(), u.key(), u.kind().wire(),
                u.bytes(), u.partBytes(), u.s3UploadId(), u.contentType(), false, Instant.now())).thenApply(rs -> null), vertx.getOrCreateContext());
    }

    @Override
    public Future<Optional<Upload>> find(String userId, String uploadId) {
        return Future.fromCompletionStage(session.executeAsync(find.bind(userId, uploadId)).thenApply(rs -> {
            Row r = rs.one();
            return r == null ? Optional.<Upload>empty() : Optional.of(new Upload(userId, uploadId,
                    r.getString("media_key"), UploadPlan.Kind.parse(r.getString("kind")), r.getLong("bytes"),
                    r.getLong("part_bytes"), r.getString("s3_upload_id"), r.getString("content_type"),
                    r.getBoolean("completed")));
        }), vertx.getOrCreateContext());
    }

    @Override
    public Future<Long> used(String userId) {
        return Future.fromCompletionStage(session.executeAsync(sizes.bind(userId)).thenCompose(rs -> sum(rs, 0L)), vertx.getOrCreateContext());
    }

    private static CompletionStage<Long> sum(AsyncResultSet rs, long sofar) {
        long total = sofar;
        for (Row r : rs.currentPage()) {
            total += r.getLong("bytes");
        }
        long t = total;
        return rs.hasMorePages() ? rs.fetchNextPage().thenCompose(next -> sum(next, t)) : CompletableFuture.completedFuture(t);
    }

    @Override
    public Future<Void> completed(String userId, String uploadId) {
        return Future.fromCompletionStage(session.executeAsync(complete.bind(userId, uploadId)).thenApply(rs -> null), vertx.getOrCreateContext());
    }

    @Override
    public Future<Optional<Swept>> swept(String key) {
        return Future.fromCompletionStage(session.executeAsync(swept.bind(key)).thenApply(rs -> {
            Row r = rs.one();
            return r == null ? Optional.<Swept>empty()
                    : Optional.of(new Swept(key, r.getInstant("swept_at"), r.getString("reason")));
        }), vertx.getOrCreateContext());
    }
}
