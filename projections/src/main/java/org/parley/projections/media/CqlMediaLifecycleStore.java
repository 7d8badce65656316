package org.parley.projections.media;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@link MediaLifecycleStore} on CQL: the edge's upload ledger ({@code media_uploads}), the references' times from
 * the log ({@code media_reference_times}) and the sweeper's own record ({@code media_swept}).
 */
public final class CqlMediaLifecycleStore implements MediaLifecycleStore {
    private static final String UPLOAD_COLUMNS = "user_id, upload_id, media_key, bytes, s3_upload_id, completed, created_at";
    private static final int PAGE = 500;

    private final CqlSession session;
    private final PreparedStatement all;
    private final PreparedStatement ofUser;
    private final PreparedStatement references;
    private final PreparedStatement swept;
    private final PreparedStatement forget;

    public CqlMediaLifecycleStore(CqlSession session) {
        this.session = session;
        this.all = session.prepare("SELECT " + UPLOAD_COLUMNS + " FROM media_uploads");
        this.ofUser = session.prepare("SELECT " + UPLOAD_COLUMNS + " FROM media_uploads WHERE user_id = ?");
        this.references = session.prepare("SELECT conversation_id, seq, referenced_at, released_at"
                + " FROM media_reference_times WHERE media_key = ?");
        this.swept = session.prepare("INSERT INTO media_swept (media_key, user_id, bytes, reason, swept_at)"
                + " VALUES (?,?,?,?,?)");
        this.forget = session.prepare("DELETE FROM media_uploads WHERE user_id = ? AND upload_id = ?");
    }

    @Override
    public void forEachUpload(Consumer<MediaSweepRules.Upload> each) {
        // The driver pages through the table (a scan over every user's partition, PAGE rows at a time).
        for (Row r : session.execute(all.bind().setPageSize(PAGE))) {
            each.accept(upload(r));
        }
    }

    @Override
    public List<MediaSweepRules.Upload> uploadsOf(String userId) {
        List<MediaSweepRules.Upload> out = new ArrayList<>();
        for (Row r : session.execute(ofUser.bind(userId).setPageSize(PAGE))) {
            out.add(upload(r));
        }
        return out;
    }

    private static MediaSweepRules.Upload upload(Row r) {
        return new MediaSweepRules.Upload(r.getString("user_id"), r.getString("upload_id"), r.getString("media_key"),
                r.getLong("bytes"), r.getString("s3_upload_id"), r.getBoolean("completed"), r.getInstant("created_at"));
    }

    @Override
    public List<MediaSweepRules.Reference> references(String mediaKey) {
        List<MediaSweepRules.Reference> out = new ArrayList<>();
        for (Row r : session.execute(references.bind(mediaKey).setPageSize(PAGE))) {
            out.add(new MediaSweepRules.Reference(r.getString("conversation_id"), r.getLong("seq"),
                    r.getInstant("referenced_at"), r.getInstant("released_at")));
        }
        return out;
    }

    @Override
    public void recordSwept(MediaSweepRules.Upload u, MediaSweepRules.Reason reason, Instant at) {
        session.execute(swept.bind(u.key(), u.userId(), u.bytes(), reason.name().toLowerCase(java.util.Locale.ROOT), at));
    }

    @Override
    public void forget(MediaSweepRules.Upload u) {
        session.execute(forget.bind(u.userId(), u.uploadId()));
    }
}
